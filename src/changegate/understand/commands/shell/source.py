"""source and `.`: a script run in the current shell, whose assignments and `cd` stay. Its operands after
the file are its positional parameters; `/dev/stdin` sources what flows in."""

from __future__ import annotations

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli
from changegate.understand.commands.shell.shells import run_script_file, with_parameters


class Source(Cli):
    """`source FILE [ARGS]` has no options: the first word is the file."""

    NAMES = ("source", ".")
    FAMILY = "shell"

    def analyze(self, inv: Invocation) -> list[Effect]:
        if not inv.words:
            return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "no file to source"), reversible="yes",
                               summary=f"{inv.name} without a file fails")]
        script, *args = inv.words
        # sourced code runs in this shell: what it sets stays; only given arguments replace $1, $2, …
        ctx = with_parameters(inv.ctx, None, args) if args else inv.ctx
        return run_script_file(inv, script, ctx=ctx, verb="sources")
