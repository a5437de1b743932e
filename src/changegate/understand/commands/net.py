"""Network clients: curl, wget, httpie/xh, aria2c, scp, sftp, ftp, telnet, nc/ncat/netcat, socat.

A request is understood as two things: what it does to the service it reaches, and what it carries off
this machine.
- The service: GET/HEAD read (so do POSTs to endpoints named like reads: `_search`, `query`, `count`);
  other methods change the service, placed by its host (localhost is local, named hosts by their names, the
  rest unknown). A path or GraphQL mutation named like a delete (`_delete_by_query`, `doDelete`,
  `volumeDelete`) deletes. A data store's well-known port on localhost is often a port-forward from a
  shared server (`kubectl port-forward`, `ssh -L`), so deleting through it is placed unknown.
- The payload: a file, the environment, a secret variable, the output of an earlier command. A secret sent
  anywhere but its own service (a GitHub token to github.com is used, not leaked), and files or unseen data
  sent to a host that is not local, dev or staging, are `exfiltrate`, placed by the destination.
- A body downloaded to stdout is code nobody has read: piped into a shell it is opaque (`curl … | sh`).
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar
from urllib.parse import unquote, urlsplit

from changegate.environments import DEV, LOCAL, LOCAL_HOSTS, STAGING, UNKNOWN, Environments, Placement
from changegate.model import Effect, Operation, Scope
from changegate.understand.base import UNKNOWN_PART, Invocation, Stream, Word, lit
from changegate.understand.cli import Cli
from changegate.understand.commands.generic import Generic, classify_verb, verb_tokens
from changegate.understand.sensitive import is_secret_variable, persistence_kind, secret_kind, token_in_text

MAX_URLS = 8  # requests understood per command; a longer list is judged by its first ones
MAX_SCRIPT_LINES = 200  # sftp/ftp batch commands read
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
}
DATA_KINDS = frozenset({"index", "volume", "database", "bucket", "table", "collection", "snapshot", "backup",
                        "data stream", "keyspace", "disk", "repository", "project", "cluster", "namespace"})
WHOLE_KINDS = frozenset({"project", "cluster", "namespace", "database", "stack", "repository"})
# Data stores by their well-known port: what is deleted through them is data, and a port on localhost may
# be a forward from a shared server.
DATA_STORES: dict[int, tuple[str, str]] = {
    9200: ("Elasticsearch or OpenSearch", "index"), 9300: ("Elasticsearch", "index"),
    7700: ("Meilisearch", "index"), 8108: ("Typesense", "collection"), 8983: ("Solr", "collection"),
    5984: ("CouchDB", "database"), 8086: ("InfluxDB", "database"), 8123: ("ClickHouse", "table"),
    6333: ("Qdrant", "collection"), 19530: ("Milvus", "collection"), 8529: ("ArangoDB", "database"),
    7474: ("Neo4j", "database"), 8091: ("Couchbase", "bucket"), 2379: ("etcd", "key"),
    8500: ("Consul", "key"), 8200: ("Vault", "secret"), 15672: ("RabbitMQ", "queue"),
    6379: ("Redis", "database"), 5432: ("PostgreSQL", "database"), 3306: ("MySQL", "database"),
    27017: ("MongoDB", "database"), 9042: ("Cassandra", "keyspace"), 9000: ("ClickHouse or MinIO", "bucket"),
    9090: ("Prometheus", "series"), 8087: ("Riak", "bucket"), 11211: ("memcached", "cache"),
}
ENGINE_SOCKETS = ("docker.sock", "podman.sock", "containerd.sock")
ENGINE_PORTS = frozenset({2375, 2376})
# mDNS and home-network suffixes name a machine on the LAN, not an environment (`opensearch.local`).
LAN_SUFFIXES = (".local", ".lan", ".home.arpa", ".localdomain")
# Headers (and curl options) that carry a credential for the service being called.
AUTH_HEADER_WORDS = ("auth", "token", "key", "cookie", "secret", "session", "password", "signature")
# Words in a variable name that say it is a secret but not whose (`API_TOKEN` could be anyone's).
GENERIC_SECRET_WORDS = frozenset({
    "token", "tokens", "api", "key", "keys", "secret", "secrets", "access", "auth", "authorization", "password",
    "passwd", "pass", "pwd", "pat", "bearer", "client", "private", "personal", "oauth", "app", "id", "prod",
    "production", "dev", "staging", "stage", "test", "my", "the", "session", "signing", "webhook", "url",
    "credential", "credentials", "cred", "creds", "user", "admin", "root", "master", "service", "account", "sa",
    "refresh", "jwt", "bot", "read", "write", "deploy", "ci", "default", "local", "live", "secure", "dsn", "conn",
    "connection", "str", "string", "database", "db",
})
# A name's word -> a word its hosts carry.
SERVICE_ALIASES = {"gh": "github", "aws": "amazonaws", "gcp": "googleapis", "google": "google",
                   "gcloud": "googleapis", "hf": "huggingface", "cf": "cloudflare", "do": "digitalocean",
                   "az": "azure", "npm": "npmjs", "glab": "gitlab", "claude": "anthropic", "gpt": "openai"}


SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


# --- where a request goes ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Target:
    url: str
    host: str
    port: int | None
    path: str
    query: str
    scheme: str

    @property
    def shown(self) -> str:
        where = self.host + (f":{self.port}" if self.port else "")
        return (where + self.path).replace(UNKNOWN_PART, "…")

    @property
    def dynamic(self) -> bool:
        return not self.host or UNKNOWN_PART in self.host

    @property
    def segments(self) -> list[str]:
        return [unquote(s) for s in self.path.split("/") if s]


def parse_target(raw: str, default_scheme: str = "http") -> Target:
    """A URL as a client would read it: `example.com/x` and httpie's `:3000/x` (localhost) included."""
    text = raw.strip()
    if text.startswith(":"):
        text = "localhost" + text
    if not SCHEME.match(text):
        text = f"{default_scheme}://{text}"
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return Target(text, "", None, "/", "", "")
    return Target(text, host, port, parts.path or "/", parts.query, parts.scheme.lower())


def place_host(environments: Environments, host: str, source: str = "host") -> Placement:
    """Like `Environments.host`, except that a LAN name (`opensearch.local`) is judged without its suffix:
    `.local` says where a machine is on the network, not that it is a dev environment."""
    bare = host.strip("[]").lower()
    if not bare or UNKNOWN_PART in bare:
        return Placement(UNKNOWN, f"the {source} is only known when the command runs")
    if environments.mapped("hosts", bare) or bare in LOCAL_HOSTS or bare.endswith(".localhost"):
        return environments.host(bare, source)
    for suffix in LAN_SUFFIXES:
        if bare.endswith(suffix) and len(bare) > len(suffix):
            named = environments.by_name(bare[: -len(suffix)])
            if named:
                return Placement(named, f"{source} {bare!r} is named like {named}")
            return Placement(UNKNOWN, f"{source} {bare!r} is a machine on the local network, not this one "
                                      "(unknown is treated as prod)")
    return environments.host(bare, source)


