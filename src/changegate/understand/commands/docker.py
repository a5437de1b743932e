"""Containers: docker, podman, nerdctl, docker-compose / podman-compose and `docker compose`.

Where: the local daemon (no DOCKER_HOST, no remote context) is local; `-H`/`DOCKER_HOST`, `--context` (or
the context the agent's ~/.docker/config.json selects) and podman's `--url`/`CONTAINER_HOST` place a remote
daemon by its host name. Contexts of local tools (default, desktop-linux, colima, kind-*, k3d-*) are local
or dev.

What: listing and inspecting read; running, building, pulling, stopping change the daemon's host; `run` and
`exec` hand their command to the walker as running inside the container. Deleting named containers, images
and networks on the local daemon is ordinary; a volume holds data that exists nowhere else; every container,
image or volume at once (`system prune`, `rm -f $(docker ps -aq)`) is machine-wide. `--privileged`, host
PID/IPC namespaces, dangerous capabilities, the daemon's socket and bind mounts of the root, home or system
directories give the container the machine: host_control. `push` publishes.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect, Operation, Scope
from changegate.understand.base import UNKNOWN_PART, Invocation, Stream, Word, is_harmless_path
from changegate.understand.cli import Cli
from changegate.understand.commands.generic import classify_verb
from changegate.understand.commands.net import option_words, parse_target, place_host, written_file
from changegate.understand.sensitive import secret_kind

MAX_TARGETS = 16  # named targets listed one by one; more are one effect of scope many
MAX_CONFIG_BYTES = 64 * 1024

TOOLS = frozenset({"docker", "podman", "nerdctl"})
COMPOSE_TOOLS = frozenset({"docker-compose", "podman-compose"})
GLOBAL_VALUES = frozenset({
    "-H", "--host", "-c", "--context", "--config", "-l", "--log-level", "--tlscacert", "--tlscert", "--tlskey",
    "--connection", "--url", "--identity", "--root", "--runroot", "--storage-driver", "--storage-opt",
    "--cgroup-manager", "--module", "--network-cmd-path", "--events-backend", "--hooks-dir", "--tmpdir", "--ssh",
    "--volumepath", "--imagestore", "--db-backend", "--out", "-n", "--namespace", "-a", "--address",
    "--data-root", "--cni-path", "--cni-netconfpath", "--snapshotter", "--host-gateway-ip", "--hosts-dir",
    "--runtime", "--conmon", "--network-config-dir", "--registries-conf", "--cdi-spec-dir",
})
COMPOSE_VALUES = frozenset({"-f", "--file", "-p", "--project-name", "--project-directory", "--profile",
                            "--env-file", "--ansi", "--parallel", "--progress", "-H", "--host", "--context",
                            "-c", "--log-level"})
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
    "--umask", "--unsetenv", "--init-path", "--image-volume", "--index", "--cgroups", "--health-startup-cmd", "--log-level", "--pod-id-file", "--rootfs", "--systemd", "--hostuser",
})
EXEC_VALUES = frozenset({"-e", "--env", "--env-file", "-u", "--user", "-w", "--workdir", "--detach-keys",
                         "--index", "--preserve-fds"})
# Linux capabilities that let a container reach past its namespaces into the machine.
DANGEROUS_CAPS = frozenset({"ALL", "SYS_ADMIN", "SYS_MODULE", "SYS_PTRACE", "SYS_RAWIO", "DAC_READ_SEARCH",
                            "SYS_BOOT", "SYS_TIME", "NET_ADMIN", "BPF", "PERFMON", "MAC_ADMIN", "MKNOD"})
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
SECRET_DIRECTORIES = (".ssh", ".aws", ".kube", ".docker", ".gnupg", ".azure", ".config/gcloud", ".config/gh",
                      ".password-store", ".terraform.d", ".config/op", ".vault-token", ".netrc")
LOCAL_CONTEXTS = frozenset({"default", "desktop-linux", "desktop-windows", "docker-desktop", "colima", "orbstack",
                            "rancher-desktop", "lima", "podman-machine-default", "podman-machine-default-root"})

READ_VERBS = frozenset({"ls", "list", "ps", "inspect", "logs", "stats", "top", "port", "diff", "history", "df",
                        "info", "events", "version", "show", "du", "search", "exists", "wait", "healthcheck",
                        "generate", "help", "config", "images", "convert", "tree", "cat", "print", "--help",
                        "-h", "--version", "-v", "dial-stdio", "status", "unshare"})
REMOVE_VERBS = frozenset({"rm", "remove", "delete", "rmi", "del"})
# Top-level shortcuts to `NOUN VERB`.
SHORTCUTS: dict[str, tuple[str, str]] = {
    "ps": ("container", "ls"), "images": ("image", "ls"), "rmi": ("image", "rm"), "build": ("image", "build"),
    "pull": ("image", "pull"), "push": ("image", "push"), "tag": ("image", "tag"), "save": ("image", "save"),
    "load": ("image", "load"), "import": ("image", "import"), "history": ("image", "history"),
    "untag": ("image", "untag"), "login": ("registry", "login"), "logout": ("registry", "logout"),
    **{v: ("container", v) for v in ("run", "exec", "create", "start", "stop", "restart", "kill", "pause",
                                     "unpause", "rm", "cp", "commit", "rename", "update", "attach", "logs",
                                     "inspect", "top", "port", "stats", "diff", "export", "wait", "mount",
                                     "unmount", "checkpoint", "restore", "init", "cleanup", "healthcheck")},
}
NOUNS = frozenset({"container", "image", "volume", "network", "system", "builder", "buildx", "context", "manifest",
                   "plugin", "swarm", "node", "service", "stack", "secret", "config", "trust", "machine", "pod",
                   "kube", "compose", "registry", "scout", "sbom", "artifact", "farm", "quadlet"})
NOUN_KINDS = {"container": "container", "image": "image", "volume": "volume", "network": "network",
              "pod": "pod", "machine": "virtual machine", "service": "service", "stack": "stack",
              "secret": "secret", "config": "config", "node": "node", "plugin": "plugin", "context": "context",
              "manifest": "manifest", "builder": "build cache", "buildx": "builder"}
LISTINGS = {"ps": "container", "images": "image"}


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


class Docker(Cli):
    NAMES = ("docker", "podman", "nerdctl", "docker-compose", "podman-compose")
    FAMILY = "docker"

    def analyze(self, inv: Invocation) -> list[Effect]:
        if inv.name in COMPOSE_TOOLS:
            return self.compose(inv, list(inv.words), self.daemon(inv, []))
        pairs, rest = split_globals(inv.words, GLOBAL_VALUES)
        daemon = self.daemon(inv, pairs)
        if not rest:
            return [self.read(inv, daemon, "help")]
        command = rest[0].value
        args = list(rest[1:])
        if command == "compose":
            return self.compose(inv, args, daemon)
        if command in SHORTCUTS:
            noun, verb = SHORTCUTS[command]
        elif command in NOUNS:
            noun = command
            verb = args[0].value if args else "ls"
            args = args[1:]
        else:
            noun, verb = "", command
        return self.dispatch(inv, daemon, noun, verb, args, command)

    # --- where the daemon is ---------------------------------------------------------------------------
    def daemon(self, inv: Invocation, pairs: Sequence[tuple[str, Word]]) -> Daemon:
        ctx = inv.ctx
        podman = inv.name.startswith("podman")
        for name, word in pairs:
            if name in ("-H", "--host", "--url") or (name in ("-a", "--address") and inv.name == "nerdctl"):
                return self.endpoint(inv, word.value, f"{name} {word.value}")
        context = next((w.value for n, w in pairs if n in ("--context", "--connection")
                        or (n == "-c" and not podman)), None)
        if context is None and podman and any(n == "-c" for n, _ in pairs):
            context = next(w.value for n, w in pairs if n == "-c")
        host_var = "CONTAINER_HOST" if podman else "DOCKER_HOST"
        host = ctx.getenv(host_var)
        if host and context is None:
            return self.endpoint(inv, host, f"{host_var}={host}")
        context = context or ctx.getenv("CONTAINER_CONNECTION" if podman else "DOCKER_CONTEXT")
        if podman and any(n in ("-r", "--remote") for n, _ in pairs) and context is None:
            return Daemon("remote", Placement(UNKNOWN, "podman --remote uses a connection not named here"))
        if context is None and not podman:
            context = self.configured_context(inv)
        if context and context not in LOCAL_CONTEXTS:
            ctx.consulted.setdefault("docker:context", context)
            endpoint = self.context_endpoint(inv, context)
            if endpoint:
                return self.endpoint(inv, endpoint, f"context {context!r} ({endpoint})")
            return Daemon(context, ctx.environments.classify("names", context, "container context"))
        return Daemon("local", Placement(LOCAL, "the local container engine (no remote host or context is set)"))

    @staticmethod
    def endpoint(inv: Invocation, value: str, source: str) -> Daemon:
        if not value or UNKNOWN_PART in value:
            return Daemon("?", Placement(UNKNOWN, f"the daemon address is only known at run time ({source})"))
        if value.startswith(("unix://", "npipe://", "/")):
            return Daemon("local", Placement(LOCAL, f"{source} is a socket on this machine"))
        target = parse_target(value.replace("tcp://", "http://", 1))
        inv.ctx.consulted.setdefault("docker:host", target.host)
        return Daemon(target.host, place_host(inv.ctx.environments, target.host, f"container host ({source})"))

    @staticmethod
    def config_dir(inv: Invocation) -> str | None:
        configured = inv.ctx.getenv("DOCKER_CONFIG")
        if configured:
            return configured
        return posixpath.join(inv.ctx.home, ".docker") if inv.ctx.home else None

    def configured_context(self, inv: Invocation) -> str | None:
        """The context `docker context use` saved in the agent's ~/.docker/config.json."""
        directory = self.config_dir(inv)
        doc = read_json(posixpath.join(directory, "config.json")) if directory else None
        name = doc.get("currentContext") if isinstance(doc, dict) else None
        return name if isinstance(name, str) and name else None

    def context_endpoint(self, inv: Invocation, name: str) -> str | None:
        directory = self.config_dir(inv)
        if not directory:
            return None
        digest = hashlib.sha256(name.encode()).hexdigest()
        doc = read_json(posixpath.join(directory, "contexts", "meta", digest, "meta.json"))
        try:
            host = doc["Endpoints"]["docker"]["Host"]  # type: ignore[index]
        except (KeyError, TypeError):
            return None
        return host if isinstance(host, str) else None

    # --- verbs --------------------------------------------------------------------------------------------
    def dispatch(self, inv: Invocation, daemon: Daemon, noun: str, verb: str, args: list[Word],
                 command: str) -> list[Effect]:
        handler = getattr(self, f"{noun}_{verb}".replace("-", "_"), None) if noun else None
        if handler is not None:
            result: list[Effect] = handler(inv, daemon, args)
            return result
        if verb in READ_VERBS or (noun and verb.startswith("-")):
            if (noun, verb) in (("container", "ls"), ("image", "ls"), ("volume", "ls"), ("network", "ls")):
                inv.stdout = listing_stream(noun, args)
            return [self.read(inv, daemon, f"{noun} {verb}".strip())]
        if verb in REMOVE_VERBS:
            return self.remove(inv, daemon, noun or "object", args)
        if verb == "prune":
            return self.prune(inv, daemon, noun, args)
        if verb == "push":
            return self.push(inv, daemon, args)
        if noun in ("secret",) and verb in ("create", "update"):
            return [self.change(inv, daemon, "permission", f"secret/{first_positional(args)}", f"{command} {verb}")]
        if noun in ("plugin",) and verb in ("install", "enable", "upgrade"):
            return [inv.effect("host_control", f"docker:{daemon.name}/plugin/{first_positional(args)}",
                               daemon.machine(), kind="plugin", tags=("privileged",),
                               summary=f"{inv.name} plugin {verb}: a plugin runs with the daemon's privileges")]
        if noun == "trust" and verb == "sign":
            return self.push(inv, daemon, args)
        if (noun == "stack" and verb == "deploy") or (noun == "service" and verb in ("create", "update", "scale")):
            return [self.change(inv, daemon, "modify", f"{noun}/{first_positional(args)}", f"{noun} {verb}")]
        if noun == "swarm" and verb in ("leave", "init", "join"):
            return [inv.effect("host_control", f"docker:{daemon.name}/swarm", daemon.machine(), kind="swarm",
                               summary=f"{inv.name} swarm {verb} changes the machine's cluster membership")]
        operation = classify_verb(verb)
        if operation is None:
            return [inv.effect("unknown", f"docker:{daemon.name}/{noun or verb}", daemon.placement,
                               summary=f"{inv.name} {command} {verb if noun else ''}: not understood".replace("  ", " "))]
        if operation == "read":
            return [self.read(inv, daemon, f"{noun} {verb}".strip())]
        if operation == "delete":
            return self.remove(inv, daemon, noun or verb, args)
        return [self.change(inv, daemon, "modify", f"{noun or verb}/{first_positional(args)}",
                            f"{noun} {verb}".strip())]

    def read(self, inv: Invocation, daemon: Daemon, what: str) -> Effect:
        return inv.effect("read", f"docker:{daemon.name}", daemon.placement, reversible="yes",
                          summary=f"{inv.name} {what} (read-only)")

    def change(self, inv: Invocation, daemon: Daemon, operation: Operation, resource: str, what: str,
               **fields: object) -> Effect:
        fields.setdefault("reversible", "yes")
        return inv.effect(operation, f"docker:{daemon.name}/{resource}", daemon.placement,
                          summary=f"{inv.name} {what}", **fields)

    # container: run, create, exec --------------------------------------------------------------------------
    def container_run(self, inv: Invocation, daemon: Daemon, args: list[Word]) -> list[Effect]:
        return self.run_like(inv, daemon, args, "run")

    def container_create(self, inv: Invocation, daemon: Daemon, args: list[Word]) -> list[Effect]:
        return self.run_like(inv, daemon, args, "create")

    def run_like(self, inv: Invocation, daemon: Daemon, args: list[Word], verb: str) -> list[Effect]:
        pairs, rest = split_at_first_positional(args, RUN_VALUES)
        if not rest:
            return [inv.unknown(f"{inv.name} {verb} without an image")]
        image, command = rest[0], rest[1:]
        name = next((w.value for n, w in pairs if n == "--name"), "") or image.shown()
        effects = [self.change(inv, daemon, "create", f"container/{name}", f"{verb} a container from {image.shown()}",
                               kind="container")]
        effects.extend(self.isolation_effects(inv, daemon, pairs))
        entrypoint = next((w for n, w in reversed(pairs) if n == "--entrypoint"), None)
        if entrypoint is not None and entrypoint.value:
            command = [entrypoint, *command]
        if command and verb == "run":
            self.run_inside(inv, daemon, name, pairs, command)
        return effects

    def container_exec(self, inv: Invocation, daemon: Daemon, args: list[Word]) -> list[Effect]:
        pairs, rest = split_at_first_positional(args, EXEC_VALUES)
        if len(rest) < 2:
            return [inv.unknown(f"{inv.name} exec without a command")]
        container, command = rest[0], rest[1:]
        effects: list[Effect] = []
        if any(n == "--privileged" for n, _ in pairs):
            effects.append(inv.effect("host_control", f"docker:{daemon.name}/container/{container.shown()}",
                                      daemon.machine(), kind="container", tags=("privileged",),
                                      summary=f"{inv.name} exec --privileged runs with the machine's privileges"))
        self.run_inside(inv, daemon, container.shown(), pairs, command)
        return effects

    def run_inside(self, inv: Invocation, daemon: Daemon, container: str, pairs: Sequence[tuple[str, Word]],
                   command: Sequence[Word]) -> None:
        """The container's command goes back to the walker, as running inside the container."""
        env: dict[str, str] = {}
        for name, word in pairs:
            if name in ("-e", "--env") and "=" in word.value:
                key, _, value = word.value.partition("=")
                env[key] = value
        workdir = next((w.value for n, w in reversed(pairs) if n in ("-w", "--workdir")), "/")
        where = "on the local container engine" if daemon.local else f"on {daemon.name}"
        placement = Placement(daemon.placement.environment, f"inside the container {container} {where}")
        ctx = inv.ctx.clone(remote=f"container:{container}", remote_placement=placement, cwd=workdir,
                            home="/root", env=env, workspace=None, elevated=False)
        inv.run_argv(list(command), ctx=ctx, stdin=inv.stdin)

    def isolation_effects(self, inv: Invocation, daemon: Daemon, pairs: Sequence[tuple[str, Word]]) -> list[Effect]:
        """Flags that take the container out of its sandbox."""
        reasons: list[tuple[str, str]] = []
        for name, word in pairs:
            value = word.value
            if name == "--privileged":
                reasons.append(("privileged", "--privileged gives the container every device and capability"))
            elif name in ("--pid", "--ipc", "--userns", "--uts", "--cgroupns") and value == "host":
                reasons.append(("host-namespace", f"{name}=host shares the machine's {name[2:]} namespace"))
            elif name == "--cap-add" and value.upper().removeprefix("CAP_") in DANGEROUS_CAPS:
                reasons.append(("capability", f"--cap-add {value} reaches past the container's sandbox"))
            elif name == "--security-opt" and value.lower().startswith(UNCONFINED):
                reasons.append(("unconfined", f"--security-opt {value} switches off the container's confinement"))
            elif name == "--device" and value.split(":", 1)[0].startswith(DISK_DEVICES):
                reasons.append(("device", f"--device {value} hands a disk or memory device to the container"))
        effects = [inv.effect("host_control", f"docker:{daemon.name}/host", daemon.machine(), kind="host",
                              tags=("container-escape", tag), reversible="unknown",
                              summary=f"{inv.name}: {why}; whatever runs inside controls the machine",
                              suggestions=("run without it; mount only the workspace and name the capability "
                                           "you need",))
                   for tag, why in reasons]
        for name, word in pairs:
            if name in ("--network", "--net") and word.value == "host":
                effects.append(inv.effect("host_control", f"docker:{daemon.name}/network/host", daemon.placement,
                                          kind="network", tags=("host-network",), reversible="yes",
                                          summary=f"{inv.name}: --network host shares the machine's network"))
            elif name in ("-v", "--volume"):
                effects.extend(self.mount(inv, daemon, *volume_spec(word.value)))
            elif name == "--mount":
                effects.extend(self.mount(inv, daemon, *mount_spec(word.value)))
        return effects

    def mount(self, inv: Invocation, daemon: Daemon, source: str | None, readonly: bool) -> list[Effect]:
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
        if path in HOST_ROOTS or path == home or path.startswith(HOST_TREES) or (
                home and posixpath.dirname(path) == posixpath.dirname(home) and path != home
                and not path.startswith(home + "/")):
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

    # container: copy, save ---------------------------------------------------------------------------------
    def container_cp(self, inv: Invocation, daemon: Daemon, args: list[Word]) -> list[Effect]:
        _, rest = option_words(args, frozenset())
        if len(rest) != 2:
            return [inv.unknown(f"{inv.name} cp needs a source and a destination")]
        source, destination = rest
        if container_path(destination.value):
            effects = [self.change(inv, daemon, "modify", f"container/{destination.value.split(':', 1)[0]}",
                                   f"cp {source.shown()} into {destination.shown()}")]
            path = inv.ctx.resolve(source.value)
            what = secret_kind(path, inv.ctx.home) if path else None
            if what:
                effects.append(inv.fs("secret_read", source.value, kind="secret", reversible="yes",
                                      summary=f"copies {path} into a container: {what}"))
            return effects
        if destination.value == "-":
            return [self.read(inv, daemon, f"cp {source.shown()} to stdout")]
        return [written_file(inv, destination.value)]

    def image_save(self, inv: Invocation, daemon: Daemon, args: list[Word]) -> list[Effect]:
        return self.to_file(inv, daemon, args, "save")

    def container_export(self, inv: Invocation, daemon: Daemon, args: list[Word]) -> list[Effect]:
        return self.to_file(inv, daemon, args, "export")

    def to_file(self, inv: Invocation, daemon: Daemon, args: list[Word], verb: str) -> list[Effect]:
        pairs, rest = option_words(args, frozenset({"-o", "--output", "--format"}))
        output = next((w.value for n, w in reversed(pairs) if n in ("-o", "--output")), None)
        effects = [self.read(inv, daemon, f"{verb} {' '.join(w.shown() for w in rest[:2])}")]
        if output:
            effects.append(written_file(inv, output))
        return effects

    # images -------------------------------------------------------------------------------------------------
    def image_build(self, inv: Invocation, daemon: Daemon, args: list[Word]) -> list[Effect]:
        pairs, _ = option_words(args, frozenset({"-t", "--tag", "-f", "--file", "--build-arg", "--target",
                                                 "--platform", "-o", "--output", "--secret", "--ssh",
                                                 "--cache-from", "--cache-to", "--label", "--network",
                                                 "--progress", "--builder", "--iidfile", "--metadata-file",
                                                 "--add-host", "--shm-size", "--ulimit", "-m", "--memory",
                                                 "--build-context", "--attest", "--provenance", "--sbom",
                                                 "--annotation", "--allow", "--call"}))
        tags = [w.value for n, w in pairs if n in ("-t", "--tag")]
        effects = [self.change(inv, daemon, "create", f"image/{tags[0] if tags else '?'}", "build an image",
                               kind="image")]
        pushing = any(n == "--push" for n, _ in pairs) or any(
            n in ("-o", "--output") and "push=true" in w.value for n, w in pairs)
        if pushing:
            effects.extend(self.publish(inv, daemon, tags or ["?"]))
        for name, word in pairs:
            if name == "--network" and word.value == "host":
                effects.append(inv.effect("host_control", f"docker:{daemon.name}/network/host", daemon.placement,
                                          kind="network", tags=("host-network",), reversible="yes",
                                          summary="the build shares the machine's network"))
            if name == "--allow" and "security.insecure" in word.value:
                effects.append(inv.effect("host_control", f"docker:{daemon.name}/host", daemon.machine(),
                                          kind="host", tags=("container-escape", "privileged"),
                                          summary="the build runs steps with the machine's privileges"))
        return effects

    def buildx_build(self, inv: Invocation, daemon: Daemon, args: list[Word]) -> list[Effect]:
        return self.image_build(inv, daemon, args)

    def builder_build(self, inv: Invocation, daemon: Daemon, args: list[Word]) -> list[Effect]:
        return self.image_build(inv, daemon, args)

    def image_push(self, inv: Invocation, daemon: Daemon, args: list[Word]) -> list[Effect]:
        return self.push(inv, daemon, args)

    def push(self, inv: Invocation, daemon: Daemon, args: list[Word]) -> list[Effect]:
        _, rest = option_words(args, frozenset({"--platform", "--creds", "--authfile", "--digestfile",
                                                "--format", "--sign-by", "--compression-format"}))
        return self.publish(inv, daemon, [w.value for w in rest[:1]] or ["?"])

    def publish(self, inv: Invocation, daemon: Daemon, images: Sequence[str]) -> list[Effect]:
        effects: list[Effect] = []
        for image in images[:MAX_TARGETS]:
            registry = registry_of(image)
            placement = place_host(inv.ctx.environments, registry, "registry")
            if placement.environment == LOCAL:
                effects.append(inv.effect("create", f"image:{image}", placement, kind="image", reversible="yes",
                                          summary=f"{inv.name} pushes {image} to a registry on this machine"))
                continue
            effects.append(inv.effect("publish", f"image:{image}", placement, kind="image", reversible="unknown",
                                      summary=f"{inv.name} pushes {image} to {registry}, where others pull it",
                                      suggestions=("push a tag nobody deploys yet (a build tag), and let the "
                                                   "release pipeline promote it",)))
        return effects

    def registry_login(self, inv: Invocation, daemon: Daemon, args: list[Word]) -> list[Effect]:
        pairs, rest = option_words(args, frozenset({"-u", "--username", "-p", "--password", "--authfile",
                                                    "--cert-dir", "--compat-auth-file"}))
        registry = rest[0].value if rest else "docker.io"
        host = parse_target(registry).host or registry
        placement = place_host(inv.ctx.environments, host, "registry")
        tags = ("credential",) if any(n in ("-p", "--password") for n, _ in pairs) else ()
        return [inv.effect("permission", f"registry:{host}", placement, kind="credentials", tags=tags,
                           reversible="yes",
                           summary=f"{inv.name} login stores credentials for {host}; later commands can push there")]

    def registry_logout(self, inv: Invocation, daemon: Daemon, args: list[Word]) -> list[Effect]:
        return [inv.effect("modify", "registry:credentials", Placement(LOCAL, "it forgets a saved login"),
                           reversible="yes", summary=f"{inv.name} logout")]

    # removing ---------------------------------------------------------------------------------------------
    def remove(self, inv: Invocation, daemon: Daemon, noun: str, args: list[Word]) -> list[Effect]:
        opts, targets = option_words(args, frozenset({"-t", "--time", "--filter"}))
        flags = {n for n, _ in opts}
        force = bool(flags & {"-f", "--force"})
        kind = NOUN_KINDS.get(noun, noun)
        volume = noun == "volume"
        data = volume or (noun in ("container", "pod") and bool(flags & {"-v", "--volumes"}))
        machine_wide_noun = noun == "machine"
        tags = ["force"] if force else []
        if volume or machine_wide_noun:
            tags.append("unrecoverable")
        everything = self.everything_in(inv, noun, targets) or (
            f"every {kind}" if flags & {"-a", "--all"} and noun in ("container", "pod", "image", "volume",
                                                                    "machine") else None)
        suggestions = (f"remove the specific {kind}s of this project by name",)
        if volume:
            suggestions = (f"back the volume up first: {inv.name} run --rm -v VOLUME:/v -v \"$PWD\":/b alpine tar czf "
                           "/b/volume.tgz -C /v .",)
        if everything or machine_wide_noun:
            return [inv.effect("delete", f"docker:{daemon.name}/{noun}/*", daemon.placement, kind=kind, scope="all",
                               reversible="no", data_loss=data or machine_wide_noun,
                               whole_environment=not daemon.local,
                               tags=(*tags, "machine-wide"),
                               summary=f"{inv.name} removes {everything or 'a whole ' + kind} on "
                                       f"{'this machine' if daemon.local else daemon.name}"
                                       + (" with its data" if data else ""),
                               suggestions=suggestions)]
        if not targets:
            return [inv.unknown(f"{inv.name} {noun} rm without a target")]
        effects: list[Effect] = []
        named = [w for w in targets if w.known]
        unnamed = [w for w in targets if not w.known]
        if len(named) > MAX_TARGETS:
            unnamed, named = named, []
        for word in named:
            effects.append(inv.effect(
                "delete", f"docker:{daemon.name}/{noun}/{word.value}", daemon.placement, kind=kind,
                reversible="no" if data else "yes" if noun == "image" else "unknown", data_loss=data,
                tags=tuple(tags), suggestions=suggestions if volume else (),
                summary=f"{inv.name} removes the {kind} {word.value}" + (" and its data" if data else "")))
        if unnamed:
            effects.append(inv.effect(
                "delete", f"docker:{daemon.name}/{noun}/?", daemon.placement, kind=kind, scope="many",
                reversible="no" if data else "unknown", data_loss=data, tags=(*tags, "dynamic"),
                summary=f"{inv.name} removes {kind}s only known at run time ({unnamed[0].shown()})"))
        return effects

    @staticmethod
    def everything_in(inv: Invocation, noun: str, targets: Sequence[Word]) -> str | None:
        """`rm $(docker ps -aq)` or `docker ps -aq | xargs docker rm`: every container (image, volume)."""
        for word in targets:
            scope = listing_scope(word)
            if scope:
                return scope
        if not targets and inv.args_unknown and inv.stdin is not None:
            for root in inv.stdin.path_roots:
                if root.startswith("docker:every-"):
                    return "every " + root.removeprefix("docker:every-")
        return None

    def prune(self, inv: Invocation, daemon: Daemon, noun: str, args: list[Word]) -> list[Effect]:
        pairs, _ = option_words(args, frozenset({"--filter", "--keep-storage", "--max-used-space",
                                                 "--reserved-space", "--min-free-space"}))
        flags = {n for n, _ in pairs}
        every = bool(flags & {"-a", "--all"})
        volumes = noun == "volume" or bool(flags & {"--volumes"})
        narrowed = any(n == "--filter" and w.value.startswith("label") for n, w in pairs)
        what = {
            "system": "stopped containers, unused networks, " + ("every unused image" if every else "dangling images")
                      + " and the build cache" + (", and volumes" if volumes else ""),
            "container": "every stopped container", "image": "every unused image" if every else "dangling images",
            "volume": "unused volumes and their data", "network": "unused networks",
            "builder": "the whole build cache" if every else "dangling build cache",
            "buildx": "the whole build cache" if every else "dangling build cache", "pod": "every stopped pod",
        }.get(noun, f"unused {noun}s")
        machine_wide = not narrowed and (noun in ("system", "container", "volume", "pod") or every)
        tags: list[str] = ["machine-wide"] if machine_wide else []
        if volumes:
            tags.append("unrecoverable")
        scope: Scope = "all" if machine_wide else "many"
        return [inv.effect("delete", f"docker:{daemon.name}/{noun or 'system'}/*", daemon.placement,
                           kind=NOUN_KINDS.get(noun, noun or "system"), scope=scope, reversible="no",
                           data_loss=volumes, whole_environment=machine_wide and not daemon.local, tags=tuple(tags),
                           summary=f"{inv.name} {noun} prune deletes {what} on "
                                   f"{'this machine' if daemon.local else daemon.name}, not just this project's",
                           suggestions=(f"remove this project's own {NOUN_KINDS.get(noun, 'object')}s by name, or "
                                        "prune with --filter label=PROJECT",))]

    def system_reset(self, inv: Invocation, daemon: Daemon, args: list[Word]) -> list[Effect]:
        return [inv.effect("delete", f"docker:{daemon.name}/*", daemon.placement, kind="container engine",
                           scope="all", reversible="no", data_loss=True, whole_environment=not daemon.local,
                           tags=("machine-wide", "unrecoverable"),
                           summary=f"{inv.name} system reset deletes every container, image and volume")]

    # compose ----------------------------------------------------------------------------------------------
    def compose(self, inv: Invocation, words: list[Word], daemon: Daemon) -> list[Effect]:
        pairs, rest = split_globals(words, COMPOSE_VALUES)
        for name, word in pairs:
            if name in ("-H", "--host"):
                daemon = self.endpoint(inv, word.value, f"{name} {word.value}")
        project = next((w.value for n, w in pairs if n in ("-p", "--project-name")), "") or posixpath.basename(
            inv.ctx.cwd or "") or "project"
        if not rest:
            return [self.read(inv, daemon, "compose")]
        verb, args = rest[0].value, list(rest[1:])
        resource = f"compose/{project}"
        if verb in READ_VERBS or verb in ("config", "images", "top", "port", "events", "ls", "version", "convert"):
            return [self.read(inv, daemon, f"compose {verb}")]
        if verb == "down":
            return self.compose_down(inv, daemon, resource, args)
        if verb == "rm":
            flags = {w.value for w in args}
            data = bool(flags & {"-v", "--volumes"})
            return [self.change(inv, daemon, "delete", resource, "compose rm removes the project's stopped containers"
                                + (" and their anonymous volumes" if data else ""), kind="container", scope="many",
                                data_loss=data, reversible="no" if data else "yes",
                                tags=("unrecoverable",) if data else ())]
        if verb == "push":
            return [inv.effect("publish", f"image:{project}", Placement(UNKNOWN, "the registries in the compose file"),
                               kind="image", summary=f"{inv.name} push publishes the project's images")]
        if verb in ("run", "exec"):
            values = RUN_VALUES if verb == "run" else EXEC_VALUES
            opts, service = split_at_first_positional(args, values)
            if len(service) > 1:
                self.run_inside(inv, daemon, f"{project}-{service[0].value}", opts, service[1:])
            effects = [self.change(inv, daemon, "modify", f"{resource}/{service[0].value if service else '?'}",
                                   f"compose {verb}")]
            effects.extend(self.isolation_effects(inv, daemon, opts))
            return effects
        return [self.change(inv, daemon, "modify", resource, f"compose {verb} (the project's containers)")]

    def compose_down(self, inv: Invocation, daemon: Daemon, resource: str, args: list[Word]) -> list[Effect]:
        pairs, _ = option_words(args, frozenset({"--rmi", "-t", "--timeout"}))
        flags = {n for n, _ in pairs}
        effects = [self.change(inv, daemon, "delete", resource, "compose down removes the project's containers and "
                               "networks", kind="container", scope="many")]
        if flags & {"-v", "--volumes"}:
            effects.append(inv.effect(
                "delete", f"docker:{daemon.name}/{resource}/volumes", daemon.placement, kind="volume", scope="many",
                reversible="no", data_loss=True, tags=("unrecoverable",),
                summary=f"{compose_name(inv)} down -v deletes the project's volumes: the data in them exists "
                        "nowhere else",
                suggestions=(f"{compose_name(inv)} down (without -v) keeps the volumes",)))
        if "--rmi" in flags:
            effects.append(self.change(inv, daemon, "delete", f"{resource}/images",
                                       "compose down --rmi removes the project's images", kind="image", scope="many"))
        return effects


