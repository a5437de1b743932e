"""What the database clients share: finding the server a client talks to, reading the files and stdin it
reads, and a `Session` that follows a client run from statement to statement.

The SQL itself is read by `understand/sql.py`. A client connecting with no host at all talks to whatever
server its machine's socket or 127.0.0.1 leads to: changegate cannot tell whether that is a laptop's dev
database or a production host, so that is `unknown` unless the database's name says where it is
(`-h localhost` is local). A port an earlier step of the command line forwards elsewhere
(`kubectl port-forward … 5432:5432 &`, `ssh -L 5432:db.prod:5432 …`) takes localhost where the tunnel leads.
"""

from __future__ import annotations

import configparser
import hashlib
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from changegate.environments import UNKNOWN, Environments, Placement
from changegate.model import Effect, Operation
from changegate.understand.base import DYNAMIC_WORD, UNKNOWN_PART, Context, Invocation
from changegate.understand.cli import Options
from changegate.understand.facts import Unreadable, lexists, read_config, read_config_bytes
from changegate.understand.placement import escalate_by_name, place_host, place_name
from changegate.understand.sql import (
    POSTGRES,
    Finding,
    SqlTarget,
    effects_of,
    load_parser,
    parse_db_url,
    redact_url,
    sql_findings,
    target_from_url,
)

MAX_INCLUDE_DEPTH = 4  # \i, source, .read inside scripts read by scripts
MAX_CONFIG_BYTES = 64 * 1024
MAX_SCRIPT_BYTES = 1024 * 1024
MAX_CLIENT_COMMANDS = 2000  # lines of redis or mongo commands looked at
LOCAL_SOCKET = "socket"
LOOPBACK = ("localhost", "127.0.0.1", "::1")

# What libpq reads from the environment: the server, the database, the options sent to it, the service and
# password files that can name another server.
LIBPQ_VARIABLES = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGUSER", "PGDATABASE", "PGOPTIONS", "PGSERVICE",
                   "PGSERVICEFILE", "PGSYSCONFDIR", "PGPASSFILE", "PGPASSWORD", "PGSSLMODE", "PGSSLCERT", "PGSSLKEY",
                   "PGSSLROOTCERT", "PGSSLCRL", "PGREQUIRESSL", "PGTARGETSESSIONATTRS", "PGCONNECT_TIMEOUT",
                   "PGCLIENTENCODING", "PGAPPNAME", "PGGSSENCMODE", "PGCHANNELBINDING", "PGREQUIREAUTH",
                   "PGLOADBALANCEHOSTS", "PGDATESTYLE", "PGTZ", "PGKRBSRVNAME")
INTERACTIVE_TAGS = ("interactive", "unseen-changes")


# --- what the client reads -----------------------------------------------------------------------------------

def url_variable(ctx: Context, name: str) -> str | None:
    """A variable holding a URL: recorded for the action hash with its password replaced."""
    value = ctx.env.get(name)
    if value:
        ctx.consulted.setdefault(f"env:{name}", redact_url(value))
    return value or None


@dataclass(frozen=True, slots=True)
class ScriptFile:
    """A file a client runs or reads: its text, or whether it is absent (the client then runs nothing from
    it) or cannot be read."""

    path: str
    text: str | None = None
    absent: bool = False


