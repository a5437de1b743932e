"""What every network client shares: reading its words, where a URL points, the files it writes.

The clients read their options the way GNU getopt does, which the one walker (`cli.walk`) does except in two
forms: `-4` or `-6v` are flags to them (the walker takes a dash and a digit for a number), and `-da=b` is
`-d` with the value `a=b` (the walker splits any word with `=` at it). `walk_words` re-groups those words
and walks again, and keeps each value as the word it was written in: what a request carries is judged by
how its value was written (`-H "Authorization: $TOKEN"`).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import unquote, urlsplit

from changegate.environments import LOCAL, LOCAL_HOSTS, UNKNOWN, Environments, Placement
from changegate.model import Effect
from changegate.understand.base import UNKNOWN_PART, Context, Invocation, Word, lit
from changegate.understand.cli import Cli, Item, Options
from changegate.understand.facts import is_file
from changegate.understand.placement import is_local, place_host, place_url
from changegate.understand.sensitive import CREDENTIAL_DIRECTORIES, persistence_kind, secret_kind

HELP_WORDS = frozenset({"--version", "-V", "--help", "-h"})
# Variables every HTTP client reads to route its requests (and credentials) through someone else.
PROXY_VARIABLES = ("http_proxy", "https_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy",
                   "NETRC")
DIGIT_FLAGS = re.compile(r"-\d")
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
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


# --- reading the words -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Walked:
    """A client's words once walked: its options in order, each with its value as the word it was written
    in (an empty word for a flag), and its positional words."""

    opts: Options
    pairs: list[tuple[str, Word]]
    positionals: list[Word]

    @classmethod
    def of(cls, opts: Options, words: Sequence[Word]) -> Walked:
        """The walk of `words` that gave `opts`."""
        return cls(opts, value_pairs(opts, words), opts.positional_words)

    def values(self, *names: str) -> list[Word]:
        return [word for name, word in self.pairs if name in names]

    def has(self, *names: str) -> bool:
        return self.opts.has(*names)


def walk_words(tool: Cli, words: Sequence[Word], *, stop_at_first_positional: bool = False,
               takes_value: frozenset[str] | None = None) -> Walked:
    """`tool.walk()`, with the words getopt reads otherwise re-grouped (see the module's docstring)."""
    takes = tool.VALUE_OPTIONS if takes_value is None else takes_value
    current = list(words)
    opts = tool.walk(current, stop_at_first_positional=stop_at_first_positional, takes_value=takes)
    # each round re-groups at least one word, so there are at most as many rounds as words
    for _ in range(len(words)):
        regrouped = getopt_words(current, opts, takes, single=stop_at_first_positional,
                                 long_single_dash=tool.LONG_SINGLE_DASH)
        if regrouped is None:
            break
        current = regrouped
        opts = tool.walk(current, stop_at_first_positional=stop_at_first_positional, takes_value=takes)
    return Walked.of(opts, current)


def getopt_words(words: list[Word], opts: Options, takes: frozenset[str], *, single: bool,
                 long_single_dash: bool) -> list[Word] | None:
    """The words with `-4`-style flags and `-da=b`-style bundles written the way the walker reads them
    as getopt does; None when there are none. With `single`, only the first positional counts (the words
    after it were not walked as options)."""
    end = len(words) - len(opts.rest) - 1 if opts.dashdash else len(words)
    positionals = [item for item in opts.items if item.option is None and item.index < end]
    flags_read_as_numbers = [item for item in positionals[:1 if single else None]
                             if DIGIT_FLAGS.match(item.word.value)]
    bundles = [] if long_single_dash else [item for item in opts.items if is_split_bundle(item, takes)]
    if not flags_read_as_numbers and not bundles:
        return None
    replaced = {item.index: without_digits(item.word) for item in flags_read_as_numbers}
    replaced.update((item.index, bundle_words(item.word, takes) or [item.word]) for item in bundles)
    return [part for index, word in enumerate(words) for part in replaced.get(index, [word])]


def is_split_bundle(item: Item, takes: frozenset[str]) -> bool:
    """A single-dash word the walker split at its `=` (`-da=b`), which getopt reads as bundled letters."""
    value = item.word.value
    return (item.option is not None and not item.option.startswith("--") and "=" in value
            and value not in takes and bundle_words(item.word, takes) is not None)


def without_digits(word: Word) -> list[Word]:
    """`-4` is dropped (no client reads it), `-4lv` is `-lv`."""
    letters = word.value[1:].lstrip("0123456789")
    return [Word("-" + letters, glob=word.glob, text=word.text)] if letters else []


def bundle_words(word: Word, takes: frozenset[str]) -> list[Word] | None:
    """`-sda=b` as getopt reads it: `-sd` and the value `a=b`; None when no letter before the `=` takes a
    value."""
    arg = word.value
    for j in range(1, arg.find("=")):
        if "-" + arg[j] in takes:
            head = Word(arg[:j + 1], glob=word.glob, text=word.text)
            return [head, Word(arg[j + 1:], glob=word.glob, text=word.text)]
    return None


def value_pairs(opts: Options, words: Sequence[Word]) -> list[tuple[str, Word]]:
    """Each option with its value as a word: the next word when it took that, else the part of its own
    word after the name (an empty word for a flag)."""
    read = {item.index for item in opts.items}
    pairs: list[tuple[str, Word]] = []
    for item in opts.items:
        if item.option is None:
            continue
        following = item.index + 1
        if item.value is None:
            value = lit("")
        elif following < len(words) and following not in read and words[following].value == item.value:
            value = words[following]
        else:
            value = Word(item.value, glob=item.word.glob, text=item.word.text)
        pairs.append((item.option, value))
    return pairs


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


def place_target(environments: Environments, target: Target, source: str = "URL",
                 ctx: Context | None = None) -> Placement:
    """Where a request goes: through a tunnel an earlier step opened, else by the URL as the client
    completed it (`example.com/x` is `http://…`); a URL without a host says nothing of where it is."""
    tunnel = tunnel_placement(ctx, target.host, target.port or DEFAULT_PORTS.get(target.scheme)) if ctx else None
    if tunnel is not None:
        return tunnel
    if not target.host:
        return place_host(environments, target.host, f"{source} host")
    return place_url(environments, target.url, source)


def data_store(target: Target) -> tuple[str, str] | None:
    return DATA_STORES.get(target.port) if target.port is not None else None


DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21, "telnet": 23}


