"""The kernel: sysctl settings and modules (modprobe, insmod, rmmod). Code loaded into the kernel runs
with every privilege the machine has."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.host.common import HostTool, control, read

SYSCTL_WRITES = ("-w", "--write", "-p", "--load", "--system", "-f")
MODPROBE_READS = ("-n", "--dry-run", "--show-depends", "-c", "--showconfig", "-D", "--show-modversions")


class Sysctl(HostTool):
    NAMES = ("sysctl",)
    VALUE_OPTIONS = frozenset({"-p", "--load", "-f"})

    def effects(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if opts.has(*SYSCTL_WRITES) or any("=" in p for p in opts.positionals):
            return [control(inv, "kernel", f"sysctl {' '.join(opts.positionals[:2]) or 'loads settings'} changes "
                            "kernel settings", tags=("kernel",), kind="kernel")]
        return [read(inv, "shows kernel settings")]


class Insmod(HostTool):
    NAMES = ("insmod",)
    VALUE_OPTIONS = frozenset({"-C", "--config", "-d", "--dirname", "-S", "--set-version"})
    REMOVES: ClassVar[bool] = False

    def effects(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if self.reads(opts):
            return [read(inv, "shows module information")]
        removing = self.REMOVES or opts.has("-r", "--remove")
        module = opts.positionals[0] if opts.positionals else "?"
        return [control(inv, f"kernel/module/{module}", f"{inv.name} {'removes' if removing else 'loads'} the "
                        f"kernel module {module}: code that runs inside the kernel", tags=("kernel",),
                        kind="kernel module")]

    def reads(self, opts: Options) -> bool:
        return False


class Rmmod(Insmod):
    NAMES = ("rmmod",)
    REMOVES = True


class Modprobe(Insmod):
    NAMES = ("modprobe",)

    def reads(self, opts: Options) -> bool:
        return opts.has(*MODPROBE_READS) or not opts.positionals