def place_target(environments: Environments, target: Target, source: str = "URL") -> Placement:
    mapped = environments.mapped("urls", target.url)
    if mapped:
        return Placement(mapped, f"{source} {target.shown} is mapped to {mapped} by the policy")
    placed = place_host(environments, target.host, f"{source} host")
    if placed.environment == UNKNOWN and target.path.strip("/"):
        named = environments.by_name(unquote(target.path.strip("/")))
        if named:
            return Placement(named, f"{source} path {target.path!r} is named like {named}")
    return placed


def is_local(placement: Placement) -> bool:
    return placement.environment == LOCAL


def data_store(target: Target) -> tuple[str, str] | None:
    return DATA_STORES.get(target.port) if target.port is not None else None


def forwarded_port(target: Target, placement: Placement) -> Placement:
    """A data store's port on this machine may be forwarded from anywhere: deleting through it is unknown."""
    store = data_store(target)
    if store is None or not is_local(placement):
        return placement
    return Placement(UNKNOWN, f"port {target.port} on this machine is {store[0]}'s; a port here is often "
                              "forwarded (kubectl port-forward, ssh -L) from a shared server, so whose data "
                              "this deletes cannot be seen")


# --- what a request does to the service ---------------------------------------------------------------------

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
    """Elasticsearch-style targets: `_all` and `*` mean everything, `a,b` several."""
    if segment in ("_all", "*", "_*") or segment.startswith("*"):
        return "all", None
    if "*" in segment:
        return "many", None
    if "," in segment:
        return "many", len([s for s in segment.split(",") if s])
    return "one", None


def meaning_of(method: str, target: Target, body: str | None) -> Meaning:
    graphql = graphql_meaning(target, body)
    if graphql is not None:
        return graphql
    segments = target.segments
    if method in READ_METHODS:
        return Meaning("read", f"{method} reads")
    deleting = [s for s in segments if is_delete_word(s)]
    if method == "DELETE" or deleting:
        named = [s for s in segments if s not in deleting]
        scope, count = scope_of(named[-1]) if named else ("one", None)
        if deleting and body and "match_all" in body:
            scope = "all"
        store = data_store(target)
        kind = kind_of(named) or (store[1] if store and len(named) <= 2 else "")
        why = f"{method} {target.path}" if method == "DELETE" else f"the endpoint {deleting[-1]!r} deletes"
        return Meaning("delete", why, kind=kind or "resource", scope=scope, count=count,
                       data_loss=kind in DATA_KINDS or (store is not None and scope == "all"),
                       whole_environment=kind in WHOLE_KINDS and bool(named) and KINDS.get(named[-1].lower()) is None)
    last = segments[-1] if segments else ""
    if method in ("POST", "QUERY") and last and classify_verb(last.lstrip("_")) == "read" and not (
            body and WRITING_WORDS.search(body[:MAX_BODY])):
        return Meaning("read", f"the endpoint {last!r} only reads")
    if method == "POST":
        return Meaning("create", "POST creates or changes")
    if method in HTTP_METHODS:
        return Meaning("modify", f"{method} changes")
    return Meaning("unknown", f"the method {method} is not understood")


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
        if "graphql" in target.path.lower() or joined.lstrip().startswith(("query", "mutation", "{", "subscription")):
            return joined
        return None
    stripped = text.lstrip()
    if "graphql" in target.path.lower() and stripped.startswith(("query", "mutation", "{", "subscription")):
        return stripped
    return None


def graphql_operations(document: str) -> list[tuple[str, list[str]]]:
    """Each operation's type and its top-level field names: `mutation { volumeDelete(id: 1) }` ->
    [("mutation", ["volumeDelete"])]. Strings, comments and arguments are skipped."""
    operations: list[tuple[str, list[str]]] = []
    depth = parens = 0
    keyword = ""
    fields: list[str] = []
    i, n = 0, min(len(document), MAX_BODY)
    while i < n:
        c = document[i]
        if c == "#":
            end = document.find("\n", i)
            i = n if end < 0 else end
            continue
        if c == '"':
            i = skip_string(document, i)
            continue
        if c == "(":
            parens += 1
        elif c == ")":
            parens = max(0, parens - 1)
        elif c == "{" and parens == 0:
            depth += 1
            if depth == 1:
                fields = []
        elif c == "}" and parens == 0:
            depth -= 1
            if depth == 0:
                operations.append((keyword or "query", fields))
                keyword = ""
        elif (c.isalpha() or c == "_") and parens == 0:
            j = i
            while j < n and (document[j].isalnum() or document[j] == "_"):
                j += 1
            name = document[i:j]
            before = document[:i].rstrip()[-1:] if i else ""
            after = document[j:].lstrip()[:1]
            if depth == 0 and name in ("query", "mutation", "subscription", "fragment"):
                keyword = name
            elif depth == 1 and before not in ("@", ".", ":") and after != ":":
                fields.append(name)
            elif depth == 1 and before == ":":
                fields.append(name)  # `alias: field`
            i = j
            continue
        i += 1
    return operations


def skip_string(text: str, start: int) -> int:
    if text.startswith('"""', start):
        end = text.find('"""', start + 3)
        return len(text) if end < 0 else end + 3
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i + 1
        i += 1
    return len(text)


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


# --- what a request carries -----------------------------------------------------------------------------------

@dataclass
class Payload:
    """One thing a command sends."""

    what: str  # plain words: "the file data.json", "the output of the previous command"
    secret: str = ""  # which secret it carries ("the variable GITHUB_TOKEN", "AWS credentials")
    service: str = ""  # the service that secret belongs to, where its name says
    credential: bool = False  # sent to authenticate (a header, -u): used, not leaked, at its own service
    unseen: bool = False  # its content cannot be seen here (a file, an earlier command's output)
    whole_environment: bool = False


def service_of(name: str) -> str:
    """`GITHUB_TOKEN` -> github; `API_TOKEN` -> '' (anyone's)."""
    words = [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w and w not in GENERIC_SECRET_WORDS
             and not w.isdigit()]
    if not words:
        return ""
    return SERVICE_ALIASES.get(words[0], words[0])


def belongs_to(service: str, host: str) -> bool:
    return bool(service) and service in host.lower()


def env_secret_values(inv: Invocation) -> list[tuple[str, str]]:
    return [(name, value) for name, value in inv.ctx.env.items()
            if len(value) >= 8 and UNKNOWN_PART not in value and is_secret_variable(name)]


def secrets_in_text(text: str, known_values: Iterable[tuple[str, str]]) -> list[Payload]:
    """Secrets visible in known text: credentials by their shape, and the values of secret variables."""
    found: list[Payload] = []
    token = token_in_text(text)
    if token:
        found.append(Payload(what=token[0], secret=token[0], service=token[1]))
    for name, value in known_values:
        if value in text and not (token and token_in_text(value)):
            found.append(Payload(what=f"the value of {name}", secret=f"the variable {name}", service=service_of(name)))
    return found


