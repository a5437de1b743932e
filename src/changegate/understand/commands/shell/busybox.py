"""busybox and toybox: the first word is the applet, which is judged as the program it stands for."""

from __future__ import annotations

from changegate.environments import Placement
from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.shell.common import CommandRunner


class Busybox(CommandRunner):
    """Its words are the applet's: busybox has no options of its own before it."""

    NAMES = ("busybox", "toybox")

    def analyze(self, inv: Invocation) -> list[Effect]:
        if not inv.words:
            return [inv.effect("read", f"cmd:{inv.name}", Placement("local", "lists applets"), reversible="yes")]
        inv.run_argv(inv.words, stdin=inv.stdin)
        return []