def read_script(inv: Invocation, raw: str, limit: int = MAX_SCRIPT_BYTES) -> ScriptFile:
    """A file a client or tool reads (psql -f, mysql `source`, .env, alembic.ini): the text this command line
    wrote to it earlier, or the file on this machine (regular files only, bounded; its hash binds the
    approval); stdin for `-`. Over ssh or in a container the file is not this machine's: not read."""
    if raw in ("-", "/dev/stdin"):
        stdin = inv.stdin
        return ScriptFile(raw, stdin.text if stdin is not None and not stdin.opaque else None)
    ctx = inv.ctx
    path = ctx.resolve(raw)
    if path is None or UNKNOWN_PART in path or ctx.remote is not None or ctx.remote_placement is not None:
        return ScriptFile(raw)
    if path == "/dev/null":
        return ScriptFile(path, "")
    if path in ctx.files:
        written = inv.walker.file_stream(raw, ctx).text
        return ScriptFile(path, written if written is None or len(written) <= limit else None)
    try:
        data = read_config_bytes(path, limit=limit)
    except Unreadable:
        return ScriptFile(path)
    if data is None:
        return ScriptFile(path, absent=not lexists(path))
    ctx.consulted.setdefault(f"file:{path}", "sha256:" + hashlib.sha256(data).hexdigest())
    return ScriptFile(path, data.decode("utf-8", "replace"))


def read_file(inv: Invocation, raw: str, limit: int | None = None) -> str | None:
    """The text of a file a client or tool reads (`read_script`); None when it cannot be read or is longer
    than `limit`."""
    return read_script(inv, raw, limit or MAX_SCRIPT_BYTES).text


def in_order(opts: Options, names: frozenset[str]) -> list[tuple[str, str]]:
    """The values of the options `names`, in the order written (psql runs -c and -f in that order)."""
    return [(item.option, item.value) for item in opts.items
            if item.option is not None and item.option in names and item.value is not None]


def stdin_sql(inv: Invocation) -> tuple[str | None, str]:
    """SQL arriving on stdin: its text, or why it cannot be read."""
    stdin = inv.stdin
    if stdin is None:
        return None, ""
    if stdin.text is not None and not stdin.opaque:
        return stdin.text, stdin.origin or "stdin"
    return None, stdin.origin or "stdin whose content is only known at run time"


