"""What every secret store's CLI shares: a table from sub-commands to what they do to the store.

Printing a secret is a `secret_read` (the value lands in the agent's context); writing one is a change to
the store; deleting one is a delete, with data loss where the secret is gone for good (`vault kv destroy`,
`vault secrets disable`, `bw delete --permanent`). Runners (`op run -- CMD`, `doppler run -- CMD`,
`chamber exec`, `infisical run`) hand CMD back to the walker: the secrets go into that process's
environment, which is ordinary use, not a read. Where a store lives comes from its address, the
environment an option or variable names (`--config prd`, `--env prod`), or the names the command gives.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect, Operation, Reversible, Scope
from changegate.understand.base import Invocation, Word
from changegate.understand.cli import Call, Cli
from changegate.understand.placement import place_flags, place_name

MAX_SUB_COMMAND = 4  # words in the longest sub-command (`vault operator raft snapshot`)
# a keychain is outside the workspace and holds the user's own secrets
MACHINE_SECRETS = Placement(UNKNOWN, "the user's keychain on this machine, outside the workspace "
                                     "(unknown is treated as prod)")
SECRET_SUGGESTION = ("pass the secret to the program that needs it (a runner such as `op run -- CMD` or "
                     "`doppler run -- CMD`) instead of printing it")
VERB_WORDS = {"read": "reads", "modify": "changes the store", "create": "creates", "delete": "deletes",
              "permission": "changes who may read what", "host_control": "stops or seals the server",
              "replace": "replaces the store's data", "unknown": "does something changegate cannot tell"}


@dataclass(frozen=True)
class Verb:
    """What one sub-command does to the store; as a `VERBS` entry it builds its own effects."""

    operation: Operation
    kind: str = "secret"
    data_loss: bool = False
    whole: bool = False
    reversible: Reversible = "unknown"
    scope: Scope = "one"
    also: Operation | None = None  # a second effect (a token create is a permission change and a secret read)

    def __call__(self, tool: SecretTool, call: Call) -> list[Effect]:
        return tool.effects(call, self)


READ = Verb("read", reversible="yes")
SECRET = Verb("secret_read", reversible="yes")
WRITE = Verb("modify")
CREATE = Verb("create", reversible="yes")
DELETE = Verb("delete", reversible="no")
SOFT_DELETE = Verb("delete", reversible="yes")
DESTROY = Verb("delete", data_loss=True, reversible="no")
PERMISSION = Verb("permission", kind="access")
LOCAL_READ = Verb("read", kind="local", reversible="yes")


class SecretTool(Cli):
    """A store CLI shaped `TOOL SUB… [ARGS]`. `VERBS` maps each sub-command, its words joined by spaces
    (`"kv metadata delete"`), to a `Verb` or to the method that handles it; `""` is the tool alone."""

    FAMILY = "secrets"
    CONTEXT_OPTIONS: ClassVar[tuple[str, ...]] = ()  # their value names the environment
    CONTEXT_VARIABLES: ClassVar[tuple[str, ...]] = ()  # name it when no option does
    DEFAULT_PLACEMENT: ClassVar[Placement] = Placement(UNKNOWN, "the store's environment is not named "
                                                                "(unknown is treated as prod)")
    COMMAND_NEEDS_DASHDASH: ClassVar[bool] = False  # a runner's command comes only after `--`

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        positionals = opts.positionals
        used = self.sub_command_length(positionals)
        call = Call(inv, opts, " ".join(w.lower() for w in positionals[:used]), positionals[used:],
                    opts.positional_words[used:])
        if used == 0 and positionals:
            return self.unknown_verb(call)
        return self.dispatch(call)

    def sub_command_length(self, words: list[str]) -> int:
        """How many leading words spell the longest sub-command in `VERBS`; 0 when none does."""
        for length in range(min(MAX_SUB_COMMAND, len(words)), 0, -1):
            if " ".join(w.lower() for w in words[:length]) in self.VERBS:
                return length
        return 0

    def unknown_verb(self, call: Call) -> list[Effect]:
        sub = " ".join(call.args[:2]) or "(no sub-command)"
        return [call.inv.effect("unknown", f"{call.name}:{sub}", self.placement(call), tags=("not-understood",),
                                summary=f"runs {call.name} {sub}, which changegate does not know")]

    def effects(self, call: Call, verb: Verb) -> list[Effect]:
        inv, targets = call.inv, call.args
        placement = self.placement(call) if verb.kind != "local" else Placement(
            LOCAL, f"{inv.name} {call.verb} only touches this machine's session")
        resource = self.resource(call)
        shown = f"{inv.name} {call.verb} {' '.join(targets[:2])}".strip()
        out: list[Effect] = []
        for operation in (verb.operation, verb.also):
            if operation is None:
                continue
            secret = operation == "secret_read"
            out.append(inv.effect(
                operation, resource, placement, kind=verb.kind, reversible="yes" if secret else verb.reversible,
                scope=verb.scope, data_loss=verb.data_loss, whole_environment=verb.whole,
                summary=f"{shown} ({'prints a secret' if secret else VERB_WORDS.get(operation, operation)})",
                suggestions=(SECRET_SUGGESTION,) if secret else ()))
        return out

    def placement(self, call: Call) -> Placement:
        """The environment an option or a variable names, else the first name that says one."""
        inv = call.inv
        environments = inv.ctx.environments
        context = place_flags(environments, ((f"{inv.name} {flag}", call.opts.value(flag))
                                             for flag in self.CONTEXT_OPTIONS))
        if context is not None:
            return context
        for variable in self.CONTEXT_VARIABLES:
            value = inv.ctx.getenv(variable)
            if value:
                return place_name(environments, value, variable)
        named = (place_name(environments, t, "the name") for t in call.args[:2] if t)
        return next((p for p in named if p.environment != UNKNOWN), self.DEFAULT_PLACEMENT)

    def resource(self, call: Call) -> str:
        return f"{call.name}:" + "/".join(call.args[:2])

    # --- runners: `TOOL run [OPTIONS] [--] CMD…` ----------------------------------------------------
    def run(self, call: Call) -> list[Effect]:
        """CMD (after `--`, or `--command "CMD"`) runs with the secrets in its environment."""
        inv = call.inv
        script = call.opts.value("--command")
        if script:
            inv.run_script(script, origin=f"{inv.name} run --command")
            return []
        command = self.runner_command(call)
        if not command:
            return [inv.effect("host_control", f"{inv.name}:run", self.placement(without_args(call)), kind="shell",
                               tags=("interactive", "unseen-changes"),
                               summary=f"{inv.name} runs a shell with secrets in its environment: what is typed "
                                       "there cannot be seen")]
        inv.run_argv(command, stdin=inv.stdin)
        return []

    def runner_command(self, call: Call) -> list[Word]:
        """The words after `--`; without it, from the first positional after the runner's sub-command on."""
        if call.opts.dashdash:
            return call.opts.rest
        if self.COMMAND_NEEDS_DASHDASH:
            return []
        _, sub, rest = self.split_verb(call.inv.words)
        return self.walk(rest, stop_at_first_positional=True).positional_words if sub is not None else []


def without_args(call: Call) -> Call:
    return dataclasses.replace(call, args=[], arg_words=[])
