"""The machine's settings: hostnamectl, timedatectl, hostname; SELinux enforcement (setenforce)."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.host.common import HostTool, control, read

PERMISSIVE = ("0", "permissive")


class Settings(HostTool):
    """`timedatectl set-…` changes a setting; every other verb reads."""

    NAMES = ("timedatectl",)
    # verbs that set a value without the `set-` prefix when given one (`hostnamectl hostname NAME`)
    SETTING_VERBS: ClassVar[frozenset[str]] = frozenset()

    def effects(self, inv: Invocation) -> list[Effect]:
        words = self.walk(inv.words).positionals
        verb = words[0] if words else "status"
        if not verb.startswith("set-") and not (verb in self.SETTING_VERBS and len(words) > 1):
            return [read(inv, verb)]
        return [control(inv, f"settings/{verb}", f"{inv.name} {' '.join(words[:2])} changes the machine's "
                        "settings", kind="settings", reversible="yes")]


class Hostnamectl(Settings):
    NAMES = ("hostnamectl",)
    SETTING_VERBS = frozenset({"hostname", "icon-name", "chassis", "deployment", "location"})


class Hostname(HostTool):
    NAMES = ("hostname",)
    VALUE_OPTIONS = frozenset({"-F", "--file"})

    def effects(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if opts.positionals or opts.has("-F", "--file", "-b", "--boot"):
            return [control(inv, "settings/hostname", f"hostname {' '.join(opts.positionals[:1])} renames the "
                            "machine", kind="settings", reversible="yes")]
        return [read(inv, "prints the machine's name")]


class Setenforce(HostTool):
    NAMES = ("setenforce",)

    def effects(self, inv: Invocation) -> list[Effect]:
        mode = inv.words[0].value.lower() if inv.words else ""
        off = mode in PERMISSIVE
        return [control(inv, "selinux", "setenforce " + mode + (": switches SELinux enforcement off" if off
                                                                 else ": changes SELinux enforcement"),
                        tags=("security-off",) if off else (), kind="security")]
