"""The shared base of service CLIs shaped `TOOL [NOUN…] VERB [ARGS]`: message brokers, coordination stores,
backups, object stores, hosting platforms, VMs, CI servers.

The first word that is a verb decides the operation: the tool's `VERBS` table where it says more than the
shared verb words (`generic.classify_verb`), or the method that handles the verb. The nouns before it name
the resource; `DATA_NOUNS` and `WHOLE_ENVIRONMENT_NOUNS` say which deletes lose data or a whole environment,
`PERMISSION_NOUNS` and `SECRET_NOUNS` which changes are about access and which reads print secrets. Where
it lands comes from the server an option or variable names (`ADDRESS_OPTIONS`, `ADDRESS_VARIABLES`), then
the environment one names (`CONTEXT_OPTIONS`, `CONTEXT_VARIABLES`), then the names on the command line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar, cast

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect, Operation
from changegate.understand.base import Invocation
from changegate.understand.cli import Call, Cli
from changegate.understand.commands.generic import DESTRUCTIVE_VERBS, READ_VERBS, classify_verb, verb_tokens
from changegate.understand.placement import (
    RUNTIME_PART,
    place_address,
    place_flags,
    place_name,
    place_url,
    worst_of,
)

OPERATION_WORDS: dict[str, str] = {
    "create": "creates", "modify": "changes", "delete": "deletes", "replace": "replaces",
    "permission": "changes who may do what on", "host_control": "stops or restarts", "publish": "publishes",
    "secret_read": "prints secrets from", "execute_opaque": "runs code it cannot inspect on",
    "unknown": "does something changegate cannot tell to",
}
HELP_FLAGS = ("--help", "-h", "--version", "-v", "-version")
MAX_VERB_POSITION = 6  # the verb is among the first words; later ones are arguments


def singular(word: str) -> str:
    lowered = word.lower()
    if lowered.endswith("ies"):
        return lowered[:-3] + "y"
    if lowered.endswith("s") and not lowered.endswith(("ss", "us", "is")):
        return lowered[:-1]
    return lowered


def nouns(*words: str) -> dict[str, str]:
    """A `NOUNS` table: each word names the kind of resource its singular says."""
    return {word: singular(word) for word in words}


class Platform(Cli):
    """A `TOOL [NOUN…] VERB` CLI placed by its address and context options, then by the names it is given."""

    ADDRESS_VARIABLES: ClassVar[tuple[str, ...]] = ()  # hold the server's address when no option does
    CONTEXT_OPTIONS: ClassVar[tuple[str, ...]] = ()  # their value names the environment
    CONTEXT_VARIABLES: ClassVar[tuple[str, ...]] = ()  # name it when no option does
    DATA_NOUNS: ClassVar[frozenset[str]] = frozenset()  # deleting these loses data
    WHOLE_ENVIRONMENT_NOUNS: ClassVar[frozenset[str]] = frozenset()  # deleting these loses an environment
    PERMISSION_NOUNS: ClassVar[frozenset[str]] = frozenset()  # changing these changes who may do what
    SECRET_NOUNS: ClassVar[frozenset[str]] = frozenset()  # reading these prints secrets
    DRY_RUN_FLAGS: ClassVar[frozenset[str]] = frozenset({"--dry-run", "--dryrun", "--check"})
    SCOPE_FLAGS: ClassVar[frozenset[str]] = frozenset({"--all"})
    NO_PROMPT_FLAGS: ClassVar[frozenset[str]] = frozenset({"--force", "-f", "--yes", "-y", "--confirm"})
    LOCAL_VERBS: ClassVar[frozenset[str]] = frozenset({"login", "logout", "version", "help", "completion",
                                                       "whoami"})
    LOCAL_NOUNS: ClassVar[frozenset[str]] = frozenset()  # groups that only change this machine's session
    # words that name a resource kind and are never the verb (`velero backup create`: backup is no verb)
    NOUNS: ClassVar[Mapping[str, str]] = {}
    VERB_KINDS: ClassVar[Mapping[str, frozenset[str]]] = {}  # kinds a verb acts on (`reset` wipes a vhost)
    BARE_VERB_KINDS: ClassVar[Mapping[str, frozenset[str]]] = {}  # ... when no noun comes before it
    VERB_IS_KIND: ClassVar[bool] = False  # the verb names what it acts on (`restic forget`, `rclone purge`)
    # every part of a verb may name a kind (`vol-delete`), not only those after the first (`delete_vhost`)
    KINDS_FROM_WHOLE_VERB: ClassVar[bool] = False
    COLON_TOPICS: ClassVar[bool] = False  # `topic:command` (heroku, netlify, firebase)
    HYPHEN_VERBS: ClassVar[bool] = False  # `cluster-delete` (linode-cli, jenkins-cli)
    NOUN_AFTER_VERB: ClassVar[bool] = False  # `delete queue name=x` (rabbitmqadmin, velero get backups)
    ON_THIS_MACHINE: ClassVar[bool] = False  # the tool acts on this machine (VMs of a local hypervisor)
    WHERE_UNKNOWN: ClassVar[str] = "no flag or variable says which server this is"

    # --- reading the command ------------------------------------------------------------------------
    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        words = self.command_words(opts.positionals)
        if not words and (opts.has(*HELP_FLAGS) or not inv.words):
            return [inv.effect("read", f"{inv.name}:help", Placement(LOCAL, "help or version"), reversible="yes",
                               summary=f"{inv.name} help")]
        found = self.find_topic_verb(opts.positionals) if self.COLON_TOPICS else self.find_verb(words)
        if found is None:
            return self.no_verb_found(Call(inv, opts, "", [], [], nouns=words))
        index, operation = found
        args = words[index + 1:]
        # the arguments are the last positionals: only the words before them are split (`topic:command`)
        arg_words = opts.positional_words[len(opts.positional_words) - len(args):] if args else []
        call = Call(inv, opts, words[index], args, arg_words, nouns=words[:index])
        entry = self.VERBS.get(call.verb.lower())
        if entry is None or isinstance(entry, str):
            return self.effects(call, operation)
        return entry(self, call)

    def command_words(self, positionals: list[str]) -> list[str]:
        if not self.COLON_TOPICS or not positionals:
            return positionals
        return [*positionals[0].split(":"), *positionals[1:]]

    def operation_of(self, word: str) -> Operation | None:
        """What a word does as the verb; None for a word that is not one."""
        lowered = word.lower()
        if lowered in self.NOUNS:
            return None
        entry = self.VERBS.get(lowered)
        if isinstance(entry, str):
            return cast(Operation, entry)
        # a verb handled by a method says its operation itself; it still is a verb
        found = self.shared_operation(word)
        return found if found is not None or entry is None else "unknown"

    def shared_operation(self, word: str) -> Operation | None:
        """What the verb words every tool shares say (`delete`, `list`, `cluster-delete`)."""
        if not self.HYPHEN_VERBS:
            return classify_verb(word)
        tokens = verb_tokens(word)
        if any(t in DESTRUCTIVE_VERBS for t in tokens):
            return "delete"
        if tokens and tokens[-1] in READ_VERBS:
            return "read"
        return next((found for found in map(classify_verb, tokens) if found is not None), None)

    def find_topic_verb(self, positionals: list[str]) -> tuple[int, Operation] | None:
        """`topic:sub:command`: the last part is the command; a bare topic lists (`heroku apps`)."""
        if not positionals:
            return None
        parts = positionals[0].split(":")
        operation = self.operation_of(parts[-1])
        if operation is None and len(parts) == 1:
            operation = "read"
        return (len(parts) - 1, operation) if operation is not None else None

    def find_verb(self, words: list[str]) -> tuple[int, Operation] | None:
        for index, word in enumerate(words[:MAX_VERB_POSITION]):
            if word.startswith(("/", ".")) or "=" in word:
                continue
            operation = self.operation_of(word)
            if operation is not None:
                return index, operation
        return None

    def no_verb_found(self, call: Call) -> list[Effect]:
        words = call.nouns
        return [call.inv.effect("unknown", f"{call.name}:" + "/".join(words[:3]), self.placement(call),
                                tags=("not-understood",),
                                summary=f"runs {call.name} {' '.join(words[:3])}: no verb changegate knows")]

    # --- what it does -------------------------------------------------------------------------------
    def effects(self, call: Call, operation: Operation) -> list[Effect]:
        inv = call.inv
        kinds = self.kinds(call)
        operation = self.refine(call, operation, kinds)
        shown = " ".join([inv.name, *call.nouns, call.verb, *call.args[:2]])
        if self.only_this_session(call) and operation not in ("delete", "secret_read"):
            return [inv.effect("read", f"{inv.name}:local",
                               Placement(LOCAL, f"{inv.name} {call.verb} changes only this machine's session"),
                               reversible="yes", summary=shown)]
        resource = f"{inv.name}:" + "/".join([*call.nouns, *[t for t in call.args[:2] if not t.startswith("-")]])
        placement = self.placement(call)
        if operation == "read" or call.opts.has(*self.DRY_RUN_FLAGS):
            return [inv.effect("read", resource, placement, reversible="yes", summary=f"{shown} (read-only)")]
        if operation == "secret_read":
            return [inv.effect("secret_read", resource, placement, reversible="yes",
                               kind=self.secret_kind(call, kinds), summary=f"{shown} prints secrets")]
        deleting = operation in ("delete", "replace")
        whole = deleting and bool(kinds & self.WHOLE_ENVIRONMENT_NOUNS)
        every = call.opts.has(*self.SCOPE_FLAGS) or any(t in ("*", "--all") for t in call.args)
        named_kinds = sorted(kinds & (self.DATA_NOUNS | self.WHOLE_ENVIRONMENT_NOUNS))
        return [inv.effect(
            operation, resource, placement, scope="all" if every else "one",
            reversible="no" if deleting else "unknown",
            kind=named_kinds[0] if named_kinds else (call.nouns[-1] if call.nouns else ""),
            data_loss=deleting and (bool(kinds & self.DATA_NOUNS) or whole), whole_environment=whole,
            tags=("no-prompt",) if call.opts.has(*self.NO_PROMPT_FLAGS) else (),
            summary=f"{shown} ({OPERATION_WORDS.get(operation, operation)})")]

    def interactive(self, call: Call) -> list[Effect]:
        """`psql`, `connect`, `console`: a session where what is typed cannot be seen — changes there are
        ordinary where the service is dev, and ask elsewhere."""
        shown = " ".join([call.name, *call.nouns, call.verb, *call.args[:1]])
        return [call.inv.effect("modify", f"{call.name}:" + "/".join([*call.nouns, call.verb]), self.placement(call),
                                reversible="unknown", kind="session", tags=("interactive", "unseen-changes"),
                                summary=f"{shown} opens an interactive session: what is typed there cannot be seen")]

    def only_this_session(self, call: Call) -> bool:
        """`login`, `logout`, `auth …`: they change this machine's session, not the service."""
        if call.nouns:
            return call.nouns[0] in self.LOCAL_NOUNS
        return call.verb.lower() in self.LOCAL_VERBS

    def kinds(self, call: Call) -> set[str]:
        """The resource kinds the command names: its nouns, the noun inside the verb (`delete_vhost`), and
        what the tool's tables add for its verb."""
        found = {singular(n) for n in call.nouns}
        tokens = verb_tokens(call.verb)
        found.update(singular(t) for t in (tokens if self.KINDS_FROM_WHOLE_VERB else tokens[1:]))
        if self.NOUN_AFTER_VERB and call.args:
            found.add(singular(call.args[0]))
        if self.VERB_IS_KIND:
            found.add(call.verb)
        found.update(self.VERB_KINDS.get(call.verb, ()))
        if not call.nouns:
            found.update(self.BARE_VERB_KINDS.get(call.verb, ()))
        return found

    @staticmethod
    def secret_kind(call: Call, kinds: set[str]) -> str:
        """What the secrets belong to: the last noun, else one kind the command names."""
        last = singular(call.nouns[-1]) if call.nouns else ""
        return last if last in kinds else min(kinds, default="")

    def refine(self, call: Call, operation: Operation, kinds: set[str]) -> Operation:
        if kinds & self.PERMISSION_NOUNS and operation in ("create", "modify", "delete"):
            return "permission"
        if kinds & self.SECRET_NOUNS and operation == "read":
            return "secret_read"
        return operation

    # --- where it lands -----------------------------------------------------------------------------
    def placement(self, call: Call) -> Placement:
        return self.place(call, self.names(call))

    @staticmethod
    def names(call: Call) -> list[str]:
        """The words that may name where the command acts: its nouns and first arguments."""
        return [*call.nouns, *call.args[:2]]

    def place(self, call: Call, names: Sequence[str]) -> Placement:
        """The server's address when it says where it is, then the environment an option or variable names,
        then the names, then the address even when it says nothing."""
        inv = call.inv
        environments = inv.ctx.environments
        by_address = self.address(call)
        if by_address is not None and by_address.environment != UNKNOWN:
            return by_address
        context = place_flags(environments, ((f"{inv.name} {flag}", call.opts.value(flag))
                                             for flag in self.CONTEXT_OPTIONS))
        if context is not None:
            return context
        for variable in self.CONTEXT_VARIABLES:
            value = inv.ctx.getenv(variable)
            if value:
                return place_name(environments, value, variable)
        named = [place_name(environments, n, "the name") for n in names if n and RUNTIME_PART not in n]
        known = [p for p in named if p.environment != UNKNOWN]
        if known:
            return worst_of(known, "")
        if by_address is not None:
            return by_address
        if self.ON_THIS_MACHINE:
            return Placement(LOCAL, f"{inv.name} acts on this machine")
        return self.unplaced(call)

    def address(self, call: Call) -> Placement | None:
        """Where the server an option or variable names is; None when none names one."""
        inv = call.inv
        for flag in self.ADDRESS_OPTIONS:
            value = call.opts.value(flag)
            if value:
                return place_address(inv.ctx.environments, value, f"{inv.name} {flag}")
        for variable in self.ADDRESS_VARIABLES:
            value = inv.ctx.getenv(variable)
            if value:
                return place_address(inv.ctx.environments, value, f"{inv.name} {variable}")
        return None

    def unplaced(self, call: Call) -> Placement:
        return Placement(UNKNOWN, f"{call.name}: {self.WHERE_UNKNOWN} (unknown is treated as prod)")


def place_repository(inv: Invocation, repository: str, label: str) -> Placement:
    """A backup repository: a local path, `ssh://host/…`, `rest:https://…`, `sftp:host:/path`,
    `user@host:path`, `s3:…`; placed by its path, host or name."""
    environments = inv.ctx.environments
    if repository.startswith(("/", "~", ".")) or ("://" not in repository and ":" not in repository):
        return inv.ctx.place_path(inv.ctx.resolve(repository))
    if "://" in repository:
        return place_url(environments, repository.removeprefix("rest:"), label)
    scheme, _, rest = repository.partition(":")
    if scheme == "sftp":
        return place_address(environments, rest.split(":", 1)[0], label)
    if "@" in scheme or "." in scheme:  # user@host:path (borg)
        return place_address(environments, scheme, label)
    return place_name(environments, rest or repository, label)

