"""mussh (multihost ssh): `mussh -h HOST… | -H FILE  -c COMMAND | -C SCRIPT`: the command (or the script's
text) runs on every host."""

from __future__ import annotations

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli
from changegate.understand.commands.platforms.fleet import interactive, place_fleet, run_on_fleet
from changegate.understand.facts import exists, read_config


class Mussh(Cli):
    NAMES = ("mussh",)
    FAMILY = "remote"
    VALUE_OPTIONS = frozenset({"-h", "-H", "-c", "-C", "-l", "-L", "-t", "-i", "-o", "-J", "-s", "-m", "-w"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        # `-h host1 host2 …`: the hosts after the first are operands
        hosts = [*opts.values("-h"), *opts.positionals]
        fleet = place_fleet(inv, hosts=hosts, files=opts.values("-H"))
        command = opts.value("-c")
        script = opts.value("-C")
        if script:
            path = inv.ctx.resolve(script) or ""
            command = inv.ctx.files.get(path) or read_config(path)
            if command is None and not exists(path) and path not in inv.ctx.files:
                return [inv.effect("read", f"fs:{path}", Placement(LOCAL, "there is no such script: nothing runs"),
                                   reversible="yes", tags=("absent-program",),
                                   summary=f"mussh -C {script}: the script does not exist, so nothing runs")]
            if command is None:
                return [inv.unknown(f"mussh -C {script}: the script cannot be read")]
        if not command:
            return [interactive(inv, fleet)]
        run_on_fleet(inv, fleet, command, user=opts.value("-l", "-L"))
        return []