# --- helpers -------------------------------------------------------------------------------------------------

def split_globals(words: Sequence[Word], takes_value: frozenset[str]) -> tuple[list[tuple[str, Word]], list[Word]]:
    """Options before the first command word, and the words from it on."""
    pairs, rest = split_at_first_positional(words, takes_value)
    return pairs, rest


def split_at_first_positional(words: Sequence[Word],
                              takes_value: frozenset[str]) -> tuple[list[tuple[str, Word]], list[Word]]:
    pairs: list[tuple[str, Word]] = []
    i = 0
    while i < len(words):
        arg = words[i].value
        if arg == "--":
            return pairs, list(words[i + 1:])
        if not arg.startswith("-") or arg == "-":
            break
        name, eq, inline = arg.partition("=")
        if eq and name.startswith("--"):
            pairs.append((name, Word(inline, text=words[i].text)))
        elif name in takes_value and i + 1 < len(words):
            pairs.append((name, words[i + 1]))
            i += 1
        elif not name.startswith("--") and len(name) > 2:
            # combined short flags (-it, -dp 8080:80): the last may take a value
            for j in range(1, len(name)):
                short = "-" + name[j]
                if short in takes_value:
                    rest = name[j + 1:]
                    if rest:
                        pairs.append((short, Word(rest, text=words[i].text)))
                    elif i + 1 < len(words):
                        pairs.append((short, words[i + 1]))
                        i += 1
                    break
                pairs.append((short, Word("", text="")))
        else:
            pairs.append((name, Word("", text="")))
        i += 1
    return pairs, list(words[i:])


