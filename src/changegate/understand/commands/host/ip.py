"""ip (iproute2): `ip [OPTIONS] OBJECT [COMMAND …]`. Showing reads; adding, deleting and setting change the
machine's network — flushing, taking a link down or deleting the default route can cut the connection the
agent (and everyone else) reaches the machine through. `ip netns exec NS CMD` runs CMD."""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.host.common import HostTool, control, read
from changegate.understand.commands.net.common import walk_words

# Objects by every abbreviation ip accepts.
OBJECTS = {
    **dict.fromkeys(("a", "ad", "add", "addr", "addre", "addres", "address"), "address"),
    **dict.fromkeys(("l", "li", "lin", "link"), "link"),
    **dict.fromkeys(("r", "ro", "rou", "rout", "route"), "route"),
    **dict.fromkeys(("n", "ne", "nei", "neigh", "neighbor", "neighbour"), "neighbour"),
    **dict.fromkeys(("ru", "rul", "rule"), "rule"),
    **dict.fromkeys(("m", "mo", "mon", "moni", "monitor"), "monitor"),
}
READ_COMMANDS = frozenset({"show", "sh", "s", "list", "ls", "lst", "l", "get", "g", "help", "monitor", "save",
                           "showdump", "identify", "pids"})
# Objects whose `ip OBJECT -OPTION` form (`ip link -details`) only shows.
SHOWN_OBJECTS = frozenset({"address", "link", "route", "neighbour", "rule"})
BATCH = ("-b", "-batch")


class Ip(HostTool):
    """Its options are single-dash words (`-batch`, `-netns NS`) and `-4`/`-6`, before the object."""

    NAMES = ("ip",)
    VALUE_OPTIONS = frozenset({"-n", "-netns", "-b", "-batch", "-rc", "-rcvbuf", "-f", "-family", "-l", "-loops"})
    LONG_SINGLE_DASH = True

    def effects(self, inv: Invocation) -> list[Effect]:
        walked = walk_words(self, inv.words, stop_at_first_positional=True)
        if walked.has(*BATCH):
            return [control(inv, "network", "ip -batch runs network commands from a file", kind="network")]
        rest = [w.value for w in walked.positionals]
        if not rest:
            return [read(inv, "help")]
        obj = OBJECTS.get(rest[0], rest[0])
        if obj == "netns" and rest[1:2] == ["exec"] and len(rest) > 3:
            inv.run_argv(walked.positionals[3:])
            return []
        command = rest[1] if len(rest) > 1 else "show"
        if obj == "monitor" or command in READ_COMMANDS or (obj in SHOWN_OBJECTS and command.startswith("-")):
            return [read(inv, f"{obj} {command}")]
        cuts = command == "flush" or (obj == "link" and "down" in rest) or (
            obj == "route" and command in ("del", "delete") and "default" in rest)
        return [control(inv, f"network/{obj}", f"ip {' '.join(rest[:4])} changes the machine's network"
                        + (": connections over it can be cut" if cuts else ""),
                        tags=("network", "network-cut") if cuts else ("network",), kind="network")]


class NetTools(HostTool):
    """net-tools: `route`, `ifconfig`, `arp`. With no operands (or `-n`/`-a`) they show; adding, deleting or
    setting anything changes the machine's network (`route del default`, `ifconfig eth0 down` can cut it)."""

    NAMES = ("route", "ifconfig", "arp")
    VALUE_OPTIONS = frozenset({"-A", "-i", "-H", "-f"})
    CHANGES = frozenset({"add", "del", "delete", "flush", "down", "up", "-d", "-s", "mtu", "netmask", "broadcast",
                         "hw", "metric", "-arp", "promisc", "-promisc", "inet", "inet6", "-D"})

    def effects(self, inv: Invocation) -> list[Effect]:
        words = [w.value for w in inv.words]
        operands = [w for w in words if not w.startswith("-")]
        changes = any(w in self.CHANGES for w in words) or (inv.name == "ifconfig" and len(operands) > 1)
        if not changes:
            return [read(inv, " ".join(words[:3]))]
        cuts = "down" in words or ("default" in words and any(w in ("del", "delete") for w in words))
        return [control(inv, f"network/{inv.name}", f"{inv.name} {' '.join(words[:4])} changes the machine's network"
                        + (": connections over it can be cut" if cuts else ""),
                        tags=("network", "network-cut") if cuts else ("network",), kind="network")]
