"""Power and run levels: halt, poweroff, reboot, shutdown; init and telinit."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.host.common import HostTool, control, power_effect, read

HALTING_LEVELS = {"0": "halts", "6": "reboots"}


class Power(HostTool):
    NAMES: ClassVar[tuple[str, ...]] = ("halt", "poweroff")
    HELP_READS = False  # `halt --help` halts on some systems
    REBOOTS: ClassVar[bool] = False
    RECORD_ONLY: ClassVar[tuple[str, ...]] = ("--help", "-w", "--wtmp-only")  # flags that only write a record

    def effects(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if opts.has(*self.RECORD_ONLY):
            return [read(inv, "writes a record or a warning only")]
        verb = "reboots" if self.REBOOTS or opts.has("-r", "--reboot") else "shuts down"
        return [power_effect(inv, f"{inv.name} {verb} the machine")]


class Reboot(Power):
    NAMES = ("reboot",)
    REBOOTS = True


class Shutdown(Power):
    NAMES = ("shutdown",)
    RECORD_ONLY = (*Power.RECORD_ONLY, "-k")

    def effects(self, inv: Invocation) -> list[Effect]:
        if self.walk(inv.words).has("-c", "--cancel"):
            return [control(inv, "power", "shutdown -c cancels a pending shutdown", reversible="yes")]
        return super().effects(inv)


class Runlevel(HostTool):
    NAMES = ("init", "telinit")

    def effects(self, inv: Invocation) -> list[Effect]:
        level = inv.words[0].value if inv.words else ""
        if not level or level.startswith("--"):
            return [read(inv)]
        if level in HALTING_LEVELS:
            return [power_effect(inv, f"{inv.name} {level} {HALTING_LEVELS[level]} the machine")]
        return [control(inv, f"runlevel/{level}", f"{inv.name} {level} switches the machine's run level",
                        tags=("power",), scope="all")]
