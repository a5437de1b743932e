"""script: records a terminal session; with -c it runs that shell code."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.shell.common import CommandRunner


class Script(CommandRunner):
    NAMES = ("script",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-c", "--command", "-E", "--echo", "-I", "--log-in", "-O",
                                                       "--log-out", "-B", "--log-io", "-T", "--log-timing", "-m",
                                                       "--logging-format"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        code = next((item.value for item in self.walk(inv.words).items
                     if item.option in ("-c", "--command") and item.value), None)
        if code is not None:
            inv.run_script(code, origin="script -c")
            return []
        return [inv.effect("unknown", "cmd:script", inv.arguments_placement(), tags=("interactive",),
                           summary="script records an interactive shell: what is typed into it cannot be seen")]
