"""What the container tools share: which daemon a command talks to, and what a container is given.

Where: the local daemon (no DOCKER_HOST, no remote context) is local; `-H`/`DOCKER_HOST`, `--context` (or
the context an earlier `docker context use` in this command line switched to, or the one the agent's
~/.docker/config.json selects) and podman's `--url`/`CONTAINER_HOST` place a remote daemon by its host
name. Contexts of local tools (default, desktop-linux, colima, kind-*, k3d-*) are local or dev.

What a container is given: `--privileged`, host PID/IPC namespaces, dangerous capabilities, the daemon's
socket and bind mounts of the root, home or system directories give it the machine (host_control); the
command it runs goes back to the walker, as running inside the container, its bind mounts leading its
paths to the machine's, and placed on the machine when the container is given it.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect, Operation
from changegate.understand.base import UNKNOWN_PART, Invocation, Word, is_harmless_path
from changegate.understand.cli import Call, Cli, Item, Options
from changegate.understand.commands.net.common import parse_target, secret_directory
from changegate.understand.facts import read_config
from changegate.understand.placement import place_host, place_name
from changegate.understand.sensitive import secret_kind

MAX_CONFIG_BYTES = 64 * 1024

RUN_VALUES = frozenset({
    "-a", "--attach", "--add-host", "--annotation", "--blkio-weight", "--blkio-weight-device", "--cap-add",
    "--cap-drop", "--cgroup-parent", "--cgroupns", "--cidfile", "--cpu-period", "--cpu-quota", "--cpu-rt-period",
    "--cpu-rt-runtime", "-c", "--cpu-shares", "--cpus", "--cpuset-cpus", "--cpuset-mems", "--device",
    "--device-cgroup-rule", "--device-read-bps", "--device-read-iops", "--device-write-bps",
    "--device-write-iops", "--dns", "--dns-option", "--dns-search", "--domainname", "--entrypoint", "-e", "--env",
    "--env-file", "--expose", "--gpus", "--group-add", "--health-cmd", "--health-interval", "--health-retries",
    "--health-start-period", "--health-timeout", "-h", "--hostname", "--ip", "--ip6", "--ipc", "--isolation",
    "--kernel-memory", "-l", "--label", "--label-file", "--link", "--link-local-ip", "--log-driver", "--log-opt",
    "--mac-address", "-m", "--memory", "--memory-reservation", "--memory-swap", "--memory-swappiness", "--mount",
    "--name", "--network", "--net", "--network-alias", "--net-alias", "--oom-score-adj", "--pid", "--pids-limit",
    "--platform", "-p", "--publish", "--pull", "--restart", "--runtime", "--security-opt", "--shm-size",
    "--stop-signal", "--stop-timeout", "--storage-opt", "--sysctl", "--tmpfs", "--ulimit", "-u", "--user",
    "--userns", "--uts", "-v", "--volume", "--volume-driver", "--volumes-from", "-w", "--workdir",
    "--detach-keys", "--pod", "--secret", "--uidmap", "--gidmap", "--subuidname", "--subgidname", "--requires",
    "--arch", "--os", "--variant", "--authfile", "--cgroup-conf", "--chrootdirs", "--conmon-pidfile",
    "--passwd-entry", "--personality", "--preserve-fds", "--seccomp-policy", "--sdnotify", "--timeout", "--tz",
    "--umask", "--unsetenv", "--init-path", "--image-volume", "--index", "--cgroups", "--health-startup-cmd",
    "--log-level", "--pod-id-file", "--rootfs", "--systemd", "--hostuser",
})
EXEC_VALUES = frozenset({"-e", "--env", "--env-file", "-u", "--user", "-w", "--workdir", "--detach-keys",
                         "--index", "--preserve-fds"})
READ_VERBS = frozenset({"ls", "list", "ps", "inspect", "logs", "stats", "top", "port", "diff", "history", "df",
                        "info", "events", "version", "show", "du", "search", "exists", "wait", "healthcheck",
                        "generate", "help", "config", "images", "convert", "tree", "cat", "print", "--help",
                        "-h", "--version", "-v", "dial-stdio", "status", "unshare"})
# Linux capabilities that let a container reach past its namespaces into the machine.
DANGEROUS_CAPS = frozenset({"ALL", "SYS_ADMIN", "SYS_MODULE", "SYS_PTRACE", "SYS_RAWIO", "DAC_READ_SEARCH",
                            "SYS_BOOT", "SYS_TIME", "NET_ADMIN", "BPF", "PERFMON", "MAC_ADMIN", "MKNOD"})
HOST_NAMESPACES = ("--pid", "--ipc", "--userns", "--uts", "--cgroupns")
UNCONFINED = ("seccomp=unconfined", "seccomp:unconfined", "apparmor=unconfined", "apparmor:unconfined",
              "label=disable", "label:disable", "systempaths=unconfined")
DISK_DEVICES = ("/dev/sd", "/dev/hd", "/dev/vd", "/dev/xvd", "/dev/nvme", "/dev/mmcblk", "/dev/mem", "/dev/kmem",
                "/dev/port", "/dev/disk", "/dev/mapper", "/dev/dm-", "/dev/md", "/dev/loop")
# Bind-mounting these gives the container the machine (or its accounts, keys, devices).
HOST_ROOTS = frozenset({"/", "/etc", "/usr", "/bin", "/sbin", "/boot", "/lib", "/lib64", "/var", "/var/lib",
                        "/root", "/proc", "/sys", "/dev", "/run", "/var/run", "/home", "/Users", "/private",
                        "/System", "/Library", "/opt", "/srv", "/mnt", "/media"})
HOST_TREES = ("/etc/", "/proc/", "/sys/", "/dev/", "/boot/", "/root/", "/var/lib/docker", "/var/lib/containerd",
              "/usr/", "/bin/", "/sbin/", "/lib/")
DAEMON_SOCKETS = ("docker.sock", "podman.sock", "containerd.sock", "crio.sock", "dockershim.sock")
LOCAL_CONTEXTS = frozenset({"default", "desktop-linux", "desktop-windows", "docker-desktop", "colima", "orbstack",
                            "rancher-desktop", "lima", "podman-machine-default", "podman-machine-default-root"})
DOCKER_VARIABLES = ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH",
                    "DOCKER_*", "BUILDKIT_*", "BUILDX_*")
COMPOSE_VARIABLES = ("COMPOSE_FILE", "COMPOSE_PROJECT_NAME", "COMPOSE_PROFILES", "COMPOSE_*")
SWITCHED_CONTEXT = "docker-context"  # `docker context use NAME` earlier in this command line (Context.switched)


# --- where the daemon is ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Daemon:
    """The container engine a command talks to."""

    name: str  # "local" or the remote host
    placement: Placement

    @property
    def local(self) -> bool:
        return self.placement.environment == LOCAL

    def machine(self) -> Placement:
        """Where host-level effects land: the daemon's machine, which is never the workspace."""
        if self.local:
            return Placement(UNKNOWN, "the machine the local container engine runs on is not the workspace "
                                      "(unknown is treated as prod)")
        return self.placement


