"""launchctl (macOS): reads, `reboot`, jobs loaded to start on their own, and other service control."""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Call
from changegate.understand.commands.host.common import (
    HostTool,
    control,
    gate_tampering,
    power_effect,
    read,
)
from changegate.understand.selfguard import gate_target

READ_VERBS = frozenset({
    "list", "print", "print-cache", "print-disabled", "blame", "dumpstate", "procinfo", "hostinfo", "resolveport",
    "examine", "version", "help", "getenv", "managerpid", "manageruid", "managername", "error", "variant",
    "dumpjpcategory", "plist",
})
LOADING_VERBS = frozenset({"load", "bootstrap", "enable", "submit"})
# What stops a job or keeps it from starting again.
STOPPING_VERBS = frozenset({"unload", "bootout", "remove", "disable", "kill", "stop"})


def job(call: Call) -> str:
    return f"launchd/{call.args[-1] if call.args else '?'}"


class Launchctl(HostTool):
    """`launchctl VERB [ARGS]`: the verb is the first word, whatever it looks like."""

    NAMES = ("launchctl",)

    def effects(self, inv: Invocation) -> list[Effect]:
        if not inv.words:
            return [read(inv, "help")]
        verb, *rest = inv.words
        return self.dispatch(Call(inv, self.walk(rest), verb.value, [w.value for w in rest], rest))

    def reboot(self, call: Call) -> list[Effect]:
        return [power_effect(call.inv, "launchctl reboot")]

    def load(self, call: Call) -> list[Effect]:
        return [control(call.inv, job(call), f"launchctl {call.verb} {' '.join(call.args[:2])}: a job that starts "
                        "on its own, outside this task", operation="modify", tags=("persistence",), kind="service")]

    VERBS = {**HostTool.VERBS, **dict.fromkeys(READ_VERBS, "read"), "reboot": reboot,
             **dict.fromkeys(LOADING_VERBS, load)}

    def unknown_verb(self, call: Call) -> list[Effect]:
        effects = [control(call.inv, job(call), f"launchctl {' '.join([call.verb, *call.args[:2]])} controls a "
                           "service", kind="service")]
        if call.verb in STOPPING_VERBS and any(gate_target(a, call.inv.ctx) for a in call.args):
            effects.append(gate_tampering(call.inv, job(call), f"launchctl {call.verb} stops changegate's job "
                                          "(the gate this agent works behind)"))
        return effects
