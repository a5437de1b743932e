"""systemctl: reads, power verbs, persistent changes (enable, mask, edit…) and the rest, which act on units
now. `--user` units are the user's own; `-H` places the machine by its host name."""

from __future__ import annotations

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Call
from changegate.understand.commands.host.common import HostTool, machine, power_effect, read
from changegate.understand.commands.host.services import unit_effects, unit_name
from changegate.understand.placement import place_host

POWER_VERBS = frozenset({"reboot", "poweroff", "halt", "suspend", "hibernate", "hybrid-sleep", "kexec", "rescue",
                         "emergency", "soft-reboot", "suspend-then-hibernate"})
POWER_TARGETS = frozenset({"rescue.target", "emergency.target", "poweroff.target", "reboot.target", "halt.target"})
READ_VERBS = frozenset({
    "status", "show", "cat", "help", "list-units", "list-unit-files", "list-timers", "list-sockets",
    "list-dependencies", "list-jobs", "list-machines", "list-automounts", "list-paths", "is-active", "is-enabled",
    "is-failed", "is-system-running", "get-default", "show-environment", "list-units-files", "--version",
    "log-level", "log-target", "service-watchdogs",
})
PERSISTENT_VERBS = frozenset({"enable", "disable", "mask", "unmask", "preset", "preset-all", "reenable", "link",
                              "edit", "set-property", "revert", "add-wants", "add-requires", "set-default"})
DEFAULT_VERB = "list-units"


class Systemctl(HostTool):
    NAMES = ("systemctl",)
    VALUE_OPTIONS = frozenset({
        "-t", "--type", "-s", "--signal", "--state", "-p", "--property", "-H", "--host", "-M", "--machine",
        "--root", "-n", "--lines", "-o", "--output", "--kill-whom", "--kill-value", "--what", "--job-mode",
        "--boot-loader-entry", "--boot-loader-menu", "--reboot-argument", "--timestamp", "--image",
        "--preset-mode", "--message", "--when", "--check-inhibitors", "--drop-in",
    })
    ADDRESS_OPTIONS = ("-H", "--host")
    DRY_RUN_FLAGS = frozenset({"--dry-run"})
    ENV_VARIABLES = ("SYSTEMD_OFFLINE", "SYSTEMD_IN_CHROOT", "SYSTEMD_IGNORE_CHROOT", "SYSTEMD_EDITOR",
                     "DBUS_SYSTEM_BUS_ADDRESS", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR")

    def effects(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        verb = opts.positionals[0] if opts.positionals else DEFAULT_VERB
        if opts.has(*self.DRY_RUN_FLAGS) and verb not in POWER_VERBS:
            return [read(inv, verb)]
        return self.dispatch(Call(inv, opts, verb, opts.positionals[1:], opts.positional_words[1:]))

    def placement(self, call: Call) -> Placement:
        host = call.opts.value(*self.ADDRESS_OPTIONS)
        if host:
            return place_host(call.inv.ctx.environments, host, "systemctl --host")
        if call.opts.has("--user"):
            return call.inv.ctx.remote_placement or Placement(LOCAL, "a unit of the user's own service manager "
                                                                     "(--user), not the machine's")
        return machine(call.inv)

    def power(self, call: Call) -> list[Effect]:
        return [power_effect(call.inv, f"systemctl {call.verb}")]

    def isolate(self, call: Call) -> list[Effect]:
        if any(unit_name(u) in POWER_TARGETS for u in call.args):
            return self.power(call)
        return self.unit_verb(call)

    def persistent(self, call: Call) -> list[Effect]:
        return unit_effects(call.inv, call.verb, [unit_name(u) for u in call.args], self.placement(call),
                            persistent=True)

    def unit_verb(self, call: Call) -> list[Effect]:
        """start, stop, restart, kill, clean… act on the units now."""
        return unit_effects(call.inv, call.verb, [unit_name(u) for u in call.args], self.placement(call),
                            persistent=False)

    VERBS = {**HostTool.VERBS, **dict.fromkeys(READ_VERBS, "read"), **dict.fromkeys(POWER_VERBS, power),
             **dict.fromkeys(PERSISTENT_VERBS, persistent), "isolate": isolate}

    def unknown_verb(self, call: Call) -> list[Effect]:
        return self.unit_verb(call)