def is_loopback(host: str) -> bool:
    """A name or address of this machine itself (`localhost`, `127.0.0.2`, `::1`)."""
    bare = host.strip("[]").lower().rstrip(".")
    return bare in LOCAL_HOSTS or bare.startswith("127.") or bare.endswith(".localhost")


def binds_loopback_only(address: str) -> bool:
    """A listening address of this machine's loopback alone; `0.0.0.0` and `::` are every interface."""
    return is_loopback(address) and address.strip("[]") not in ("0.0.0.0", "::", "")


def port_number(value: str | int | None) -> int | None:
    """A TCP port as written (`5432`); None for a service name, a range or nothing."""
    text = str(value) if value is not None else ""
    return int(text) if text.isdigit() and 0 < int(text) < 65536 else None


def record_tunnel(ctx: Context, local_port: str | int | None, far_end: Placement) -> None:
    """An earlier step forwards a port of this machine elsewhere (`kubectl port-forward svc/db 5432:5432 &`,
    `ssh -L 5432:db.prod:5432 …`, `socat TCP-LISTEN:5432,fork TCP:db.prod:5432 &`): later traffic to
    localhost:PORT in this command line lands where the tunnel leads."""
    port = port_number(local_port)
    if port is not None:
        ctx.tunnels[port] = far_end


def tunnel_placement(ctx: Context, host: str, port: str | int | None) -> Placement | None:
    """Where traffic to HOST:PORT lands when an earlier step of this command line tunnels that port of this
    machine elsewhere; None when it is not such a port."""
    number = port_number(port)
    if number is None or not is_loopback(host) or number not in ctx.tunnels:
        return None
    far = ctx.tunnels[number]
    return Placement(far.environment, f"localhost:{number} is a tunnel an earlier step opened to {far.why}")


def forwarded_port(target: Target, placement: Placement, ctx: Context | None = None) -> Placement:
    """A data store's port on this machine may be forwarded from anywhere: deleting through it is unknown,
    unless an earlier step of this command line opened the tunnel, which says where it leads."""
    tunnel = tunnel_placement(ctx, target.host, target.port) if ctx is not None else None
    if tunnel is not None:
        return tunnel
    store = data_store(target)
    if store is None or not is_local(placement):
        return placement
    return Placement(UNKNOWN, f"port {target.port} on this machine is {store[0]}'s; a port here is often "
                              "forwarded (kubectl port-forward, ssh -L) from a shared server, so whose data "
                              "this deletes cannot be seen")


def url_basename(url: str, fallback: str = "index.html") -> str:
    path = parse_target(url).path
    name = posixpath.basename(unquote(path.rstrip("/"))) if path.strip("/") else ""
    return name or fallback


# --- files on this machine -------------------------------------------------------------------------------

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
    exists = path is not None and not inv.ctx.remote and is_file(path)
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


def fails(inv: Invocation, why: str) -> Effect:
    """A command line the tool rejects before doing anything (no URL, no host, one address, no image)."""
    return inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "the command fails before it does anything"),
                      reversible="yes", summary=f"{inv.name} fails: {why}; nothing happens")


# --- a directory served to the network ---------------------------------------------------------------------

