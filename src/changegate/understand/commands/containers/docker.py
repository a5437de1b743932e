"""docker, podman, nerdctl: `TOOL [GLOBALS] [NOUN] VERB [ARGS]` (`docker ps` is `docker container ls`).

Listing and inspecting read; running, building, pulling, stopping change the daemon's host; `run` and
`exec` hand their command to the walker as running inside the container. Deleting named containers, images
and networks on the local daemon is ordinary; a volume holds data that exists nowhere else; every container,
image or volume at once (`system prune`, `rm -f $(docker ps -aq)`) is machine-wide. `push` publishes.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect, Operation, Scope
from changegate.understand.base import Invocation, Stream, Word
from changegate.understand.cli import Call
from changegate.understand.commands.containers.common import (
    COMPOSE_VARIABLES,
    DOCKER_VARIABLES,
    EXEC_VALUES,
    NERDCTL,
    PODMAN,
    READ_VERBS,
    RUN_VALUES,
    SWITCHED_CONTEXT,
    Daemon,
    Engine,
    EngineCall,
    engine_call,
    locate_daemon,
)
from changegate.understand.commands.containers.compose import Compose
from changegate.understand.commands.generic import classify_verb
from changegate.understand.commands.host.common import gate_tampering
from changegate.understand.commands.net.common import Walked, fails, parse_target, written_file
from changegate.understand.placement import place_host
from changegate.understand.selfguard import gate_target
from changegate.understand.sensitive import secret_kind

MAX_TARGETS = 16  # named targets listed one by one; more are one effect of scope many

ENGINES = frozenset({"docker", "podman", "nerdctl"})
REMOVE_VERBS = frozenset({"rm", "remove", "delete", "rmi", "del"})
# Top-level shortcuts to `NOUN VERB`.
SHORTCUTS: dict[str, tuple[str, str]] = {
    "ps": ("container", "ls"), "images": ("image", "ls"), "rmi": ("image", "rm"), "build": ("image", "build"),
    "pull": ("image", "pull"), "push": ("image", "push"), "tag": ("image", "tag"), "save": ("image", "save"),
    "load": ("image", "load"), "import": ("image", "import"), "history": ("image", "history"),
    "untag": ("image", "untag"), "login": ("registry", "login"), "logout": ("registry", "logout"),
    "sbom": ("sbom", "generate"),
    **{v: ("container", v) for v in ("run", "exec", "create", "start", "stop", "restart", "kill", "pause",
                                     "unpause", "rm", "cp", "commit", "rename", "update", "attach", "logs",
                                     "inspect", "top", "port", "stats", "diff", "export", "wait", "mount",
                                     "unmount", "checkpoint", "restore", "init", "cleanup", "healthcheck")},
}
NOUNS = frozenset({"container", "image", "volume", "network", "system", "builder", "buildx", "context", "manifest",
                   "plugin", "swarm", "node", "service", "stack", "secret", "config", "trust", "machine", "pod",
                   "kube", "registry", "scout", "sbom", "artifact", "farm", "quadlet"})
NOUN_KINDS = {"container": "container", "image": "image", "volume": "volume", "network": "network",
              "pod": "pod", "machine": "virtual machine", "service": "service", "stack": "stack",
              "secret": "secret", "config": "config", "node": "node", "plugin": "plugin", "context": "context",
              "manifest": "manifest", "builder": "build cache", "buildx": "builder"}
LISTINGS = {"ps": "container", "images": "image"}
LISTED_NOUNS = frozenset({"container", "image", "volume", "network"})  # whose `ls` hands ids on
ALL_FLAGS = ("-a", "--all")
BUILD_VALUES = frozenset({"-t", "--tag", "-f", "--file", "--build-arg", "--target", "--platform", "-o", "--output",
                          "--secret", "--ssh", "--cache-from", "--cache-to", "--label", "--network", "--progress",
                          "--builder", "--iidfile", "--metadata-file", "--add-host", "--shm-size", "--ulimit", "-m",
                          "--memory", "--build-context", "--attest", "--provenance", "--sbom", "--annotation",
                          "--allow", "--call"})
PUSH_VALUES = frozenset({"--platform", "--creds", "--authfile", "--digestfile", "--format", "--sign-by",
                         "--compression-format"})
LOGIN_VALUES = frozenset({"-u", "--username", "-p", "--password", "--authfile", "--cert-dir", "--compat-auth-file"})
PRUNE_VALUES = frozenset({"--filter", "--keep-storage", "--max-used-space", "--reserved-space", "--min-free-space"})
# What stops or removes a container.
GATE_STOPS = frozenset({"stop", "kill", "rm", "remove", "pause", "update"})
PRUNED = {
    "container": "every stopped container", "volume": "unused volumes and their data", "network": "unused networks",
    "pod": "every stopped pod",
}


class Docker(Engine):
    SECRET_STDIN_FLAGS: ClassVar[frozenset[str]] = frozenset({"--password-stdin"})  # `docker login`
    NAMES: ClassVar[tuple[str, ...]] = ("docker",)
    GLOBAL_OPTIONS = frozenset({
        "-H", "--host", "-c", "--context", "--config", "-l", "--log-level", "--tlscacert", "--tlscert", "--tlskey",
        "--connection", "--url", "--identity", "--root", "--runroot", "--storage-driver", "--storage-opt",
        "--cgroup-manager", "--module", "--network-cmd-path", "--events-backend", "--hooks-dir", "--tmpdir",
        "--ssh", "--volumepath", "--imagestore", "--db-backend", "--out", "-n", "--namespace", "-a", "--address",
        "--data-root", "--cni-path", "--cni-netconfpath", "--snapshotter", "--host-gateway-ip", "--hosts-dir",
        "--runtime", "--conmon", "--network-config-dir", "--registries-conf", "--cdi-spec-dir",
    })
    ADDRESS_OPTIONS: ClassVar[tuple[str, ...]] = ("-H", "--host", "--url", "--context", "-c", "--connection")
    ENV_VARIABLES: ClassVar[tuple[str, ...]] = (*DOCKER_VARIABLES, *COMPOSE_VARIABLES)

    def analyze(self, inv: Invocation) -> list[Effect]:
        globals_, command, rest = self.split_verb(inv.words)
        daemon = locate_daemon(inv, self.RULES, globals_)
        if command is None:
            return [self.read(inv, daemon, "help")]
        noun, verb, args = command_parts(command.value, rest)
        return self.dispatch(EngineCall(inv, globals_, verb, [w.value for w in args], args,
                                        nouns=[noun] if noun else [], daemon=daemon, command=command.value))

    def dispatch(self, call: Call) -> list[Effect]:
        """`NOUN VERB` entries first (`container run`), then the verb's for any noun (`rm`, `prune`)."""
        noun = engine_call(call).noun
        entry = (self.VERBS.get(f"{noun} {call.verb}") if noun else None) or self.VERBS.get(call.verb)
        if entry is None and noun and call.verb.startswith("-"):
            return self.reads(call)
        if entry is None:
            effects = self.unknown_verb(call)
        elif isinstance(entry, str):
            effects = [self.simple(call, entry)]
        else:
            effects = entry(self, call)
        return [*effects, *self.gate_stopped(engine_call(call))]

    @staticmethod
    def gate_stopped(c: EngineCall) -> list[Effect]:
        """Stopping or removing the container the gate runs in (`docker stop changegate`)."""
        if c.noun not in ("container", "") or c.verb not in GATE_STOPS:
            return []
        gate = [a for a in c.args if not a.startswith("-") and gate_target(a, c.inv.ctx)]
        if not gate:
            return []
        return [gate_tampering(c.inv, f"container/{gate[0]}", f"{c.name} {c.verb} {gate[0]} stops changegate's "
                               "container (the gate this agent works behind)", c.daemon.machine())]

    # --- reading and removing, for any noun --------------------------------------------------------------
    def reads(self, call: Call) -> list[Effect]:
        c = engine_call(call)
        if c.verb == "ls" and c.noun in LISTED_NOUNS:
            c.inv.stdout = listing_stream(c.noun, c.args)
        return [self.read(c.inv, c.daemon, f"{c.noun} {c.verb}".strip())]

    def remove(self, call: Call) -> list[Effect]:
        c = engine_call(call)
        return self.removal(c.inv, c.daemon, c.noun or "object", c.arg_words)

    def removal(self, inv: Invocation, daemon: Daemon, noun: str, args: list[Word]) -> list[Effect]:
        opts = self.walk(args, takes_value=frozenset({"-t", "--time", "--filter"}))
        kind = NOUN_KINDS.get(noun, noun)
        volume = noun == "volume"
        data = volume or (noun in ("container", "pod") and opts.has("-v", "--volumes"))
        machine_wide_noun = noun == "machine"
        tags = ["force"] if opts.has("-f", "--force") else []
        if volume or machine_wide_noun:
            tags.append("unrecoverable")
        targets = opts.positional_words
        everything = everything_in(inv, targets) or (
            f"every {kind}" if opts.has(*ALL_FLAGS) and noun in ("container", "pod", "image", "volume", "machine")
            else None)
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
            return [fails(inv, f"{noun} rm needs a target")]
        named = [w for w in targets if w.known]
        unnamed = [w for w in targets if not w.known]
        if len(named) > MAX_TARGETS:
            unnamed, named = named, []
        effects = [inv.effect(
            "delete", f"docker:{daemon.name}/{noun}/{word.value}", daemon.placement, kind=kind,
            reversible="no" if data else "yes" if noun == "image" else "unknown", data_loss=data,
            tags=tuple(tags), suggestions=suggestions if volume else (),
            summary=f"{inv.name} removes the {kind} {word.value}" + (" and its data" if data else ""))
            for word in named]
        if unnamed:
            effects.append(inv.effect(
                "delete", f"docker:{daemon.name}/{noun}/?", daemon.placement, kind=kind, scope="many",
                reversible="no" if data else "unknown", data_loss=data, tags=(*tags, "dynamic"),
                summary=f"{inv.name} removes {kind}s only known at run time ({unnamed[0].shown()})"))
        return effects

    def prune(self, call: Call) -> list[Effect]:
        c = engine_call(call)
        inv, daemon, noun = c.inv, c.daemon, c.noun
        opts = self.walk(c.arg_words, takes_value=PRUNE_VALUES)
        every = opts.has(*ALL_FLAGS)
        volumes = noun == "volume" or opts.has("--volumes")
        narrowed = any(value.startswith("label") for value in opts.values("--filter"))
        machine_wide = not narrowed and (noun in ("system", "container", "volume", "pod") or every)
        tags: list[str] = ["machine-wide"] if machine_wide else []
        if volumes:
            tags.append("unrecoverable")
        scope: Scope = "all" if machine_wide else "many"
        return [inv.effect("delete", f"docker:{daemon.name}/{noun or 'system'}/*", daemon.placement,
                           kind=NOUN_KINDS.get(noun, noun or "system"), scope=scope, reversible="no",
                           data_loss=volumes, whole_environment=machine_wide and not daemon.local, tags=tuple(tags),
                           summary=f"{inv.name} {noun} prune deletes {pruned(noun, every, volumes)} on "
                                   f"{'this machine' if daemon.local else daemon.name}, not just this project's",
                           suggestions=(f"remove this project's own {NOUN_KINDS.get(noun, 'object')}s by name, or "
                                        "prune with --filter label=PROJECT",))]

    # --- containers ------------------------------------------------------------------------------------
    def run(self, call: Call) -> list[Effect]:
        return self.run_like(engine_call(call))

    def create(self, call: Call) -> list[Effect]:
        return self.run_like(engine_call(call))

    def run_like(self, c: EngineCall) -> list[Effect]:
        walked = Walked.of(self.walk(c.arg_words, stop_at_first_positional=True, takes_value=RUN_VALUES),
                           c.arg_words)
        if not walked.positionals:
            return [fails(c.inv, f"{c.verb} needs an image")]
        image, *command = walked.positionals
        name = next((w.value for n, w in walked.pairs if n == "--name"), "") or image.shown()
        effects = [self.change(c.inv, c.daemon, "create", f"container/{name}",
                               f"{c.verb} a container from {image.shown()}", kind="container")]
        effects.extend(self.isolation_effects(c.inv, c.daemon, walked.pairs))
        entrypoint = next((w for n, w in reversed(walked.pairs) if n == "--entrypoint"), None)
        if entrypoint is not None and entrypoint.value:
            command = [entrypoint, *command]
        if command and c.verb == "run":
            self.run_inside(c.inv, c.daemon, name, walked.pairs, command)
        return effects

    def execute(self, call: Call) -> list[Effect]:
        c = engine_call(call)
        walked = Walked.of(self.walk(c.arg_words, stop_at_first_positional=True, takes_value=EXEC_VALUES),
                           c.arg_words)
        if len(walked.positionals) < 2:
            return [fails(c.inv, "exec needs a container and a command")]
        container, *command = walked.positionals
        effects: list[Effect] = []
        if walked.has("--privileged"):
            effects.append(c.inv.effect("host_control", f"docker:{c.daemon.name}/container/{container.shown()}",
                                        c.daemon.machine(), kind="container", tags=("privileged",),
                                        summary=f"{c.name} exec --privileged runs with the machine's privileges"))
        self.run_inside(c.inv, c.daemon, container.shown(), walked.pairs, command)
        return effects

    def copy(self, call: Call) -> list[Effect]:
        c = engine_call(call)
        inv = c.inv
        rest = self.walk(c.arg_words, takes_value=frozenset()).positional_words
        if len(rest) != 2:
            return [fails(inv, "cp needs a source and a destination")]
        source, destination = rest
        if container_path(destination.value):
            effects = [self.change(inv, c.daemon, "modify", f"container/{destination.value.split(':', 1)[0]}",
                                   f"cp {source.shown()} into {destination.shown()}")]
            path = inv.ctx.resolve(source.value)
            what = secret_kind(path, inv.ctx.home) if path else None
            if what:
                effects.append(inv.fs("secret_read", source.value, kind="secret", reversible="yes",
                                      summary=f"copies {path} into a container: {what}"))
            return effects
        if destination.value == "-":
            return [self.read(inv, c.daemon, f"cp {source.shown()} to stdout")]
        return [written_file(inv, destination.value)]

    def to_file(self, call: Call) -> list[Effect]:
        """`save`/`export`: read from the daemon, written to `-o` if given."""
        c = engine_call(call)
        opts = self.walk(c.arg_words, takes_value=frozenset({"-o", "--output", "--format"}))
        output = opts.value("-o", "--output")
        effects = [self.read(c.inv, c.daemon, f"{c.verb} {' '.join(w.shown() for w in opts.positional_words[:2])}")]
        if output:
            effects.append(written_file(c.inv, output))
        return effects

    # --- images and registries ---------------------------------------------------------------------------
    def build(self, call: Call) -> list[Effect]:
        c = engine_call(call)
        inv, daemon = c.inv, c.daemon
        opts = self.walk(c.arg_words, takes_value=BUILD_VALUES)
        tags = [item.value or "" for item in opts.items if item.option in ("-t", "--tag")]
        effects = [self.change(inv, daemon, "create", f"image/{tags[0] if tags else '?'}", "build an image",
                               kind="image")]
        if opts.has("--push") or any("push=true" in value for value in opts.values("-o", "--output")):
            effects.extend(self.publish(inv, tags or ["?"]))
        for item in opts.items:
            if item.option == "--network" and item.value == "host":
                effects.append(inv.effect("host_control", f"docker:{daemon.name}/network/host", daemon.placement,
                                          kind="network", tags=("host-network",), reversible="yes",
                                          summary="the build shares the machine's network"))
            if item.option == "--allow" and "security.insecure" in (item.value or ""):
                effects.append(inv.effect("host_control", f"docker:{daemon.name}/host", daemon.machine(),
                                          kind="host", tags=("container-escape", "privileged"),
                                          summary="the build runs steps with the machine's privileges"))
        return effects

    def push(self, call: Call) -> list[Effect]:
        c = engine_call(call)
        images = self.walk(c.arg_words, takes_value=PUSH_VALUES).positionals
        return self.publish(c.inv, images[:1] or ["?"])

    @staticmethod
    def publish(inv: Invocation, images: Sequence[str]) -> list[Effect]:
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

    def login(self, call: Call) -> list[Effect]:
        c = engine_call(call)
        opts = self.walk(c.arg_words, takes_value=LOGIN_VALUES)
        registry = opts.positionals[0] if opts.positionals else "docker.io"
        host = parse_target(registry).host or registry
        placement = place_host(c.inv.ctx.environments, host, "registry")
        return [c.inv.effect("permission", f"registry:{host}", placement, kind="credentials",
                             tags=("credential",) if opts.has("-p", "--password") else (), reversible="yes",
                             summary=f"{c.name} login stores credentials for {host}; later commands can push there")]

    def logout(self, call: Call) -> list[Effect]:
        return [call.inv.effect("modify", "registry:credentials", Placement(LOCAL, "it forgets a saved login"),
                                reversible="yes", summary=f"{call.name} logout")]

    # --- the daemon and its cluster ------------------------------------------------------------------------
    def reset(self, call: Call) -> list[Effect]:
        c = engine_call(call)
        return [c.inv.effect("delete", f"docker:{c.daemon.name}/*", c.daemon.placement, kind="container engine",
                             scope="all", reversible="no", data_loss=True, whole_environment=not c.daemon.local,
                             tags=("machine-wide", "unrecoverable"),
                             summary=f"{c.name} system reset deletes every container, image and volume")]

    def secret(self, call: Call) -> list[Effect]:
        c = engine_call(call)
        return [self.change(c.inv, c.daemon, "permission", f"secret/{first_positional(c.arg_words)}",
                            f"{c.command} {c.verb}")]

    def plugin(self, call: Call) -> list[Effect]:
        c = engine_call(call)
        return [c.inv.effect("host_control", f"docker:{c.daemon.name}/plugin/{first_positional(c.arg_words)}",
                             c.daemon.machine(), kind="plugin", tags=("privileged",),
                             summary=f"{c.name} plugin {c.verb}: a plugin runs with the daemon's privileges")]

    def deploy(self, call: Call) -> list[Effect]:
        c = engine_call(call)
        return [self.change(c.inv, c.daemon, "modify", f"{c.noun}/{first_positional(c.arg_words)}",
                            f"{c.noun} {c.verb}")]

    def swarm(self, call: Call) -> list[Effect]:
        c = engine_call(call)
        return [c.inv.effect("host_control", f"docker:{c.daemon.name}/swarm", c.daemon.machine(), kind="swarm",
                             summary=f"{c.name} swarm {c.verb} changes the machine's cluster membership")]

    def changes(self, call: Call) -> list[Effect]:
        """A verb that changes an object on the daemon (pause, connect, rename…)."""
        c = engine_call(call)
        return [self.change(c.inv, c.daemon, "modify", f"{c.noun or c.verb}/{first_positional(c.arg_words)}",
                            f"{c.noun} {c.verb}".strip())]

    def creates(self, call: Call) -> list[Effect]:
        """A verb that makes a new image or object on the daemon (commit, load, import, checkpoint create)."""
        c = engine_call(call)
        return [self.change(c.inv, c.daemon, "create", f"{c.noun or c.verb}/{first_positional(c.arg_words)}",
                            f"{c.noun} {c.verb}".strip())]

    # --- contexts: which daemon later commands talk to ---------------------------------------------------
    def context_use(self, call: Call) -> list[Effect]:
        """`docker context use NAME`: later docker commands (in this command line and after it) talk to
        that context's daemon."""
        c = engine_call(call)
        name = first_positional(c.arg_words)
        if name != "?":
            c.inv.ctx.switched[SWITCHED_CONTEXT] = name
        return [c.inv.effect("modify", f"docker:context/{name}", Placement(LOCAL, "it changes which daemon later "
                             "docker commands talk to, in the agent's own docker configuration"), kind="context",
                             reversible="yes", summary=f"{c.name} context use {name}: later docker commands talk to "
                                                       f"the daemon of {name}")]

    def context_change(self, call: Call) -> list[Effect]:
        c = engine_call(call)
        operation: Operation = "delete" if c.verb in REMOVE_VERBS else "modify"
        return [c.inv.effect(operation, f"docker:context/{first_positional(c.arg_words)}",
                             Placement(LOCAL, "a context is a saved daemon address in the agent's own docker "
                                              "configuration"), kind="context", reversible="yes",
                             summary=f"{c.name} context {c.verb} {first_positional(c.arg_words)}")]

    def compose(self, call: Call) -> list[Effect]:
        c = engine_call(call)
        return Compose().understand(c.inv, c.arg_words, c.daemon)

    VERBS = {
        **Engine.VERBS,
        **dict.fromkeys(READ_VERBS, reads), **dict.fromkeys(REMOVE_VERBS, remove), "prune": prune, "push": push,
        "compose": compose,
        "container run": run, "container create": create, "container exec": execute, "container cp": copy,
        "container export": to_file, "image save": to_file,
        **dict.fromkeys(("image build", "buildx build", "builder build"), build),
        "registry login": login, "registry logout": logout, "trust sign": push, "system reset": reset,
        **dict.fromkeys(("secret create", "secret update"), secret),
        **dict.fromkeys(("plugin install", "plugin enable", "plugin upgrade"), plugin),
        **dict.fromkeys(("stack deploy", "service create", "service update", "service scale"), deploy),
        **dict.fromkeys(("swarm leave", "swarm init", "swarm join"), swarm),
        "buildx bake": build,
        **dict.fromkeys(("scout cves", "scout quickview", "scout recommendations", "scout compare", "scout sbom",
                         "scout version", "scout attestation", "sbom generate"), reads),
        **dict.fromkeys(("network connect", "network disconnect", "container pause", "container unpause",
                         "container rename", "container update", "image pull", "image tag", "image untag"),
                        changes),
        "image history": reads,
        **dict.fromkeys(("container commit", "image load", "image import", "checkpoint create",
                         "container checkpoint"), creates),
        "context use": context_use,
        **dict.fromkeys(("context create", "context update", "context import", "context export", "context rm",
                         "context remove"), context_change),
    }

    def unknown_verb(self, call: Call) -> list[Effect]:
        """A verb no table names: read, delete or change by what its word says."""
        c = engine_call(call)
        operation = classify_verb(c.verb)
        if operation is None:
            return [c.inv.effect("unknown", f"docker:{c.daemon.name}/{c.noun or c.verb}", c.daemon.placement,
                                 summary=f"{c.name} {c.command} {c.verb if c.noun else ''}: not understood"
                                 .replace("  ", " "))]
        if operation == "read":
            return [self.read(c.inv, c.daemon, f"{c.noun} {c.verb}".strip())]
        if operation == "delete":
            return self.removal(c.inv, c.daemon, c.noun or c.verb, c.arg_words)
        return [self.change(c.inv, c.daemon, "modify", f"{c.noun or c.verb}/{first_positional(c.arg_words)}",
                            f"{c.noun} {c.verb}".strip())]


