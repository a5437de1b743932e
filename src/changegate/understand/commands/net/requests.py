"""What a request does to the service it reaches.

GET/HEAD read (so do POSTs to endpoints named like reads: `_search`, `query`, `count`); other methods change
the service, placed by its host (localhost is local, named hosts by their names, the rest unknown). A path
or GraphQL mutation named like a delete (`_delete_by_query`, `doDelete`, `volumeDelete`) deletes. A data
store's well-known port on localhost is often a port-forward from a shared server (`kubectl port-forward`,
`ssh -L`), so deleting through it is placed unknown — unless an earlier step of the command line opened
that tunnel, which places it. Admin APIs that drop everything say so in their paths: `_all`, `*` and
`logs-*`, Consul's `?recurse`, etcd's `deleterange` with `range_end`, Vault's `sys/mounts/NAME` are every
index, key or secret there (scope all, a whole environment). Credentials handed out by cloud instance
metadata services are secret reads. A body downloaded to stdout is code nobody has read: piped into a shell
it is opaque (`curl … | sh`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect, Operation, Scope
from changegate.understand.base import UNKNOWN_PART, Invocation, Stream, Word
from changegate.understand.commands.generic import classify_verb, verb_tokens
from changegate.understand.commands.net.common import (
    Target,
    data_store,
    forwarded_port,
    local_file_read,
    parse_target,
    place_target,
    written_file,
)
from changegate.understand.commands.net.payloads import Payload, belongs_to, carried_off, credential_payloads
from changegate.understand.lex.graphql import graphql_operations
from changegate.understand.placement import is_local
from changegate.understand.selfguard import SELF_APPROVAL, gate_endpoint

MAX_URLS = 8  # requests understood per command; a longer list is judged by its first ones
MAX_BODY = 256 * 1024  # bytes of a body parsed as JSON or GraphQL

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PROPFIND", "REPORT", "SEARCH"})
HTTP_METHODS = READ_METHODS | {"POST", "PUT", "PATCH", "DELETE", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK",
                               "PROPPATCH", "PURGE", "CONNECT", "QUERY"}
# Words that make a path segment or a GraphQL field a delete: `_delete_by_query`, `doDelete`, `volumeDelete`.
DELETE_WORDS = frozenset({"delete", "destroy", "drop", "purge", "remove", "wipe", "truncate", "erase", "nuke",
                          "flush", "flushall", "flushdb", "terminate", "del", "unlink", "expunge", "clear"})
CREATE_WORDS = frozenset({"create", "add", "new", "insert", "register", "upload", "post"})
# Words in a request body that mean a "query" endpoint is asked to write, not read.
WRITING_WORDS = re.compile(r"(?i)\b(delete|drop|truncate|update|insert|alter|create|grant|mutation|merge|"
                           r"replace|remove|flushall|flushdb)\b")
GRAPHQL_STARTS = ("query", "mutation", "{", "subscription")
# The noun owning the last id of a path (`/projects/42`), singular; and which nouns hold data or a whole env.
KINDS: dict[str, str] = {
    **dict.fromkeys(("index", "indexes", "indices", "_index"), "index"),
    **dict.fromkeys(("volume", "volumes"), "volume"),
    **dict.fromkeys(("database", "databases", "db", "dbs", "_db"), "database"),
    **dict.fromkeys(("bucket", "buckets", "b"), "bucket"),
    **dict.fromkeys(("table", "tables"), "table"),
    **dict.fromkeys(("collection", "collections"), "collection"),
    **dict.fromkeys(("snapshot", "snapshots", "_snapshot"), "snapshot"),
    **dict.fromkeys(("backup", "backups"), "backup"),
    **dict.fromkeys(("_data_stream", "data_stream", "data_streams", "datastreams"), "data stream"),
    **dict.fromkeys(("keyspace", "keyspaces"), "keyspace"),
    **dict.fromkeys(("disk", "disks"), "disk"),
    **dict.fromkeys(("cluster", "clusters"), "cluster"),
    **dict.fromkeys(("namespace", "namespaces"), "namespace"),
    **dict.fromkeys(("project", "projects"), "project"),
    **dict.fromkeys(("repo", "repos", "repository", "repositories"), "repository"),
    **dict.fromkeys(("stack", "stacks"), "stack"),
    **dict.fromkeys(("service", "services"), "service"),
    **dict.fromkeys(("environment", "environments"), "environment"),
    **dict.fromkeys(("user", "users"), "user"),
    **dict.fromkeys(("job", "jobs"), "job"),
    **dict.fromkeys(("pipeline", "pipelines"), "pipeline"),
    **dict.fromkeys(("credential", "credentials"), "credential"),
    **dict.fromkeys(("key", "keys"), "key"),
    **dict.fromkeys(("secret", "secrets"), "secret"),
    **dict.fromkeys(("vhost", "vhosts"), "virtual host"),
    **dict.fromkeys(("queue", "queues"), "queue"),
    **dict.fromkeys(("topic", "topics"), "topic"),
}
DATA_KINDS = frozenset({"index", "volume", "database", "bucket", "table", "collection", "snapshot", "backup",
                        "data stream", "keyspace", "disk", "repository", "project", "cluster", "namespace",
                        "virtual host", "queue", "topic", "secrets engine"})
WHOLE_KINDS = frozenset({"project", "cluster", "namespace", "database", "stack", "repository", "virtual host"})
# Query parameters that make a delete take everything under the key it names (Consul `?recurse`, etcd's
# gateway `?prefix=true`, WebDAV-like `?recursive=true`).
RECURSIVE_QUERY = frozenset({"recurse", "recursive", "prefix", "all", "cascade"})
# etcd's v3 HTTP gateway: POST /v3/kv/deleterange deletes a key, or every key of a range with `range_end`.
ETCD_DELETE = re.compile(r"^/v3(alpha|beta)?/kv/deleterange/?$")
ETCD_READ = re.compile(r"^/v3(alpha|beta)?/(kv/range|maintenance/status|cluster/member/list|auth/status)/?$")
# The cloud providers' instance metadata services, and what they hand out that is a credential.
METADATA_HOSTS = frozenset({"169.254.169.254", "fd00:ec2::254", "metadata.google.internal", "metadata",
                            "metadata.goog", "100.100.100.200", "169.254.170.2", "metadata.azure.com"})
METADATA_SECRETS = ("security-credentials", "identity-credentials", "/token", "/identity", "user-data",
                    "user_data", "kube-env", "/attributes", "/credentials", "/keys", "service-accounts/",
                    "/metadata/v1.json", "/vendor-data", "vendor_data", "meta_data.json", "/instance/msi",
                    "/opc/v1/identity", "/opc/v2/identity", "/ram/security-credentials")
METADATA_SESSION = "/latest/api/token"  # IMDSv2: a session token good only for this machine's metadata
ENGINE_SOCKETS = ("docker.sock", "podman.sock", "containerd.sock")
ENGINE_PORTS = frozenset({2375, 2376})
DOING = {"read": "reads", "create": "sends a change to", "modify": "changes", "delete": "deletes",
         "unknown": "sends a request to"}


@dataclass
class Meaning:
    operation: Operation
    why: str
    kind: str = "endpoint"
    scope: Scope = "one"
    count: int | None = None
    data_loss: bool = False
    whole_environment: bool = False


def is_delete_word(word: str) -> bool:
    return any(token in DELETE_WORDS for token in verb_tokens(word.lstrip("_")))


def kind_of(segments: Sequence[str]) -> str:
    """The noun that owns the path's last id: `/projects/42` -> project; `/indexes/movies/x` -> index."""
    for segment in reversed(segments):
        kind = KINDS.get(segment.lower())
        if kind:
            return kind
    return ""