def secrets_in_word(inv: Invocation, word: Word) -> list[Payload]:
    """The secrets a word carries: secret variables and secret-reading substitutions as written (found by
    walking `echo WORD` on a scratch walker), and credentials visible in its expanded value."""
    found = secrets_in_text(word.value, env_secret_values(inv))
    if ("$" in word.text or "`" in word.text) and len(word.text) < 16 * 1024:
        from changegate.understand.shell import Walker

        probe = Walker(deadline=inv.walker.deadline)
        probe.nesting = inv.walker.nesting
        for effect in probe.run_script("echo " + word.text, inv.ctx.clone()):
            if effect.operation != "secret_read":
                continue
            if effect.resource == "env:*":
                found.append(Payload(what="every environment variable", secret="the whole environment",
                                     whole_environment=True))
            elif effect.resource.startswith("env:"):
                name = effect.resource[4:]
                found.append(Payload(what=f"the variable {name}", secret=f"the variable {name}",
                                     service=service_of(name)))
            else:
                found.append(Payload(what=effect.summary or effect.resource, secret=effect.summary or effect.resource))
    return found


def file_payload(inv: Invocation, raw: str) -> Payload:
    if raw == "-":
        return stdin_payload(inv)
    path = inv.ctx.resolve(raw)
    shown = path or raw.replace(UNKNOWN_PART, "…")
    what = secret_kind(path, inv.ctx.home) if path else None
    if what:
        return Payload(what=f"{shown} ({what})", secret=what, unseen=True)
    return Payload(what=f"the file {shown}", unseen=True)


def stdin_payload(inv: Invocation) -> Payload:
    stream = inv.stdin
    if stream is None:
        return Payload(what="what is typed into it", unseen=True)
    source = stream_file(stream)
    if source:
        path = inv.ctx.resolve(source)
        what = secret_kind(path, inv.ctx.home) if path else None
        if what:
            return Payload(what=f"{source} ({what})", secret=what, unseen=True)
    if stream.text is not None:
        secrets = secrets_in_text(stream.text, env_secret_values(inv))
        if secrets:
            return secrets[0]
        return Payload(what="text given on its input")
    return Payload(what=stream.origin or "the output of the previous command", unseen=True)


def stream_file(stream: Stream) -> str | None:
    """The file a stream was read from (`< file`, `cat file |`), as the walker names it."""
    prefix = "the file "
    return stream.origin[len(prefix):] if stream.origin.startswith(prefix) else None


def inline_payload(inv: Invocation, word: Word, what: str = "inline data") -> list[Payload]:
    secrets = secrets_in_word(inv, word)
    if secrets:
        return secrets
    if not word.known:
        return [Payload(what=f"{what} computed when the command runs ({word.shown()[:60]})", unseen=True)]
    return []


def credential_payloads(inv: Invocation, word: Word) -> list[Payload]:
    """A credential given to authenticate (`-H 'Authorization: …'`, `-u user:pass`)."""
    found = secrets_in_word(inv, word)
    for payload in found:
        payload.credential = not payload.whole_environment
    return found


def url_credentials(inv: Invocation, word: Word) -> list[Payload]:
    """Secrets in a URL (`?access_token=$GITHUB_TOKEN`): a way to authenticate, so used at their own service
    and leaked anywhere else."""
    return credential_payloads(inv, word)


def header_payloads(inv: Invocation, word: Word) -> list[Payload]:
    name = word.value.split(":", 1)[0].strip().lower()
    if name.startswith("@"):
        return [file_payload(inv, word.value[1:])]
    if any(w in name for w in AUTH_HEADER_WORDS):
        return credential_payloads(inv, word)
    return secrets_in_word(inv, word)


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
    placement = place_target(inv.ctx.environments, target)
    meaning = meaning_of(request.method, target, request.body)
    if meaning.operation != "read" and engine_api(request, target, placement):
        return [engine_effect(inv, request, target)]
    if meaning.operation == "delete":
        placement = forwarded_port(target, placement)
    payloads = [*request.payloads, *url_credentials(inv, url_word)]
    used = [p for p in payloads if p.credential and p.secret and (not p.service or belongs_to(p.service, target.host))]
    tags = ("credential",) if used else ()
    where = target.shown or "a host only known at run time"
    resource = f"{request.family}:{target.shown}" if target.host else f"{request.family}:?"
    verb = {"read": "reads", "create": "sends a change to", "modify": "changes", "delete": "deletes",
            "unknown": "sends a request to"}.get(meaning.operation, "calls")
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
        tags=tags,
        summary=f"{inv.name} {verb} {where} ({meaning.why})",
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


def carried_off(inv: Invocation, payloads: Sequence[Payload], host: str, placement: Placement,
                resource: str) -> list[Effect]:
    """What leaves this machine: secrets (except a credential at its own service) and unseen data sent to a
    host that is not local, dev or staging. One effect per destination, naming everything it carries."""
    leaving: list[str] = []
    shown_host = host.replace(UNKNOWN_PART, "…") or "a host only known at run time"
    for p in payloads:
        if p.credential and p.secret:
            if not p.service or belongs_to(p.service, host) or is_local(placement):
                continue
            leaving.append(f"{p.secret} (a {p.service} credential, sent to a host that is not {p.service})")
        elif p.secret:
            if not is_local(placement):
                leaving.append(p.what)
        elif p.unseen and placement.environment not in (LOCAL, DEV, STAGING):
            leaving.append(p.what)
    if not leaving:
        return []
    whole = any(p.whole_environment for p in payloads)
    return [inv.effect(
        "exfiltrate",
        resource,
        placement,
        kind="data",
        scope="all" if whole else "one",
        reversible="no",
        tags=("secret",) if any(p.secret for p in payloads) else (),
        summary=f"sends {'; '.join(dict.fromkeys(leaving))} to {shown_host}",
        suggestions=("send only the fields the service needs, and reference secrets by name, not value",),
    )]


def local_file_read(inv: Invocation, path: str) -> list[Effect]:
    what = secret_kind(path, inv.ctx.home)
    if what:
        return [inv.fs("secret_read", path, kind="secret", reversible="yes", summary=f"reads {path}: {what}")]
    return [inv.fs("read", path, reversible="yes", summary=f"{inv.name} reads {path}")]


def written_file(inv: Invocation, raw: str) -> Effect:
    """A downloaded file: created, or an existing one overwritten; placed by its path."""
    path = inv.ctx.resolve(raw)
    tags: list[str] = []
    persistence = persistence_kind(path, inv.ctx.home) if path else None
    if persistence:
        tags.append("persistence")
    exists = False
    if path and not inv.ctx.remote:
        try:
            exists = os.path.isfile(path)
        except (OSError, ValueError):
            exists = False
    shown = path or raw.replace(UNKNOWN_PART, "…")
    if path:
        # what was downloaded cannot be read before it runs: `curl -o x.sh URL && sh x.sh` is opaque code
        inv.ctx.files[path] = UNKNOWN_PART
    if exists:
        tags.append("overwrite")
        return inv.fs("modify", raw, tags=tags, summary=f"{inv.name} downloads over {shown}"
                      + (f" ({persistence})" if persistence else ""))
    return inv.fs("create", raw, reversible="yes", tags=tags,
                  summary=f"{inv.name} downloads into {shown}" + (f" ({persistence})" if persistence else ""))


