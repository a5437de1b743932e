"""The three values that flow through the pipeline: Action -> [Effect] -> Verdict.

They are msgspec Structs: frozen, typed, and cheap to build and to encode, because they sit on the hot path
of every tool call (a pydantic import alone would cost the hook more than its whole budget).
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Any, Literal

import msgspec

from changegate.state import state_dir_name

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
SEVERITY: dict[str, int] = {decision: rank for rank, decision in enumerate(DECISIONS)}
RISK_ORDER: dict[str, int] = {risk: rank for rank, risk in enumerate(RISKS)}
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
    # facts the agent's own client collected where the agent runs (remote mode): files read for
    # understanding (bounded, secrets redacted), plan documents, how an MCP server is started.
    # See understand/facts.py. Part of the canonical action and so of the hash.
    facts: dict[str, Any] | None = None
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
    team: str | None = None  # an ask the policy routes to a team: its people see and decide the request


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


# Secret values are replaced by a KEYED digest (HMAC-SHA256): equal values still give equal digests (an
# approval binds the secret: another password is another action), but nobody without the key can test a
# guess against a stored digest, as anyone could against a bare sha256 of a weak password. The key lives in
# the state directory of the process that computes the digest (the agent's machine for the hook and the
# client, the server for what it stores), 0600, made on first use.
DIGEST_KEY_FILE = "digest.key"
DIGEST_PREFIX = "redacted:hmac-sha256:"
_KEYS: dict[str, bytes] = {}
URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*):(?P<password>[^@\s/]+)@")


def digest_key_path() -> str:
    """Where the digest key is: the state directory's `digest.key` (asked on every decision)."""
    directory = state_dir_name()
    found = _KEY_PATHS.get(directory)
    if found is None:
        if len(_KEY_PATHS) > 64:
            _KEY_PATHS.clear()
        found = _KEY_PATHS[directory] = os.path.join(directory, DIGEST_KEY_FILE)
    return found


_KEY_PATHS: dict[str, str] = {}  # a handful: one per state directory


def digest_key() -> bytes:
    """The key of this process's digests: read from its file, or made there on first use (created with
    O_EXCL under a temporary name and linked into place, so racing workers all end with the same key)."""
    path = digest_key_path()
    key = _KEYS.get(path)
    if key is not None:
        return key
    key = _read_key(path)
    if key is None:
        try:
            os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
            temporary = f"{path}.{os.getpid()}.{os.urandom(4).hex()}"
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(os.urandom(32))
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass  # another process made it first: use theirs
            finally:
                os.unlink(temporary)
        except OSError:
            pass
        key = _read_key(path)
    if key is None:
        # no writable state directory: a key of this process only. Digests still bind within the process
        # and reveal nothing; they do not match another process's (an approval then asks again).
        key = _KEYS.setdefault("", os.urandom(32))
    _KEYS[path] = key
    return key