def port_of(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


# --- where the server is ---------------------------------------------------------------------------------------

def implicit_server(environments: Environments, tool: str, database: str, how: str) -> Placement:
    """No host anywhere: the database's name is the only signal; otherwise unknown."""
    if database and database != "?":
        named = place_name(environments, database, "database")
        if named.environment != UNKNOWN:
            return Placement(named.environment, f"{tool} names no server; {named.why}")
    return Placement(UNKNOWN, f"{tool} names no server, so it uses {how} of the machine it runs on, which "
                              "changegate cannot place (unknown is treated as prod; say -h localhost for a local "
                              "database)")


def through_tunnel(ctx: Context, host: str | None, port: int | None, tcp_default: bool) -> Placement | None:
    """localhost:PORT that an earlier step of this command line forwards elsewhere: where the tunnel leads.
    A client without a host reaches it only when its default is TCP to 127.0.0.1 (redis-cli, mongosh), not a
    Unix socket (psql, mysql)."""
    if port is None or (host is None and not tcp_default) or (host is not None and host not in LOOPBACK):
        return None
    tunnel = ctx.tunnels.get(port)
    if tunnel is None:
        return None
    return Placement(tunnel.environment, f"localhost:{port} is forwarded by an earlier step: {tunnel.why}")


def host_target(inv: Invocation, host: str | None, database: str, tool: str, how: str, source: str,
                dialect: str | None, *, port: int | None = None, tcp_default: bool = False) -> SqlTarget:
    """The server a `-h HOST` (or its absence) names, and the database on it."""
    environments = inv.ctx.environments
    database = database.replace(DYNAMIC_WORD, "*")  # a database named at run time (`\connect` in a dump)
    tunnel = through_tunnel(inv.ctx, host, port, tcp_default)
    if tunnel is not None:
        placement = escalate_by_name(tunnel, database, environments, "database")
        return SqlTarget(f"{host or 'localhost'}:{port}", database or "?", placement, dialect)
    if inv.ctx.remote_placement is not None and (not host or host in LOOPBACK):
        # over ssh or in a container, "localhost" is that machine
        return SqlTarget(host or "default", database or "?", inv.ctx.remote_placement, dialect)
    if not host:
        return SqlTarget("default", database or "?", implicit_server(environments, tool, database, how), dialect)
    placement = escalate_by_name(place_host(environments, host, source), database, environments, "database")
    if placement.environment == UNKNOWN and database:
        named = environments.by_name(database)
        if named:
            placement = Placement(named, f"database {database!r} on {host} is named like {named}")
    shown = LOCAL_SOCKET if host.startswith("/") else host
    return SqlTarget(shown, database or "?", placement, dialect)


# The port a URL's scheme connects to when it names none (a tunnel on that port catches it).
DEFAULT_PORTS = {"postgres": 5432, "postgresql": 5432, "pg": 5432, "mysql": 3306, "mariadb": 3306, "redis": 6379,
                 "rediss": 6380, "mongodb": 27017, "sqlserver": 1433, "mssql": 1433, "clickhouse": 9000,
                 "cockroach": 26257, "cockroachdb": 26257, "http": 80, "https": 443}


def url_target(inv: Invocation, url: str, source: str) -> SqlTarget:
    """The database a URL or DSN names (`sql.target_from_url`), through a tunnel an earlier step opened on
    its port."""
    ctx = inv.ctx
    target = target_from_url(url, ctx.environments, source, ctx.workspace, ctx.cwd)
    parsed = parse_db_url(url) if ctx.tunnels else None
    if parsed is None or len(parsed.hosts) != 1:
        return target
    port = port_of(parsed.port) or DEFAULT_PORTS.get(parsed.scheme.split("+", 1)[0].removeprefix("jdbc:"))
    tunnel = through_tunnel(ctx, parsed.hosts[0], port, tcp_default=False)
    if tunnel is None:
        return target
    return replace(target, placement=escalate_by_name(tunnel, parsed.database, ctx.environments, "database"))


def pg_service(inv: Invocation, name: str) -> dict[str, str]:
    """The connection settings of a libpq service: PGSERVICEFILE or ~/.pg_service.conf, then the system's
    pg_service.conf (PGSYSCONFDIR)."""
    ctx = inv.ctx
    files = [ctx.getenv("PGSERVICEFILE") or (posixpath.join(ctx.home, ".pg_service.conf") if ctx.home else "")]
    sysconf = ctx.getenv("PGSYSCONFDIR")
    files.append(posixpath.join(sysconf, "pg_service.conf") if sysconf else "/etc/postgresql-common/pg_service.conf")
    for raw in filter(None, files):
        path = ctx.resolve(raw)
        text = read_config(path, limit=MAX_CONFIG_BYTES) if path and ctx.remote is None else None
        if text is None:
            continue
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        try:
            parser.read_string(text)
        except configparser.Error:
            continue
        if parser.has_section(name):
            found = {k: v for k, v in parser.items(name) if k in ("host", "hostaddr", "port", "dbname")}
            ctx.consulted.setdefault(f"file:{path}[{name}]", ",".join(f"{k}={v}" for k, v in sorted(found.items())))
            return found
    return {}


def conninfo_service(conn: str | None) -> str | None:
    """`service=NAME` in a conninfo string or `?service=NAME` in a URI."""
    if not conn or "service=" not in conn:
        return None
    tail = conn.split("service=", 1)[1]
    return tail.split()[0].split("&")[0].strip("'\"") or None


def pg_target(inv: Invocation, host: str | None, conn: str | None, user: str | None, tool: str,
              port: str | None = None) -> SqlTarget:
    """Where a libpq client connects: -h and -d/positional (a name, URI or conninfo), a service, then PG*
    variables."""
    ctx = inv.ctx
    database = ""
    url_port = ""
    service = conninfo_service(conn) or ctx.getenv("PGSERVICE")
    settings = pg_service(inv, service) if service else {}
    if conn and ("://" in conn or "=" in conn):
        parsed = parse_db_url(conn)
        if parsed is None and not service:
            return SqlTarget("?", "?", Placement(UNKNOWN, f"the connection string {redact_url(conn)!r} cannot be read"))
        if parsed is not None and parsed.hosts and not host:
            if ctx.remote_placement is None:
                target = url_target(inv, conn, "connection URL")
                return SqlTarget(target.host, target.database, target.placement, POSTGRES)
            host = parsed.host
        database = parsed.database if parsed is not None else ""
        url_port = parsed.port if parsed is not None else ""
    elif conn:
        database = conn
    host = host or url_variable(ctx, "PGHOST") or url_variable(ctx, "PGHOSTADDR") or settings.get("host") or \
        settings.get("hostaddr")
    database = database or ctx.getenv("PGDATABASE") or settings.get("dbname") or ""
    if not host and service:
        placement = ctx.environments.classify("names", service, "PGSERVICE")
        return SqlTarget(f"service={service}", database or "?", placement, POSTGRES)
    number = port_of(port or url_port or ctx.getenv("PGPORT") or settings.get("port")) or 5432
    target = host_target(inv, host, database, tool, "the default local socket", "host", POSTGRES, port=number)
    if not database:
        # libpq's default database is the user's name: shown in resources, but a user called "dev" says
        # nothing about the environment, so it is not used to place the target
        return replace(target, database=user or ctx.env.get("PGUSER") or ctx.env.get("USER") or "?")
    return target


# --- effects every client makes ------------------------------------------------------------------------------

def not_read(inv: Invocation, target: SqlTarget, what: str, family: str) -> Effect:
    """SQL that would run but cannot be seen: ask, placed where it would run."""
    return inv.effect("unknown", target.prefix, target.placement, kind="database", family=family,
                      reversible="unknown", tags=("not-understood", "sql-unread"),
                      summary=f"runs SQL that cannot be read before it runs ({what})",
                      suggestions=("save the SQL to a file in the workspace and pass it with -f, so it can be read",))


def interactive(inv: Invocation, target: SqlTarget, family: str) -> Effect:
    """A session a person or the agent types into: ordinary work on a dev database; elsewhere it asks,
    because what will be typed is not visible."""
    return inv.effect("modify", target.prefix, target.placement, kind="database", family=family,
                      reversible="unknown", tags=INTERACTIVE_TAGS,
                      summary=f"opens an interactive {inv.name} session on {target.prefix[4:]} (what is typed "
                              "there is not visible)")


def read_only(inv: Invocation, target: SqlTarget, what: str) -> Effect:
    """Help, version and listings: the client reads, at most."""
    return inv.effect("read", target.prefix, target.placement, kind="database", reversible="yes",
                      family=inv.name, summary=f"{inv.name} {what}")


def absent_file(inv: Invocation, path: str, what: str, target: Placement | None = None) -> Effect:
    """A script that does not exist: the client reports it and runs nothing from it. Against a server in
    prod or one changegate cannot place, "not here now" is no proof it will not exist where and when the
    command really runs, and being wrong costs a database: there it is a script that cannot be read."""
    inv.ctx.consulted.setdefault(f"file:{path}", "absent")
    if target is not None and target.environment not in ("local", "dev"):
        return inv.effect("unknown", f"fs:{path}", target, reversible="unknown", tags=("absent-here",),
                          summary=f"{what} {path}, which does not exist here: what it would run cannot be read")
    return inv.effect("read", f"fs:{path}", inv.ctx.place_path(path), reversible="yes", tags=("absent-program",),
                      summary=f"{what} {path} does not exist, so nothing runs from it")


@dataclass
class Session:
    """One client run: where it is connected now, and the effects so far. Client commands (\\c, use, .open)
    move it to another target; include commands read more script at a bounded depth."""

    inv: Invocation
    target: SqlTarget
    family: str
    effects: list[Effect] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    depth: int = 0
    directories: list[str] = field(default_factory=list)  # of the script files being run, innermost last
    engine_here: bool = False  # the engine runs in the client (sqlite3, duckdb): the files its SQL names are local
    attached: dict[str, SqlTarget] = field(default_factory=dict)  # databases attached under an alias (ATTACH)

    def outcome(self) -> list[Effect]:
        """The effects of the run; one that ran only client commands or statements that change nothing
        (`.tables`, `\\dt`, comments) says so."""
        return self.effects or [read_only(self.inv, self.target, "runs only commands that read or print")]

    def sql(self, text: str, evidence: str = "") -> None:
        if not text.strip():
            return
        t = self.target
        dialect = t.dialect if t.dialect is not None else POSTGRES
        self.inv.walker.deadline += load_parser(dialect)
        findings = sql_findings(text, dialect)
        on_this_machine = [f for f in findings if f.kind == "client-file" or (self.engine_here and f.kind == "file")]
        for finding in on_this_machine:
            self.effects.append(self.local_path(finding))
        if on_this_machine and len(on_this_machine) == len(findings):
            return
        self.effects.extend(effects_of([f for f in findings if f not in on_this_machine], t.placement, t.prefix,
                                       t.server, self.family, self.inv.ctx.environments, evidence or self.inv.text))

    def local_path(self, finding: Finding) -> Effect:
        """A file the client reads, or an engine running in this process writes: a path on this machine."""
        return self.inv.fs(finding.operation, finding.name, reversible=finding.reversible, tags=finding.tags,
                           summary=finding.summary)

    def local_file(self, operation: Operation, raw: str, summary: str) -> None:
        self.effects.append(self.inv.fs(operation, raw, reversible="unknown", summary=summary,
                                        tags=("overwrite",) if operation == "modify" else ()))

    def shell(self, command: str, origin: str) -> None:
        if command.strip():
            self.inv.run_script(command, origin=origin)
        else:
            self.effects.append(self.inv.effect("modify", "cmd:shell", self.inv.arguments_placement(),
                                                tags=INTERACTIVE_TAGS,
                                                summary=f"opens an interactive shell from {self.inv.name}: what "
                                                        "is typed there is not visible"))

    def opaque(self, what: str) -> None:
        t = self.target
        self.effects.append(self.inv.effect("execute_opaque", t.prefix, t.placement, kind="code", family=self.family,
                                            reversible="unknown", summary=f"runs code that cannot be read: {what}"))

    def unreadable(self, what: str) -> None:
        self.effects.append(not_read(self.inv, self.target, what, self.family))

    def interactive(self) -> None:
        self.effects.append(interactive(self.inv, self.target, self.family))

    def from_stdin(self, run: Callable[[str], None]) -> None:
        """No statements on the command line: the client reads its script from stdin — run it where it is
        known, say so where it cannot be read, and an interactive session where there is none."""
        text, origin = stdin_sql(self.inv)
        if text is not None:
            run(text)
        elif origin:
            self.unreadable(origin)
        else:
            self.interactive()

    def include(self, raw: str, run: Callable[[str], None], what: str, *, relative: bool = False) -> None:
        """A script file the client runs: read it and run what it says; one that does not exist runs
        nothing. `relative`: a relative path is taken from the directory of the script that names it."""
        if self.depth >= MAX_INCLUDE_DEPTH:
            self.unreadable(f"{what} {raw} nests more than {MAX_INCLUDE_DEPTH} files deep")
            return
        if relative and self.directories and not raw.startswith(("/", "~")):
            raw = posixpath.join(self.directories[-1], raw)
        script = read_script(self.inv, raw)
        if script.absent:
            self.effects.append(absent_file(self.inv, script.path, what, self.target.placement))
            return
        if script.text is None:
            self.unreadable(f"{what} {raw}, which cannot be read")
            return
        self.depth += 1
        self.directories.append(posixpath.dirname(script.path))
        try:
            run(script.text)
        finally:
            self.depth -= 1
            self.directories.pop()