def compose_name(inv: Invocation) -> str:
    return inv.name if inv.name in COMPOSE_TOOLS else f"{inv.name} compose"


def first_positional(args: Sequence[Word]) -> str:
    return next((w.shown() for w in args if not w.value.startswith("-")), "?")


def container_path(value: str) -> bool:
    head, colon, _ = value.partition(":")
    return bool(colon) and bool(head) and "/" not in head


def registry_of(image: str) -> str:
    first = image.split("/", 1)[0]
    if "/" in image and ("." in first or ":" in first or first == "localhost"):
        return first.split(":", 1)[0] if first.startswith("localhost") else first
    return "docker.io"


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


def listing_stream(noun: str, args: Sequence[Word]) -> Stream:
    """`docker ps -aq` hands on container ids: every one (-a, no filter) or a selection."""
    values = [w.value for w in args]
    every = (noun in ("volume", "network", "image") or any(v in ("-a", "--all") or (
        v.startswith("-") and not v.startswith("--") and "a" in v) for v in values)) and not any(
        v.startswith(("-f", "--filter")) for v in values) and not any(not v.startswith("-") for v in values)
    return Stream(origin=f"{noun} ids", path_roots=(f"docker:{'every' if every else 'some'}-{noun}",))


def listing_scope(word: Word) -> str | None:
    """`$(docker ps -aq)` as a target: "every container" when the listing is all of them."""
    if word.known or not ("$(" in word.text or "`" in word.text):
        return None
    from changegate.understand.shell import parse, walk

    try:
        tree = parse(word.text)
    except Exception:  # a word that does not parse lists nothing we can name
        return None
    for node in walk(tree.root_node):
        if node.type != "command":
            continue
        parts = [c.text.decode("utf-8", "replace").strip("'\"") for c in node.named_children
                 if c.type not in ("variable_assignment", "file_redirect")]
        if not parts or posixpath.basename(parts[0]) not in TOOLS:
            continue
        rest = [p for p in parts[1:] if not p.startswith("-") or p in ("-a", "--all", "-q", "-aq", "-qa")]
        flags = [p for p in parts[1:] if p.startswith("-")]
        words = [p for p in rest if not p.startswith("-")]
        noun = LISTINGS.get(words[0]) if words else None
        if words[:2] in (["container", "ls"], ["container", "ps"], ["container", "list"]):
            noun = "container"
        elif words[:2] in (["image", "ls"], ["image", "list"]):
            noun = "image"
        elif words[:2] in (["volume", "ls"], ["volume", "list"]):
            noun = "volume"
        if noun is None:
            continue
        filtered = any(f.startswith(("-f", "--filter")) for f in flags) or len(words) > (1 if words[0] in
                                                                                          LISTINGS else 2)
        every = noun in ("image", "volume") or any(f in ("-a", "--all") or (not f.startswith("--") and "a" in f)
                                                   for f in flags)
        if every and not filtered:
            return f"every {noun}"
    return None


def secret_directory(path: str, home: str | None) -> str | None:
    """A directory that holds credentials (~/.ssh, ~/.aws, ~/.kube, ...): mounting it hands them over."""
    if home and (path + "/").startswith(home + "/"):
        relative = path[len(home) + 1:]
        for directory in SECRET_DIRECTORIES:
            if relative == directory or relative.startswith(directory + "/") or directory.startswith(relative + "/"):
                return f"credentials ({directory} of the home directory)"
    if path.startswith(("/etc/ssl/private", "/etc/pki", "/run/secrets", "/var/run/secrets")):
        return "mounted secrets or private keys"
    return None


def read_json(path: str) -> object:
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_CONFIG_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_CONFIG_BYTES:
        return None
    try:
        return json.loads(data)
    except ValueError:
        return None