def scope_of(segment: str) -> tuple[Scope, int | None]:
    """Elasticsearch-style targets: `_all` and `*` mean everything, `logs-*` every name it matches (how
    many cannot be seen), `a,b` several."""
    if segment in ("_all", "*", "_*") or "*" in segment:
        return "all", None
    if "," in segment:
        return "many", len([s for s in segment.split(",") if s])
    return "one", None


def recursive_query(query: str) -> bool:
    """`?recurse`, `?recursive=true`, `?prefix=1`: the delete takes everything under the key."""
    for part in query.split("&"):
        name, _, value = part.partition("=")
        if name.lower() in RECURSIVE_QUERY and value.lower() not in ("false", "0", "no"):
            return True
    return False


def meaning_of(method: str, target: Target, body: str | None) -> Meaning:
    graphql = graphql_meaning(target, body)
    if graphql is not None:
        return graphql
    if method == "POST" and ETCD_DELETE.match(target.path):
        return etcd_delete(body)
    if method == "POST" and ETCD_READ.match(target.path):
        return Meaning("read", "etcd's range and status endpoints only read")
    if target.host in METADATA_HOSTS and target.path.startswith(METADATA_SESSION):
        return Meaning("read", "an IMDSv2 session token, good only for reading this machine's metadata")
    segments = target.segments
    if method in READ_METHODS:
        return Meaning("read", f"{method} reads")
    deleting = [s for s in segments if is_delete_word(s)]
    if method == "DELETE" or deleting:
        return delete_meaning(method, target, body, segments, deleting)
    last = segments[-1] if segments else ""
    if method in ("POST", "QUERY") and last and classify_verb(last.lstrip("_")) == "read" and not (
            body and WRITING_WORDS.search(body[:MAX_BODY])):
        return Meaning("read", f"the endpoint {last!r} only reads")
    if method == "POST":
        return Meaning("create", "POST creates or changes")
    if method in HTTP_METHODS:
        return Meaning("modify", f"{method} changes")
    return Meaning("unknown", f"the method {method} is not understood")