# --- option walking with words (payloads need the text as written) --------------------------------------------

def option_words(words: Sequence[Word], takes_value: frozenset[str]) -> tuple[list[tuple[str, Word]], list[Word]]:
    """GNU-style options as (option, value word) pairs in order, and the positional words."""
    pairs: list[tuple[str, Word]] = []
    positionals: list[Word] = []
    i = 0
    while i < len(words):
        word = words[i]
        arg = word.value
        if arg == "--":
            positionals.extend(words[i + 1:])
            break
        if arg.startswith("--") and len(arg) > 2:
            name, eq, inline = arg.partition("=")
            if eq:
                pairs.append((name, Word(inline, glob=word.glob, text=word.text)))
            elif name in takes_value and i + 1 < len(words):
                pairs.append((name, words[i + 1]))
                i += 1
            else:
                pairs.append((name, lit("")))
        elif len(arg) > 1 and arg[0] == "-":
            for j in range(1, len(arg)):
                short = "-" + arg[j]
                if short in takes_value:
                    rest = arg[j + 1:]
                    if rest:
                        pairs.append((short, Word(rest, glob=word.glob, text=word.text)))
                    elif i + 1 < len(words):
                        pairs.append((short, words[i + 1]))
                        i += 1
                    else:
                        pairs.append((short, lit("")))
                    break
                pairs.append((short, lit("")))
        else:
            positionals.append(word)
        i += 1
    return pairs, positionals


def values(pairs: Sequence[tuple[str, Word]], *names: str) -> list[Word]:
    return [w for n, w in pairs if n in names]


def has(pairs: Sequence[tuple[str, Word]], *names: str) -> bool:
    return any(n in names for n, _ in pairs)


def url_basename(url: str, fallback: str = "index.html") -> str:
    path = parse_target(url).path
    name = posixpath.basename(unquote(path.rstrip("/"))) if path.strip("/") else ""
    return name or fallback


# --- the tools -------------------------------------------------------------------------------------------

CURL_VALUES = frozenset({
    "-d", "--data", "--data-ascii", "--data-binary", "--data-raw", "--data-urlencode", "-F", "--form",
    "--form-string", "-H", "--header", "-X", "--request", "-o", "--output", "-T", "--upload-file", "-u", "--user",
    "-A", "--user-agent", "-e", "--referer", "-b", "--cookie", "-c", "--cookie-jar", "-K", "--config", "-m",
    "--max-time", "--connect-timeout", "-w", "--write-out", "-x", "--proxy", "-U", "--proxy-user", "-r", "--range",
    "-C", "--continue-at", "-E", "--cert", "--key", "--cacert", "--capath", "--resolve", "--connect-to", "--retry",
    "--retry-delay", "--retry-max-time", "--limit-rate", "-y", "--speed-time", "-Y", "--speed-limit", "-z",
    "--time-cond", "--output-dir", "--json", "--url", "--unix-socket", "--abstract-unix-socket", "--interface",
    "--local-port", "--dns-servers", "--max-filesize", "--max-redirs", "--oauth2-bearer", "--proto",
    "--proto-redir", "--trace", "--trace-ascii", "--stderr", "--expect100-timeout", "-D", "--dump-header",
    "--variable", "--url-query", "--aws-sigv4", "--create-file-mode", "--hsts", "--alt-svc", "--etag-compare",
    "--etag-save", "--ciphers", "--tls-max", "--pinnedpubkey", "--mail-from", "--mail-rcpt", "-P", "--ftp-port",
    "-Q", "--quote", "--keepalive-time", "-t", "--telnet-option", "--socks4", "--socks5", "--socks5-hostname",
    "--preproxy", "--noproxy", "--request-target", "--key-type", "--cert-type", "--pass", "--proxy-header",
    "--retry-all-errors-x", "--happy-eyeballs-timeout-ms", "--parallel-max", "--rate", "--range-x",
})
WGET_VALUES = frozenset({
    "-O", "--output-document", "-o", "--output-file", "-a", "--append-output", "-P", "--directory-prefix", "-i",
    "--input-file", "-t", "--tries", "-T", "--timeout", "-U", "--user-agent", "--header", "--post-data",
    "--post-file", "--body-data", "--body-file", "--method", "-e", "--execute", "-l", "--level", "-A", "--accept",
    "-R", "--reject", "-D", "--domains", "--exclude-domains", "-I", "--include-directories", "-X",
    "--exclude-directories", "-Q", "--quota", "-w", "--wait", "--user", "--password", "--http-user",
    "--http-password", "--load-cookies", "--save-cookies", "--referer", "-B", "--base", "--limit-rate",
    "--bind-address", "--ca-certificate", "--certificate", "--private-key", "--progress", "--cut-dirs",
    "--config", "--default-page", "--restrict-file-names", "--dns-timeout", "--connect-timeout", "--read-timeout",
    "--waitretry", "--ftp-user", "--ftp-password", "--proxy-user", "--proxy-password", "--local-encoding",
    "--remote-encoding", "--backups", "--accept-regex", "--reject-regex", "--regex-type", "--ca-directory",
    "--certificate-type", "--private-key-type", "--secure-protocol", "--warc-file",
})
HTTPIE_VALUES = frozenset({
    "-a", "--auth", "-A", "--auth-type", "-o", "--output", "--session", "--session-read-only", "--verify", "--cert",
    "--cert-key", "--cert-key-pass", "--proxy", "--timeout", "-p", "--print", "-P", "--history-print", "--pretty",
    "-s", "--style", "--format-options", "--max-redirects", "--ssl", "--ciphers", "--boundary", "--raw",
    "--response-charset", "--response-mime", "--default-scheme", "--max-headers", "--bearer", "--unix-socket",
})
ARIA_VALUES = frozenset({"-o", "--out", "-d", "--dir", "-i", "--input-file", "-x", "-s", "-k", "-j", "--header",
                         "--http-user", "--http-passwd", "--on-download-complete", "--on-download-start",
                         "--on-download-error", "--on-download-stop", "--on-bt-download-complete",
                         "--on-download-pause", "-T", "--torrent-file", "-M", "--metalink-file", "--conf-path"})
SCP_VALUES = frozenset({"-c", "-F", "-i", "-J", "-l", "-o", "-P", "-S", "-D", "-X"})
SFTP_VALUES = frozenset({"-b", "-B", "-c", "-D", "-F", "-i", "-J", "-l", "-o", "-P", "-R", "-S", "-s", "-X"})
NC_VALUES = frozenset({"-e", "-c", "-p", "-s", "-w", "-i", "-q", "-x", "-X", "-I", "-O", "-T", "-V", "-M", "-m",
                       "-g", "-G", "-P", "--exec", "--sh-exec", "--lua-exec", "--source", "--source-port", "--wait",
                       "--idle-timeout", "--proxy", "--proxy-type", "--proxy-auth", "-o", "--output", "--allow",
                       "--allowfile", "--deny", "--denyfile", "--max-conns", "--hex-dump", "--append-output-x"})
