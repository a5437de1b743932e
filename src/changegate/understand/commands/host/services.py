"""Services: what stopping or changing a unit does, `service NAME VERB` (SysV and OpenRC) and the tools that
choose what starts with the machine (update-rc.d, chkconfig, rc-update)."""

from __future__ import annotations

from collections.abc import Sequence

from changegate.environments import Placement
from changegate.model import Effect, Operation
from changegate.understand.base import Invocation
from changegate.understand.commands.host.common import (
    HostTool,
    control,
    gate_tampering,
    machine,
    read,
)
from changegate.understand.selfguard import gate_target

# Services whose loss cuts access to the machine or breaks it; stopping or masking them is worse.
CRITICAL_SERVICES = frozenset({
    "sshd", "ssh", "networking", "network", "networkmanager", "systemd-networkd", "systemd-resolved", "docker",
    "containerd", "firewalld", "ufw", "iptables", "nftables", "cron", "crond", "systemd-journald", "rsyslog",
    "dbus", "auditd", "kubelet", "sssd", "systemd-logind", "polkit", "apparmor", "fail2ban", "chronyd", "ntp",
    "systemd-timesyncd", "multi-user.target", "default.target", "graphical.target", "network.target",
    "network-online.target", "sockets.target", "basic.target", "sysinit.target", "getty.target", "init",
    "systemd", "nginx", "apache2", "httpd", "postgresql", "postgres", "mysql", "mysqld", "mariadb", "mongod",
    "redis", "redis-server", "wazuh-agent", "falcon-sensor", "osqueryd", "clamav-daemon",
})
STOPPING_VERBS = frozenset({"stop", "kill", "mask", "disable", "isolate", "freeze", "clean"})
# What stops the gate's own service or changes how it runs (its unit file, its properties).
GATE_TAMPERING_VERBS = STOPPING_VERBS | {"edit", "set-property", "revert", "link", "unload", "bootout", "remove",
                                         "zap", "del", "delete", "uninstall"}
UNDOABLE_VERBS = frozenset({"start", "restart", "reload", "enable", "unmask"})
SERVICE_READS = frozenset({"status", "describe"})
BOOT_REMOVALS = frozenset({"remove", "disable", "off", "del", "delete"})  # update-rc.d, chkconfig, rc-update


def unit_name(unit: str) -> str:
    """`sshd.service` -> sshd; targets keep their suffix."""
    name = unit.rsplit("/", 1)[-1]
    for suffix in (".service", ".socket"):
        if name.endswith(suffix):
            return name[: -len(suffix)].lower()
    return name.lower()


def unit_effects(inv: Invocation, verb: str, units: Sequence[str], placement: Placement, *,
                 persistent: bool) -> list[Effect]:
    """A verb on units, and stopping or reconfiguring the gate's own service if it is one of them."""
    effects = [unit_effect(inv, verb, units, placement, persistent=persistent)]
    gate = [u for u in units if gate_target(u, inv.ctx)]
    if gate and verb in GATE_TAMPERING_VERBS:
        effects.append(gate_tampering(inv, f"service/{gate[0]}", f"{inv.name} {verb} {gate[0]} stops or "
                                      "reconfigures changegate's service (the gate this agent works behind)",
                                      placement))
    return effects


def unit_effect(inv: Invocation, verb: str, units: Sequence[str], placement: Placement, *,
                persistent: bool) -> Effect:
    """A verb on units: stopping a critical one can cut access; a persistent change outlives the task."""
    critical = [u for u in units if u in CRITICAL_SERVICES]
    stopping_critical = bool(critical) and verb in STOPPING_VERBS
    tags: list[str] = []
    if stopping_critical:
        tags.append("critical-service")
    if persistent:
        tags.append("persistence")
    names = ", ".join(units[:4]) or "every unit"
    summary = f"systemctl {verb} {names}"
    if stopping_critical:
        summary += f": {critical[0]} keeps the machine reachable or running; without it access can be lost"
    operation: Operation = "modify" if persistent else "host_control"
    if verb == "clean":
        operation = "delete"
        summary += " (deletes the units' state, cache or logs)"
    return control(inv, f"service/{names}", summary, operation=operation, tags=tags, placement=placement,
                   scope="many" if len(units) > 1 else "one", kind="service",
                   reversible="yes" if verb in UNDOABLE_VERBS else "unknown",
                   suggestions=(f"systemctl status {names} first; prefer restart over stop",)
                   if stopping_critical else ())


class Service(HostTool):
    """`service NAME VERB`: the unit comes before the verb."""

    NAMES = ("service", "rc-service")
    ENV_VARIABLES = ("SYSTEMCTL_SKIP_REDIRECT",)

    def effects(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        args = opts.positionals
        if opts.has("--status-all") or len(args) < 2 or args[1] in SERVICE_READS:
            return [read(inv, " ".join(args))]
        return unit_effects(inv, args[1], [unit_name(args[0])], machine(inv), persistent=False)


class BootServices(HostTool):
    """update-rc.d, chkconfig, rc-update: what starts with the machine."""

    NAMES = ("update-rc.d", "chkconfig", "rc-update")

    def effects(self, inv: Invocation) -> list[Effect]:
        args = [w.value for w in inv.words]
        if not args or "--list" in args or args == ["show"]:
            return [read(inv, " ".join(args))]
        effects = [control(inv, f"service/{args[0]}", f"{inv.name} {' '.join(args[:3])} changes what starts "
                           "with the machine", operation="modify", tags=("persistence",), kind="service")]
        if any(gate_target(a, inv.ctx) for a in args) and BOOT_REMOVALS & set(args):
            effects.append(gate_tampering(inv, "service/changegate", f"{inv.name} {' '.join(args[:3])} stops "
                                          "changegate's service from starting"))
        return effects
