"""clush (ClusterShell): `clush -w NODES|-g GROUP|-a [OPTIONS] COMMAND…` runs COMMAND on the nodes;
`--copy FILE… --dest DIR` copies files to them and `--rcopy` from them. Node sets use `@group` and
`node[1-9]` ranges; `--hostfile` names a file of nodes."""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli, Options
from changegate.understand.commands.platforms.fleet import (
    Fleet,
    interactive,
    on_fleet,
    on_hosts,
    place_fleet,
    run_on_fleet,
)


class Clush(Cli):
    NAMES = ("clush",)
    FAMILY = "remote"
    VALUE_OPTIONS = frozenset({"-w", "-x", "-g", "--group", "-X", "-l", "--user", "-f", "--fanout", "-t",
                               "--connect_timeout", "-u", "--command_timeout", "-o", "--options", "-R", "--worker",
                               "-s", "--groupsource", "--hostfile", "--dest", "--pick", "--topology", "--color",
                               "-O", "--option"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words, stop_at_first_positional=True)
        fleet = self.fleet(inv, opts)
        if opts.has("-c", "--copy", "--rcopy"):
            return self.copy(inv, opts, fleet)
        command = opts.positional_words
        if not command:
            return [interactive(inv, fleet)]
        run_on_fleet(inv, fleet, " ".join(w.value for w in command), user=opts.value("-l", "--user"))
        return []

    @staticmethod
    def fleet(inv: Invocation, opts: Options) -> Fleet:
        nodes = opts.values("-w")
        return place_fleet(inv, hosts=[n for n in nodes if not n.startswith("@")],
                           groups=[*opts.values("-g", "--group"), *(n for n in nodes if n.startswith("@"))],
                           files=opts.values("--hostfile"), every=opts.has("-a", "--all"), what="node")

    @staticmethod
    def copy(inv: Invocation, opts: Options, fleet: Fleet) -> list[Effect]:
        destination = opts.value("--dest") or (opts.positionals[-1] if opts.positionals else "?")
        if opts.has("--rcopy"):
            return [inv.fs("create", destination, recursive=True,
                           summary=f"clush --rcopy copies files from {fleet.label} into {destination}")]
        effect = on_hosts(inv, fleet, opts.value("-l", "--user")).fs(
            "modify", destination, recursive=True, reversible="unknown",
            summary=f"clush --copy writes into {destination} on {fleet.label}")
        return [on_fleet(effect, fleet)]
