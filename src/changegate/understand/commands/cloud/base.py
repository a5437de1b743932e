"""The cloud layer: what aws, gcloud and az share.

A cloud command says what it does in its verb (`describe-instances`, `instances delete`, `vm show`) and what
it acts on in its nouns (`db-instance`, `sql databases`, `storage account`). The tables here hold the verbs
and nouns every cloud CLI spells alike; each CLI extends them where it truly differs
(`READ_VERBS = CloudCli.READ_VERBS | {...}`) and says how it finds its verb and nouns. The order of the
questions is the same for all of them: a read, then a change of who may do what (by verb or by noun), then
a delete, a stop or restart of a machine, a create; anything else modifies.

Nouns are written in the singular here; gcloud spells its groups in the plural and derives its tables with
`plural_of`.
"""

from __future__ import annotations

import posixpath
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import ClassVar, TypeVar

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect, Operation, Scope
from changegate.understand.base import Context, Invocation, Stream, Word
from changegate.understand.cli import Cli
from changegate.understand.placement import worst_of
from changegate.understand.sensitive import secret_kind

T = TypeVar("T")
MAX_SUBSTITUTED_WORDS = 64


class CloudCli(Cli):
    """A cloud provider's CLI: verb and noun tables, and the one order they are asked in."""

    READ_VERBS: ClassVar[frozenset[str]] = frozenset({"list", "get", "wait", "tail", "help", "validate"})
    READ_PREFIXES: ClassVar[tuple[str, ...]] = ("list-", "get-")
    PERMISSION_VERBS: ClassVar[frozenset[str]] = frozenset()
    PERMISSION_SUFFIXES: ClassVar[tuple[str, ...]] = ()
    DELETE_VERBS: ClassVar[frozenset[str]] = frozenset({"delete", "destroy", "purge", "remove"})
    DELETE_PREFIXES: ClassVar[tuple[str, ...]] = ("delete-",)
    # stopping or restarting a machine or database is an outage, not a delete
    HOST_VERBS: ClassVar[frozenset[str]] = frozenset({"stop", "restart", "failover"})
    CREATE_VERBS: ClassVar[frozenset[str]] = frozenset({"create", "import", "clone", "generate", "upload"})
    # verbs that change a resource in place; only a CLI that must tell a verb from a group word lists them
    MODIFY_VERBS: ClassVar[frozenset[str]] = frozenset()
    MODIFY_PREFIXES: ClassVar[tuple[str, ...]] = ()

    # nouns whose change is a change of who may do what
    PERMISSION_NOUNS: ClassVar[frozenset[str]] = frozenset()
    # nouns that hold data: deleting one loses what is in it
    DATA_NOUNS: ClassVar[frozenset[str]] = frozenset({
        "database", "snapshot", "secret", "backup", "table", "repository", "volume", "queue", "collection",
    })
    # nouns that are a whole environment: deleting one takes everything in it
    WHOLE_ENVIRONMENT_NOUNS: ClassVar[frozenset[str]] = frozenset({"cluster", "environment"})

    # --- what a verb does ---------------------------------------------------------------------------------
    def verb_operation(self, verb: str) -> Operation | None:
        """The operation a verb names on its own; None for a word that is no verb of this CLI."""
        if verb in self.READ_VERBS or verb.startswith(self.READ_PREFIXES):
            return "read"
        if verb in self.PERMISSION_VERBS or verb.endswith(self.PERMISSION_SUFFIXES):
            return "permission"
        if verb in self.DELETE_VERBS or verb.startswith(self.DELETE_PREFIXES):
            return "delete"
        if verb in self.HOST_VERBS:
            return "host_control"
        if verb in self.CREATE_VERBS:
            return "create"
        if verb in self.MODIFY_VERBS or verb.startswith(self.MODIFY_PREFIXES):
            return "modify"
        return None

    def operation(self, verb: str, nouns: Sequence[str]) -> Operation:
        """A verb on nouns: a change to a permission noun is a permission change whatever its verb."""
        found = self.verb_operation(verb)
        if found == "read":
            return "read"
        if found == "permission" or self.changes_access(verb, nouns):
            return "permission"
        return found or "modify"

    def changes_access(self, verb: str, nouns: Sequence[str]) -> bool:
        return any(noun in self.PERMISSION_NOUNS for noun in nouns)


# --- small helpers of the layer -----------------------------------------------------------------------------