LOCAL_DAEMON = Daemon("local", Placement(LOCAL, "the local container engine (no remote host or context is set)"))


@dataclass(frozen=True, slots=True)
class EngineRules:
    """How an engine's command line and environment name its daemon."""

    host_options: tuple[str, ...]  # name the daemon's address
    context_options: tuple[tuple[str, ...], ...]  # name a context; an earlier group wins over a later one
    host_variable: str
    context_variable: str
    saved_context: bool  # reads the context `docker context use` saved
    remote_flags: tuple[str, ...] = ()  # use a remote connection without naming it


DOCKER = EngineRules(("-H", "--host", "--url"), (("--context", "--connection", "-c"),), "DOCKER_HOST",
                     "DOCKER_CONTEXT", saved_context=True)
NERDCTL = EngineRules((*DOCKER.host_options, "-a", "--address"), DOCKER.context_options, "DOCKER_HOST",
                      "DOCKER_CONTEXT", saved_context=True)
PODMAN = EngineRules(("-H", "--host", "--url"), (("--context", "--connection"), ("-c",)), "CONTAINER_HOST",
                     "CONTAINER_CONNECTION", saved_context=False, remote_flags=("-r", "--remote"))


def locate_daemon(inv: Invocation, rules: EngineRules, opts: Options | None) -> Daemon:
    """The daemon the command's options, then its environment, then the saved context point at."""
    items = opts.items if opts is not None else []
    for item in items:
        if item.option in rules.host_options:
            value = item.value or ""
            return endpoint(inv, value, f"{item.option} {value}")
    context = named_context(items, rules.context_options)
    host = inv.ctx.getenv(rules.host_variable)
    if host and context is None:
        return endpoint(inv, host, f"{rules.host_variable}={host}")
    context = context or inv.ctx.getenv(rules.context_variable)
    if context is None and any(item.option in rules.remote_flags for item in items):
        return Daemon("remote", Placement(UNKNOWN, f"{inv.name} --remote uses a connection not named here"))
    if context is None and rules.saved_context:
        context = inv.ctx.switched.get(SWITCHED_CONTEXT) or saved_context(inv)
    if context and context not in LOCAL_CONTEXTS:
        inv.ctx.consulted.setdefault("docker:context", context)
        address = context_endpoint(inv, context)
        if address:
            return endpoint(inv, address, f"context {context!r} ({address})")
        return Daemon(context, place_name(inv.ctx.environments, context, "container context"))
    return LOCAL_DAEMON


