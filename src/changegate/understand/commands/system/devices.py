"""Small tools that query or configure block devices and filesystems: smartctl, hdparm, blockdev,
losetup, dmsetup, e2fsck/fsck, tune2fs, resize2fs, xfs_repair, debugfs, dumpe2fs, xfs_info. Querying is a
read; erasing (hdparm --security-erase, writing sectors, xfs_repair -L, debugfs -w) is a disk's loss; the
rest changes the machine's storage and asks."""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.system.common import DeviceTool, changes, destroys, devices, reads


class Smartctl(DeviceTool):
    NAMES = ("smartctl",)
    VALUE_OPTIONS = frozenset({"-d", "--device", "-T", "--tolerance", "-b", "--badsum", "-r", "--report", "-n",
                               "--nocheck", "-l", "--log", "-v", "--vendorattribute", "-F", "--firmwarebug",
                               "-P", "--presets", "-f", "--format", "-g", "--get", "-s", "--smart", "-o",
                               "--offlineauto", "-S", "--saveauto", "--set", "-t", "--test", "-j", "--json",
                               "--identify"})
    READ_OPTIONS = DeviceTool.READ_OPTIONS | frozenset({
        "-a", "--all", "-x", "--xall", "-i", "--info", "-H", "--health", "-c", "--capabilities", "-A",
        "--attributes", "-l", "--log", "--scan", "--scan-open", "-g", "--get", "-d", "--device", "-j", "--json",
        "-q", "--quietmode", "-T", "--tolerance", "-n", "--nocheck", "-f", "--format", "-r", "--report",
        "--identify", "-b", "--badsum", "-v", "--vendorattribute", "-F", "--firmwarebug", "-P", "--presets"})


class Hdparm(DeviceTool):
    NAMES = ("hdparm",)
    VALUE_OPTIONS = frozenset({"--security-erase", "--security-erase-enhanced", "--security-set-pass",
                               "--security-disable", "--security-unlock", "--user-master", "--write-sector",
                               "--make-bad-sector", "--read-sector", "--trim-sector-ranges", "--fwdownload",
                               "-N", "--dco-restore", "--dco-setmax"})
    READ_OPTIONS = DeviceTool.READ_OPTIONS | frozenset({"-I", "-i", "-t", "-T", "-g", "-C", "-v", "--direct",
                                                        "--read-sector", "-H", "--verbose", "-Istdin"})
    DESTROY_OPTIONS = frozenset({"--security-erase", "--security-erase-enhanced", "--write-sector",
                                 "--make-bad-sector", "--trim-sector-ranges", "--dco-restore", "--dco-setmax",
                                 "-N", "--fwdownload", "--fwdownload-mode3", "--fwdownload-mode7"})


class Blockdev(DeviceTool):
    NAMES = ("blockdev",)
    VALUE_OPTIONS = frozenset({"--setra", "--setfra", "--setbsz"})
    READ_OPTIONS = DeviceTool.READ_OPTIONS | frozenset({
        "--report", "--getsz", "--getsize", "--getsize64", "--getss", "--getpbsz", "--getiomin", "--getioopt",
        "--getalignoff", "--getmaxsect", "--getbsz", "--getro", "--getdiscardzeroes", "--getra", "--getfra",
        "--getzonesz", "-q", "-v"})


class Losetup(DeviceTool):
    NAMES = ("losetup",)
    VALUE_OPTIONS = frozenset({"-o", "--offset", "--sizelimit", "-b", "--sector-size", "-j", "--associated",
                               "-O", "--output", "--direct-io"})
    READ_OPTIONS = DeviceTool.READ_OPTIONS | frozenset({"-a", "--all", "-l", "--list", "-j", "--associated",
                                                        "-O", "--output", "-n", "--noheadings", "--json",
                                                        "--raw", "--output-all"})
    READ_BY_DEFAULT = False

    def analyze(self, inv: Invocation) -> list[Effect]:
        if not inv.words:
            return [reads(inv, "losetup lists loop devices")]
        return super().analyze(inv)


