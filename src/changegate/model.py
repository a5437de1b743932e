"""The three values that flow through the pipeline: Action -> [Effect] -> Verdict.

They are msgspec Structs: frozen, typed, and cheap to build and to encode, because they sit on the hot path
of every tool call (a pydantic import alone would cost the hook more than its whole budget).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Literal

import msgspec

ActionType = Literal["shell", "sql", "terraform_plan", "k8s_manifest", "mcp_tool", "file_write", "http"]
Operation = Literal[
    "read",
    "create",
    "modify",
    "delete",
    "replace",
    "permission",
    "secret_read",
    "exfiltrate",
    "execute_opaque",
    "publish",
    "host_control",
    "unknown",
]
Scope = Literal["one", "many", "all"]
Reversible = Literal["yes", "no", "unknown"]
Decision = Literal["allow", "ask", "deny"]
Risk = Literal["low", "medium", "high", "critical"]

OPERATIONS: tuple[str, ...] = Operation.__args__  # type: ignore[attr-defined]
DECISIONS: tuple[str, ...] = ("allow", "ask", "deny")  # in order of severity
RISKS: tuple[str, ...] = ("low", "medium", "high", "critical")
CHANGES: frozenset[str] = frozenset(OPERATIONS) - {"read"}


class Action(msgspec.Struct, frozen=True, omit_defaults=True, kw_only=True):
    """What the agent asked, as received. Which payload fields apply depends on `type`."""

    type: ActionType
    # shell: a command line, or an exact argument vector (shims, `changegate run`): argv wins when given
    command: str | None = None
    argv: list[str] | None = None
    # sql
    statement: str | None = None
    database: str | None = None
    dialect: str | None = None
    # terraform_plan: the `terraform show -json` document, or `path` to it; k8s_manifest: YAML text or path
    plan: dict[str, Any] | None = None
    manifest: str | None = None
    # file_write (and the file of a plan or manifest)
    path: str | None = None
    content: str | None = None
    # mcp_tool
    server: str | None = None
    tool: str | None = None
    arguments: dict[str, Any] | None = None
    annotations: dict[str, Any] | None = None
    # http
    method: str | None = None
    url: str | None = None
    headers: dict[str, str] | None = None
    body: str | None = None
    # where and as whom
    cwd: str | None = None
    env: dict[str, str] | None = None
    agent: str | None = None
    operator: str | None = None
    session: str | None = None
    reason: str | None = None  # the agent's stated reason, shown to the approver

    def shell_text(self) -> str:
        """The command line to understand: the argv joined exactly as a shell would need it."""
        if self.argv is not None:
            import shlex

            return shlex.join(self.argv)
        return self.command or ""


class Effect(msgspec.Struct, frozen=True, omit_defaults=True, kw_only=True):
    """One thing an action would do."""

    operation: Operation
    resource: str  # a typed URI: fs:/srv/data, k8s:prod-eu/namespace/payments, sql:host/db/table/users
    environment: str = "unknown"
    scope: Scope = "one"
    count: int | None = None  # how many, where known (scope many)
    total: int | None = None  # of how many the environment holds, where known (plans)
    reversible: Reversible = "unknown"
    kind: str = ""  # what the resource is: file, directory, namespace, bucket, table, stack, branch, ...
    family: str = ""  # the tool family or analyzer that found it (rm, git, kubectl, sql, plan, ...)
    evidence: str = ""  # the argument or text that shows it
    why_environment: str = ""  # which signal placed the resource in its environment
    summary: str = ""  # plain words: "deletes namespace payments in context prod-us"
    data_loss: bool = False  # losing this resource loses data (a database, bucket, volume, ...)
    whole_environment: bool = False  # a namespace, cluster, stack, project, database, or most of a plan
    tags: tuple[str, ...] = ()  # facts rules can match: recursive, force, overwrite, unrecoverable, ...
    suggestions: tuple[str, ...] = ()  # safer actions the agent can take instead


class Verdict(msgspec.Struct, frozen=True, omit_defaults=False, kw_only=True):
    decision: Decision
    risk: Risk
    reasons: list[str]
    suggestions: list[str]
    effects: list[Effect]
    approvals_required: int
    action_hash: str
    rules: list[str] = msgspec.field(default_factory=list)  # ids of the rules that decided
    summary: str = ""  # one line a human can approve from
    error: str | None = None  # set when the action could not be read or understood


# --- canonical form and hash -------------------------------------------------------------------------

IDENTITY_FIELDS = frozenset({"agent", "operator", "session", "reason"})
SECRET_NAME = re.compile(
    r"(?i)(secret|token|passw(or)?d|passwd|pwd|api[_-]?key|access[_-]?key|private[_-]?key|credential|"
    r"auth|session[_-]?key|signing[_-]?key|client[_-]?secret|webhook[_-]?url|dsn)"
)
_ENCODER = msgspec.json.Encoder(order="sorted")


def looks_secret(name: str) -> bool:
    """Whether a variable or field name looks like it holds a secret."""
    return SECRET_NAME.search(name) is not None


def redact_value(value: str) -> str:
    """A secret replaced by a short digest: binding (a changed secret changes it) but not revealing."""
    return "redacted:sha256:" + hashlib.sha256(value.encode()).hexdigest()[:16]


def redacted_env(env: dict[str, Any]) -> dict[str, str]:
    """An environment as it leaves this machine: the values of secret-looking variables replaced by their
    digest (a server judges by names like AWS_PROFILE and KUBECONFIG, never by a token's value)."""
    return {str(k): (redact_value(str(v)) if looks_secret(str(k)) else str(v)) for k, v in env.items()}


def canonical_action(action: Action, consulted: dict[str, str] | None = None) -> dict[str, Any]:
    """The action as approvals bind to it: identity fields dropped, `env` reduced to what understanding
    consulted (plus the config facts it read, e.g. a kubeconfig's current context), secrets redacted."""
    # the fields that are set, shallow: the same canonical JSON as msgspec.to_builtins(action) (every payload
    # is already made of builtins), without copying a large payload (a 5,000-change plan) on every decision
    doc: dict[str, Any] = {name: value for name in action.__struct_fields__
                           if name not in IDENTITY_FIELDS and name != "env"
                           and (value := getattr(action, name)) is not None}
    if consulted:
        doc["context"] = {k: (redact_value(v) if looks_secret(k) else v) for k, v in sorted(consulted.items())}
    return doc


def canonical_json(doc: Any) -> bytes:
    return _ENCODER.encode(doc)


def action_hash(action: Action, consulted: dict[str, str] | None = None) -> str:
    return hash_canonical(canonical_action(action, consulted))


def hash_canonical(doc: dict[str, Any]) -> str:
    """The action hash of an action already in canonical form."""
    return hashlib.sha256(canonical_json(doc)).hexdigest()
