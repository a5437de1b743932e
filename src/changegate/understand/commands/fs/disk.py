"""What the disk tools share (mkfs, wipefs, the partitioners, blkdiscard, zpool, fsck): the devices a
command names, and the two answers it can give — it only looks (a read), or it writes a disk (everything
on it is lost, which the policy denies)."""

from __future__ import annotations

from typing import ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Word, is_block_device
from changegate.understand.commands.fs.common import FileTool
from changegate.understand.facts import is_file

HELP = frozenset({"-h", "--help", "-V", "--version"})


class DiskTool(FileTool):
    """A tool that reads or writes whole disks."""

    @staticmethod
    def looks(inv: Invocation, what: str) -> Effect:
        return inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "it only reads"), reversible="yes",
                          summary=f"{inv.name} {what}")

    def writes(self, inv: Invocation, devices: list[Word], what: str) -> list[Effect]:
        """The disk effect for each device named (`what` it does to it); a regular file (a disk image) is
        only modified."""
        effects: list[Effect] = []
        for word in devices:
            path = inv.ctx.resolve(word.value)
            if path is not None and not is_block_device(path) and self.image_file(inv, path):
                effects.append(inv.fs("modify", word.value, kind="image", tags=("overwrite",),
                                      summary=f"{inv.name} {what} the image file {path}"))
            else:
                effects.append(inv.disk(path or word.value, what))
        return effects or [self.looks(inv, "without a device fails and changes nothing")]

    @staticmethod
    def image_file(inv: Invocation, path: str) -> bool:
        """A disk image: a regular file on this machine, outside /dev."""
        return inv.ctx.remote is None and not path.startswith("/dev/") and is_file(path)

    @staticmethod
    def devices(words: list[Word]) -> list[Word]:
        """The operands that name a device: those under /dev first, else the first one."""
        named = [w for w in words if w.value.startswith("/dev/")]
        return named or words[:1]


class Blkdiscard(DiskTool):
    NAMES = ("blkdiscard",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-o", "--offset", "-l", "--length", "-p", "--step"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if opts.has(*HELP):
            return [self.looks(inv, "prints its help")]
        return self.writes(inv, self.devices(opts.positional_words), "discards every block of")