class Podman(Docker):
    NAMES = ("podman",)
    RULES = PODMAN
    ENV_VARIABLES = ("CONTAINER_HOST", "CONTAINER_CONNECTION", "DOCKER_CONFIG", "CONTAINERS_CONF",
                     *COMPOSE_VARIABLES)


class Nerdctl(Docker):
    NAMES = ("nerdctl",)
    RULES = NERDCTL
    ADDRESS_OPTIONS = (*Docker.ADDRESS_OPTIONS, "-a", "--address")
    ENV_VARIABLES = (*DOCKER_VARIABLES, "CONTAINERD_ADDRESS", "CONTAINERD_NAMESPACE", *COMPOSE_VARIABLES)


# --- helpers -------------------------------------------------------------------------------------------------

def command_parts(command: str, rest: list[Word]) -> tuple[str, str, list[Word]]:
    """The noun, the verb and its arguments: shortcuts (`ps`) stand for `NOUN VERB`; a noun alone lists."""
    if command in SHORTCUTS:
        noun, verb = SHORTCUTS[command]
        return noun, verb, rest
    if command in NOUNS:
        return command, rest[0].value if rest else "ls", rest[1:]
    return "", command, rest


def pruned(noun: str, every: bool, volumes: bool) -> str:
    """What `NOUN prune` deletes, in words."""
    if noun == "system":
        return ("stopped containers, unused networks, " + ("every unused image" if every else "dangling images")
                + " and the build cache" + (", and volumes" if volumes else ""))
    if noun == "image":
        return "every unused image" if every else "dangling images"
    if noun in ("builder", "buildx"):
        return "the whole build cache" if every else "dangling build cache"
    return PRUNED.get(noun, f"unused {noun}s")


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


