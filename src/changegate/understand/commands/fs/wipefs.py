"""wipefs: without `-a` or `-o` it only lists the signatures it finds; with them it erases them (the disk's
filesystems and partition tables are gone), unless `-n` says to do everything but write."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.fs.disk import HELP, DiskTool

ERASING = ("-a", "--all", "-o", "--offset")
NO_ACT = ("-n", "--no-act")


class Wipefs(DiskTool):
    NAMES = ("wipefs",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-o", "--offset", "-t", "--types", "-O", "--output",
                                                       "--lock"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if opts.has(*HELP) or not opts.has(*ERASING) or opts.has(*NO_ACT):
            return [self.looks(inv, "lists the signatures on a device")]
        return self.writes(inv, opts.positional_words, "wipes the signatures of")
