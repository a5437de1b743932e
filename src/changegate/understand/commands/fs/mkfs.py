"""mkfs, mke2fs, mkswap and every mkfs.TYPE: making a filesystem on a device erases what it held.
`-n` (mke2fs) and `-N` (mkfs.xfs) only show what would be made."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.fs.disk import HELP, DiskTool

# the options of the common mkfs tools that take a value (`-F` is mke2fs's force flag, so it is not here:
# the device is found by its /dev/ path either way)
VALUES = frozenset({"-t", "--type", "-L", "--label", "-b", "-C", "-d", "-E", "-g", "-G", "-i", "-I", "-J", "-l",
                    "-m", "-M", "-N", "-o", "-O", "-r", "-T", "-U", "-e", "-s", "-p"})
PREVIEWS = frozenset({"-n", "--dry-run", "--noaction"})  # mke2fs -n; mkfs.xfs -N is by name below
XFS_PREVIEW = "-N"


class Mkfs(DiskTool):
    NAMES = ("mkfs", "mke2fs", "mkswap", "mkfs.ext2", "mkfs.ext3", "mkfs.ext4", "mkfs.xfs", "mkfs.btrfs", "mkfs.vfat",
             "mkfs.fat", "mkfs.ntfs", "mkfs.exfat", "mkfs.f2fs")
    NAME_PATTERNS = (r"mkfs\.\w+",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = VALUES

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if opts.has(*HELP) and not opts.positionals:
            return [self.looks(inv, "prints its help")]
        if (opts.has(*PREVIEWS) and inv.name.startswith(("mke2fs", "mkfs.ext"))) or (
                inv.name == "mkfs.xfs" and XFS_PREVIEW in opts.flags):
            return [self.looks(inv, "shows what it would make (nothing is written)")]
        named = [w for w in inv.words if w.value.startswith("/dev/")]
        return self.writes(inv, named or opts.positional_words[:1],
                           "formats as swap" if inv.name == "mkswap" else "formats")