def everything_in(inv: Invocation, targets: Sequence[Word]) -> str | None:
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


def listing_stream(noun: str, args: Sequence[str]) -> Stream:
    """`docker ps -aq` hands on container ids: every one (-a, no filter) or a selection."""
    every = (noun in ("volume", "network", "image") or any(v in ALL_FLAGS or (
        v.startswith("-") and not v.startswith("--") and "a" in v) for v in args)) and not any(
        v.startswith(("-f", "--filter")) for v in args) and not any(not v.startswith("-") for v in args)
    return Stream(origin=f"{noun} ids", path_roots=(f"docker:{'every' if every else 'some'}-{noun}",))


def listing_scope(word: Word) -> str | None:
    """`$(docker ps -aq)` as a target: "every container" when the listing is all of them."""
    if word.known or not ("$(" in word.text or "`" in word.text):
        return None
    from changegate.understand.lex.bash import parse, walk

    try:
        tree = parse(word.text)
    except Exception:  # a word that does not parse lists nothing we can name
        return None
    for node in walk(tree.root_node):
        if node.type != "command":
            continue
        parts = [c.text.decode("utf-8", "replace").strip("'\"") for c in node.named_children
                 if c.type not in ("variable_assignment", "file_redirect")]
        if parts and posixpath.basename(parts[0]) in ENGINES:
            scope = listed(parts[1:])
            if scope:
                return scope
    return None


