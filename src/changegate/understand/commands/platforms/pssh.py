"""parallel-ssh (pssh) and its siblings: `pssh -h HOSTFILE|-H "HOST…" [OPTIONS] COMMAND…` runs COMMAND
on every host; `pscp`/`prsync` copy local files to them, `pslurp` copies from them, `pnuke` kills the
processes matching a pattern on them. Debian names them parallel-ssh, parallel-scp, …"""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli, Options
from changegate.understand.commands.platforms.fleet import (
    FLEET_TAG,
    Fleet,
    on_fleet,
    on_hosts,
    place_fleet,
    run_on_fleet,
)

COPIES_TO = frozenset({"pscp", "parallel-scp", "pscp.pssh", "prsync", "parallel-rsync"})
COPIES_FROM = frozenset({"pslurp", "parallel-slurp"})
KILLS = frozenset({"pnuke", "parallel-nuke"})


class Pssh(Cli):
    NAMES = ("pssh", "parallel-ssh", *sorted(COPIES_TO), *sorted(COPIES_FROM), *sorted(KILLS))
    FAMILY = "remote"
    VALUE_OPTIONS = frozenset({"-h", "--hosts", "-H", "--host", "-l", "--user", "-p", "--par", "-o", "--outdir",
                               "-e", "--errdir", "-t", "--timeout", "-O", "--option", "-x", "--extra-args", "-X",
                               "--extra-arg", "-g", "--host-glob", "-L", "--localdir", "-a", "--ssh-args"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words, stop_at_first_positional=inv.name in ("pssh", "parallel-ssh"))
        if opts.has("--version", "--help") and not opts.positionals:
            return [inv.effect("read", f"cmd:{inv.name}", self.fleet(inv, opts).placement, reversible="yes",
                               summary=f"{inv.name} help")]
        fleet = self.fleet(inv, opts)
        user = opts.value("-l", "--user")
        if inv.name in COPIES_TO | COPIES_FROM | KILLS:
            return self.sibling(inv, opts, fleet, user)
        command = " ".join(w.value for w in opts.positional_words)
        if opts.has("-I", "--send-input") and inv.stdin is not None and inv.stdin.text is not None:
            command = f"{command} <<'CHANGEGATE_EOF'\n{inv.stdin.text}\nCHANGEGATE_EOF" if command else inv.stdin.text
        if not command:
            return [inv.unknown(f"{inv.name} without a command")]
        run_on_fleet(inv, fleet, command, user=user)
        return []

    @staticmethod
    def fleet(inv: Invocation, opts: Options) -> Fleet:
        hosts = [h for value in opts.values("-H", "--host") for h in value.split()]
        return place_fleet(inv, hosts=hosts, files=opts.values("-h", "--hosts"))

    @staticmethod
    def sibling(inv: Invocation, opts: Options, fleet: Fleet, user: str | None) -> list[Effect]:
        args = opts.positionals
        if inv.name in KILLS:
            pattern = args[0] if args else "?"
            return [inv.effect("host_control", f"hosts:{fleet.label}/processes:{pattern}", fleet.placement,
                               scope=fleet.scope, count=fleet.count, kind="process", tags=(FLEET_TAG,),
                               summary=f"{inv.name} kills the processes matching {pattern!r} on {fleet.label}")]
        destination = args[-1] if len(args) > 1 else "?"
        if inv.name in COPIES_FROM:
            local = opts.value("-L", "--localdir") or "."
            return [inv.fs("create", local, recursive=True, summary=f"{inv.name} copies {destination} from "
                                                                     f"{fleet.label} into {local}")]
        effect = on_hosts(inv, fleet, user).fs("modify", destination, recursive=opts.has("-r", "--recursive"),
                                              reversible="unknown",
                                              summary=f"{inv.name} writes {destination} on {fleet.label}")
        return [on_fleet(effect, fleet)]
