"""doas: `doas [-Lns] [-a STYLE] [-C CONFIG] [-u USER] COMMAND [ARGS]`; `-s` (or no command) opens a
shell, `-C` only checks a configuration, `-L` forgets cached credentials."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.shell.sudo import Elevating


class Doas(Elevating):
    NAMES = ("doas",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-a", "-C", "-u"})
    READ_ONLY = ("-C", "-L")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts, _, command = self.split(inv.words)
        if opts.has(*self.READ_ONLY):
            return [self.checks(inv)]
        if opts.has("-s"):
            return [self.interactive(inv)]
        return self.elevated(inv, opts, command)