def named_context(items: Sequence[Item], groups: Sequence[tuple[str, ...]]) -> str | None:
    """The context the first option of the first group given names ('' for one given without a value)."""
    for group in groups:
        for item in items:
            if item.option in group:
                return item.value or ""
    return None


def endpoint(inv: Invocation, value: str, source: str) -> Daemon:
    """A daemon address: a socket here, or a host placed by its name."""
    if not value or UNKNOWN_PART in value:
        return Daemon("?", Placement(UNKNOWN, f"the daemon address is only known at run time ({source})"))
    if value.startswith(("unix://", "npipe://", "/")):
        return Daemon("local", Placement(LOCAL, f"{source} is a socket on this machine"))
    target = parse_target(value.replace("tcp://", "http://", 1))
    inv.ctx.consulted.setdefault("docker:host", target.host)
    return Daemon(target.host, place_host(inv.ctx.environments, target.host, f"container host ({source})"))


def config_dir(inv: Invocation) -> str | None:
    configured = inv.ctx.getenv("DOCKER_CONFIG")
    if configured:
        return configured
    return posixpath.join(inv.ctx.home, ".docker") if inv.ctx.home else None


def saved_context(inv: Invocation) -> str | None:
    """The context `docker context use` saved in the agent's ~/.docker/config.json."""
    directory = config_dir(inv)
    doc = config_json(posixpath.join(directory, "config.json")) if directory else None
    name = doc.get("currentContext") if isinstance(doc, dict) else None
    return name if isinstance(name, str) and name else None


def context_endpoint(inv: Invocation, name: str) -> str | None:
    """The docker endpoint a context's metadata names (`contexts/meta/SHA256(NAME)/meta.json`)."""
    directory = config_dir(inv)
    if not directory:
        return None
    digest = hashlib.sha256(name.encode()).hexdigest()
    doc = config_json(posixpath.join(directory, "contexts", "meta", digest, "meta.json"))
    try:
        host = doc["Endpoints"]["docker"]["Host"]  # type: ignore[index]
    except (KeyError, TypeError):
        return None
    return host if isinstance(host, str) else None


def config_json(path: str) -> object:
    text = read_config(path, limit=MAX_CONFIG_BYTES)
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


# --- calls -------------------------------------------------------------------------------------------------

@dataclass
class EngineCall(Call):
    """A call to a container engine: the daemon it talks to, and the command word as typed (`ps` for
    `container ls`)."""

    daemon: Daemon = field(default=LOCAL_DAEMON)
    command: str = ""

    @property
    def noun(self) -> str:
        return self.nouns[0] if self.nouns else ""


def engine_call(call: Call) -> EngineCall:
    """The engine call a verb's handler was given (the engines dispatch nothing else)."""
    if not isinstance(call, EngineCall):
        raise TypeError(f"{call.name} {call.verb}: a container verb without its daemon")
    return call


# --- the base of every engine ----------------------------------------------------------------------------

