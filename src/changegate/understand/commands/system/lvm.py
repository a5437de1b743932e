"""LVM: `lvs`, `vgdisplay`, `pvscan` … read; `lvremove`, `vgremove`, `pvremove`, shrinking a volume, and
putting a disk into a volume group (`pvcreate`, `vgcreate`, `vgextend`) lose what is on it; the rest
changes the machine's storage and asks. `lvm CMD …` is CMD; `--test` changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli, Options
from changegate.understand.commands.system.common import STORAGE_FAMILY, changes, destroys, devices, reads

READS = frozenset({
    "lvs", "vgs", "pvs", "lvdisplay", "vgdisplay", "pvdisplay", "lvscan", "vgscan", "pvscan", "lvmdiskscan",
    "lvmconfig", "lvmdump", "vgcfgbackup", "vgck", "version", "fullreport", "formats", "segtypes", "tags",
    "help", "dumpconfig", "config", "devtypes", "systemid", "lvpoll",
})
# removing a volume, group or physical volume, or writing an LVM label over a disk
DESTROYS = {"lvremove": "removes the logical volume", "vgremove": "removes the volume group and its volumes",
            "pvremove": "wipes the LVM label of", "lvreduce": "shrinks the logical volume (cutting off its end)",
            "pvcreate": "writes an LVM label over", "vgcreate": "puts whole disks into a new volume group:",
            "vgextend": "puts a whole disk into the volume group:", "vgcfgrestore": "overwrites the metadata of"}
CREATES = frozenset({"lvcreate", "vgmknodes", "vgimportclone"})
OFF = frozenset({"n", "ln", "an", "en"})  # `-a n`: deactivate


class Lvm(Cli):
    NAMES = (
        "lvm", "lvs", "vgs", "pvs", "lvdisplay", "vgdisplay", "pvdisplay", "lvscan", "vgscan", "pvscan",
        "lvmdiskscan", "lvmconfig", "lvmdump", "vgcfgbackup", "vgck", "lvremove", "vgremove", "pvremove",
        "lvreduce", "lvresize", "lvextend", "lvcreate", "vgcreate", "vgextend", "vgreduce", "pvcreate", "pvmove",
        "pvchange", "pvresize", "lvchange", "vgchange", "lvconvert", "lvrename", "vgrename", "vgsplit",
        "vgmerge", "vgexport", "vgimport", "vgcfgrestore", "vgmknodes", "vgimportclone",
    )
    FAMILY = STORAGE_FAMILY
    VALUE_OPTIONS = frozenset({
        "-L", "--size", "-l", "--extents", "-n", "--name", "-i", "--stripes", "-I", "--stripesize", "-m",
        "--mirrors", "--type", "-a", "--activate", "-o", "--options", "-O", "--sort", "-S", "--select",
        "--config", "--reportformat", "--units", "--separator", "-Z", "--zero", "-p", "--permission", "-C",
        "--contiguous", "-M", "--persistent", "--poolmetadatasize", "--thinpool", "-V", "--virtualsize", "-c",
        "--chunksize", "--profile", "--metadataprofile", "--alloc", "--addtag", "--deltag", "--uuid",
        "--restorefile", "-k", "--setactivationskip", "--metadatatype", "--pvmetadatacopies",
        "--dataalignment", "--cachepool", "--cachemode", "--physicalextentsize", "--vgmetadatacopies", "--file",
    })
    # short options whose meaning differs between commands: `vgcreate -s 4M` is a size, `lvcreate -s` a snapshot
    PROGRAM_VALUES: ClassVar[Mapping[str, frozenset[str]]] = {"vgcreate": frozenset({"-s"}),
                                                            "vgcfgrestore": frozenset({"-f"})}
    ENV_VARIABLES = ("LVM_SYSTEM_DIR",)

    def analyze(self, inv: Invocation) -> list[Effect]:
        words = inv.words
        program = inv.name
        if program == "lvm":
            if not words:
                return [reads(inv, "lvm (an interactive LVM shell)")]
            program, words = words[0].value, words[1:]
        opts = self.walk(words, takes_value=self.VALUE_OPTIONS | self.PROGRAM_VALUES.get(program, frozenset()))
        if program in READS or opts.has("--test", "-t", "--help", "-h", "--version"):
            return [reads(inv, f"{program} (it only reads)")]
        targets = devices(inv, opts) or ["?"]
        handler = SPECIAL.get(program)
        if handler is not None:
            return handler(inv, program, opts, targets)
        if program in DESTROYS:
            return [destroys(inv, t, f"{program} {DESTROYS[program]} {t}") for t in self.destroyed(program, targets)]
        if program in CREATES:
            return [changes(inv, targets[0], f"{program} {' '.join(targets[:2])}", "create")]
        if program in self.NAMES:
            return [changes(inv, targets[0], f"{program} {' '.join(targets[:2])}")]
        return [inv.unknown(f"lvm {program}: an LVM command changegate does not know")]

    @staticmethod
    def destroyed(program: str, targets: list[str]) -> list[str]:
        """vgcreate/vgextend VG DEVICE…: the devices are what is lost, not the group's name."""
        return targets[1:] or targets if program in ("vgcreate", "vgextend") else targets


def resize(inv: Invocation, program: str, opts: Options, targets: list[str]) -> list[Effect]:
    size = opts.value("-L", "--size", "-l", "--extents") or ""
    if size.startswith("-"):
        return [destroys(inv, targets[0], f"{program} {size} shrinks {targets[0]}")]
    return [changes(inv, targets[0], f"{program} {size} {targets[0]}".replace("  ", " "))]


def activation(inv: Invocation, program: str, opts: Options, targets: list[str]) -> list[Effect]:
    value = (opts.value("-a", "--activate") or "").lower()
    if value in OFF:
        return [changes(inv, targets[0], f"{program} -a {value} takes {targets[0]} offline", "host_control")]
    return [changes(inv, targets[0], f"{program} {' '.join(w.value for w in inv.words[:3])}")]


def reduce_group(inv: Invocation, program: str, opts: Options, targets: list[str]) -> list[Effect]:
    if opts.has("--removemissing") and opts.has("--force", "-f"):
        return [destroys(inv, targets[0], f"vgreduce --removemissing --force drops the volumes of {targets[0]} on missing disks")]
    return [changes(inv, targets[0], f"vgreduce {' '.join(targets[:2])}")]


SPECIAL: Mapping[str, Callable[[Invocation, str, Options, list[str]], list[Effect]]] = {
    "lvresize": resize, "lvextend": resize, "lvchange": activation, "vgchange": activation,
    "vgreduce": reduce_group,
}
