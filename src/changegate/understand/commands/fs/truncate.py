"""truncate: sets files' sizes. Cutting a file to nothing (or shrinking it) replaces what it held; only
growing one (`-s +N`, `-s >N`, `-s %N`) keeps every byte."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect, Operation
from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.fs.common import FileTool, targets_of

GROWING = ("+", ">", "%")


class Truncate(FileTool):
    NAMES = ("truncate",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-s", "--size", "-r", "--reference", "-o"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        emptied = self.empties(opts)
        operation: Operation = "replace" if emptied else "modify"
        what = "empties" if emptied else "truncates"
        return [inv.fs(operation, w.value, glob=w.glob, tags=("overwrite",), summary=f"{what} {w.shown()}")
                for w in targets_of(inv, opts.positional_words)]

    @staticmethod
    def empties(opts: Options) -> bool:
        """`-s 0` (in any unit) cuts every byte: what the file held is replaced by nothing."""
        size = opts.value("-s", "--size")
        if size is None or size.startswith(GROWING):
            return False
        digits = size.lstrip("-<=/").rstrip("KMGTPEZYkmgtpezyBbiI")
        return digits.isdigit() and int(digits) == 0
