"""Commands nobody has written a family for, and the base for CLIs shaped `TOOL [NOUN…] VERB [ARGS]`.

An unknown command is placed by where its arguments point (DESIGN: allowed in the workspace only if it
touches nothing outside it). One more signal is cheap and reliable across tools: a destructive verb
(`delete_user`, `drop-database`, `purge`) acts on the tool's own state, which may live anywhere, so it is
placed `unknown` unless a flag names the environment.
"""

from __future__ import annotations

import re
from typing import ClassVar

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect, Operation
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli, Options, parse_options

DESTRUCTIVE_VERBS = frozenset({
    "delete", "del", "destroy", "drop", "purge", "remove", "rm", "rmi", "wipe", "erase", "truncate", "flush",
    "flushall", "flushdb", "terminate", "uninstall", "prune", "deregister", "unregister", "revoke", "nuke",
    "evict", "unpublish", "trash", "shred", "obliterate", "decommission", "teardown", "down",
})
WRITE_VERBS = frozenset({
    "create", "add", "new", "set", "update", "put", "apply", "deploy", "push", "upload", "write", "import",
    "restore", "install", "enable", "disable", "start", "stop", "restart", "scale", "rollback", "patch", "edit",
    "replace", "promote", "migrate", "publish", "release", "grant", "attach", "detach", "assign", "tag",
    "untag", "move", "rename", "copy", "sync", "upgrade", "reset", "reload", "rotate", "kill", "suspend",
    "resume", "cancel", "abort", "clear", "clean", "reboot", "shutdown", "mount", "unmount", "lock", "unlock",
    "seal", "unseal", "init", "join", "leave", "approve", "merge", "close", "archive", "unarchive", "login",
    "logout", "register", "modify", "change", "configure", "config", "run", "exec", "invoke", "trigger",
    "send", "submit", "force", "refresh", "recreate", "redeploy", "rebuild", "expire", "retire",
})
READ_VERBS = frozenset({
    "list", "ls", "get", "show", "describe", "status", "info", "logs", "log", "view", "inspect", "cat", "read",
    "search", "find", "query", "version", "help", "whoami", "check", "validate", "diff", "plan", "top",
    "history", "stats", "ping", "health", "explain", "print", "display", "tail", "watch", "verify", "lint",
    "fmt", "format", "output", "outputs", "graph", "doctor", "env", "completion", "dump", "export", "backup",
    "preview", "events", "report", "audit", "test", "dry-run", "template", "render", "lookup", "resolve",
    "count", "exists", "head", "stat", "du", "tree", "summary", "metrics", "trace", "debug", "capabilities",
})
ENV_FLAGS = ("--context", "--env", "--environment", "--profile", "--project", "--cluster", "--stage",
             "--app", "--space", "--org", "--account", "--namespace", "--workspace", "--target", "--host",
             "--server", "--url", "--endpoint", "--region", "--site", "--instance", "--database")
_SPLIT = re.compile(r"[-_:.]")


def verb_tokens(word: str) -> list[str]:
    """`delete_user` -> [delete, user]; `dropDatabase` -> [drop, database]."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", "-", word)
    return [t for t in _SPLIT.split(spaced.lower()) if t]


def classify_verb(word: str) -> Operation | None:
    tokens = verb_tokens(word)
    if not tokens:
        return None
    first = tokens[0]
    if first in DESTRUCTIVE_VERBS:
        return "delete"
    if first in READ_VERBS:
        return "read"
    if first in WRITE_VERBS:
        return "modify"
    return None


def placement_from_flags(inv: Invocation, opts: Options, flags: tuple[str, ...] = ENV_FLAGS) -> Placement | None:
    for flag in flags:
        value = opts.value(flag)
        if value:
            if "://" in value:
                return inv.ctx.environments.url(value, flag)
            named = inv.ctx.environments.classify("names", value, flag)
            return named
    return None


class Generic(Cli):
    """A command with no family of its own."""

    FAMILY = "unknown"

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words)
        for word in opts.positionals[:3]:
            if "/" in word or ("." in word and not word.startswith(".")):
                continue
            if classify_verb(word) == "delete":
                placement = placement_from_flags(inv, opts) or Placement(
                    UNKNOWN, f"{inv.name} {word} acts on {inv.name}'s own state, wherever that lives")
                return [inv.effect(
                    "delete",
                    f"cmd:{inv.name}/" + "/".join(opts.positionals[:4]),
                    placement,
                    scope="one",
                    reversible="unknown",
                    kind="unknown",
                    tags=("destructive-verb",),
                    summary=f"runs {inv.name} {word}: a delete on a system changegate does not model",
                )]
        return [inv.unknown("not a known command")]


class VerbCli(Cli):
    """`TOOL [NOUN…] VERB [ARGS]` CLIs (vault, rabbitmqctl, doctl, …): the first positional that is a verb
    decides the operation, the nouns before it name the resource, a flag from `env_flags` the environment."""

    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset()
    env_flags: ClassVar[tuple[str, ...]] = ENV_FLAGS
    # verbs special to this tool, beyond the shared tables
    verbs: ClassVar[dict[str, Operation]] = {}
    # a resource kind per noun, for whole-environment and data-loss marking
    whole_environment_nouns: ClassVar[frozenset[str]] = frozenset()
    data_nouns: ClassVar[frozenset[str]] = frozenset()

    def operation_of(self, word: str) -> Operation | None:
        lowered = word.lower()
        if lowered in self.verbs:
            return self.verbs[lowered]
        return classify_verb(word)

    def placement(self, inv: Invocation, opts: Options) -> Placement:
        return placement_from_flags(inv, opts, self.env_flags) or Placement(
            UNKNOWN, f"no flag says which {inv.name} environment this is (unknown is treated as prod)")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        nouns: list[str] = []
        for index, word in enumerate(opts.positionals):
            operation = self.operation_of(word)
            if operation is None:
                nouns.append(word)
                continue
            targets = opts.positionals[index + 1:]
            resource = f"{inv.name}:" + "/".join([*nouns, *targets[:2]])
            if operation == "read":
                return [inv.effect("read", resource, self.placement(inv, opts), reversible="yes",
                                   summary=f"{inv.name} {word} (read-only)")]
            whole = any(n in self.whole_environment_nouns for n in nouns)
            data = any(n in self.data_nouns for n in nouns) or whole
            return [inv.effect(
                operation,
                resource,
                self.placement(inv, opts),
                reversible="no" if operation == "delete" else "unknown",
                kind=nouns[-1] if nouns else "",
                whole_environment=whole and operation == "delete",
                data_loss=data and operation == "delete",
                summary=f"{inv.name} {' '.join([*nouns, word, *targets[:2]])}",
            )]
        return [inv.unknown(f"no verb {inv.name} is known to take")]