def not_understood(inv: Invocation, resource: str, placement: Placement, why: str) -> Effect:
    """A command changegate cannot classify, placed where the cloud call lands (not by its arguments)."""
    return inv.effect("unknown", resource, placement, tags=("not-understood",), summary=f"runs {why}")


def secret_command(path: Sequence[str], table: Mapping[tuple[str, ...], T]) -> T | None:
    """The entry of a table keyed by command-path endings (`secrets versions access`) that `path` ends with."""
    return next((value for ending, value in table.items() if tuple(path[-len(ending):]) == ending), None)


def strongest_named(candidates: Iterable[Placement]) -> Placement | None:
    """The most severe of the placements that name an environment; None when none does."""
    known = [p for p in candidates if p.environment != UNKNOWN]
    return worst_of(known, "") if known else None


def uploaded_secret(inv: Invocation, source: str, destination: str, placement: Placement) -> Effect | None:
    """Copying a local file to a bucket: an exfiltration when the file is a secret (`~/.ssh/id_rsa`)."""
    resolved = inv.ctx.resolve(source)
    kind = secret_kind(resolved, inv.ctx.home) if resolved else None
    if not kind:
        return None
    return inv.effect("exfiltrate", f"fs:{resolved}", placement, kind="secret", reversible="no",
                      summary=f"uploads {kind} ({resolved}) to {destination}")


def aws_profile(ctx: Context, flag: str | None) -> tuple[str | None, str]:
    """The AWS profile the credentials come from and what says so: `--profile`, then AWS_PROFILE, then
    AWS_DEFAULT_PROFILE (aws, terraform and the stack deployers all read it this way)."""
    if flag:
        return flag, "--profile"
    for variable in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        profile = ctx.getenv(variable)
        if profile:
            return profile, variable
    return None, "--profile"


def substituted_command(text: str) -> list[str] | None:
    """The words of the command a `$(…)` or backtick word runs, as written (at most 64); None for any other
    word or one that does not split."""
    inner = text.strip()
    if inner.startswith("$(") and inner.endswith(")"):
        inner = inner[2:-1]
    elif inner.startswith("`") and inner.endswith("`"):
        inner = inner[1:-1]
    else:
        return None
    try:
        return shlex.split(inner)[:MAX_SUBSTITUTED_WORDS]
    except ValueError:
        return None


def listing_scope(words: Sequence[Word], tools: Sequence[str], lists_everything: Callable[[list[str]], bool]
                  ) -> Scope:
    """Names computed at run time: "all" when they come from a `$(…)` listing of every resource of the kind
    (`$(gcloud compute instances list --format='value(name)')`), judged by the CLI's `lists_everything`;
    "many" for any other run-time value."""
    for word in words:
        if word.known:
            continue
        tokens = substituted_command(word.text)
        if not tokens or posixpath.basename(tokens[0]) not in tools:
            return "many"
        if lists_everything(tokens):
            return "all"
    return "many"


def listing(kind: str) -> Stream:
    """What a command prints when it lists every resource of `kind` ("aws ec2 instance"), unfiltered: a
    delete fed from it (xargs, `while read`) deletes all of them."""
    return Stream(origin=f"a listing of every {kind}", lists=kind)


def listed_by(inv: Invocation, provider: str) -> str:
    """The kind of resource stdin lists in full, where an unfiltered listing of the same provider ("aws",
    "gcp", "azure", "terraform", "pulumi") feeds this command; "" otherwise. Any kind of the provider counts:
    names taken from every resource of one kind are no selection of another."""
    kind = inv.stdin.lists if inv.stdin is not None else ""
    return kind if kind.split(" ", 1)[0] == provider else ""


def plural_of(nouns: Iterable[str]) -> frozenset[str]:
    """`repository` -> `repositories`, `index` -> `indexes`, `key` -> `keys`: gcloud's group spelling."""
    out: set[str] = set()
    for noun in nouns:
        if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
            out.add(noun[:-1] + "ies")
        elif noun.endswith(("s", "x", "z", "ch", "sh")):
            out.add(noun + "es")
        else:
            out.add(noun + "s")
    return frozenset(out)


def singular(noun: str) -> str:
    """`db-instances` -> `db-instance`, `policies` -> `policy`; `status`, `alias` stay as they are."""
    if noun.endswith("ies"):
        return noun[:-3] + "y"
    if noun.endswith("s") and not noun.endswith(("ss", "us", "is", "as")):
        return noun[:-1]
    return noun