def _read_key(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            key = handle.read(64)
    except OSError:
        return None
    return key if len(key) >= 32 else None


def redact_value(value: str) -> str:
    """A secret replaced by its keyed digest: binding (a changed secret changes it) but not revealing.
    A value that is already a digest stays as it is (a client redacted it before sending)."""
    if value.startswith(DIGEST_PREFIX):
        return value
    import hmac  # only when a secret is redacted: the hook's start-up stays small

    return DIGEST_PREFIX + hmac.new(digest_key(), value.encode("utf-8", "surrogatepass"),
                                    hashlib.sha256).hexdigest()[:32]


def redact_url_passwords(value: str) -> str:
    """`scheme://user:PASSWORD@host` with the password replaced by its keyed digest."""
    if "://" not in value or "@" not in value:
        return value
    return URL_PASSWORD.sub(lambda m: f"{m['head']}:{redact_value(m['password'])}@", value)


def redact_env_value(name: str, value: str) -> str:
    """One environment value as it may be stored or shown: secret-named → digest; a URL's password → digest."""
    return redact_value(value) if looks_secret(name) else redact_url_passwords(value)


SECRET_MARK = "secret:"  # consulted facts under this prefix are secrets written in the action itself


def redact_known(text: str, secrets: list[str] | tuple[str, ...] | Any) -> str:
    """`text` with each of `secrets` (longest first, so a secret inside another goes with it) replaced by its
    keyed digest."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret and secret in text:
            text = text.replace(secret, redact_value(secret))
    return text


MAX_REDACTED_DEPTH = 32  # nesting redaction follows (deeper payloads are refused before they get here)


def redacted_text(value: Any, secrets: list[str], depth: int = 0) -> Any:
    """A payload field with the secrets in it redacted: strings, lists, and maps (a header or argument whose
    name looks secret — `Authorization`, `password`, `dsn` — is redacted whatever it holds)."""
    if isinstance(value, str):
        return redact_url_passwords(redact_known(value, secrets) if secrets else value)
    if depth >= MAX_REDACTED_DEPTH:
        return value
    if isinstance(value, list):
        return [redacted_text(v, secrets, depth + 1) for v in value]
    if isinstance(value, dict):
        return {k: (redact_value(str(v)) if isinstance(v, str | int | float) and secret_field(str(k))
                    else redacted_text(v, secrets, depth + 1)) for k, v in value.items()}
    return value


NOT_SECRET_FIELD = re.compile(r"(?i)author(s|ed|ship|[_-]?(name|email|id|login))?|(max|min)[_-]?(new[_-]?)?tokens?|(\w+[_-])?(token[_-]?)?(count|limit|"
                              r"type|name|url|file|path)")


def secret_field(name: str) -> bool:
    """Whether a header or argument called `name` holds a secret (`Authorization`, `password`, `api_key`,
    `Cookie`), not an author, a count or a file name."""
    return (looks_secret(name) or name.lower() == "cookie") and not NOT_SECRET_FIELD.fullmatch(name)


# the payload fields a secret written in the action can appear in
TEXT_FIELDS = ("command", "argv", "statement", "url", "headers", "body", "database", "arguments")


def redacted_env(env: dict[str, Any]) -> dict[str, str]:
    """An environment as it leaves this machine: the values of secret-looking variables replaced by their
    digest (a server judges by names like AWS_PROFILE and KUBECONFIG, never by a token's value)."""
    return {str(k): redact_env_value(str(k), str(v)) for k, v in env.items()}


def canonical_action(action: Action, consulted: dict[str, str] | None = None) -> dict[str, Any]:
    """The action as approvals bind to it: identity fields dropped, `env` reduced to what understanding
    consulted (plus the config facts it read, e.g. a kubeconfig's current context), secrets redacted."""
    # the fields that are set, shallow: the same canonical JSON as msgspec.to_builtins(action) (every payload
    # is already made of builtins), without copying a large payload (a 5,000-change plan) on every decision
    doc: dict[str, Any] = {name: value for name in action.__struct_fields__
                           if name not in IDENTITY_FIELDS and name != "env"
                           and (value := getattr(action, name)) is not None}
    secrets = [v for k, v in consulted.items() if k.startswith(SECRET_MARK)] if consulted else []
    for name in TEXT_FIELDS:
        if name in doc:
            doc[name] = redacted_text(doc[name], secrets)
    if consulted:
        doc["context"] = {k: redact_env_value(k, v) for k, v in sorted(consulted.items())}
    return doc


def canonical_json(doc: Any) -> bytes:
    return _ENCODER.encode(doc)


def action_hash(action: Action, consulted: dict[str, str] | None = None) -> str:
    return hash_canonical(canonical_action(action, consulted))


def hash_canonical(doc: dict[str, Any]) -> str:
    """The action hash of an action already in canonical form."""
    return hashlib.sha256(canonical_json(doc)).hexdigest()