def delete_meaning(method: str, target: Target, body: str | None, segments: Sequence[str],
                   deleting: Sequence[str]) -> Meaning:
    named = [s for s in segments if s not in deleting]
    scope, count = scope_of(named[-1]) if named else ("one", None)
    store = data_store(target)
    kind = vault_kind(named) or kind_of(named) or (store[1] if store and len(named) <= 2 else "")
    why = f"{method} {target.path}" if method == "DELETE" else f"the endpoint {deleting[-1]!r} deletes"
    if recursive_query(target.query):
        scope, count = "all", None
        why += f" with ?{target.query}: every key under it"
    if kind == "secrets engine":
        scope = "all"
        why += ": the secrets engine and every secret in it"
    # every index, key tree or engine the target names (not every document of one index: `match_all`)
    everything = scope == "all" and (store is not None or kind in DATA_KINDS)
    if deleting and body and "match_all" in body:
        scope = "all"
    return Meaning("delete", why, kind=kind or "resource", scope=scope, count=count,
                   data_loss=kind in DATA_KINDS or everything,
                   whole_environment=everything or (kind in WHOLE_KINDS and bool(named)
                                                    and KINDS.get(named[-1].lower()) is None))


def vault_kind(segments: Sequence[str]) -> str:
    """Vault's system backend: `/v1/sys/mounts/NAME` is a secrets engine, `/v1/sys/auth/NAME` an auth
    method, `/v1/sys/policies/acl/NAME` a policy."""
    if len(segments) < 3 or segments[:2] != ["v1", "sys"]:
        return ""
    return {"mounts": "secrets engine", "auth": "auth method", "policies": "policy", "policy": "policy"}.get(
        segments[2], "")


