"""fsck.TYPE (fsck.ext4, fsck.xfs, …): the checkers `fsck` hands a filesystem to, read as `fsck` is
(`system/devices.py`): `-n` checks without writing, anything else repairs."""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.fs.common import FileTool
from changegate.understand.commands.system.devices import Fsck


class FsckType(FileTool):
    """A name of its own for each checker; what it does is what fsck does."""

    NAMES = ("fsck.ext2", "fsck.ext3", "fsck.ext4", "fsck.xfs", "fsck.vfat", "fsck.fat", "fsck.btrfs")
    NAME_PATTERNS = (r"fsck\.\w+",)

    def analyze(self, inv: Invocation) -> list[Effect]:
        return Fsck().analyze(inv)
