"""diskutil (macOS): `diskutil VERB [OPTIONS] [ARGS] DEVICE`. Listing and verifying read; erasing,
zeroing or partitioning a disk loses everything on it; repairing, resizing or renaming a volume changes
it; mounting and ejecting control the machine."""

from __future__ import annotations

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Word
from changegate.understand.cli import Call, Cli, Options
from changegate.understand.commands.fs.disk import DiskTool


def device(word: Word) -> Word:
    """`disk2`, `disk2s1`, `/dev/disk2`: the device's path."""
    return word if word.value.startswith("/") else Word(f"/dev/{word.value}", text=word.text)


class Diskutil(DiskTool):
    NAMES = ("diskutil",)

    def erased(self, call: Call) -> list[Effect]:
        """The device is the last operand (`eraseDisk FORMAT NAME DEVICE`, `zeroDisk DEVICE`)."""
        target = call.arg_words[-1:] if call.arg_words else []
        return self.writes(call.inv, [device(w) for w in target], f"diskutil {call.verb} erases")

    def partitioned(self, call: Call) -> list[Effect]:
        """`partitionDisk DEVICE …`: the device comes first."""
        return self.writes(call.inv, [device(w) for w in call.arg_words[:1]], "diskutil partitionDisk repartitions")

    def apfs(self, call: Call) -> list[Effect]:
        """`apfs VERB …`: listing reads; deleting or erasing a container or volume loses it."""
        verb = call.args[0] if call.args else ""
        rest = call.arg_words[1:]
        if verb in ("list", "listCryptoUsers", "listSnapshots", "listVolumeGroups", "listUsers"):
            return [self.simple(call, "read")]
        if verb in ("deleteContainer", "deleteVolume", "eraseVolume", "deleteVolumeGroup", "deleteSnapshot"):
            return self.writes(call.inv, [device(w) for w in rest[-1:]], f"diskutil apfs {verb} erases")
        return [self.changed(call)]

    def changed(self, call: Call) -> Effect:
        target = call.args[-1] if call.args else "?"
        return call.inv.effect("modify", f"dev:{target}", Placement(UNKNOWN, f"{target} is a volume of this machine"),
                               kind="filesystem", reversible="unknown", summary=f"diskutil {call.verb} {target}")

    def controlled(self, call: Call) -> list[Effect]:
        target = call.args[-1] if call.args else "?"
        return [call.inv.effect("host_control", f"dev:{target}", Placement(UNKNOWN, f"{target} of this machine"),
                                kind="filesystem", reversible="yes", summary=f"diskutil {call.verb} {target}")]

    def modified(self, call: Call) -> list[Effect]:
        return [self.changed(call)]

    VERBS = {
        **Cli.VERBS,
        **dict.fromkeys(("list", "info", "information", "activity", "listFilesystems", "verifyVolume", "verifyDisk",
                         "verifyPermissions", "appleRAID", "coreStorage", "cs"), "read"),
        **dict.fromkeys(("eraseDisk", "eraseVolume", "reformat", "zeroDisk", "randomDisk", "secureErase",
                         "eraseOptical"), erased),
        "partitionDisk": partitioned, "apfs": apfs,
        **dict.fromkeys(("repairVolume", "repairDisk", "repairPermissions", "resizeVolume", "renameVolume",
                         "splitPartition", "mergePartitions", "addPartition", "enableJournal", "disableJournal",
                         "enableOwnership", "disableOwnership"), modified),
        **dict.fromkeys(("mount", "mountDisk", "unmount", "umount", "unmountDisk", "umountDisk", "eject"),
                        controlled),
    }

    def no_verb(self, inv: Invocation, opts: Options) -> list[Effect]:
        return [self.looks(inv, "prints its usage")]

    def placement(self, call: Call) -> Placement:
        return Placement(UNKNOWN, "the disks of this machine")