class Engine(Cli):
    """A container engine's command line: where its daemon is (`RULES`) and what a container is given."""

    FAMILY: ClassVar[str] = "docker"
    RULES: ClassVar[EngineRules] = DOCKER

    @staticmethod
    def read(inv: Invocation, daemon: Daemon, what: str) -> Effect:
        return inv.effect("read", f"docker:{daemon.name}", daemon.placement, reversible="yes",
                          summary=f"{inv.name} {what} (read-only)")

    @staticmethod
    def change(inv: Invocation, daemon: Daemon, operation: Operation, resource: str, what: str,
               **fields: object) -> Effect:
        fields.setdefault("reversible", "yes")
        return inv.effect(operation, f"docker:{daemon.name}/{resource}", daemon.placement,
                          summary=f"{inv.name} {what}", **fields)

    @staticmethod
    def run_inside(inv: Invocation, daemon: Daemon, container: str, pairs: Sequence[tuple[str, Word]],
                   command: Sequence[Word]) -> None:
        """The container's command goes back to the walker, as running inside the container. Its bind
        mounts lead its paths to the machine's (`-v /:/host` makes `/host/etc` the machine's /etc); a
        container given the machine (a mount of the root, a home or the engine's socket, `--privileged`,
        the machine's namespaces) acts on the machine, so what it does is placed there."""
        env: dict[str, str] = {}
        for name, word in pairs:
            if name in ("-e", "--env") and "=" in word.value:
                key, _, value = word.value.partition("=")
                env[key] = value
        workdir = next((w.value for n, w in reversed(pairs) if n in ("-w", "--workdir")), "/")
        where = "on the local container engine" if daemon.local else f"on {daemon.name}"
        placement = Placement(daemon.placement.environment, f"inside the container {container} {where}")
        mounts = bind_mounts(inv, pairs)
        if daemon.local and (escapes(pairs) or any(gives_the_machine(source, inv.ctx.home)
                                                   or source.endswith(DAEMON_SOCKETS) for source in mounts.values())):
            placement = Placement(UNKNOWN, f"inside the container {container}, which is given the machine: what "
                                           "it does lands on the machine (unknown is treated as prod)")
        ctx = inv.ctx.clone(remote=f"container:{container}", remote_placement=placement, cwd=workdir,
                            home="/root", env=env, workspace=None, elevated=False, links=mounts)
        inv.run_argv(list(command), ctx=ctx, stdin=inv.stdin)

    def isolation_effects(self, inv: Invocation, daemon: Daemon, pairs: Sequence[tuple[str, Word]]) -> list[Effect]:
        """Flags that take the container out of its sandbox, and what it shares of the machine."""
        effects = [inv.effect("host_control", f"docker:{daemon.name}/host", daemon.machine(), kind="host",
                              tags=("container-escape", tag), reversible="unknown",
                              summary=f"{inv.name}: {why}; whatever runs inside controls the machine",
                              suggestions=("run without it; mount only the workspace and name the capability "
                                           "you need",))
                   for tag, why in escapes(pairs)]
        for name, word in pairs:
            if name in ("--network", "--net") and word.value == "host":
                effects.append(inv.effect("host_control", f"docker:{daemon.name}/network/host", daemon.placement,
                                          kind="network", tags=("host-network",), reversible="yes",
                                          summary=f"{inv.name}: --network host shares the machine's network"))
            elif name in ("-v", "--volume"):
                effects.extend(bind_mount(inv, daemon, *volume_spec(word.value)))
            elif name == "--mount":
                effects.extend(bind_mount(inv, daemon, *mount_spec(word.value)))
        return effects


def bind_mounts(inv: Invocation, pairs: Sequence[tuple[str, Word]]) -> dict[str, str]:
    """The container's paths that are the machine's: each bind mount's target -> its source."""
    mounts: dict[str, str] = {}
    for name, word in pairs:
        if name in ("-v", "--volume"):
            source, target = volume_spec(word.value)[0], volume_target(word.value)
        elif name == "--mount":
            source, target = mount_spec(word.value)[0], mount_target(word.value)
        else:
            continue
        path = inv.ctx.resolve(source) if source else None
        if path and target and target.startswith("/"):
            mounts[posixpath.normpath(target)] = path
    return mounts


def volume_target(value: str) -> str | None:
    """`-v SRC:DST[:OPTS]`: where it appears in the container."""
    parts = value.split(":")
    return parts[1] if len(parts) >= 2 else None


def mount_target(value: str) -> str | None:
    """`--mount type=bind,source=/x,target=/y`: where it appears in the container."""
    for part in value.split(","):
        key, _, val = part.partition("=")
        if key.strip().lower() in ("target", "dst", "destination"):
            return val
    return None


