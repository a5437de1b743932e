"""pdsh and pdcp: `pdsh -w HOSTS [OPTIONS] COMMAND…` runs COMMAND on every host (`-w web[01-12]`,
`-w ^hostfile`, `-g group`, `-a` all, or `$WCOLL`); `pdcp -w HOSTS SRC… DEST` copies files to them and
`rpdcp` from them. `-R exec` runs the command here once per host instead."""

from __future__ import annotations

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Word
from changegate.understand.cli import Cli, Options
from changegate.understand.commands.platforms.fleet import (
    Fleet,
    interactive,
    on_fleet,
    on_hosts,
    place_fleet,
    run_on_fleet,
)


class Pdsh(Cli):
    NAMES = ("pdsh", "pdcp", "rpdcp")
    FAMILY = "remote"
    ENV_VARIABLES = ("WCOLL", "PDSH_RCMD_TYPE", "PDSH_SSH_ARGS", "PDSH_SSH_ARGS_APPEND")
    VALUE_OPTIONS = frozenset({"-w", "-x", "-g", "-X", "-R", "-l", "-f", "-t", "-u", "-o", "-e", "-M", "-F"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words, stop_at_first_positional=inv.name == "pdsh")
        if opts.has("-V", "-h", "-L") and not opts.positionals:
            return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "help or a listing"), reversible="yes",
                               summary=f"{inv.name} help or listing")]
        fleet = self.fleet(inv, opts)
        if inv.name != "pdsh":
            return self.copy(inv, opts, fleet)
        command = opts.positional_words
        if not command:
            return [interactive(inv, fleet)]
        if opts.value("-R") == "exec":
            inv.run_argv([Word(w.value.replace("%h", "HOST").replace("%u", "USER"), text=w.text) for w in command])
            return []
        run_on_fleet(inv, fleet, " ".join(w.value for w in command), user=opts.value("-l"))
        return []

    @staticmethod
    def fleet(inv: Invocation, opts: Options) -> Fleet:
        lists = opts.values("-w")
        wcoll = inv.ctx.getenv("WCOLL")
        files = [h for h in lists if h.startswith("^")] + ([wcoll] if wcoll and not lists else [])
        return place_fleet(inv, hosts=[h for h in lists if not h.startswith("^")], files=files,
                           groups=opts.values("-g"), every=opts.has("-a"))

    @staticmethod
    def copy(inv: Invocation, opts: Options, fleet: Fleet) -> list[Effect]:
        """pdcp SRC… DEST writes DEST on every host; rpdcp SRC… DEST writes here."""
        if len(opts.positionals) < 2:
            return [inv.unknown(f"{inv.name} without a source and a destination")]
        destination = opts.positionals[-1]
        if inv.name == "rpdcp":
            return [inv.fs("create", destination, recursive=opts.has("-r"),
                           summary=f"rpdcp copies files from {fleet.label} into {destination}")]
        effect = on_hosts(inv, fleet, opts.value("-l")).fs(
            "modify", destination, recursive=opts.has("-r"), reversible="unknown",
            summary=f"pdcp writes {destination} on {fleet.label}")
        return [on_fleet(effect, fleet)]
