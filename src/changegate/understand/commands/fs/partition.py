"""The partitioners: fdisk, sfdisk, gdisk, sgdisk, cfdisk, parted. Each has its own way of only looking
(`fdisk -l`, `sfdisk -d`, `sgdisk --print`, `parted DEV print`); anything else rewrites the partition
table, and what was on the disk is lost."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.fs.disk import HELP, DiskTool

REPARTITIONS = "repartitions"


class Partitioner(DiskTool):
    """`TOOL [OPTIONS] DEVICE`: reading when one of `LOOKING` is given (or nothing is named), else it writes
    (interactively too: what a session would do cannot be seen, and repartitioning is what it is for)."""

    LOOKING: ClassVar[frozenset[str]] = HELP

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if self.only_looks(opts) or not opts.positionals:
            return [self.looks(inv, "lists partitions")]
        return self.writes(inv, self.devices(opts.positional_words), REPARTITIONS)

    def only_looks(self, opts: Options) -> bool:
        return opts.has(*self.LOOKING)


class Fdisk(Partitioner):
    NAMES = ("fdisk",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-b", "--sector-size", "-c", "--compatibility", "-H",
                                                       "--heads", "-S", "--sectors", "-C", "--cylinders", "-o",
                                                       "--output", "-u", "--units", "-L", "--color", "-w",
                                                       "--wipe", "-W", "--wipe-partitions", "--lock"})
    OPTIONAL_VALUES = {"-u": frozenset({"cylinders", "sectors"}), "-L": frozenset({"always", "never", "auto"})}
    LOOKING = HELP | {"-l", "--list", "-x", "--list-details", "-s", "--getsz"}


class Gdisk(Partitioner):
    NAMES = ("gdisk", "cgdisk", "fixparts")
    LOOKING = HELP | {"-l"}


class Cfdisk(Partitioner):
    NAMES = ("cfdisk",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-L", "--color", "--lock"})
    LOOKING = HELP


class Sfdisk(Partitioner):
    NAMES = ("sfdisk",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-X", "--label", "-Y", "--label-nested", "-o", "--output",
                                                       "-w", "--wipe", "-W", "--wipe-partitions", "-O",
                                                       "--backup-file", "--color", "--lock", "-u", "--unit"})
    LOOKING = HELP | {"-l", "--list", "-d", "--dump", "-J", "--json", "-s", "--show-size", "-V", "--verify",
                      "-g", "--show-geometry", "-G", "--show-pt-geometry", "-F", "--list-free", "-n", "--no-act",
                      "--list-types", "-T"}
    # `--part-type DEV N` prints the type; with a value after N it sets it
    ATTRIBUTES: ClassVar[frozenset[str]] = frozenset({"--part-type", "--part-uuid", "--part-label", "--part-attrs",
                                                     "-c", "--id"})

    def only_looks(self, opts: Options) -> bool:
        if opts.has(*self.ATTRIBUTES):
            return len(opts.positionals) <= 2
        return super().only_looks(opts)


class Sgdisk(Partitioner):
    """Every option is a step; it only looks when every step does (or `--pretend` keeps them in memory)."""

    NAMES = ("sgdisk",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-i", "--info", "-b", "--backup", "-a", "--set-alignment",
                                                       "-A", "--attributes", "-c", "--change-name", "-d", "--delete",
                                                       "-l", "--load-backup", "-n", "--new", "-t", "--typecode",
                                                       "-R", "--replicate", "-u", "--partition-guid", "-U",
                                                       "--disk-guid", "-r", "--transpose", "-h", "--hybrid",
                                                       "-m", "--gpttombr", "-E", "--end-of-largest", "-f",
                                                       "--first-in-largest", "-F", "--first-aligned-in-largest",
                                                       "-D", "--display-alignment", "-j", "--adjust-main-table",
                                                       "-M", "--move-main-table"})
    READING_STEPS: ClassVar[frozenset[str]] = frozenset({
        "-p", "--print", "-i", "--info", "-v", "--verify", "-O", "--print-mbr", "-L", "--list-types", "-b",
        "--backup", "-E", "--end-of-largest", "-f", "--first-in-largest", "-F", "--first-aligned-in-largest",
        "-D", "--display-alignment", "-V", "--version", "-?", "--help", "--usage"})

    def only_looks(self, opts: Options) -> bool:
        steps = [item.option for item in opts.items if item.option is not None]
        return "-P" in steps or "--pretend" in steps or all(step in self.READING_STEPS for step in steps)


class Parted(Partitioner):
    """`parted [OPTIONS] [DEVICE [COMMAND [ARGS]…]]`: with no command it is an interactive session."""

    NAMES = ("parted",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-a", "--align"})
    LOOKING = HELP | {"-l", "--list"}
    READING_COMMANDS: ClassVar[frozenset[str]] = frozenset({"print", "p", "help", "version", "align-check"})
    WRITING_COMMANDS: ClassVar[frozenset[str]] = frozenset({
        "mklabel", "mktable", "mkpart", "mkpartfs", "rm", "resizepart", "resize", "name", "set", "toggle", "rescue",
        "move", "cp", "mkfs", "disk_set", "disk_toggle", "type"})

    def only_looks(self, opts: Options) -> bool:
        commands = opts.positionals[1:]
        if opts.has(*self.LOOKING):
            return True
        return not any(c in self.WRITING_COMMANDS for c in commands) and any(
            c in self.READING_COMMANDS for c in commands)