# Directories of the home that hold credentials: serving, mounting or copying them hands the credentials over.
SECRET_DIRECTORIES = CREDENTIAL_DIRECTORIES  # one table (sensitive.py)
# The machine's own directories: what is in them is its accounts, keys and configuration.
SYSTEM_DIRECTORIES = ("/etc", "/root", "/proc", "/sys", "/dev", "/boot", "/run", "/var/lib", "/var/log",
                      "/var/db", "/private/etc", "/private/var/db", "/Library/Keychains")


def secret_directory(path: str, home: str | None) -> str | None:
    """A directory that holds credentials (~/.ssh, ~/.aws, ~/.kube, ...) or is one's parent."""
    if home and (path + "/").startswith(home + "/"):
        relative = path[len(home) + 1:]
        for directory in SECRET_DIRECTORIES:
            if relative == directory or relative.startswith(directory + "/") or directory.startswith(relative + "/"):
                return f"credentials ({directory} of the home directory)"
    if path.startswith(("/etc/ssl/private", "/etc/pki", "/run/secrets", "/var/run/secrets")):
        return "mounted secrets or private keys"
    return None


def holds_the_home(path: str, home: str | None) -> str | None:
    """The root, the home directory or a directory above it: everything under it includes the home's keys
    and credentials."""
    if path == "/":
        return "the whole machine's files, the home directory's keys and credentials included"
    if home and (home + "/").startswith(path.rstrip("/") + "/"):
        return f"the home directory {home}, its keys and credentials included"
    return None


def exposed_by(path: str, home: str | None) -> str | None:
    """What handing out every file under `path` exposes: the root, a home directory (and any directory
    above one), the machine's own directories, credentials; None for an ordinary directory."""
    whole = holds_the_home(path, home)
    if whole:
        return whole
    if any(path == d or path.startswith(d + "/") or d.startswith(path.rstrip("/") + "/")
           for d in SYSTEM_DIRECTORIES) and not (home and (path + "/").startswith(home + "/")):
        return f"the machine's own files under {path}"
    return secret_kind(path, home) or secret_directory(path, home)


def served_directory(inv: Invocation, raw: str, bind: str = "", port: str = "") -> list[Effect]:
    """A web server handing out the files under `raw` (`python3 -m http.server`, `php -S 0.0.0.0:8000 -t
    DIR`, `busybox httpd -h DIR`): serving the root, a home directory, system directories or credentials
    carries them off to whoever connects; serving a project directory is ordinary work."""
    path = inv.ctx.resolve(raw)
    listening = f"port {port}" if port else "its port"
    audience = (f"programs of this machine ({listening} on {bind})" if binds_loopback_only(bind)
                else f"anyone who can reach {listening} of this machine")
    shown = path or raw.replace(UNKNOWN_PART, "…")
    what = exposed_by(inv.ctx.real_path(path, follow_last=True), inv.ctx.home) if path else \
        "a directory only known at run time"
    if what is None:
        return [inv.effect("read", f"fs:{shown}", Placement(LOCAL, "it serves the files of a project directory"),
                           reversible="yes", summary=f"{inv.name} serves the files of {shown} to {audience}")]
    placement = Placement(LOCAL if binds_loopback_only(bind) else UNKNOWN, f"served to {audience}")
    return [inv.effect("exfiltrate", f"fs:{shown}", placement, kind="data", scope="all", reversible="no",
                       tags=("secret",), summary=f"{inv.name} serves {shown} to {audience}: {what}",
                       suggestions=("serve only the project directory that holds what is needed (cd out && "
                                    "python3 -m http.server --bind 127.0.0.1)",))]


# --- the base of every client ------------------------------------------------------------------------------

class NetTool(Cli):
    """A network client. Its grammar is `TOOL [OPTIONS] TARGET…` (no verb), so it overrides `analyze`:
    a bare `--help` or `--version` only prints, no arguments at all fails (or opens the tool's prompt);
    anything else is the tool's `effects`."""

    FAMILY: ClassVar[str] = "net"
    PROMPTS: ClassVar[bool] = False  # without arguments it reads commands at its own prompt (telnet, ftp)

    def analyze(self, inv: Invocation) -> list[Effect]:
        if not inv.words and self.PROMPTS:
            return [inv.unknown(f"{inv.name} reads commands at its prompt")]
        if not inv.words:
            return [fails(inv, "no arguments are given")]
        if len(inv.words) == 1 and inv.words[0].value in HELP_WORDS:
            return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "it prints its help or version"),
                               reversible="yes", summary=f"{inv.name} {inv.words[0].value}")]
        return self.effects(inv)

    def effects(self, inv: Invocation) -> list[Effect]:
        raise NotImplementedError

    def walked(self, words: Sequence[Word]) -> Walked:
        return walk_words(self, words)
