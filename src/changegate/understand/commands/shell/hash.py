"""hash: remembers where commands are. `hash -p PATH NAME` makes NAME run the program at PATH
(`hash -p /bin/rm ls; ls -rf ~` removes the home), which later commands of the line are judged as."""

from __future__ import annotations

from typing import ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli
from changegate.understand.commands.shell.alias import define


class Hash(Cli):
    NAMES = ("hash",)
    FAMILY = "shell"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-p"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        program = opts.value("-p")
        if program is not None:
            for name in opts.positional_words:
                if name.known:
                    define(inv.ctx, name.value, program)
        for forgotten in opts.positionals if opts.has("-d") else []:
            inv.ctx.functions.pop(forgotten, None)
        return [inv.effect("read", "cmd:hash", Placement(LOCAL, "it changes only this shell"), reversible="yes",
                           summary="hash (where this shell finds commands)")]
