"""eval: its arguments, joined, are more shell."""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli


class Eval(Cli):
    """eval has no options: its words are the script."""

    NAMES = ("eval",)
    FAMILY = "shell"

    def analyze(self, inv: Invocation) -> list[Effect]:
        inv.run_script(" ".join(w.value for w in inv.words), origin="eval")
        return []
