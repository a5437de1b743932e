"""enable: turns shell builtins off (`-n`) and on, or loads new ones from a shared object (`-f FILE`),
which is code that cannot be read."""

from __future__ import annotations

from typing import ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli


class Enable(Cli):
    NAMES = ("enable",)
    FAMILY = "shell"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-f"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        library = opts.value("-f")
        if library is not None:
            return [inv.effect("execute_opaque", f"code:{library}", inv.arguments_placement(), kind="code",
                               summary=f"enable -f loads builtins from the shared object {library}")]
        return [inv.effect("read", "cmd:enable", Placement(LOCAL, "it changes only this shell"), reversible="yes",
                           summary="enable (which builtins this shell uses)")]
