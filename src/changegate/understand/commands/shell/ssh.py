"""ssh, mosh, autossh: the payload runs on another host, whose name places it; without one, an
interactive shell there, where nothing it does can be seen."""

from __future__ import annotations

from typing import ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Word
from changegate.understand.commands.net.common import is_loopback, record_tunnel
from changegate.understand.commands.shell.common import CommandRunner
from changegate.understand.placement import place_host

LOCAL_COMMANDS = ("proxycommand", "localcommand", "knownhostscommand")


def ssh_options(values: list[str]) -> dict[str, str]:
    """`-o Key=Value` / `-o "Key Value"`, keys lower-cased (ssh reads them case-insensitively); the first
    value given for a key wins, as in ssh."""
    out: dict[str, str] = {}
    for raw in values:
        key, sep, value = raw.strip().partition("=")
        if not sep:
            key, _, value = raw.strip().partition(" ")
        out.setdefault(key.strip().lower(), value.strip())
    return out


class Ssh(CommandRunner):
    NAMES = ("ssh", "mosh", "autossh")
    FAMILY = "remote"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-b", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L",
                                                       "-l", "-m", "-O", "-o", "-p", "-Q", "-R", "-S", "-W", "-w",
                                                       "-B"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts, _, rest = self.split(inv.words)
        if not rest:
            return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "no host"), reversible="yes",
                               summary=f"{inv.name} without a host prints its usage")]
        destination = rest[0].value
        command = rest[1:]
        user = opts.value("-l")
        if destination.startswith("ssh://"):
            destination = destination[6:].split("/", 1)[0]
        if "@" in destination:
            user, _, destination = destination.rpartition("@")
        host = destination.split(":", 1)[0]
        placement = inv.ctx.environments.host(host, "ssh host")
        inv.ctx.consulted.setdefault("ssh:host", host)
        options = ssh_options(opts.values("-o"))
        for key in LOCAL_COMMANDS:  # run on this machine, through the user's shell, before or after connecting
            local = options.get(key, "")
            if local and local.lower() != "none":
                inv.run_script(local.replace("%h", host).replace("%p", opts.value("-p") or "22")
                               .replace("%%", "%"), origin=f"ssh {key}")
        if not command and options.get("remotecommand", "").lower() not in ("", "none"):
            command = [Word(options["remotecommand"])]
        self.record_forwards(inv, opts.values("-L"), host, placement)
        if command and all(w.known for w in command) and not " ".join(w.value for w in command).strip():
            command = []  # ssh joins the words; an empty command asks for a shell, as none does
        if not command and opts.has("-N", "-f") and opts.values("-L"):
            return [inv.effect("modify", f"host:{host}/tunnel", placement, kind="tunnel", reversible="yes",
                               tags=("tunnel",), summary=f"forwards local ports to {host}'s side "
                                                         f"({', '.join(opts.values('-L'))})")]
        if not command:
            return [inv.effect("host_control", f"host:{host}", placement, kind="shell",
                               summary=f"opens a shell on {host}: nothing it does there can be seen")]
        remote_home = "/root" if user == "root" else f"/home/{user or 'remote'}"
        ctx = inv.ctx.clone(remote=host, remote_placement=placement, cwd=remote_home, home=remote_home,
                            env={}, workspace=None)
        inv.run_script(" ".join(w.value for w in command), ctx=ctx, origin=f"ssh {host}")
        return []

    @staticmethod
    def record_forwards(inv: Invocation, forwards: list[str], host: str, placement: Placement) -> None:
        """`-L [bind:]PORT:TARGET:TARGETPORT`: later traffic to localhost:PORT lands on TARGET as the ssh host
        sees it (the host itself when TARGET is its loopback)."""
        for spec in forwards:
            parts = spec.replace("[", "").replace("]", "").split(":")
            if len(parts) < 3:
                continue
            port, target = parts[-3], parts[-2]
            far = placement if is_loopback(target) else place_host(inv.ctx.environments, target,
                                                                  f"ssh -L destination (through {host})")
            record_tunnel(inv.ctx, port, far)
