"""What the storage tools share: where they act (the disks of the machine the command runs on), and the
three kinds of effect they have — a read, a change to the machine's storage that asks, and the loss of
everything on a disk, pool, volume group or filesystem, which the policy denies (`kind: disk`).
"""

from __future__ import annotations

from typing import ClassVar

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect, Operation, Reversible
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli, Options

STORAGE_FAMILY = "storage"


def machine(inv: Invocation, what: str = "storage") -> Placement:
    """The machine the command runs on: a remote host's placement, else this machine, which changegate
    does not place (its disks hold more than the workspace)."""
    return inv.ctx.remote_placement or Placement(UNKNOWN, f"the {what} of the machine the command runs on")


def reads(inv: Invocation, what: str) -> Effect:
    return inv.effect("read", f"storage:{inv.name}", inv.ctx.remote_placement or Placement(LOCAL, "it only reads"),
                      reversible="yes", kind="storage", summary=what)


def changes(inv: Invocation, target: str, what: str, operation: Operation = "modify", *, kind: str = "storage",
            data_loss: bool = False, reversible: Reversible = "unknown") -> Effect:
    """A change to the machine's storage short of wiping it (creating a volume, mounting, a setting)."""
    return inv.effect(operation, f"storage:{target}", machine(inv), kind=kind, data_loss=data_loss,
                      reversible=reversible, summary=what)


def destroys(inv: Invocation, target: str, what: str, operation: Operation = "delete") -> Effect:
    """Everything on a disk, pool, volume group, volume or filesystem lost: denied by the policy."""
    return inv.effect(operation, f"storage:{target}", machine(inv), scope="all", reversible="no", kind="disk",
                      data_loss=True, whole_environment=True, tags=("disk",), summary=f"{what}: everything on it is lost")


def devices(inv: Invocation, opts: Options) -> list[str]:
    """The operands that are devices or paths (`/dev/sdb`, `vg0/data`), resolved where they are paths."""
    found: list[str] = []
    for raw in opts.positionals:
        found.append(inv.ctx.resolve(raw) or raw if raw.startswith(("/", "~", ".")) else raw)
    return found


class DeviceTool(Cli):
    """`TOOL [OPTIONS] DEVICE…` whose options say what it does: `READ_OPTIONS` only look, `DESTROY_OPTIONS`
    lose what is on the device, anything else changes a setting of the machine's storage (asks). With no
    option, `READ_BY_DEFAULT` says whether it only looks."""

    FAMILY = STORAGE_FAMILY
    READ_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-h", "--help", "-V", "--version"})
    DESTROY_OPTIONS: ClassVar[frozenset[str]] = frozenset()
    HARMLESS_OPTIONS: ClassVar[frozenset[str]] = frozenset()  # output and verbosity: neither read nor change
    READ_BY_DEFAULT: ClassVar[bool] = True
    CHANGE: ClassVar[Operation] = "host_control"

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        written = [item.option for item in opts.items if item.option is not None]
        targets = devices(inv, opts) or ["?"]
        destroying = [o for o in written if o in self.DESTROY_OPTIONS]
        if destroying:
            return [destroys(inv, t, f"{inv.name} {destroying[0]} {t}") for t in targets[:4]]
        acting = [o for o in written if o not in self.READ_OPTIONS and o not in self.HARMLESS_OPTIONS]
        if not acting and (self.READ_BY_DEFAULT or any(o in self.READ_OPTIONS for o in written)):
            return [reads(inv, f"{inv.name} {' '.join(w.value for w in inv.words[:3])}".rstrip())]
        shown = " ".join(acting[:2]) or "(its default action)"
        return [changes(inv, targets[0], f"{inv.name} {shown} on {targets[0]}", self.CHANGE)]
