"""What every tool that administers the machine shares: where its changes land, and its two effects.

None of this is the workspace. Whatever changes the machine lands on everything and everyone on it, so it
is placed `unknown` (the default policy asks) — unless the command runs inside a container or on a remote
host, where that container or host places it. A few things are the agent's own business and stay local:
the user's own systemd units (`systemctl --user`), stopping processes of its own user by id, refreshing a
package index. Reading (status, list, show) is a read everywhere.

Stopping, removing or reconfiguring changegate itself (its processes, service, container or package) is
`gate-tampering`, which the policy denies.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect, Operation, Reversible, Scope
from changegate.understand.base import Invocation
from changegate.understand.cli import Call, Cli, Options
from changegate.understand.selfguard import TAMPERING

HELP_WORDS = (["--help"], ["-h"], ["--version"], ["-V"])

def gate_tampering(inv: Invocation, resource: str, summary: str, placement: Placement | None = None) -> Effect:
    """Stopping, removing or reconfiguring the gate this agent works behind: the policy denies it."""
    return inv.effect("host_control", f"host:{resource}", placement or machine(inv), kind="gate",
                      tags=(TAMPERING,), reversible="unknown", summary=summary,
                      suggestions=("ask a person to change the gate's setup; an agent cannot",))


def machine(inv: Invocation) -> Placement:
    """Where a change to the machine lands: the container or remote host it runs in, or this machine, which
    is not the workspace."""
    if inv.ctx.remote_placement is not None:
        return inv.ctx.remote_placement
    return Placement(UNKNOWN, "this machine is not the workspace: the change lands on everything running on it "
                              "(unknown is treated as prod)")


def read(inv: Invocation, what: str = "") -> Effect:
    return inv.effect("read", f"host:{inv.name}", inv.ctx.remote_placement or Placement(LOCAL, "it only reads"),
                      reversible="yes", summary=f"{inv.name} {what} (reads)".replace("  ", " "))


def control(inv: Invocation, resource: str, summary: str, *, operation: Operation = "host_control",
            tags: Sequence[str] = (), placement: Placement | None = None, scope: Scope = "one",
            reversible: Reversible = "unknown", kind: str = "host", data_loss: bool = False,
            suggestions: Sequence[str] = ()) -> Effect:
    """A change to the machine (`host:RESOURCE`), placed where the machine is unless told otherwise."""
    all_tags = [*tags, "elevated"] if inv.ctx.elevated else list(tags)
    return inv.effect(operation, f"host:{resource}", placement or machine(inv), kind=kind, scope=scope,
                      reversible=reversible, data_loss=data_loss, tags=tuple(all_tags), summary=summary,
                      suggestions=tuple(suggestions))


def option_letters(opts: Options) -> set[str]:
    """Every short option as its letter (`-nvL` -> n, v, L) and every long option as written."""
    return {name if name.startswith("--") else name[1:] for name in opts.flags}


def power_effect(inv: Invocation, summary: str) -> Effect:
    return control(inv, "power", summary + ": everything running on it stops", tags=("power",), scope="all",
                   reversible="no", suggestions=("restart only the service you mean: systemctl --user restart NAME",))


class HostTool(Cli):
    """A tool that administers the machine. A bare `--help` or `--version` only prints (`HELP_READS`);
    anything else is the tool's `effects`, by default `TOOL [OPTIONS] VERB [ARGS]` with its verbs' table.
    A verb whose entry is `"read"` reads."""

    FAMILY: ClassVar[str] = "host"
    HELP_READS: ClassVar[bool] = True

    def analyze(self, inv: Invocation) -> list[Effect]:
        if self.HELP_READS and [w.value for w in inv.words] in HELP_WORDS:
            return [read(inv, inv.words[0].value)]
        return self.effects(inv)

    def effects(self, inv: Invocation) -> list[Effect]:
        return super().analyze(inv)

    def simple(self, call: Call, operation: str) -> Effect:
        if operation == "read":
            return read(call.inv, call.verb)
        return super().simple(call, operation)
