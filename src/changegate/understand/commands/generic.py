"""Commands nobody has written a family for, and the verb words every `TOOL [NOUN…] VERB` CLI shares.

A program nobody declared is not understood: its effect is `unknown`, placed by where its arguments point,
and the policy never allows it. One more signal is cheap and reliable across tools: a destructive verb
(`delete_user`, `drop-database`, `purge`) acts on the tool's own state, which may live anywhere, so it is
a delete placed `unknown` unless a flag names the environment.

Many unknown programs are wrappers (`with-lock rm -rf ~`, `mywrap -t 10 'rm -rf /srv'`): when an argument
is a command changegate knows — a declared program followed by its arguments, or a quoted command line
starting with one — that command is judged too, here, so that a catastrophe inside an unknown wrapper is
still denied. The wrapper's own effect stays.
"""

from __future__ import annotations

import re

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect, Operation
from changegate.understand.base import Invocation, basename
from changegate.understand.cli import Cli, Options
from changegate.understand.commands._index import INDEX, PATTERNS
from changegate.understand.placement import place_flags

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
# options that, across tools, name the environment a command acts in
ENV_FLAGS = ("--context", "--env", "--environment", "--profile", "--project", "--cluster", "--stage",
             "--app", "--space", "--org", "--account", "--namespace", "--workspace", "--target", "--host",
             "--server", "--url", "--endpoint", "--region", "--site", "--instance", "--database")
_SPLIT = re.compile(r"[-_:.]")
_DECLARED_PATTERNS = tuple(re.compile(pattern) for pattern, _ in PATTERNS)
MAX_SCANNED = 32  # arguments looked at for a nested command
WALKER_BUILTINS = frozenset({"cd", "pushd", "popd", "chdir"})  # the shell walker runs these itself
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")


def verb_tokens(word: str) -> list[str]:
    """`delete_user` -> [delete, user]; `dropDatabase` -> [drop, database]."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", "-", word)
    return [t for t in _SPLIT.split(spaced.lower()) if t]


def classify_verb(word: str) -> Operation | None:
    """What a verb word does, by its first part: a delete, a read, a change; None for a word that is no verb."""
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


def starts_a_command(word: str) -> bool:
    return word in WALKER_BUILTINS or is_declared(word)


def is_declared(name: str) -> bool:
    """A program some family understands (by its name, or a path to it: `/bin/rm`)."""
    program = basename(name) if name.startswith("/") else name
    return program in INDEX or any(p.fullmatch(program) for p in _DECLARED_PATTERNS)


def first_program(text: str) -> str:
    """The program a command line starts with, after any `NAME=value` assignments."""
    for word in text.split():
        if not ASSIGNMENT.match(word):
            return word
    return ""


class Generic(Cli):
    """A command with no family of its own."""

    FAMILY = "unknown"

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        self.nested(inv, opts)
        return [self.own_effect(inv, opts)]

    @staticmethod
    def nested(inv: Invocation, opts: Options) -> None:
        """The first argument that is a known command (with the words after it), or a quoted command line
        starting with one, judged as run from here."""
        for item in opts.items[:MAX_SCANNED]:
            # `--cmd='rm -rf /'`: an option's inline value can only be a command line, not a command's start
            value = item.word.value if item.option is None else (item.value or "")
            if any(c.isspace() for c in value) and starts_a_command(first_program(value)):
                inv.run_script(value, origin=f"an argument of {inv.name}")
                return
            if item.option is None and "=" not in value and (value.startswith("/") or "/" not in value) \
                    and is_declared(value):
                inv.run_argv(inv.words[item.index:])
                return

    @staticmethod
    def own_effect(inv: Invocation, opts: Options) -> Effect:
        for word in opts.positionals[:3]:
            if "/" in word or ("." in word and not word.startswith(".")):
                continue
            if classify_verb(word) == "delete":
                named = place_flags(inv.ctx.environments, ((flag, opts.value(flag)) for flag in ENV_FLAGS))
                placement = named or Placement(
                    UNKNOWN, f"{inv.name} {word} acts on {inv.name}'s own state, wherever that lives")
                return inv.effect(
                    "delete",
                    f"cmd:{inv.name}/" + "/".join(opts.positionals[:4]),
                    placement,
                    scope="one",
                    reversible="unknown",
                    kind="unknown",
                    tags=("destructive-verb",),
                    summary=f"runs {inv.name} {word}: a delete on a system changegate does not model",
                )
        return inv.unknown("not a known command")