def escapes(pairs: Sequence[tuple[str, Word]]) -> list[tuple[str, str]]:
    """(tag, why) for each flag that takes the container out of its sandbox."""
    reasons: list[tuple[str, str]] = []
    for name, word in pairs:
        value = word.value
        if name == "--privileged":
            reasons.append(("privileged", "--privileged gives the container every device and capability"))
        elif name in HOST_NAMESPACES and value == "host":
            reasons.append(("host-namespace", f"{name}=host shares the machine's {name[2:]} namespace"))
        elif name == "--cap-add" and value.upper().removeprefix("CAP_") in DANGEROUS_CAPS:
            reasons.append(("capability", f"--cap-add {value} reaches past the container's sandbox"))
        elif name == "--security-opt" and value.lower().startswith(UNCONFINED):
            reasons.append(("unconfined", f"--security-opt {value} switches off the container's confinement"))
        elif name == "--device" and value.split(":", 1)[0].startswith(DISK_DEVICES):
            reasons.append(("device", f"--device {value} hands a disk or memory device to the container"))
    return reasons


def bind_mount(inv: Invocation, daemon: Daemon, source: str | None, readonly: bool) -> list[Effect]:
    """A bind mount: the workspace and /tmp are ordinary; the daemon socket, the root, home or system
    directories give the machine away; secrets are read; other paths are changed unless read-only."""
    if source is None:
        return []
    path = inv.ctx.resolve(source)
    shown = path or source.replace(UNKNOWN_PART, "…")
    if not daemon.local:
        return [inv.effect("host_control", f"docker:{daemon.name}/mount{shown}", daemon.placement, kind="mount",
                           tags=("host-mount",), summary=f"mounts {shown} of {daemon.name} into the container")]
    if path is None:
        return [inv.effect("host_control", "docker:local/mount/?", daemon.machine(), kind="mount",
                           tags=("host-mount",), summary=f"mounts {shown}, a path only known at run time")]
    if path.endswith(DAEMON_SOCKETS):
        return [inv.effect("host_control", f"docker:local/mount{path}", daemon.machine(), kind="mount",
                           tags=("daemon-socket", "container-escape"),
                           summary=f"mounts the container engine's socket {path}: the container can start "
                                   "privileged containers, which is root on the machine")]
    home = inv.ctx.home
    if gives_the_machine(path, home):
        return [inv.effect("host_control", f"docker:local/mount{path}", daemon.machine(), kind="mount",
                           tags=("host-mount", "container-escape"),
                           summary=f"mounts {path} into the container" + (" read-only" if readonly else "")
                                   + ": the machine's own files, keys and accounts are inside it",
                           suggestions=("mount only the workspace: -v \"$PWD\":/work",))]
    placement = inv.ctx.place_path(path)
    if placement.environment == LOCAL or is_harmless_path(path):
        return []
    what = secret_kind(path, home) or secret_directory(path, home)
    if what:
        return [inv.fs("secret_read", path, kind="secret", reversible="yes",
                       summary=f"mounts {path} into the container: {what}")]
    if readonly:
        return [inv.fs("read", path, reversible="yes", summary=f"mounts {path} read-only into the container")]
    return [inv.fs("modify", path, recursive=True, reversible="unknown",
                   summary=f"mounts {path} writable into the container")]


def gives_the_machine(path: str, home: str | None) -> bool:
    """The root, a system directory, the home directory or another user's home."""
    return path in HOST_ROOTS or path == home or path.startswith(HOST_TREES) or bool(
        home and posixpath.dirname(path) == posixpath.dirname(home) and path != home
        and not path.startswith(home + "/"))


def volume_spec(value: str) -> tuple[str | None, bool]:
    """`-v SRC:DST[:OPTS]`: the host path (None for a named or anonymous volume) and read-only."""
    parts = value.split(":")
    if len(parts) < 2:
        return None, False
    source = parts[0]
    readonly = len(parts) > 2 and any(o in ("ro", "readonly") for o in parts[2].split(","))
    if source.startswith(("/", ".", "~")) or source.startswith(UNKNOWN_PART) or source == "":
        return source or UNKNOWN_PART, readonly
    return None, readonly


def mount_spec(value: str) -> tuple[str | None, bool]:
    """`--mount type=bind,source=/x,target=/y,readonly`."""
    fields: dict[str, str] = {}
    for part in value.split(","):
        key, _, val = part.partition("=")
        fields[key.strip().lower()] = val
    if fields.get("type", "volume") != "bind":
        return None, False
    source = fields.get("source") or fields.get("src")
    readonly = "readonly" in fields or "ro" in fields
    return source, readonly