def etcd_delete(body: str | None) -> Meaning:
    """etcd's `deleterange`: one key, or with `range_end` every key from `key` up to it (a prefix)."""
    try:
        doc = json.loads(body[:MAX_BODY]) if body else None
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        return Meaning("delete", "etcd deleterange with a body changegate cannot read: a key or a whole range",
                       kind="key", scope="all", data_loss=True, whole_environment=True)
    if doc.get("range_end"):
        return Meaning("delete", "etcd deleterange with range_end deletes every key of the range", kind="key",
                       scope="all", data_loss=True, whole_environment=True)
    return Meaning("delete", "etcd deleterange deletes one key", kind="key", data_loss=True)


def metadata_secret(target: Target) -> str | None:
    """What a request to a cloud instance metadata service hands out that is a credential: role keys,
    tokens, identity documents, user data (which often holds secrets); None for plain facts (instance-id)."""
    if target.host.strip("[]") not in METADATA_HOSTS:
        return None
    path = target.path.lower()
    if target.host == "169.254.170.2":
        return "the container's task credentials"
    if path.startswith(METADATA_SESSION):
        return None
    if UNKNOWN_PART in path or any(part in path for part in METADATA_SECRETS) or recursive_query(target.query):
        return f"credentials from the instance metadata service ({target.path.replace(UNKNOWN_PART, '…')})"
    return None


# --- GraphQL -----------------------------------------------------------------------------------------------

def graphql_document(target: Target, body: str | None) -> str | None:
    """The GraphQL text a request carries: `{"query": "…"}` (or a batch of them), or a raw document."""
    if not body:
        return None
    text = body[:MAX_BODY]
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    queries: list[str] = []
    for item in doc if isinstance(doc, list) else [doc]:
        if isinstance(item, dict) and isinstance(item.get("query"), str):
            queries.append(item["query"])
    if queries:
        joined = "\n".join(queries)
        if "graphql" in target.path.lower() or joined.lstrip().startswith(GRAPHQL_STARTS):
            return joined
        return None
    stripped = text.lstrip()
    if "graphql" in target.path.lower() and stripped.startswith(GRAPHQL_STARTS):
        return stripped
    return None


def graphql_meaning(target: Target, body: str | None) -> Meaning | None:
    document = graphql_document(target, body)
    if document is None:
        return None
    operations = graphql_operations(document)
    if not operations:
        return Meaning("unknown", "a GraphQL document changegate could not read")
    mutations = [f for kind, fields in operations if kind == "mutation" for f in fields]
    if not any(kind == "mutation" for kind, _ in operations):
        return Meaning("read", "a GraphQL query only reads")
    deletes = [f for f in mutations if is_delete_word(f)]
    if deletes:
        kinds = [k for f in deletes for k in (KINDS.get(t) for t in verb_tokens(f)) if k]
        kind = kinds[0] if kinds else "resource"
        return Meaning("delete", f"the GraphQL mutation {', '.join(deletes[:3])} deletes", kind=kind,
                       scope="many" if len(deletes) > 1 else "one", count=len(deletes) if len(deletes) > 1 else None,
                       data_loss=kind in DATA_KINDS, whole_environment=kind in WHOLE_KINDS)
    names = ", ".join(mutations[:3]) or "an unnamed mutation"
    creating = all(verb_tokens(f)[:1] and verb_tokens(f)[0] in CREATE_WORDS for f in mutations) and mutations
    return Meaning("create" if creating else "modify", f"the GraphQL mutation {names} changes")


# --- requests -----------------------------------------------------------------------------------------

@dataclass
class Request:
    method: str
    urls: list[Word]
    payloads: list[Payload] = field(default_factory=list)
    body: str | None = None  # the known body text, for GraphQL and read endpoints
    outputs: list[str] = field(default_factory=list)  # local files the response is written to
    to_stdout: bool = True  # the body is printed (and may be piped on)
    family: str = "http"
    socket: str = ""  # --unix-socket: the request goes to the program listening there