NC_EXEC = ("-e", "-c", "--exec", "--sh-exec", "--lua-exec")
# sftp/ftp batch commands: what each does
TRANSFER_UPLOAD = frozenset({"put", "mput", "reput", "send", "append"})
TRANSFER_DOWNLOAD = frozenset({"get", "mget", "reget", "recv", "newer"})
TRANSFER_DELETE = frozenset({"rm", "rmdir", "delete", "mdelete"})
TRANSFER_CHANGE = frozenset({"rename", "chmod", "chown", "chgrp", "mkdir", "ln", "symlink", "site"})
NETWORK_ADDRESSES = ("tcp", "tcp4", "tcp6", "tcp-connect", "tcp4-connect", "tcp6-connect", "udp", "udp4", "udp6",
                     "udp-connect", "ssl", "openssl", "openssl-connect", "socks", "socks4", "socks4a", "socks5",
                     "proxy", "sctp", "sctp-connect", "dccp", "vsock-connect")


class Net(Cli):
    NAMES = (
        "curl", "wget", "scp", "sftp", "nc", "ncat", "netcat", "socat", "ftp", "telnet", "http", "https",
        "xh", "xhs", "aria2c", "httpie",
    )
    FAMILY = "net"
    HANDLERS: ClassVar[dict[str, str]] = {
        "curl": "curl", "wget": "wget", "http": "httpie", "https": "httpie", "httpie": "httpie", "xh": "httpie",
        "xhs": "httpie", "aria2c": "aria2c", "scp": "scp", "sftp": "sftp", "ftp": "ftp", "telnet": "telnet",
        "nc": "netcat", "ncat": "netcat", "netcat": "netcat", "socat": "socat",
    }

    def analyze(self, inv: Invocation) -> list[Effect]:
        handler = self.HANDLERS.get(inv.name)
        if handler is None:
            return Generic().analyze(inv)  # rclone and others filed here belong to other families
        if not inv.words:
            return [inv.unknown(f"{inv.name} with no arguments")]
        if inv.words[0].value in ("--version", "-V", "--help", "-h") and len(inv.words) == 1:
            return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "it prints its help or version"),
                               reversible="yes", summary=f"{inv.name} {inv.words[0].value}")]
        result: list[Effect] = getattr(self, handler)(inv)
        return result

    # --- curl -----------------------------------------------------------------------------------------------
    def curl(self, inv: Invocation) -> list[Effect]:
        pairs, positionals = option_words(inv.words, CURL_VALUES)
        if has(pairs, "-K", "--config"):
            return [inv.unknown("curl reads more options from a config file")]
        urls = values(pairs, "--url") + positionals
        if not urls:
            return [inv.effect("read", "cmd:curl", Placement(LOCAL, "no URL: nothing is sent"), reversible="yes",
                               summary="curl without a URL")]
        payloads: list[Payload] = []
        body_parts: list[str] = []
        for name, word in pairs:
            payloads.extend(self.curl_payloads(inv, name, word, body_parts))
        explicit = next((w.value.upper() for w in reversed(values(pairs, "-X", "--request"))), None)
        sends = bool(body_parts) or any(n in ("-F", "--form", "--form-string", "-d", "--data", "--data-ascii",
                                              "--data-binary", "--data-raw", "--data-urlencode", "--json")
                                        for n, _ in pairs)
        if explicit:
            method = explicit
        elif has(pairs, "-I", "--head"):
            method = "HEAD"
        elif has(pairs, "-T", "--upload-file"):
            method = "PUT"
        elif sends and not has(pairs, "-G", "--get"):
            method = "POST"
        else:
            method = "GET"
        outputs = [w.value for w in values(pairs, "-o", "--output") if w.value not in ("-", "/dev/stdout")]
        output_dir = next((w.value for w in values(pairs, "--output-dir")), None)
        if has(pairs, "-O", "--remote-name", "--remote-name-all"):
            outputs.extend(url_basename(u.value) for u in urls[:MAX_URLS][len(outputs):])
        if output_dir:
            outputs = [o if o.startswith("/") else posixpath.join(output_dir, o) for o in outputs]
        for extra in values(pairs, "-D", "--dump-header", "-c", "--cookie-jar"):
            if extra.value not in ("-", "/dev/null", "/dev/stdout", "/dev/stderr"):
                outputs.append(extra.value)
        outputs = [o for o in outputs if o not in ("/dev/null",)]
        body = "".join(body_parts) if body_parts else None
        written = len(values(pairs, "-o", "--output")) + (len(urls) if has(pairs, "-O", "--remote-name",
                                                                            "--remote-name-all") else 0)
        socket = next((w.value for w in values(pairs, "--unix-socket", "--abstract-unix-socket")), "")
        request = Request(method, urls, payloads, body, outputs, to_stdout=written < len(urls), socket=socket)
        return request_effects(inv, request)

    @staticmethod
    def curl_payloads(inv: Invocation, name: str, word: Word, body_parts: list[str]) -> list[Payload]:
        value = word.value
        if name in ("-d", "--data", "--data-ascii", "--data-binary", "--json"):
            if value.startswith("@"):
                return [file_payload(inv, value[1:])]
            body_parts.append(value)
            return inline_payload(inv, word)
        if name == "--data-raw":
            body_parts.append(value)
            return inline_payload(inv, word)
        if name == "--data-urlencode":
            key, at, path = value.partition("@")
            if at and "=" not in key:
                return [file_payload(inv, path)]
            body_parts.append(value)
            return inline_payload(inv, word)
        if name in ("-F", "--form"):
            _, _, content = value.partition("=")
            if content.startswith(("@", "<")):
                return [file_payload(inv, content[1:].split(";", 1)[0])]
            return inline_payload(inv, word)
        if name == "--form-string":
            return inline_payload(inv, word)
        if name in ("-T", "--upload-file"):
            return [file_payload(inv, value)]
        if name in ("-H", "--header", "--proxy-header"):
            return header_payloads(inv, word)
        if name in ("-u", "--user", "--oauth2-bearer", "-U", "--proxy-user", "--aws-sigv4"):
            return credential_payloads(inv, word)
        if name in ("-b", "--cookie") and "=" in value:
            return credential_payloads(inv, word)
        if name in ("--url-query",):
            return inline_payload(inv, word)
        return []

    # --- wget -----------------------------------------------------------------------------------------------
    def wget(self, inv: Invocation) -> list[Effect]:
        pairs, positionals = option_words(inv.words, WGET_VALUES)
        urls = list(positionals)
        effects: list[Effect] = []
        for listing in values(pairs, "-i", "--input-file"):
            effects.append(inv.effect("read", "http:?", Placement(UNKNOWN, f"URLs listed in {listing.shown()}"),
                                      reversible="yes", summary=f"wget downloads the URLs listed in {listing.shown()}"))
        payloads: list[Payload] = []
        body_parts: list[str] = []
        for name, word in pairs:
            if name in ("--post-data", "--body-data"):
                body_parts.append(word.value)
                payloads.extend(inline_payload(inv, word))
            elif name in ("--post-file", "--body-file"):
                payloads.append(file_payload(inv, word.value))
            elif name == "--header":
                payloads.extend(header_payloads(inv, word))
            elif name in ("--password", "--http-password", "--ftp-password", "--proxy-password"):
                payloads.extend(credential_payloads(inv, word))
        explicit = next((w.value.upper() for w in reversed(values(pairs, "--method"))), None)
        sends = has(pairs, "--post-data", "--post-file", "--body-data", "--body-file")
        method = explicit or ("POST" if sends else "HEAD" if has(pairs, "--spider") else "GET")
        document = next((w.value for w in reversed(values(pairs, "-O", "--output-document"))), None)
        directory = next((w.value for w in reversed(values(pairs, "-P", "--directory-prefix"))), None)
        outputs: list[str] = []
        to_stdout = document in ("-", "/dev/stdout")
        discarded = has(pairs, "--spider", "--delete-after") or document == "/dev/null"
        if document and not to_stdout and not discarded:
            outputs.append(document)
        elif not to_stdout and not discarded:
            base = directory or "."
            if has(pairs, "-r", "--recursive", "-m", "--mirror", "-p", "--page-requisites"):
                outputs.extend(posixpath.join(base, parse_target(u.value).host or "site") for u in urls[:MAX_URLS])
            else:
                outputs.extend(posixpath.join(base, url_basename(u.value)) for u in urls[:MAX_URLS])
        for log in values(pairs, "-o", "--output-file", "-a", "--append-output"):
            outputs.append(log.value)
        request = Request(method, urls, payloads, "".join(body_parts) or None, outputs, to_stdout=to_stdout)
        effects.extend(request_effects(inv, request))
        return effects or [inv.unknown("wget without a URL")]

    # --- httpie / xh ----------------------------------------------------------------------------------------
    def httpie(self, inv: Invocation) -> list[Effect]:
        pairs, positionals = option_words(inv.words, HTTPIE_VALUES)
        if not positionals:
            return [inv.unknown(f"{inv.name} without a URL")]
        method = ""
        first = positionals[0].value
        if first.isalpha() and first.upper() in HTTP_METHODS and len(positionals) > 1:
            method = first.upper()
            positionals = positionals[1:]
        url, items = positionals[0], positionals[1:]
        payloads: list[Payload] = []
        body_parts: list[str] = []
        sends = False
        for item in items:
            kind, value = httpie_item(item.value)
            if kind == "header":
                payloads.extend(header_payloads(inv, item))
            elif kind in ("file", "data-file"):
                sends = True
                payloads.append(file_payload(inv, value))
            elif kind == "data":
                sends = True
                body_parts.append(item.value)
                payloads.extend(inline_payload(inv, item))
            elif kind == "query":
                payloads.extend(inline_payload(inv, item))
        for word in values(pairs, "--raw"):
            sends = True
            body_parts.append(word.value)
            payloads.extend(inline_payload(inv, word))
        for word in values(pairs, "-a", "--auth", "--bearer"):
            payloads.extend(credential_payloads(inv, word))
        if inv.stdin is not None and not has(pairs, "--ignore-stdin", "-I") and not sends:
            sends = True
            payloads.append(stdin_payload(inv))
            if inv.stdin.text is not None:
                body_parts.append(inv.stdin.text)
        if has(pairs, "--offline"):
            return [inv.effect("read", f"http:{parse_target(url.value).shown}",
                               Placement(LOCAL, "--offline only prints the request"), reversible="yes",
                               summary=f"{inv.name} --offline prints a request without sending it")]
        method = method or ("POST" if sends else "GET")
        outputs = [w.value for w in values(pairs, "-o", "--output")]
        if has(pairs, "-d", "--download") and not outputs:
            outputs.append(url_basename(url.value))
        scheme = "https" if inv.name in ("https", "xhs") else "http"
        request = Request(method, [url], payloads, "".join(body_parts) or None, outputs, to_stdout=not outputs)
        return request_effects(inv, request, default_scheme=scheme)

    # --- aria2c -------------------------------------------------------------------------------------------
    def aria2c(self, inv: Invocation) -> list[Effect]:
        pairs, positionals = option_words(inv.words, ARIA_VALUES)
        effects: list[Effect] = []
        hooks = [w for n, w in pairs if n.startswith("--on-")]
        for hook in hooks:
            inv.run_argv([hook])
        directory = next((w.value for w in reversed(values(pairs, "-d", "--dir"))), ".")
        name = next((w.value for w in reversed(values(pairs, "-o", "--out"))), None)
        outputs = [posixpath.join(directory, name or url_basename(u.value)) for u in positionals[:1]]
        payloads = [p for w in values(pairs, "--header", "--http-passwd") for p in header_payloads(inv, w)]
        request = Request("GET", positionals, payloads, None, outputs, to_stdout=False)
        effects.extend(request_effects(inv, request))
        for listing in values(pairs, "-i", "--input-file", "-T", "--torrent-file", "-M", "--metalink-file"):
            effects.append(inv.fs("create", directory, recursive=True, reversible="yes",
                                  summary=f"aria2c downloads what {listing.shown()} lists into {directory}"))
        return effects or [inv.unknown("aria2c without a URL")]

    # --- scp ------------------------------------------------------------------------------------------------
    def scp(self, inv: Invocation) -> list[Effect]:
        pairs, positionals = option_words(inv.words, SCP_VALUES)
        if len(positionals) < 2:
            return [inv.unknown("scp needs a source and a destination")]
        *sources, destination = positionals
        recursive = has(pairs, "-r")
        dest_remote = remote_spec(destination.value)
        effects: list[Effect] = []
        remote_sources = [(w, remote_spec(w.value)) for w in sources]
        if dest_remote is None:
            for _word, spec in remote_sources:
                if spec is not None:
                    placement = place_host(inv.ctx.environments, spec.host, "scp host")
                    effects.append(inv.effect("read", f"ssh:{spec.host}:{spec.path}", placement, reversible="yes",
                                              summary=f"scp copies {spec.host}:{spec.path} here"))
            effects.append(written_file(inv, destination.value) if not recursive else inv.fs(
                "create", destination.value, recursive=True, reversible="yes",
                summary=f"scp copies into {destination.shown()}"))
            local_sources = [w for w, spec in remote_sources if spec is None]
            if local_sources and not any(spec for _, spec in remote_sources):
                effects.extend(self.copy_reads(inv, local_sources))
            return effects
        placement = place_host(inv.ctx.environments, dest_remote.host, "scp destination")
        payloads = [file_payload(inv, w.value) for w, spec in remote_sources if spec is None]
        resource = f"ssh:{dest_remote.host}:{dest_remote.path or '~'}"
        effects.extend(self.upload_effects(inv, payloads, dest_remote, placement, resource, recursive))
        return effects

    @staticmethod
    def copy_reads(inv: Invocation, words: Sequence[Word]) -> list[Effect]:
        out: list[Effect] = []
        for word in words:
            path = inv.ctx.resolve(word.value)
            what = secret_kind(path, inv.ctx.home) if path else None
            if what:
                out.append(inv.fs("secret_read", word.value, kind="secret", reversible="yes",
                                  summary=f"copies {path}: {what}"))
        return out

    @staticmethod
    def upload_effects(inv: Invocation, payloads: Sequence[Payload], spec: RemoteSpec, placement: Placement,
                       resource: str, recursive: bool = False) -> list[Effect]:
        leaving = carried_off(inv, payloads, spec.host, placement, resource)
        if leaving:
            return leaving
        remote_path = spec.absolute_path()
        persistence = persistence_kind(remote_path) if remote_path else None
        what = ", ".join(p.what for p in payloads[:3]) or "files"
        return [inv.effect("create", resource, placement, kind="file", scope="many" if recursive else "one",
                           reversible="unknown", tags=("persistence",) if persistence else (),
                           summary=f"{inv.name} copies {what} to {spec.host}:{spec.path or '~'}"
                                   + (f" ({persistence})" if persistence else ""))]

    # --- sftp and ftp: a batch of transfer commands -------------------------------------------------------------
    def sftp(self, inv: Invocation) -> list[Effect]:
        pairs, positionals = option_words(inv.words, SFTP_VALUES)
        if not positionals:
            return [inv.unknown("sftp without a host")]
        spec = remote_spec(positionals[0].value) or RemoteSpec(None, positionals[0].value, "")
        batch = next((w for w in values(pairs, "-b")), None)
        if spec.path and batch is None and inv.stdin is None:
            local = positionals[1].value if len(positionals) > 1 else posixpath.basename(spec.path) or "."
            placement = place_host(inv.ctx.environments, spec.host, "sftp host")
            return [inv.effect("read", f"ssh:{spec.host}:{spec.path}", placement, reversible="yes",
                               summary=f"sftp fetches {spec.host}:{spec.path}"), written_file(inv, local)]
        script = self.script_text(inv, batch)
        return self.transfer_script(inv, spec, script)

    def ftp(self, inv: Invocation) -> list[Effect]:
        _, positionals = option_words(inv.words, frozenset({"-P", "-o", "-s", "-T", "-u", "-r", "-q"}))
        host = positionals[0].value if positionals else ""
        script = self.script_text(inv, None)
        if not host and script:
            opened = next((line.split()[1] for line in script.splitlines()[:MAX_SCRIPT_LINES]
                           if line.split()[:1] == ["open"] and len(line.split()) > 1), "")
            host = opened
        if not host:
            return [inv.unknown("ftp without a host")]
        spec = remote_spec(host) or RemoteSpec(None, parse_target(host).host or host, "")
        return self.transfer_script(inv, spec, script)

    @staticmethod
    def script_text(inv: Invocation, batch: Word | None) -> str | None:
        if batch is not None and batch.value != "-":
            return inv.walker.file_stream(batch.value, inv.ctx).text
        return inv.stdin.text if inv.stdin is not None else None

    def transfer_script(self, inv: Invocation, spec: RemoteSpec, script: str | None) -> list[Effect]:
        placement = place_host(inv.ctx.environments, spec.host, f"{inv.name} host")
        resource = f"ssh:{spec.host}" if inv.name == "sftp" else f"ftp:{spec.host}"
        if script is None:
            return [inv.effect("unknown", resource, placement, kind="session",
                               summary=f"opens an interactive {inv.name} session to {spec.host}: what it "
                                       "transfers cannot be seen")]
        effects: list[Effect] = []
        uploads: list[Payload] = []
        for line in script.splitlines()[:MAX_SCRIPT_LINES]:
            parts = line.split()
            if not parts:
                continue
            verb, args = parts[0].lstrip("-@").lower(), parts[1:]
            if verb in TRANSFER_UPLOAD and args:
                uploads.extend(file_payload(inv, a) for a in args[:1 if verb in ("put", "reput") else 8])
            elif verb in TRANSFER_DOWNLOAD and args:
                effects.append(written_file(inv, args[1] if len(args) > 1 else posixpath.basename(args[0]) or "."))
            elif verb in TRANSFER_DELETE and args:
                effects.append(inv.effect("delete", f"{resource}:{args[0]}", placement, kind="file",
                                          reversible="no", summary=f"{inv.name} deletes {args[0]} on {spec.host}"))
            elif verb in TRANSFER_CHANGE and args:
                effects.append(inv.effect("modify", f"{resource}:{args[-1]}", placement, kind="file",
                                          summary=f"{inv.name} {verb} {' '.join(args[:2])} on {spec.host}"))
        if uploads:
            effects.extend(self.upload_effects(inv, uploads, spec, placement, resource))
        return effects or [inv.effect("read", resource, placement, reversible="yes",
                                      summary=f"{inv.name} session to {spec.host} that only lists or reads")]

    # --- telnet, nc, socat: raw connections --------------------------------------------------------------------
    def telnet(self, inv: Invocation) -> list[Effect]:
        _, positionals = option_words(inv.words, frozenset({"-l", "-n", "-b", "-e", "-k", "-X"}))
        if not positionals:
            return [inv.unknown("telnet without a host")]
        port = positionals[1].value if len(positionals) > 1 else "23"
        return self.connection(inv, positionals[0].value, port)

    def netcat(self, inv: Invocation) -> list[Effect]:
        pairs, positionals = option_words(inv.words, NC_VALUES)
        listening = has(pairs, "-l", "--listen")
        program = next((w for w in values(pairs, *NC_EXEC)), None)
        host = ""
        port = next((w.value for w in values(pairs, "-p", "--source-port")), "") if listening else ""
        if positionals and not listening:
            host = positionals[0].value
            port = positionals[1].value if len(positionals) > 1 else port
        elif positionals and listening:
            port = positionals[-1].value
        if has(pairs, "-U", "--unixsock"):
            host = "localhost"
        if program is not None:
            return [remote_shell(inv, host, port, listening, program.shown())]
        if has(pairs, "-z"):
            return [inv.effect("read", f"net:{host}:{port}", place_host(inv.ctx.environments, host, "nc host"),
                               reversible="yes", summary=f"nc checks whether {host}:{port} is open")]
        if listening:
            return self.listener(inv, port)
        if not host:
            return [inv.unknown("nc without a host")]
        return self.connection(inv, host, port)

    def listener(self, inv: Invocation, port: str) -> list[Effect]:
        anyone = Placement(UNKNOWN, f"anyone who can reach port {port} of this machine")
        if inv.stdin is None:
            return [inv.effect("read", f"net:listen:{port}", Placement(LOCAL, "it only receives"), reversible="yes",
                               summary=f"{inv.name} listens on port {port} and prints what arrives")]
        payload = stdin_payload(inv)
        if payload.secret or payload.unseen:
            return carried_off(inv, [payload], "", anyone, f"net:listen:{port}")
        return [inv.effect("read", f"net:listen:{port}", Placement(LOCAL, "it serves known text"), reversible="yes",
                           summary=f"{inv.name} serves a known text on port {port}")]

    def connection(self, inv: Invocation, host: str, port: str) -> list[Effect]:
        target = parse_target(f"{host}:{port}" if port.isdigit() else host)
        placement = place_host(inv.ctx.environments, target.host or host, f"{inv.name} host")
        resource = f"net:{target.shown or host}"
        if inv.stdin is None:
            return [inv.effect("unknown", resource, placement, kind="session",
                               summary=f"opens an interactive connection to {target.shown}: what is sent cannot be "
                                       "seen")]
        payload = stdin_payload(inv)
        leaving = carried_off(inv, [payload], target.host, placement, resource)
        if leaving:
            return leaving
        text = inv.stdin.text or ""
        deleting = [w for w in re.findall(r"[A-Za-z_]+", text[:MAX_BODY]) if w.lower() in DELETE_WORDS]
        if deleting:
            store = data_store(target)
            return [inv.effect("delete", resource, forwarded_port(target, placement),
                               kind=store[1] if store else "data", reversible="no", data_loss=store is not None,
                               scope="all" if any(w.lower() in ("flushall", "flushdb") for w in deleting) else "one",
                               summary=f"{inv.name} sends {deleting[0]!r} to {target.shown}")]
        return [inv.effect("unknown", resource, placement, kind="session",
                           summary=f"{inv.name} sends {payload.what} to {target.shown}; what the service does with "
                                   "it is not understood")]

    def socat(self, inv: Invocation) -> list[Effect]:
        _, positionals = option_words(inv.words, frozenset({"-d", "-D", "-L", "-W", "-b", "-t", "-T", "-lf"}))
        if len(positionals) < 2:
            return [inv.unknown("socat needs two addresses")]
        first, second = (socat_address(w.value) for w in positionals[:2])
        network = next((a for a in (first, second) if a.network), None)
        program = next((a for a in (first, second) if a.kind in ("exec", "system")), None)
        file_side = next((a for a in (first, second) if a.kind in ("file", "open", "gopen", "create")), None)
        if program is not None and network is not None:
            return [remote_shell(inv, network.host, network.port, network.listening, program.rest)]
        if program is not None:
            inv.run_script(program.rest, origin="socat EXEC")
            return []
        if network is None:
            return [inv.unknown("socat between two local addresses")]
        host = network.host if not network.listening else ""
        placement = (place_host(inv.ctx.environments, host, "socat host") if host else
                     Placement(UNKNOWN, f"anyone who can reach port {network.port} of this machine"))
        resource = f"net:{host or 'listen'}:{network.port}"
        if file_side is not None:
            if file_side.kind == "create":
                return [written_file(inv, file_side.rest)]
            return carried_off(inv, [file_payload(inv, file_side.rest)], host, placement, resource) or [
                inv.effect("unknown", resource, placement, summary=f"socat connects {file_side.rest} to {resource}")]
        other = second if network is first else first
        if other.network:
            far = other if not other.listening else network
            far_placement = place_host(inv.ctx.environments, far.host, "socat host") if far.host else placement
            return [inv.effect("unknown", f"net:{far.host or 'listen'}:{far.port}", far_placement, kind="forward",
                               summary=f"socat forwards a port to {far.host or 'a listener'}:{far.port}")]
        if network.listening:
            return self.listener(inv, network.port)
        return self.connection(inv, network.host, network.port)