GLOBAL_VALUE_OPTIONS = frozenset({"-H", "--host", "-c", "--context", "--config", "-l", "--log-level",
                                  "--tlscacert", "--tlscert", "--tlskey", "--url", "--connection"})


def without_global_values(parts: list[str]) -> list[str]:
    """The listing's words without the engine's global options and their values (`-H ssh://host ps -aq`)."""
    out: list[str] = []
    skip = False
    for part in parts:
        if skip:
            skip = False
        elif part in GLOBAL_VALUE_OPTIONS:
            skip = True
        elif not part.startswith(tuple(f"{o}=" for o in GLOBAL_VALUE_OPTIONS if o.startswith("--"))):
            out.append(part)
    return out


def listed(parts: list[str]) -> str | None:
    """What an engine's listing command (`ps -aq`, `volume ls -q`) lists, when it lists all of it."""
    parts = without_global_values(parts)
    rest = [p for p in parts if not p.startswith("-") or p in ("-a", "--all", "-q", "-aq", "-qa")]
    flags = [p for p in parts if p.startswith("-")]
    words = [p for p in rest if not p.startswith("-")]
    noun = LISTINGS.get(words[0]) if words else None
    if words[:2] in (["container", "ls"], ["container", "ps"], ["container", "list"]):
        noun = "container"
    elif words[:2] in (["image", "ls"], ["image", "list"]):
        noun = "image"
    elif words[:2] in (["volume", "ls"], ["volume", "list"]):
        noun = "volume"
    if noun is None:
        return None
    filtered = any(f.startswith(("-f", "--filter")) for f in flags) or len(words) > (1 if words[0] in LISTINGS else 2)
    every = noun in ("image", "volume") or any(f in ALL_FLAGS or (not f.startswith("--") and "a" in f) for f in flags)
    return f"every {noun}" if every and not filtered else None
