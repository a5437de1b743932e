"""Compose: `docker compose`, docker-compose and podman-compose act on one project's containers, networks
and volumes (the project is `-p` or the directory's name). `down -v` deletes the project's volumes, whose
data exists nowhere else; `run` and `exec` hand their command to the walker as running in the service."""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import ClassVar

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Word
from changegate.understand.cli import Call
from changegate.understand.commands.containers.common import (
    COMPOSE_VARIABLES,
    DOCKER_VARIABLES,
    EXEC_VALUES,
    PODMAN,
    READ_VERBS,
    RUN_VALUES,
    Daemon,
    Engine,
    EngineCall,
    endpoint,
    engine_call,
    locate_daemon,
)
from changegate.understand.commands.host.common import gate_tampering
from changegate.understand.commands.net.common import Walked
from changegate.understand.selfguard import gate_target

COMPOSE_TOOLS = frozenset({"docker-compose", "podman-compose"})
HOST_OPTIONS = ("-H", "--host")
PROJECT_OPTIONS = ("-p", "--project-name")
VOLUME_FLAGS = ("-v", "--volumes")
GATE_STOPS = frozenset({"down", "stop", "kill", "rm", "pause"})  # what stops or removes a project's containers


def compose_name(inv: Invocation) -> str:
    return inv.name if inv.name in COMPOSE_TOOLS else f"{inv.name} compose"


def project_of(call: Call) -> str:
    named = next((item.value for item in call.opts.items if item.option in PROJECT_OPTIONS), "")
    return named or posixpath.basename(call.inv.ctx.cwd or "") or "project"


class Compose(Engine):
    NAMES: ClassVar[tuple[str, ...]] = ("docker-compose",)
    GLOBAL_OPTIONS = frozenset({"-f", "--file", "-p", "--project-name", "--project-directory", "--profile",
                                "--env-file", "--ansi", "--parallel", "--progress", "-H", "--host", "--context",
                                "-c", "--log-level"})
    ENV_VARIABLES: ClassVar[tuple[str, ...]] = (*DOCKER_VARIABLES, *COMPOSE_VARIABLES)
    ADDRESS_OPTIONS = HOST_OPTIONS

    def analyze(self, inv: Invocation) -> list[Effect]:
        return self.understand(inv, inv.words, locate_daemon(inv, self.RULES, None))

    def understand(self, inv: Invocation, words: Sequence[Word], daemon: Daemon) -> list[Effect]:
        """`[GLOBALS] VERB [ARGS]` against `daemon`, unless `-H` names another."""
        globals_, verb, rest = self.split_verb(words)
        for item in globals_.items:
            if item.option in HOST_OPTIONS:
                daemon = endpoint(inv, item.value or "", f"{item.option} {item.value or ''}")
        if verb is None:
            return [self.read(inv, daemon, "compose")]
        return self.dispatch(EngineCall(inv, globals_, verb.value, [w.value for w in rest], rest, daemon=daemon,
                                        command="compose"))

    def reads(self, call: Call) -> list[Effect]:
        return [self.read(call.inv, engine_call(call).daemon, f"compose {call.verb}")]

    def down(self, call: Call) -> list[Effect]:
        inv, daemon = call.inv, engine_call(call).daemon
        resource = f"compose/{project_of(call)}"
        opts = self.walk(call.arg_words, takes_value=frozenset({"--rmi", "-t", "--timeout"}))
        effects = [self.change(inv, daemon, "delete", resource, "compose down removes the project's containers "
                               "and networks", kind="container", scope="many")]
        if opts.has(*VOLUME_FLAGS):
            effects.append(inv.effect(
                "delete", f"docker:{daemon.name}/{resource}/volumes", daemon.placement, kind="volume", scope="many",
                reversible="no", data_loss=True, tags=("unrecoverable",),
                summary=f"{compose_name(inv)} down -v deletes the project's volumes: the data in them exists "
                        "nowhere else",
                suggestions=(f"{compose_name(inv)} down (without -v) keeps the volumes",)))
        if opts.has("--rmi"):
            effects.append(self.change(inv, daemon, "delete", f"{resource}/images",
                                       "compose down --rmi removes the project's images", kind="image", scope="many"))
        return effects

    def rm(self, call: Call) -> list[Effect]:
        data = any(arg in VOLUME_FLAGS for arg in call.args)
        return [self.change(call.inv, engine_call(call).daemon, "delete", f"compose/{project_of(call)}",
                            "compose rm removes the project's stopped containers"
                            + (" and their anonymous volumes" if data else ""), kind="container", scope="many",
                            data_loss=data, reversible="no" if data else "yes", tags=("unrecoverable",) if data else ())]

    def push(self, call: Call) -> list[Effect]:
        return [call.inv.effect("publish", f"image:{project_of(call)}",
                                Placement(UNKNOWN, "the registries in the compose file"), kind="image",
                                summary=f"{call.name} push publishes the project's images")]

    def run(self, call: Call) -> list[Effect]:
        return self.in_service(call, RUN_VALUES)

    def execute(self, call: Call) -> list[Effect]:
        return self.in_service(call, EXEC_VALUES)

    def in_service(self, call: Call, takes_value: frozenset[str]) -> list[Effect]:
        """`run`/`exec SERVICE [COMMAND]`: the command runs in the service's container."""
        inv, daemon = call.inv, engine_call(call).daemon
        project = project_of(call)
        walked = Walked.of(self.walk(call.arg_words, stop_at_first_positional=True, takes_value=takes_value),
                           call.arg_words)
        service = walked.positionals
        if len(service) > 1:
            self.run_inside(inv, daemon, f"{project}-{service[0].value}", walked.pairs, service[1:])
        effects = [self.change(inv, daemon, "modify", f"compose/{project}/{service[0].value if service else '?'}",
                               f"compose {call.verb}")]
        effects.extend(self.isolation_effects(inv, daemon, walked.pairs))
        return effects

    VERBS = {**Engine.VERBS, **dict.fromkeys(READ_VERBS, reads), "down": down, "rm": rm,
             **dict.fromkeys(("push", "publish"), push), "run": run, "exec": execute}

    def dispatch(self, call: Call) -> list[Effect]:
        return [*super().dispatch(call), *self.gate_stopped(call)]

    @staticmethod
    def gate_stopped(call: Call) -> list[Effect]:
        """Stopping or removing the gate's own compose project or service (`docker compose -p changegate
        down`, `docker compose stop changegate`)."""
        named = [project_of(call), *(a for a in call.args if not a.startswith("-"))]
        if call.verb not in GATE_STOPS or not any(gate_target(n, call.inv.ctx) for n in named):
            return []
        return [gate_tampering(call.inv, f"compose/{project_of(call)}", f"{compose_name(call.inv)} {call.verb} "
                               "stops changegate's containers (the gate this agent works behind)",
                               engine_call(call).daemon.machine())]

    def unknown_verb(self, call: Call) -> list[Effect]:
        """up, start, stop, restart, build, pull…: the project's containers change."""
        return [self.change(call.inv, engine_call(call).daemon, "modify", f"compose/{project_of(call)}",
                            f"compose {call.verb} (the project's containers)")]


class PodmanCompose(Compose):
    NAMES = ("podman-compose",)
    RULES = PODMAN
    ENV_VARIABLES = ("CONTAINER_HOST", "CONTAINER_CONNECTION", *COMPOSE_VARIABLES)