def httpie_item(item: str) -> tuple[str, str]:
    """An httpie/xh request item: `H:v` header, `q==v` query, `f=v` data, `f:=1` JSON, `f@path` file,
    `f=@path` / `f:=@path` data read from a file."""
    for separator, kind in ((":=@", "data-file"), ("=@", "data-file"), ("==", "query"), (":=", "data"),
                            ("@", "file"), ("=", "data"), (":", "header")):
        key, found, value = item.partition(separator)
        if found and key and not any(c in key for c in "=@:"):
            return kind, value
    return "data", item


@dataclass(frozen=True, slots=True)
class RemoteSpec:
    user: str | None
    host: str
    path: str

    def absolute_path(self) -> str | None:
        if self.path.startswith("/"):
            return self.path
        home = "/root" if self.user == "root" else f"/home/{self.user or 'remote'}"
        return posixpath.normpath(posixpath.join(home, self.path.removeprefix("~/").lstrip("~") or "."))


def remote_spec(value: str) -> RemoteSpec | None:
    """`[user@]host:path` or `scp://[user@]host[:port]/path`; None for a local path."""
    if value.startswith(("scp://", "sftp://", "ftp://")):
        target = parse_target(value)
        user = urlsplit(target.url).username
        return RemoteSpec(user, target.host, target.path)
    if value.startswith(("/", "./", "../", "~")) or ":" not in value:
        return None
    head, _, path = value.partition(":")
    if "/" in head or not head:
        return None
    user, at, host = head.rpartition("@")
    return RemoteSpec(user if at else None, host.strip("[]"), path)