class Dmsetup(DeviceTool):
    """`dmsetup COMMAND [ARGS]`: the device-mapper table."""

    NAMES = ("dmsetup",)
    VALUE_OPTIONS = frozenset({"-o", "--options", "-j", "--major", "-m", "--minor", "-u", "--uuid", "--table",
                               "-c", "--count"})
    READS = frozenset({"ls", "info", "status", "table", "deps", "targets", "version", "help", "udevcookies",
                       "stats", "wait"})
    DESTROYS = frozenset({"wipe_table", "reload", "load", "create"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        command = opts.positionals[0] if opts.positionals else "ls"
        target = opts.positionals[1] if len(opts.positionals) > 1 else "?"
        if command in self.READS:
            return [reads(inv, f"dmsetup {command}")]
        if command in self.DESTROYS:
            return [destroys(inv, target, f"dmsetup {command} replaces the mapping of {target}", "replace")]
        return [changes(inv, target, f"dmsetup {command} {target}", "host_control")]


class Fsck(DeviceTool):
    """e2fsck/fsck/xfs_repair: `-n` checks without writing; otherwise it repairs (rewrites) the filesystem,
    and `xfs_repair -L` throws its log away."""

    NAMES = ("e2fsck", "fsck", "xfs_repair", "btrfsck")
    VALUE_OPTIONS = frozenset({"-b", "-B", "-C", "-E", "-j", "-l", "-L", "-t", "-z", "-o", "-m", "-c", "-r"})
    READ_OPTIONS = DeviceTool.READ_OPTIONS | frozenset({"-n", "-N"})
    READ_BY_DEFAULT = False
    CHANGE = "modify"

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        targets = devices(inv, opts) or ["?"]
        if inv.name == "xfs_repair" and opts.has("-L"):
            return [destroys(inv, targets[0], "xfs_repair -L zeroes the filesystem's log", "modify")]
        if opts.has("-n", "-N", "-h", "--help", "-V"):
            return [reads(inv, f"{inv.name} -n (checks without writing)")]
        return [changes(inv, targets[0], f"{inv.name} repairs the filesystem on {targets[0]}", "modify",
                        kind="filesystem")]


class Tune2fs(DeviceTool):
    NAMES = ("tune2fs", "resize2fs", "xfs_admin", "xfs_growfs", "e2label", "debugfs")
    VALUE_OPTIONS = frozenset({"-c", "-C", "-e", "-E", "-g", "-i", "-I", "-j", "-J", "-L", "-m", "-M", "-o",
                               "-O", "-r", "-T", "-u", "-U", "-Q", "-D", "-R", "-f", "-z", "-s", "-S", "-b",
                               "-d"})
    READ_OPTIONS = DeviceTool.READ_OPTIONS | frozenset({"-l", "-P"})
    DESTROY_OPTIONS = frozenset({"-w"})  # debugfs -w opens the filesystem for raw writing
    READ_BY_DEFAULT = False
    CHANGE = "modify"

    def analyze(self, inv: Invocation) -> list[Effect]:
        if inv.name == "debugfs" and not any(w.value == "-w" for w in inv.words):
            return [reads(inv, "debugfs (read-only)")]
        return super().analyze(inv)


class FilesystemInfo(DeviceTool):
    NAMES = ("dumpe2fs", "xfs_info", "xfs_db", "zdb", "lsattr", "findfs", "e2freefrag", "filefrag", "xfs_bmap")
    VALUE_OPTIONS = frozenset({"-o", "-b", "-c", "-p"})
    READ_BY_DEFAULT = True

    def analyze(self, inv: Invocation) -> list[Effect]:
        if inv.name == "xfs_db" and any(w.value == "-x" for w in inv.words):
            opts = self.walk(inv.words)
            target = (devices(inv, opts) or ["?"])[0]
            return [destroys(inv, target, "xfs_db -x opens the filesystem in expert (write) mode", "modify")]
        return [reads(inv, f"{inv.name} (it only reads)")]
