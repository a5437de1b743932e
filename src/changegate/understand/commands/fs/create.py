"""touch, mkdir, mkfifo, mktemp: making new paths."""

from __future__ import annotations

from typing import ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Stream
from changegate.understand.commands.fs.common import FileTool, targets_of


class Create(FileTool):
    NAMES = ("touch", "mkdir", "mkfifo", "mktemp")
    # touch's and mkdir's (mktemp's operands are not read: it makes a name of its own)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-m", "--mode", "-d", "-t", "-r", "--reference", "-Z"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        if inv.name == "mktemp":
            inv.stdout = Stream(origin="a temporary path")
            return [inv.fs("create", "/tmp/tmp.X", reversible="yes", summary="creates a temporary file")]
        opts = self.walk(inv.words)
        kind = "directory" if inv.name == "mkdir" else "file"
        return [inv.fs("create", w.value, glob=w.glob, reversible="yes", kind=kind, summary=f"{inv.name} {w.shown()}")
                for w in targets_of(inv, opts.positional_words)] or [
            inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "no operand"), reversible="yes",
                       summary=f"{inv.name} without an operand fails and creates nothing")]