@dataclass(frozen=True, slots=True)
class SocatAddress:
    kind: str
    rest: str
    host: str = ""
    port: str = ""
    listening: bool = False

    @property
    def network(self) -> bool:
        return bool(self.port) or self.listening


def socat_address(value: str) -> SocatAddress:
    head, _, rest = value.partition(":")
    kind = head.split(",", 1)[0].lower()
    if kind in ("-", "stdio", "stdin", "stdout", "pty", "readline"):
        return SocatAddress("stdio", "")
    if kind in ("exec", "system"):
        return SocatAddress(kind, rest.split(",", 1)[0] if kind == "exec" else rest)
    if kind.endswith("-listen") or kind.endswith("-l"):
        return SocatAddress("listen", rest, port=rest.split(",", 1)[0], listening=True)
    if kind in NETWORK_ADDRESSES:
        address = rest.split(",", 1)[0]
        host, _, port = address.rpartition(":")
        return SocatAddress("network", rest, host=host or address, port=port or "?")
    if kind in ("file", "open", "gopen", "create"):
        return SocatAddress(kind, rest.split(",", 1)[0])
    if "/" in value and ":" not in value:
        return SocatAddress("gopen", value)
    return SocatAddress(kind, rest)


def remote_shell(inv: Invocation, host: str, port: str, listening: bool, program: str) -> Effect:
    """`nc -e /bin/sh`, `socat TCP:… EXEC:bash`: whoever is at the other end types commands that run here."""
    if listening:
        where = f"anyone who connects to port {port or '?'}"
        what = "a bind shell"
    else:
        where = f"{host or 'a host only known at run time'}:{port or '?'}"
        what = "a reverse shell"
    return inv.effect(
        "execute_opaque",
        f"code:network-shell/{host or 'listen'}:{port or '?'}",
        Placement(UNKNOWN, "commands typed on the other end run on this machine, unseen"),
        kind="shell",
        reversible="no",
        tags=("remote-shell",),
        summary=f"{inv.name} opens {what}: {program} runs commands sent by {where}",
        suggestions=("run the commands you need directly, where they can be checked",),
    )