def request_effects(inv: Invocation, request: Request, *, default_scheme: str = "http") -> list[Effect]:
    effects: list[Effect] = []
    for url_word in request.urls[:MAX_URLS]:
        target = parse_target(url_word.value, default_scheme)
        if target.scheme == "file":
            effects.extend(local_file_read(inv, target.path))
            continue
        effects.extend(target_effects(inv, request, target, url_word))
    for raw in request.outputs:
        effects.append(written_file(inv, raw))
    if request.to_stdout and request.urls:
        first = request.urls[0].shown()
        inv.stdout = Stream(origin=f"downloaded from {first}", opaque=True)
    return effects


def target_effects(inv: Invocation, request: Request, target: Target, url_word: Word) -> list[Effect]:
    placement = place_target(inv.ctx.environments, target, ctx=inv.ctx)
    meaning = meaning_of(request.method, target, request.body)
    if meaning.operation != "read" and engine_api(request, target, placement):
        return [engine_effect(inv, request, target)]
    secret = metadata_secret(target)
    if secret is not None:
        return [inv.effect("secret_read", f"{request.family}:{target.shown}", placement, kind="secret",
                           reversible="yes", summary=f"{inv.name} reads {secret}",
                           suggestions=("let the SDK pick the role's credentials up itself; do not print them",))]
    voted = gate_endpoint(target.host, target.port, target.path, inv.ctx.env) if meaning.operation != "read" else None
    if voted is not None:
        return [inv.effect("permission", f"changegate:{target.shown}", placement, kind="changegate",
                           tags=(SELF_APPROVAL,), reversible="unknown",
                           summary=f"{inv.name} {request.method} {target.shown}: {voted} — only a person may "
                                   "approve, deny or administer changegate, never the agent it gates",
                           suggestions=("wait for a person to decide the request",))]
    if meaning.operation == "delete":
        placement = forwarded_port(target, placement, inv.ctx)
    # a secret in the URL (`?access_token=$GITHUB_TOKEN`) authenticates like a header
    payloads = [*request.payloads, *credential_payloads(inv, url_word)]
    used = [p for p in payloads if p.credential and p.secret and (not p.service or belongs_to(p.service, target.host))]
    where = target.shown or "a host only known at run time"
    resource = f"{request.family}:{target.shown}" if target.host else f"{request.family}:?"
    main = inv.effect(
        meaning.operation,
        resource,
        placement,
        kind=meaning.kind,
        scope=meaning.scope,
        count=meaning.count,
        reversible="yes" if meaning.operation == "read" else "no" if meaning.operation == "delete" else "unknown",
        data_loss=meaning.data_loss,
        whole_environment=meaning.whole_environment,
        tags=("credential",) if used else (),
        summary=f"{inv.name} {DOING.get(meaning.operation, 'calls')} {where} ({meaning.why})",
        suggestions=request_suggestions(inv, meaning, target),
    )
    return [main, *carried_off(inv, payloads, target.host, placement, resource)]


def engine_api(request: Request, target: Target, placement: Placement) -> bool:
    """The container engine's own API: its socket, or its TCP port on this machine."""
    if request.socket:
        return request.socket.endswith(ENGINE_SOCKETS)
    return is_local(placement) and target.port in ENGINE_PORTS


def engine_effect(inv: Invocation, request: Request, target: Target) -> Effect:
    return inv.effect(
        "host_control", f"docker:api{target.path}", Placement(UNKNOWN, "the container engine's API runs "
                                                               "containers as root on this machine"),
        kind="container engine", reversible="unknown", tags=("daemon-socket", "container-escape"),
        summary=f"{inv.name} {request.method} {target.path} through the container engine's API: it can start "
                "privileged containers, which is root on the machine",
        suggestions=("use the docker CLI, whose commands changegate can read",))


def request_suggestions(inv: Invocation, meaning: Meaning, target: Target) -> tuple[str, ...]:
    if meaning.operation == "delete":
        return (f"read it first: {inv.name} {target.url.replace(UNKNOWN_PART, '…')} (GET) to see what would go",)
    return ()
