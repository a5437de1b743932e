"""SQL: what statements would do, for `sql` actions and for the SQL that database clients and migration tools run.

PostgreSQL is parsed with pglast (the server's own parser, as JSON); every other dialect with sqlglot. Each
statement becomes a `Finding` (what it does to which object) and the findings become Effects under one target:
`sql:<host>/<database>` for the database, `…/table/<name>` for a table, `sql:<host>/<name>` for another
database, `sql:<host>/role/<name>` for a role.

What counts, in the words of the default policy:
- DELETE/UPDATE without WHERE, or with a WHERE that is always true (`1=1`, `true`, `'a'='a'`, `x OR 1=1`,
  `LIKE '%'`), touch every row: scope `all` and data loss. Any other WHERE is scoped (`many`).
- DROP TABLE/SCHEMA/DATABASE, TRUNCATE, ALTER TABLE … DROP COLUMN lose data; DROP DATABASE/SCHEMA are a whole
  environment; CASCADE widens a drop to whatever depends on it.
- GRANT/REVOKE and role changes are permission changes; EXPLAIN ANALYZE runs its statement; DO blocks,
  COPY … PROGRAM and server functions that run code are opaque code; server-file reads are secret reads.
- Anything that does not parse, and sqlglot's opaque `Command` (unless its keywords say exactly what it is),
  is not understood: ask.
- SQL that builds SQL is read as the SQL it builds: a PL/pgSQL DO block statement by statement (its EXECUTE
  of a text put together from constants), MySQL's `SET @s = …; PREPARE st FROM @s; EXECUTE st`, T-SQL's
  `EXEC(@s)` and `sp_executesql`. A part only known at run time (a loop variable, xargs' `{}`, a variable set
  from a query) stands as one name, and what it names is every object of its kind: `DROP TABLE $t` in a loop
  over the tables drops all of them.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import msgspec

from changegate.environments import LOCAL, SEVERITY, UNKNOWN, Environments, Placement
from changegate.model import Action, Effect, Operation, Reversible, Scope
from changegate.understand.base import DYNAMIC_WORD, UNKNOWN_PART, NotUnderstood
from changegate.understand.facts import Unreadable, read_config_bytes
from changegate.understand.sensitive import secret_kind

if TYPE_CHECKING:
    from changegate.understand import Understanding

MAX_SQL_BYTES = 1024 * 1024  # a bigger script is not read (ask): nothing hides past a bound unseen
MAX_STATEMENTS = 5000
MAX_EFFECTS = 120  # beyond this, the rest are folded into one effect per operation
MAX_NODES = 200_000  # JSON nodes walked per statement when looking for function calls
POSTGRES = "postgres"
COMPATIBLE = "postgres-compatible"

# Dialect names as people write them (action `dialect`, URL schemes, tool names) -> the parser to use:
# "postgres" is pglast; anything else is a sqlglot dialect name ("" = sqlglot's generic SQL).
DIALECTS: dict[str, str] = {
    **dict.fromkeys(("postgres", "postgresql", "pg", "pgsql", "psql", "postgis", "timescale", "timescaledb",
                     "supabase", "neon", "alloydb"), POSTGRES),
    # PostgreSQL-compatible servers with syntax of their own: pglast first, sqlglot's postgres where it fails
    **dict.fromkeys(("cockroach", "cockroachdb", "crdb", "yugabyte", "yugabytedb"), COMPATIBLE),
    **dict.fromkeys(("mysql", "mariadb", "tidb", "mysqlx", "aurora-mysql", "planetscale", "singlestore",
                     "memsql", "vitess"), "mysql"),
    **dict.fromkeys(("sqlite", "sqlite3", "libsql", "turso", "d1"), "sqlite"),
    **dict.fromkeys(("mssql", "sqlserver", "tsql", "azuresql", "azure-sql"), "tsql"),
    **dict.fromkeys(("oracle", "oracledb", "oci"), "oracle"),
    **dict.fromkeys(("clickhouse", "ch", "clickhouse-client"), "clickhouse"),
    "snowflake": "snowflake", "bigquery": "bigquery", "redshift": "redshift", "duckdb": "duckdb",
    "trino": "trino", "presto": "presto", "spark": "spark", "databricks": "databricks", "hive": "hive",
    "athena": "athena", "teradata": "teradata", "doris": "doris", "starrocks": "starrocks",
    "materialize": "materialize", "risingwave": "risingwave", "drill": "drill", "exasol": "exasol",
    "dremio": "dremio", "fabric": "fabric",
    **dict.fromkeys(("cql", "cassandra", "scylla", "scylladb", "cqlsh"), ""),
    "sql": "", "ansi": "", "generic": "",
}

# Scope of a row filter. "all" = every row; anything narrower is "many" (a WHERE we cannot size).
DUMP_HINT = {POSTGRES: "pg_dump -t {name}", "mysql": "mysqldump DATABASE {name}", "sqlite": ".dump {name}"}
LOCAL_SOCKET_HOST = "socket"


def canonical_dialect(name: str | None) -> str | None:
    """The parser for a dialect or scheme name; None when the name is not one we know."""
    if not name:
        return None
    base = name.lower().split("+", 1)[0].removeprefix("jdbc:")
    return DIALECTS.get(base)


# --- where the SQL goes ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DbUrl:
    """A database URL or DSN, without its password."""

    scheme: str
    hosts: tuple[str, ...]
    database: str
    user: str = ""
    path: str = ""  # a file database (sqlite:///x.db, file:x.db)
    port: str = ""  # the first host's port, where one is written

    @property
    def host(self) -> str:
        return ",".join(self.hosts)


def parse_db_url(url: str) -> DbUrl | None:
    """A URL (`postgresql://u:p@h:5432/db`, `mysql+pymysql://…`, `jdbc:…`, `mongodb+srv://h1,h2/db`,
    `sqlite:///x.db`) or a key=value DSN (`host=h dbname=d`); None when it is neither."""
    text = url.strip()
    if not text:
        return None
    if "://" not in text and "=" in text and not text.startswith(("file:", "sqlite:")):
        return parse_dsn(text)
    text = text.removeprefix("jdbc:")
    scheme, sep, rest = text.partition(":")
    if not sep:
        return None
    scheme = scheme.lower()
    if scheme.split("+", 1)[0] in ("sqlite", "sqlite3", "file", "libsql"):
        path = sqlite_path(rest.split("?", 1)[0])
        return DbUrl(scheme=scheme, hosts=("localhost",), database=posixpath.basename(path), path=unquote(path))
    if not rest.startswith("//"):
        return None
    authority, _, tail = rest[2:].partition("/")
    database = unquote(tail.split("?", 1)[0].split("/", 1)[0])
    user = ""
    if "@" in authority:
        credentials, _, authority = authority.rpartition("@")
        user = unquote(credentials.split(":", 1)[0])
    hosts = tuple(host_of(h) for h in authority.split(",") if h)
    query = dict(part.partition("=")[::2] for part in tail.partition("?")[2].split("&") if part)
    if not hosts and query.get("host"):
        hosts = (unquote(query["host"]),)  # postgresql:///db?host=/var/run/postgresql
    return DbUrl(scheme=scheme, hosts=hosts, database=database or unquote(query.get("dbname", "")), user=user,
                 port=port_of_authority(authority.split(",", 1)[0]) or query.get("port", ""))


def port_of_authority(authority: str) -> str:
    """`h:5432` -> 5432; `[::1]:5432` -> 5432; no port -> ''."""
    tail = authority.rsplit("]", 1)[-1] if authority.startswith("[") else authority
    head, colon, port = tail.rpartition(":")
    return port if colon and port.isdigit() and (authority.startswith("[") or ":" not in head) else ""


def sqlite_path(rest: str) -> str:
    """The file of `sqlite:///rel.db` (SQLAlchemy: three slashes relative, four absolute), `sqlite://` (memory),
    `file:./dev.db` and `file:/abs.db` (Prisma, URI filenames)."""
    if rest.startswith("///"):
        return rest[3:] or ":memory:"
    if rest.startswith("//"):
        tail = rest[2:]
        return ":memory:" if not tail else tail[tail.find("/"):] if not tail.startswith("/") and "/" in tail else tail
    return rest or ":memory:"


def host_of(authority: str) -> str:
    """`h:5432` -> h; `[::1]:5432` -> ::1."""
    if authority.startswith("["):
        return authority[1:].split("]", 1)[0]
    return unquote(authority.rsplit(":", 1)[0] if authority.count(":") == 1 else authority)


DSN_PAIR = re.compile(r"""(\w+)\s*=\s*('(?:\\.|[^'])*'|\S+)""")


def parse_dsn(text: str) -> DbUrl | None:
    """libpq `host=h port=5432 dbname=d user=u` (and the Server=…;Database=… of other drivers)."""
    pairs = {k.lower(): v.strip("'") for k, v in DSN_PAIR.findall(text.replace(";", " "))}
    host = pairs.get("host") or pairs.get("hostaddr") or pairs.get("server") or pairs.get("data source") or ""
    database = pairs.get("dbname") or pairs.get("database") or pairs.get("initial catalog") or ""
    if not host and not database:
        return None
    return DbUrl(scheme="dsn", hosts=(host,) if host else (), database=database, user=pairs.get("user", ""),
                 port=pairs.get("port", ""))


def redact_url(url: str) -> str:
    """A URL with its password replaced, for what the verdict records and shows."""
    return re.sub(r"(://[^:/@\s]+):[^@/\s]*@", r"\1:***@", url)


@dataclass(frozen=True, slots=True)
class SqlTarget:
    """The database a client or tool talks to: how it is named in resources, and where it is."""

    host: str  # a host name, "socket" for a local socket, "default" when nothing says
    database: str
    placement: Placement
    dialect: str | None = POSTGRES

    @property
    def file_engine(self) -> bool:
        """The database is a file an engine in the client's own process opens (SQLite, DuckDB): what it reads
        and writes are this machine's files."""
        return self.host in FILE_ENGINES

    @property
    def server(self) -> str:
        return f"sql:{self.host}:" if self.file_engine else f"sql:{self.host}"

    @property
    def prefix(self) -> str:
        if self.file_engine:
            return f"sql:{self.host}:{self.database}"
        return f"{self.server}/{self.database or '?'}"


FILE_ENGINES = frozenset({"sqlite", "duckdb"})


def place_host(host: str | None, environments: Environments, source: str) -> Placement:
    if host and host.startswith("/"):
        return Placement(LOCAL, f"{source} is the local socket directory {host}")
    return environments.host(host, source)


def escalate_by_name(placement: Placement, name: str, environments: Environments, label: str) -> Placement:
    """A database named like prod or staging is that, even on a host that looks local (`app_production` on
    localhost is a copy of production data)."""
    if not name or name == "?":
        return placement
    named = environments.mapped("names", name) or environments.by_name(name)
    if named in ("prod", "staging") and SEVERITY.get(named, 3) > SEVERITY.get(placement.environment, 3):
        return Placement(named, f"{label} {name!r} is named like {named}")
    return placement


def target_from_url(url: str, environments: Environments, source: str = "database URL",
                    workspace: str | None = None, cwd: str | None = None) -> SqlTarget:
    """The target of a connection URL or DSN; an unreadable one is placed `unknown`."""
    parsed = parse_db_url(url)
    dialect = canonical_dialect(parsed.scheme if parsed else None)
    if parsed is None:
        return SqlTarget("?", "?", Placement(UNKNOWN, f"{source} {redact_url(url)!r} cannot be read as a database URL"),
                         dialect)
    if parsed.path or parsed.scheme.split("+", 1)[0] in ("sqlite", "sqlite3", "file"):
        return sqlite_target(parsed.path, environments, workspace, cwd)
    if not parsed.hosts:
        placement = Placement(UNKNOWN, f"{source} names no host: the client's default server could be anything")
        host = "default"
    else:
        placement = environments.url(redact_url(url) if "://" in url else url, source)
        if "://" not in url or placement.environment == UNKNOWN:
            placements = [place_host(h, environments, f"{source} host") for h in parsed.hosts]
            placement = max(placements, key=lambda p: SEVERITY.get(p.environment, 3))
        host = parsed.host
    placement = escalate_by_name(placement, parsed.database, environments, "database")
    return SqlTarget(host, parsed.database or "?", placement, dialect if dialect is not None else POSTGRES)


def sqlite_target(path: str, environments: Environments, workspace: str | None, cwd: str | None) -> SqlTarget:
    if path in ("", ":memory:"):
        return SqlTarget("sqlite", ":memory:", Placement(LOCAL, "an in-memory SQLite database"), "sqlite")
    if not path.startswith("/") and not cwd:
        return SqlTarget("sqlite", path, Placement(UNKNOWN, "a relative SQLite path with no known directory"),
                         "sqlite")
    absolute = posixpath.normpath(posixpath.join(cwd or "/", path))
    return SqlTarget("sqlite", absolute, environments.path(absolute, workspace), "sqlite")


# --- findings ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Finding:
    """One thing one statement does, before it is placed under a target."""

    operation: Operation
    kind: str  # table, rows, column, database, schema, role, function, file, program, ...
    name: str  # the object (schema.table), "" for the current database
    summary: str
    scope: Scope = "one"
    reversible: Reversible = "no"
    data_loss: bool = False
    whole_environment: bool = False
    tags: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()
    evidence: str = ""
    count: int | None = None
    database: str = ""  # another database than the connection's (after USE), "" for the connection's


def read(what: str, evidence: str = "") -> Finding:
    return Finding("read", "database", "", f"reads ({what})", reversible="yes", evidence=evidence)


def not_understood_finding(reason: str, evidence: str = "", tag: str = "sql-parse-error") -> Finding:
    return Finding("unknown", "statement", "", f"not understood: {reason}", reversible="unknown",
                   tags=("not-understood", tag), evidence=evidence)


def backup_hint(dialect: str | None, name: str) -> str:
    template = DUMP_HINT.get(dialect or "", "a backup of {name}")
    return f"back it up first ({template.format(name=name)})"


def rows_finding(operation: Operation, table: str, everything: bool, *, dialect: str | None, evidence: str,
                 limit: int | None = None, verb: str = "") -> Finding:
    """DELETE or UPDATE on a table: every row, or a scoped selection."""
    verb = verb or ("deletes" if operation == "delete" else "changes")
    if everything and limit is None:
        return Finding(
            operation, "rows", table, f"{verb} every row of {table}", scope="all", data_loss=True,
            tags=("all-rows",), evidence=evidence,
            suggestions=(f"add a WHERE clause that names the rows; check it first with SELECT count(*) FROM {table} "
                         "WHERE …", backup_hint(dialect, table)),
        )
    scoped = f"up to {limit} rows" if everything else "the rows its WHERE clause selects"
    return Finding(operation, "rows", table, f"{verb} {scoped} of {table}", scope="many",
                   reversible="no" if operation == "delete" else "unknown", evidence=evidence,
                   suggestions=(f"check the selection first: SELECT count(*) FROM {table} WHERE …",))


def drop_finding(kind: str, name: str, *, cascade: bool, dialect: str | None, evidence: str) -> Finding:
    """DROP of any object: which ones hold data, which are a whole environment."""
    holds_data = kind in DATA_KINDS or cascade
    whole = kind in ("database", "schema", "keyspace")
    tags = ("cascade",) if cascade else ()
    what = f"drops {kind} {name}" + (" and everything that depends on it (CASCADE)" if cascade else "")
    suggestions: tuple[str, ...] = ()
    if kind in ("table", "materialized view"):
        suggestions = (f"rename it instead (ALTER TABLE {name} RENAME TO {name.rsplit('.', 1)[-1]}_old) and drop it "
                       "once nothing needs it", backup_hint(dialect, name))
    elif whole:
        suggestions = (backup_hint(dialect, name),)
    if cascade:
        suggestions = ("drop without CASCADE to see what depends on it", *suggestions)
    return Finding("delete", kind, name, what, scope="many" if cascade or whole else "one", data_loss=holds_data,
                   whole_environment=whole, tags=tags, evidence=evidence, suggestions=suggestions)


DATA_KINDS = frozenset({"table", "database", "schema", "keyspace", "column", "partition", "tablespace",
                        "collection", "foreign table"})

# Server functions whose call does more than compute. Keys are lower-case function names.
EFFECT_FUNCTIONS: dict[str, tuple[Operation, str, str]] = {
    **dict.fromkeys(("pg_terminate_backend", "pg_cancel_backend"),
                    ("host_control", "session", "ends other database sessions")),
    **dict.fromkeys(("pg_reload_conf", "pg_rotate_logfile", "pg_switch_wal", "pg_switch_xlog", "pg_promote",
                     "pg_wal_replay_pause", "pg_wal_replay_resume", "pg_create_restore_point",
                     "pg_backup_start", "pg_backup_stop", "pg_start_backup", "pg_stop_backup"),
                    ("host_control", "server", "controls the database server")),
    **dict.fromkeys(("pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file", "pg_ls_logdir",
                     "pg_ls_waldir", "pg_ls_tmpdir", "pg_ls_archive_statusdir", "lo_import", "pg_file_read",
                     "load_file"),
                    ("secret_read", "file", "reads files of the database server")),
    **dict.fromkeys(("lo_export", "pg_file_write", "pg_file_rename", "pg_file_sync"),
                    ("modify", "file", "writes files on the database server")),
    **dict.fromkeys(("pg_file_unlink", "lo_unlink"), ("delete", "file", "deletes files or large objects")),
    **dict.fromkeys(("dblink_exec", "dblink", "dblink_send_query", "dblink_open"),
                    ("execute_opaque", "code", "runs SQL on another server through dblink")),
    **dict.fromkeys(("sys_exec", "sys_eval", "xp_cmdshell"),
                    ("execute_opaque", "program", "runs an operating-system command on the database server")),
    **dict.fromkeys(("pg_drop_replication_slot", "pg_replication_origin_drop"),
                    ("delete", "replication", "drops a replication slot (replicas fall behind or lose data)")),
    **dict.fromkeys(("pg_create_physical_replication_slot", "pg_create_logical_replication_slot"),
                    ("create", "replication", "creates a replication slot")),
    "setval": ("modify", "sequence", "resets a sequence"),
}


# --- PostgreSQL (pglast) ------------------------------------------------------------------------------------

def pg_findings(text: str) -> list[Finding]:
    from pglast.parser import ParseError, parse_sql_json

    try:
        tree = json.loads(parse_sql_json(text))
    except ParseError as exc:
        return [not_understood_finding(f"the SQL does not parse as PostgreSQL ({exc})", text[:200])]
    except (ValueError, RecursionError, MemoryError) as exc:
        return [not_understood_finding(f"the SQL could not be parsed ({type(exc).__name__})", text[:200])]
    statements = tree.get("stmts", [])
    if len(statements) > MAX_STATEMENTS:
        return [not_understood_finding(f"more than {MAX_STATEMENTS} statements", text[:200], "too-many-statements")]
    encoded = text.encode("utf-8")
    out: list[Finding] = []
    prepared: set[str] = set()
    for raw in statements:
        start = raw.get("stmt_location", 0)
        length = raw.get("stmt_len") or len(encoded) - start
        evidence = encoded[start:start + length].decode("utf-8", "replace").strip()[:200]
        out.extend(PgStatement(evidence, prepared).findings(raw.get("stmt", {})))
    return out


def one_node(node: Any) -> tuple[str, dict[str, Any]]:
    """{"DeleteStmt": {...}} -> ("DeleteStmt", {...})."""
    if isinstance(node, dict) and len(node) == 1:
        (kind, body), = node.items()
        if isinstance(body, dict):
            return kind, body
    return "", {}


def sval(node: Any) -> str:
    kind, body = one_node(node)
    if kind == "String":
        return str(body.get("sval", ""))
    return ""


def qualified(names: Any) -> str:
    """A list of String nodes -> schema.name."""
    if isinstance(names, list):
        return ".".join(s for s in (sval(n) for n in names) if s)
    kind, body = one_node(names)
    if kind == "List":
        return qualified(body.get("items", []))
    if kind == "ObjectWithArgs":
        return qualified(body.get("objname", []))
    if kind == "TypeName":
        return qualified(body.get("names", []))
    return sval(names) or rangevar_name(body if kind == "RangeVar" else names)


def rangevar_name(rv: Any) -> str:
    if not isinstance(rv, dict):
        return ""
    if "RangeVar" in rv:
        rv = rv["RangeVar"]
    parts = [rv.get("schemaname"), rv.get("relname")]
    return ".".join(str(p) for p in parts if p)


def walk_json(node: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every typed node under `node`, bounded."""
    stack = [node]
    seen = 0
    while stack:
        item = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            raise NotUnderstood("the statement is too large to inspect", "too-large")
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(value, dict) and key[:1].isupper():
                    yield key, value
                if isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)


# PostgreSQL's constant truth: True = always true, False = always false, None = depends on the row.
def pg_truth(node: Any, depth: int = 0) -> bool | None:
    if depth > 64:
        return None
    kind, body = one_node(node)
    if kind == "A_Const":
        value = pg_constant(body)
        return None if value is None else bool(value) if not isinstance(value, str) else value not in ("", "0", "f",
                                                                                                         "false")
    if kind == "TypeCast":
        return pg_truth(body.get("arg"), depth + 1)
    if kind == "BoolExpr":
        args = [pg_truth(a, depth + 1) for a in body.get("args", [])]
        op = body.get("boolop")
        if op == "OR_EXPR":
            return True if any(a is True for a in args) else False if all(a is False for a in args) else None
        if op == "AND_EXPR":
            return True if args and all(a is True for a in args) else False if any(a is False for a in args) else None
        if op == "NOT_EXPR" and len(args) == 1 and args[0] is not None:
            return not args[0]
        return None
    if kind == "A_Expr":
        return pg_comparison(body, depth)
    if kind == "NullTest":
        arg_kind, arg = one_node(body.get("arg"))
        if arg_kind == "A_Const":
            is_null = bool(arg.get("isnull"))
            return is_null if body.get("nulltesttype") == "IS_NULL" else not is_null
    return None


def pg_constant(body: dict[str, Any]) -> object:
    if body.get("isnull"):
        return None
    for key in ("ival", "fval", "sval", "boolval", "bsval"):
        if key in body:
            inner = body[key]
            value = inner.get(key, 0 if key in ("ival",) else "" if key in ("sval", "bsval") else False) \
                if isinstance(inner, dict) else inner
            if key == "fval":
                try:
                    return float(value)
                except (TypeError, ValueError):
                    return None
            return value
    return None


COMPARE = {"=": lambda a, b: a == b, "<>": lambda a, b: a != b, "!=": lambda a, b: a != b,
           "<": lambda a, b: a < b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}


def pg_comparison(body: dict[str, Any], depth: int) -> bool | None:
    op = "".join(sval(n) for n in body.get("name", []))
    left_kind, left = one_node(body.get("lexpr"))
    right_kind, right = one_node(body.get("rexpr"))
    kind = body.get("kind")
    if kind == "AEXPR_LIKE" and right_kind == "A_Const" and op in ("~~", "~~*"):
        pattern = pg_constant(right)
        return True if isinstance(pattern, str) and pattern and set(pattern) == {"%"} else None
    if kind == "AEXPR_OP" and op == "=" and left_kind == right_kind == "ColumnRef" and \
            left.get("fields") == right.get("fields"):
        return True  # x = x: every row where x is not null
    if kind == "AEXPR_OP" and op in COMPARE and left_kind in ("A_Const", "TypeCast") and \
            right_kind in ("A_Const", "TypeCast"):
        a, b = pg_const_value(body.get("lexpr")), pg_const_value(body.get("rexpr"))
        if a is None or b is None:
            return None
        try:
            return bool(COMPARE[op](*coerce_pair(a, b)))
        except TypeError:
            return None
    return None


def pg_const_value(node: Any) -> object:
    kind, body = one_node(node)
    if kind == "TypeCast":
        return pg_const_value(body.get("arg"))
    return pg_constant(body) if kind == "A_Const" else None


def coerce_pair(a: object, b: object) -> tuple[Any, Any]:
    """'1' = 1 compares as numbers, as the server would."""
    if isinstance(a, str) != isinstance(b, str):
        try:
            return float(a), float(b)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return str(a), str(b)
    return a, b


class PgStatement:
    """Findings of one PostgreSQL statement. Handlers are looked up by node type (`DeleteStmt` -> `delete`)."""

    def __init__(self, evidence: str, prepared: set[str]) -> None:
        self.evidence = evidence
        self.prepared = prepared

    def findings(self, node: Any) -> list[Finding]:
        kind, body = one_node(node)
        if not kind:
            return []
        handler = PG_HANDLERS.get(kind)
        if handler is not None:
            out: list[Finding] = handler(self, body)
            return out
        if kind in PG_SESSION:
            return []
        return self.by_name(kind)

    def by_name(self, kind: str) -> list[Finding]:
        """Statements without a handler of their own: CREATE… creates, ALTER… modifies, DROP… deletes."""
        what = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", kind.removesuffix("Stmt")).lower()
        if kind.startswith(("Create", "Define", "Import")):
            return [Finding("create", "object", "", f"creates ({what})", reversible="yes", evidence=self.evidence)]
        if kind.startswith(("Alter", "Comment", "SecLabel", "Refresh", "Rename")):
            return [Finding("modify", "object", "", f"changes ({what})", reversible="unknown", evidence=self.evidence)]
        if kind.startswith("Drop"):
            return [Finding("delete", "object", "", f"drops ({what})", evidence=self.evidence)]
        return [not_understood_finding(f"a {what} statement is not understood", self.evidence, "sql-unknown")]

    # --- data -------------------------------------------------------------------------------------------
    def select(self, body: dict[str, Any]) -> list[Finding]:
        out = self.nested(body)
        into = body.get("intoClause")
        if into:
            name = rangevar_name(into.get("rel"))
            out.append(Finding("create", "table", name, f"creates table {name} from a query (SELECT … INTO)",
                               reversible="yes", evidence=self.evidence))
        return out or [read("SELECT", self.evidence)]

    def nested(self, body: dict[str, Any]) -> list[Finding]:
        """Data-changing CTEs and server functions with effects, anywhere inside a statement."""
        out: list[Finding] = []
        for kind, node in walk_json(body):
            if kind == "CommonTableExpr":
                query_kind, _ = one_node(node.get("ctequery"))
                if query_kind in ("DeleteStmt", "UpdateStmt", "InsertStmt", "MergeStmt"):
                    out.extend(self.findings(node.get("ctequery")))
            elif kind == "FuncCall":
                out.extend(self.function(qualified(node.get("funcname", []))))
        return out

    def function(self, name: str) -> list[Finding]:
        short = name.rsplit(".", 1)[-1].lower()
        known = EFFECT_FUNCTIONS.get(short)
        if known is None:
            return []
        operation, _, what = known
        return [Finding(operation, "function", short, f"calls {short}(): {what}", reversible="unknown",
                        tags=("server-function",), evidence=self.evidence)]

    def insert(self, body: dict[str, Any]) -> list[Finding]:
        table = rangevar_name(body.get("relation"))
        upsert = (body.get("onConflictClause") or {}).get("action") == "ONCONFLICT_UPDATE"
        found = Finding("modify" if upsert else "create", "rows", table,
                        f"{'inserts or updates' if upsert else 'inserts'} rows into {table}",
                        scope="many", reversible="unknown" if upsert else "yes", evidence=self.evidence)
        return [found, *self.nested(body)]

    def update(self, body: dict[str, Any]) -> list[Finding]:
        table = rangevar_name(body.get("relation"))
        where = body.get("whereClause")
        everything = where is None or pg_truth(where) is True or run_time_part(json.dumps(where))
        return [rows_finding("modify", table, everything, dialect=POSTGRES, evidence=self.evidence),
                *self.nested(body)]

    def delete(self, body: dict[str, Any]) -> list[Finding]:
        table = rangevar_name(body.get("relation"))
        where = body.get("whereClause")
        everything = where is None or pg_truth(where) is True or run_time_part(json.dumps(where))
        return [rows_finding("delete", table, everything, dialect=POSTGRES, evidence=self.evidence),
                *self.nested(body)]

    def merge(self, body: dict[str, Any]) -> list[Finding]:
        table = rangevar_name(body.get("relation"))
        out: list[Finding] = []
        for clause in body.get("mergeWhenClauses", []):
            command = one_node(clause)[1].get("commandType")
            if command == "CMD_DELETE":
                out.append(rows_finding("delete", table, False, dialect=POSTGRES, evidence=self.evidence,
                                        verb="deletes (MERGE)"))
            elif command == "CMD_UPDATE":
                out.append(rows_finding("modify", table, False, dialect=POSTGRES, evidence=self.evidence,
                                        verb="changes (MERGE)"))
            elif command == "CMD_INSERT":
                out.append(Finding("create", "rows", table, f"inserts rows into {table} (MERGE)", scope="many",
                                   reversible="yes", evidence=self.evidence))
        return out + self.nested(body)

    def truncate(self, body: dict[str, Any]) -> list[Finding]:
        cascade = body.get("behavior") == "DROP_CASCADE"
        out = []
        for rv in body.get("relations", []):
            name = rangevar_name(rv)
            out.append(Finding(
                "delete", "rows", name, f"empties {name} (TRUNCATE)" + (" and every table that references it"
                                                                         if cascade else ""),
                scope="all", data_loss=True, tags=("truncate", *(("cascade",) if cascade else ())),
                evidence=self.evidence,
                suggestions=(f"delete the rows you mean: DELETE FROM {name} WHERE …", backup_hint(POSTGRES, name))))
        return out

    def copy(self, body: dict[str, Any]) -> list[Finding]:
        table = rangevar_name(body.get("relation")) or "a query"
        filename = body.get("filename")
        if body.get("is_program"):
            return [Finding("execute_opaque", "program", str(filename or ""),
                            f"runs the shell command {filename!r} on the database server (COPY … PROGRAM)",
                            reversible="unknown", tags=("server-program",), evidence=self.evidence,
                            suggestions=("run the command where it can be checked, and COPY from STDIN instead",))]
        if filename is None:
            if body.get("is_from"):
                return [Finding("create", "rows", table, f"loads rows into {table} from the client (COPY FROM STDIN)",
                                scope="many", reversible="yes", evidence=self.evidence)]
            return [read(f"COPY {table} TO STDOUT", self.evidence), *self.nested(body)]
        path = str(filename)
        if body.get("is_from"):
            secret = secret_kind(path, None)
            operation: Operation = "secret_read" if secret or not path.startswith("/tmp/") else "read"
            return [Finding(operation, "file", path, f"reads the server file {path} into {table}",
                            reversible="yes", tags=("server-file",), evidence=self.evidence),
                    Finding("create", "rows", table, f"loads rows into {table} from a server file", scope="many",
                            reversible="yes", evidence=self.evidence)]
        return [Finding("modify", "file", path, f"writes the server file {path} (COPY … TO)", reversible="no",
                        tags=("server-file", "overwrite"), evidence=self.evidence), *self.nested(body)]

    def explain(self, body: dict[str, Any]) -> list[Finding]:
        analyze = any(one_node(o)[1].get("defname") == "analyze" and
                      pg_truth_default(one_node(o)[1].get("arg")) for o in body.get("options", []))
        if analyze:
            return [replace(f, summary=f"{f.summary} (EXPLAIN ANALYZE runs it)") for f in self.findings(body.get("query"))]
        return [read("EXPLAIN", self.evidence)]

    def prepare(self, body: dict[str, Any]) -> list[Finding]:
        self.prepared.add(str(body.get("name", "")))
        return [f for f in self.findings(body.get("query")) if f.operation != "read"]

    def execute(self, body: dict[str, Any]) -> list[Finding]:
        if str(body.get("name", "")) in self.prepared:
            return []
        return [not_understood_finding(f"EXECUTE of a statement prepared elsewhere ({body.get('name')})",
                                       self.evidence, "sql-unknown")]

    # --- schema -----------------------------------------------------------------------------------------
    def drop(self, body: dict[str, Any]) -> list[Finding]:
        kind = PG_OBJECT_KINDS.get(str(body.get("removeType", "")), "object")
        cascade = body.get("behavior") == "DROP_CASCADE"
        out = []
        for obj in body.get("objects", []):
            name = qualified(obj)
            if kind == "policy":
                out.append(Finding("permission", "policy", name, f"drops row-level security policy {name}",
                                   evidence=self.evidence))
                continue
            out.append(drop_finding(kind, name, cascade=cascade, dialect=POSTGRES, evidence=self.evidence))
        return out

    def dropdb(self, body: dict[str, Any]) -> list[Finding]:
        name = str(body.get("dbname", ""))
        return [drop_finding("database", name, cascade=False, dialect=POSTGRES, evidence=self.evidence)]

    def alter_table(self, body: dict[str, Any]) -> list[Finding]:
        table = rangevar_name(body.get("relation"))
        out: list[Finding] = []
        for cmd in body.get("cmds", []):
            _, c = one_node(cmd)
            out.append(self.alter_command(table, c))
        return out

    def alter_command(self, table: str, c: dict[str, Any]) -> Finding:
        subtype = str(c.get("subtype", ""))
        name = str(c.get("name", ""))
        cascade = c.get("behavior") == "DROP_CASCADE"
        ev = self.evidence
        if subtype == "AT_DropColumn":
            return Finding("delete", "column", f"{table}.{name}",
                           f"drops column {name} of {table} and its data" + (" (CASCADE)" if cascade else ""),
                           data_loss=True, tags=("cascade",) if cascade else (), evidence=ev,
                           suggestions=(f"stop using the column first and keep a copy: CREATE TABLE {table}_{name}"
                                        f"_backup AS SELECT id, {name} FROM {table}",))
        if subtype == "AT_DropConstraint":
            # a constraint holds no data, but removing it lets bad data in: a delete, not data loss
            return Finding("delete", "constraint", f"{table}.{name}", f"drops constraint {name} of {table}",
                           reversible="yes", tags=("cascade",) if cascade else (), evidence=ev)
        if subtype in ("AT_DetachPartition", "AT_DetachPartitionFinalize"):
            return Finding("modify", "table", table, f"detaches a partition from {table}", reversible="yes",
                           evidence=ev)
        if subtype in ("AT_DisableRowSecurity", "AT_NoForceRowSecurity", "AT_ChangeOwner"):
            return Finding("permission", "table", table, f"changes who can see {table} ({subtype[3:]})", evidence=ev)
        if subtype == "AT_AlterColumnType":
            return Finding("modify", "column", f"{table}.{name}", f"changes the type of {table}.{name} (rewrites "
                           "the table; a narrower type can lose data)", reversible="unknown", tags=("rewrite",),
                           evidence=ev)
        if subtype.startswith("AT_Add"):
            return Finding("modify", "table", table, f"adds to {table} ({subtype[6:].lower() or 'column'})",
                           reversible="yes", evidence=ev)
        if name and subtype in COLUMN_CHANGES:
            return Finding("modify", "column", f"{table}.{name}", f"changes column {name} of {table} "
                           f"({subtype[3:]})", reversible="unknown", evidence=ev)
        return Finding("modify", "table", table, f"changes {table} ({subtype[3:] or 'ALTER TABLE'})",
                       reversible="unknown", evidence=ev)

    def create_table(self, body: dict[str, Any]) -> list[Finding]:
        name = rangevar_name(body.get("relation"))
        return [Finding("create", "table", name, f"creates table {name}", reversible="yes", evidence=self.evidence)]

    def create_table_as(self, body: dict[str, Any]) -> list[Finding]:
        name = rangevar_name((body.get("into") or {}).get("rel"))
        return [Finding("create", "table", name, f"creates {name} from a query", reversible="yes",
                        evidence=self.evidence), *self.nested(body.get("query") or {})]

    def index(self, body: dict[str, Any]) -> list[Finding]:
        table = rangevar_name(body.get("relation"))
        name = str(body.get("idxname") or f"on {table}")
        return [Finding("create", "index", name, f"creates index {name} on {table}", reversible="yes",
                        tags=("concurrently",) if body.get("concurrent") else ("locks-writes",),
                        evidence=self.evidence)]

    def view(self, body: dict[str, Any]) -> list[Finding]:
        name = rangevar_name(body.get("view"))
        replaces = bool(body.get("replace"))
        return [Finding("modify" if replaces else "create", "view", name,
                        f"{'replaces' if replaces else 'creates'} view {name}", reversible="yes",
                        evidence=self.evidence), *self.nested(body.get("query") or {})]

    def rule(self, body: dict[str, Any]) -> list[Finding]:
        table = rangevar_name(body.get("relation"))
        name = str(body.get("rulename", ""))
        return [Finding("create", "rule", f"{table}.{name}", f"creates rule {name} on {table}: statements that run "
                        f"whenever {table} is used", reversible="unknown", tags=("stored-code",),
                        evidence=self.evidence)]

    def composite_type(self, body: dict[str, Any]) -> list[Finding]:
        name = rangevar_name(body.get("typevar"))
        return [Finding("create", "type", name, f"creates type {name}", reversible="yes", evidence=self.evidence)]

    def create_function(self, body: dict[str, Any]) -> list[Finding]:
        name = qualified(body.get("funcname", []))
        language = ""
        for option in body.get("options", []):
            o = one_node(option)[1]
            if o.get("defname") == "language":
                language = sval(o.get("arg")).lower()
        if language in UNTRUSTED_LANGUAGES:
            return [Finding("execute_opaque", "function", name,
                            f"creates function {name} in {language}, which runs with the server's operating-system "
                            "rights", reversible="unknown", tags=("untrusted-language",), evidence=self.evidence)]
        replaces = bool(body.get("replace"))
        return [Finding("modify" if replaces else "create", "function", name,
                        f"{'replaces' if replaces else 'creates'} function {name} (stored code, run later)",
                        reversible="unknown", tags=("stored-code",), evidence=self.evidence)]

    def do(self, body: dict[str, Any]) -> list[Finding]:
        """A PL/pgSQL block is followed statement by statement (its EXECUTEs where their text can be put
        together); a block in another language, or one with a statement it cannot follow, is opaque code."""
        options = {str(one_node(a)[1].get("defname")): sval(one_node(a)[1].get("arg")) for a in body.get("args", [])}
        if options.get("language", "plpgsql").lower() == "plpgsql" and "as" in options:
            found = PlpgsqlBlock(self.evidence).findings(options["as"])
            if found is not None:
                return found
        return [Finding("execute_opaque", "code", "", "runs an anonymous code block (DO): its effects are not read",
                        reversible="unknown", tags=("sql-code-block",), evidence=self.evidence,
                        suggestions=("run the statements of the block directly so that each can be checked",))]

    def call(self, body: dict[str, Any]) -> list[Finding]:
        name = qualified((body.get("funccall") or {}).get("funcname", []))
        return [Finding("unknown", "procedure", name, f"calls the stored procedure {name}: its effects are not read",
                        reversible="unknown", evidence=self.evidence)]

    def rename(self, body: dict[str, Any]) -> list[Finding]:
        kind = PG_OBJECT_KINDS.get(str(body.get("renameType", "")), "object")
        name = rangevar_name(body.get("relation")) or qualified(body.get("object")) or str(body.get("subname", ""))
        return [Finding("modify", kind, name, f"renames {kind} {name} to {body.get('newname')} (code that uses the "
                        "old name breaks)", reversible="yes", tags=("rename",), evidence=self.evidence)]

    # --- roles and permissions --------------------------------------------------------------------------
    def grant(self, body: dict[str, Any]) -> list[Finding]:
        verb = "grants" if body.get("is_grant") else "revokes"
        grantees = [role_name(g) for g in body.get("grantees", [])]
        privileges = [one_node(p)[1].get("priv_name", "") for p in body.get("privileges", [])] or ["ALL"]
        objects = ", ".join(qualified(o) for o in body.get("objects", [])[:5])
        wide = body.get("targtype") == "ACL_TARGET_ALL_IN_SCHEMA" or "PUBLIC" in grantees
        return [Finding("permission", "role", g, f"{verb} {', '.join(str(p) for p in privileges)} on {objects} "
                        f"{'to' if verb == 'grants' else 'from'} {g}", scope="many" if wide else "one",
                        reversible="yes", evidence=self.evidence) for g in grantees or ["?"]]

    def grant_role(self, body: dict[str, Any]) -> list[Finding]:
        verb = "grants" if body.get("is_grant") else "revokes"
        roles = [one_node(r)[1].get("priv_name", "") for r in body.get("granted_roles", [])]
        return [Finding("permission", "role", role_name(g), f"{verb} role {', '.join(map(str, roles))} "
                        f"{'to' if verb == 'grants' else 'from'} {role_name(g)}", reversible="yes",
                        evidence=self.evidence) for g in body.get("grantee_roles", [])]

    def role(self, body: dict[str, Any]) -> list[Finding]:
        name = body.get("role")
        role = name if isinstance(name, str) else role_name({"RoleSpec": name}) if isinstance(name, dict) else "?"
        tags: list[str] = []
        for option in body.get("options", []):
            o = one_node(option)[1]
            defname = o.get("defname", "")
            enabled = pg_truth_default(o.get("arg"))
            if defname in POWERFUL_ROLE_OPTIONS and enabled:
                tags.append(defname)
            elif defname == "password":
                tags.append("password")
        creating = isinstance(name, str)  # CREATE ROLE names the role; ALTER ROLE points at a RoleSpec
        verb = "creates" if creating else "changes"
        powers = f" with {', '.join(t for t in tags if t != 'password')}" if any(t != "password" for t in tags) else ""
        password = " and sets its password" if "password" in tags else ""
        return [Finding("permission", "role", str(role), f"{verb} role {role}{powers}{password}", reversible="yes",
                        tags=tuple(("superuser" if t in POWERFUL_ROLE_OPTIONS else t) for t in tags),
                        evidence=self.evidence)]

    def drop_role(self, body: dict[str, Any]) -> list[Finding]:
        return [Finding("permission", "role", role_name(r), f"drops role {role_name(r)}", tags=("drop-role",),
                        evidence=self.evidence) for r in body.get("roles", [])]

    def drop_owned(self, body: dict[str, Any]) -> list[Finding]:
        roles = ", ".join(role_name(r) for r in body.get("roles", []))
        return [Finding("delete", "schema", "", f"drops every object owned by {roles} (DROP OWNED)", scope="all",
                        data_loss=True, evidence=self.evidence)]

    def owner(self, body: dict[str, Any]) -> list[Finding]:
        return [Finding("permission", "object", qualified(body.get("object")) or rangevar_name(body.get("relation")),
                        "changes an owner (who controls the object)", reversible="yes", evidence=self.evidence)]

    def policy(self, body: dict[str, Any]) -> list[Finding]:
        name = str(body.get("policy_name", ""))
        return [Finding("permission", "policy", name, f"sets row-level security policy {name}", reversible="yes",
                        evidence=self.evidence)]

    # --- server ------------------------------------------------------------------------------------------
    def alter_system(self, body: dict[str, Any]) -> list[Finding]:
        return [Finding("host_control", "server", "", "changes the server's configuration (ALTER SYSTEM)",
                        reversible="yes", evidence=self.evidence)]

    def load(self, body: dict[str, Any]) -> list[Finding]:
        return [Finding("execute_opaque", "library", str(body.get("filename", "")), "loads a shared library into the "
                        "server process (LOAD)", reversible="unknown", evidence=self.evidence)]

    def maintenance(self, body: dict[str, Any]) -> list[Finding]:
        return [Finding("modify", "database", "", f"runs maintenance ({self.evidence.split(None, 1)[0].upper()})",
                        reversible="yes", tags=("maintenance",), evidence=self.evidence)]

    def createdb(self, body: dict[str, Any]) -> list[Finding]:
        name = str(body.get("dbname", ""))
        return [Finding("create", "database", name, f"creates database {name}", reversible="yes",
                        evidence=self.evidence)]

    def create_schema(self, body: dict[str, Any]) -> list[Finding]:
        name = str(body.get("schemaname", ""))
        out = [Finding("create", "schema", name, f"creates schema {name}", reversible="yes", evidence=self.evidence)]
        for element in body.get("schemaElts", []):
            out.extend(self.findings(element))
        return out

    def declare(self, body: dict[str, Any]) -> list[Finding]:
        return [f for f in self.findings(body.get("query")) if f.operation != "read"]


# --- PL/pgSQL (DO blocks) -------------------------------------------------------------------------------------

class Opaque(Exception):
    """A PL/pgSQL statement or expression that cannot be followed: the whole block stays opaque."""


MAX_BLOCK_DEPTH = 32


class PlpgsqlBlock:
    """What the statements of a DO block do: its SQL statements as SQL, each EXECUTE by the text it puts
    together (the parts only known at run time stand as one identifier), control flow entered on every
    branch. Handlers are looked up by statement type (`PLpgSQL_stmt_if` -> `branches`)."""

    def __init__(self, evidence: str) -> None:
        self.evidence = evidence
        self.out: list[Finding] = []
        self.depth = 0

    def findings(self, code: str) -> list[Finding] | None:
        from pglast.parser import ParseError, parse_plpgsql_json

        tag = next(f"$cg{i}$" for i in range(1000) if f"$cg{i}$" not in code)
        try:
            functions = json.loads(parse_plpgsql_json(
                f"CREATE FUNCTION pg_temp.changegate_do() RETURNS void LANGUAGE plpgsql AS {tag}{code}{tag}"))
            for function in functions:
                self.statements([(function.get("PLpgSQL_function") or {}).get("action")])
        except (Opaque, ParseError, ValueError, RecursionError, NotUnderstood):
            return None
        return [replace(f, summary=f"{f.summary} (in a DO block)", evidence=self.evidence,
                        tags=(*f.tags, "sql-code-block")) for f in self.out]

    def statements(self, items: Any) -> None:
        self.depth += 1
        if self.depth > MAX_BLOCK_DEPTH:
            raise Opaque("nested too deeply")
        for item in items or []:
            kind, body = one_node(item)
            handler = PLPGSQL_STATEMENTS.get(kind)
            if handler is None:
                raise Opaque(kind)
            handler(self, body)
        self.depth -= 1

    # --- what the statements hold ---------------------------------------------------------------------------
    def sql(self, expr: Any) -> None:
        query = str((one_node(expr)[1]).get("query", ""))
        found = pg_findings(query)
        if any(f.operation == "unknown" for f in found):
            raise Opaque(query)
        self.out.extend(f for f in found if f.operation != "read")

    def expression(self, expr: Any) -> None:
        """A condition or an assigned value: what the functions it calls do."""
        if expr is None:
            return
        body = one_node(expr)[1]
        query = str(body.get("query", ""))
        if body.get("parseMode") == 3:  # `v := value`
            query = query.split(":=", 1)[1] if ":=" in query else query.split("=", 1)[-1]
        self.sql({"PLpgSQL_expr": {"query": f"SELECT {query}"}})

    def dynamic(self, expr: Any) -> None:
        """EXECUTE of a text put together: the text, with the parts only known at run time as one name."""
        from pglast.parser import ParseError, parse_sql_json

        query = str(one_node(expr)[1].get("query", ""))
        try:
            select = one_node(json.loads(parse_sql_json(f"SELECT {query}"))["stmts"][0]["stmt"])[1]
        except (ParseError, ValueError, KeyError, IndexError) as exc:
            raise Opaque(query) from exc
        targets = select.get("targetList") or []
        text = fold_text(one_node(targets[0])[1].get("val")) if len(targets) == 1 else DYNAMIC_WORD
        if not text.replace(DYNAMIC_WORD, "").strip():
            raise Opaque(query)  # nothing of the statement is known
        found = pg_findings(text)
        if any(f.operation == "unknown" for f in found):
            raise Opaque(query)
        self.out.extend(run_time_names(f) for f in found if f.operation != "read")

    # --- the statement types -----------------------------------------------------------------------------
    def block(self, body: dict[str, Any]) -> None:
        self.statements(body.get("body"))
        handlers = one_node(body.get("exceptions"))[1].get("exc_list", []) if body.get("exceptions") else []
        for handler in handlers:
            self.statements(one_node(handler)[1].get("action"))

    def execsql(self, body: dict[str, Any]) -> None:
        self.sql(body.get("sqlstmt"))

    def perform(self, body: dict[str, Any]) -> None:
        self.sql(body.get("expr"))

    def assign(self, body: dict[str, Any]) -> None:
        self.expression(body.get("expr"))

    def branches(self, body: dict[str, Any]) -> None:
        """IF, CASE and the loops: every condition and every branch."""
        for key in ("cond", "t_expr", "expr", "lower", "upper", "step"):
            self.expression(body.get(key))
        if body.get("query"):
            self.sql(body["query"])
        for key in ("then_body", "else_body", "body", "else_stmts"):
            self.statements(body.get(key))
        for branch in [*body.get("elsif_list", []), *body.get("case_when_list", [])]:
            inner = one_node(branch)[1]
            self.expression(inner.get("cond") or inner.get("expr"))
            self.statements(inner.get("stmts"))

    def dynexecute(self, body: dict[str, Any]) -> None:
        self.dynamic(body.get("query"))
        for param in body.get("params", []):
            self.expression(param)
        self.statements(body.get("body"))

    def raise_(self, body: dict[str, Any]) -> None:
        for param in body.get("params", []):
            self.expression(param)

    def assert_(self, body: dict[str, Any]) -> None:
        self.expression(body.get("cond"))
        self.expression(body.get("message"))

    def returns(self, body: dict[str, Any]) -> None:
        self.expression(body.get("expr"))
        if body.get("query"):
            self.sql(body["query"])
        if body.get("dynquery"):
            self.dynamic(body["dynquery"])

    def nothing(self, body: dict[str, Any]) -> None:
        """Transaction control and diagnostics: no effect of their own."""


PLPGSQL_STATEMENTS: dict[str, Any] = {
    "PLpgSQL_stmt_block": PlpgsqlBlock.block, "PLpgSQL_stmt_execsql": PlpgsqlBlock.execsql,
    "PLpgSQL_stmt_perform": PlpgsqlBlock.perform, "PLpgSQL_stmt_call": PlpgsqlBlock.perform,
    "PLpgSQL_stmt_assign": PlpgsqlBlock.assign, "PLpgSQL_stmt_dynexecute": PlpgsqlBlock.dynexecute,
    "PLpgSQL_stmt_dynfors": PlpgsqlBlock.dynexecute, "PLpgSQL_stmt_raise": PlpgsqlBlock.raise_,
    "PLpgSQL_stmt_assert": PlpgsqlBlock.assert_, "PLpgSQL_stmt_return": PlpgsqlBlock.returns,
    "PLpgSQL_stmt_return_next": PlpgsqlBlock.returns, "PLpgSQL_stmt_return_query": PlpgsqlBlock.returns,
    "PLpgSQL_stmt_exit": PlpgsqlBlock.branches,
    **dict.fromkeys(("PLpgSQL_stmt_if", "PLpgSQL_stmt_case", "PLpgSQL_stmt_loop", "PLpgSQL_stmt_while",
                     "PLpgSQL_stmt_fori", "PLpgSQL_stmt_fors", "PLpgSQL_stmt_foreach_a"), PlpgsqlBlock.branches),
    **dict.fromkeys(("PLpgSQL_stmt_commit", "PLpgSQL_stmt_rollback", "PLpgSQL_stmt_getdiag"), PlpgsqlBlock.nothing),
}


def fold_text(node: Any, depth: int = 0) -> str:
    """The text an expression puts together: string constants joined by `||`, concat() and format();
    every other part (a variable, a query) is DYNAMIC_WORD."""
    if depth > 32:
        return DYNAMIC_WORD
    kind, body = one_node(node)
    if kind == "A_Const":
        value = pg_constant(body)
        return DYNAMIC_WORD if value is None else str(value)
    if kind == "TypeCast":
        return fold_text(body.get("arg"), depth + 1)
    if kind == "A_Expr" and "".join(sval(n) for n in body.get("name", [])) == "||":
        return fold_text(body.get("lexpr"), depth + 1) + fold_text(body.get("rexpr"), depth + 1)
    if kind == "FuncCall":
        name = qualified(body.get("funcname", [])).rsplit(".", 1)[-1].lower()
        args = [fold_text(a, depth + 1) for a in body.get("args", [])]
        if name == "concat":
            return "".join(args)
        if name in ("quote_ident", "quote_literal", "quote_nullable") and len(args) == 1:
            return args[0] if name == "quote_ident" else f"'{args[0]}'"
        if name == "format" and args:
            return format_text(args[0], args[1:])
    return DYNAMIC_WORD


FORMAT_SPEC = re.compile(r"%(?:(\d+)\$)?([sIL%])")


def format_text(template: str, args: list[str]) -> str:
    """format()'s %s, %I, %L and %n$ positions filled with the folded arguments."""
    position = iter(range(len(args) + 1))

    def fill(match: re.Match[str]) -> str:
        if match.group(2) == "%":
            return "%"
        index = int(match.group(1)) - 1 if match.group(1) else next(position, len(args))
        value = args[index] if 0 <= index < len(args) else DYNAMIC_WORD
        return f"'{value}'" if match.group(2) == "L" else value

    return template if DYNAMIC_WORD in template and "%" not in template else FORMAT_SPEC.sub(fill, template)


def role_name(node: Any) -> str:
    _, body = one_node(node)
    if body.get("roletype") == "ROLESPEC_PUBLIC":
        return "PUBLIC"
    return str(body.get("rolename") or body.get("roletype", "?")).removeprefix("ROLESPEC_").lower()


def pg_truth_default(arg: Any) -> bool:
    """A DefElem flag with no argument is on (`SUPERUSER`, `EXPLAIN (ANALYZE)`)."""
    if arg is None:
        return True
    kind, body = one_node(arg)
    if kind == "Boolean":
        return bool(body.get("boolval"))
    if kind == "String":
        return str(body.get("sval", "")).lower() not in ("false", "off", "0", "no")
    if kind == "Integer":
        return bool(body.get("ival"))
    return True


COLUMN_CHANGES = frozenset({"AT_DropNotNull", "AT_SetNotNull", "AT_ColumnDefault", "AT_SetStatistics",
                            "AT_SetStorage", "AT_SetCompression", "AT_DropIdentity", "AT_AddIdentity",
                            "AT_SetIdentity", "AT_DropExpression", "AT_SetExpression", "AT_SetOptions",
                            "AT_ResetOptions", "AT_AlterColumnGenericOptions"})
POWERFUL_ROLE_OPTIONS = frozenset({"superuser", "createrole", "bypassrls", "isreplication", "replication"})
UNTRUSTED_LANGUAGES = frozenset({"c", "internal", "plpythonu", "plpython2u", "plpython3u", "plperlu", "pltclu",
                                 "plsh", "plrustu"})
PG_OBJECT_KINDS = {
    "OBJECT_TABLE": "table", "OBJECT_VIEW": "view", "OBJECT_MATVIEW": "materialized view", "OBJECT_INDEX": "index",
    "OBJECT_SEQUENCE": "sequence", "OBJECT_SCHEMA": "schema", "OBJECT_FUNCTION": "function",
    "OBJECT_PROCEDURE": "procedure", "OBJECT_ROUTINE": "routine", "OBJECT_TYPE": "type", "OBJECT_DOMAIN": "domain",
    "OBJECT_EXTENSION": "extension", "OBJECT_TRIGGER": "trigger", "OBJECT_POLICY": "policy", "OBJECT_RULE": "rule",
    "OBJECT_FOREIGN_TABLE": "foreign table", "OBJECT_DATABASE": "database", "OBJECT_COLUMN": "column",
    "OBJECT_PUBLICATION": "publication", "OBJECT_TABLESPACE": "tablespace", "OBJECT_ROLE": "role",
    "OBJECT_EVENT_TRIGGER": "event trigger", "OBJECT_FOREIGN_SERVER": "foreign server",
    "OBJECT_STATISTIC_EXT": "statistics", "OBJECT_COLLATION": "collation", "OBJECT_AGGREGATE": "aggregate",
    "OBJECT_TABCONSTRAINT": "constraint",
}
# Session and transaction control: no effect of their own.
PG_SESSION = frozenset({"TransactionStmt", "VariableSetStmt", "VariableShowStmt", "DiscardStmt", "DeallocateStmt",
                        "ListenStmt", "UnlistenStmt", "FetchStmt", "ClosePortalStmt", "ConstraintsSetStmt",
                        "CheckPointStmt", "NotifyStmt"})
PG_HANDLERS: dict[str, Any] = {
    "SelectStmt": PgStatement.select, "InsertStmt": PgStatement.insert, "UpdateStmt": PgStatement.update,
    "DeleteStmt": PgStatement.delete, "MergeStmt": PgStatement.merge, "TruncateStmt": PgStatement.truncate,
    "CopyStmt": PgStatement.copy, "ExplainStmt": PgStatement.explain, "PrepareStmt": PgStatement.prepare,
    "ExecuteStmt": PgStatement.execute, "DeclareCursorStmt": PgStatement.declare,
    "DropStmt": PgStatement.drop, "DropdbStmt": PgStatement.dropdb, "AlterTableStmt": PgStatement.alter_table,
    "CreateStmt": PgStatement.create_table, "CreateTableAsStmt": PgStatement.create_table_as,
    "CreateFunctionStmt": PgStatement.create_function, "DoStmt": PgStatement.do, "CallStmt": PgStatement.call,
    "RenameStmt": PgStatement.rename, "GrantStmt": PgStatement.grant, "GrantRoleStmt": PgStatement.grant_role,
    "CreateRoleStmt": PgStatement.role, "AlterRoleStmt": PgStatement.role, "DropRoleStmt": PgStatement.drop_role,
    "DropOwnedStmt": PgStatement.drop_owned, "AlterOwnerStmt": PgStatement.owner,
    "ReassignOwnedStmt": PgStatement.owner, "AlterDefaultPrivilegesStmt": PgStatement.owner,
    "CreatePolicyStmt": PgStatement.policy, "AlterPolicyStmt": PgStatement.policy,
    "AlterSystemStmt": PgStatement.alter_system, "LoadStmt": PgStatement.load,
    "VacuumStmt": PgStatement.maintenance, "ClusterStmt": PgStatement.maintenance,
    "ReindexStmt": PgStatement.maintenance, "LockStmt": PgStatement.maintenance,
    "CreatedbStmt": PgStatement.createdb, "CreateSchemaStmt": PgStatement.create_schema,
    "IndexStmt": PgStatement.index, "ViewStmt": PgStatement.view, "RuleStmt": PgStatement.rule,
    "CompositeTypeStmt": PgStatement.composite_type, "SetOperationStmt": PgStatement.select,
    "ReplicaIdentityStmt": PgStatement.maintenance,
}


# --- other dialects (sqlglot) ---------------------------------------------------------------------------------

def split_sql(text: str, dialect: str = "") -> list[str]:
    """Statements of a script, split at `;` outside quotes and comments (and at a T-SQL `GO` line). Comment
    rules follow the dialect, because a comment the server does not see as one could hide a statement:
    MySQL's `--` needs a space after it and `#` starts a comment; elsewhere `#` is an identifier (T-SQL #temp)."""
    mysql = dialect == "mysql"
    dollar_quotes = dialect in ("", POSTGRES, "redshift", "duckdb", "materialize", "risingwave")
    out: list[str] = []
    start = 0
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c in "'\"`":
            i = skip_quoted(text, i, c)
            continue
        if (c == "-" and text.startswith("--", i) and (not mysql or i + 2 >= n or text[i + 2] in " \t\r\n")) \
                or (c == "#" and mysql):
            newline = text.find("\n", i)
            i = n if newline < 0 else newline
            continue
        if c == "/" and text.startswith("/*", i):
            close = text.find("*/", i + 2)
            i = n if close < 0 else close + 2
            continue
        if c == "$" and dollar_quotes:
            tag = DOLLAR_TAG.match(text, i)
            if tag:
                close = text.find(tag.group(0), tag.end())
                i = n if close < 0 else close + len(tag.group(0))
                continue
        if c == ";":
            out.append(text[start:i])
            start = i + 1
        elif c == "\n" and GO_LINE.match(text, i + 1):
            out.append(text[start:i])
            line_end = text.find("\n", i + 1)
            start = i = n if line_end < 0 else line_end
            continue
        i += 1
    out.append(text[start:])
    return [part for part in out if strip_comments(part).strip()]


DOLLAR_TAG = re.compile(r"\$[A-Za-z_]*\$")
GO_LINE = re.compile(r"[ \t]*GO[ \t]*(\r?\n|\Z)", re.IGNORECASE)


def skip_quoted(text: str, i: int, quote: str) -> int:
    """The index after the quoted run starting at i ('' and \\' escape a quote inside)."""
    j = i + 1
    n = len(text)
    while j < n:
        c = text[j]
        if c == "\\" and quote != "`":
            j += 2
            continue
        if c == quote:
            if j + 1 < n and text[j + 1] == quote:
                j += 2
                continue
            return j + 1
        j += 1
    return n


def strip_comments(text: str) -> str:
    return re.sub(r"--[^\n]*|/\*.*?\*/", "", text, flags=re.S)


def sqlglot_findings(text: str, dialect: str) -> list[Finding]:
    statements = split_sql(text, dialect)
    if len(statements) > MAX_STATEMENTS:
        return [not_understood_finding(f"more than {MAX_STATEMENTS} statements", text[:200], "too-many-statements")]
    return GlotScript(dialect).run(statements)


MYSQL_LIKE = frozenset({"mysql", "doris", "starrocks"})
MAX_DYNAMIC_DEPTH = 4
PREPARE = re.compile(r"PREPARE\s+(\w+)\s+FROM\s+(.+)", re.I | re.S)
EXECUTE_PREPARED = re.compile(r"EXECUTE\s+(\w+)(?:\s+USING\b.*)?", re.I | re.S)
DEALLOCATE = re.compile(r"(?:DEALLOCATE|DROP)\s+PREPARE\s+\w+", re.I)
QUOTED = r"'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.|\"\")*\""
INTO_FILE = re.compile(rf"\bINTO\s+(OUTFILE|DUMPFILE)\s+({QUOTED})", re.I)
LOAD_DATA = re.compile(rf"LOAD\s+(?:DATA|XML)\s+(?:LOW_PRIORITY\s+|CONCURRENT\s+)?(LOCAL\s+)?INFILE\s+({QUOTED})"
                       r"\s+(REPLACE\s+|IGNORE\s+)?INTO\s+TABLE\s+([\w.`\"]+)", re.I)


def unquote_sql(literal: str) -> str:
    """A quoted SQL string's text: `'it''s'` -> it's."""
    quote = literal[:1]
    return literal[1:-1].replace(quote * 2, quote).replace("\\" + quote, quote)


class GlotScript:
    """A script's statements in order, with what carries from one to the next: the database USE switched
    to, variables set to a text (`SET @s = CONCAT(…)`, T-SQL's `DECLARE @s … = N'…'`), and statements
    prepared from them (`PREPARE st FROM @s`), which EXECUTE runs. SQL put together from text is read as
    SQL; its parts only known at run time stand as one name (`run_time_names`)."""

    def __init__(self, dialect: str, depth: int = 0) -> None:
        self.dialect = dialect
        self.depth = depth
        self.database = ""
        self.variables: dict[str, str] = {}
        self.prepared: dict[str, list[Finding]] = {}

    def run(self, statements: list[str]) -> list[Finding]:
        out: list[Finding] = []
        for statement in statements:
            found = self.statement(statement)
            out.extend(replace(f, database=self.database) if self.database and not f.database else f for f in found)
        return out

    def statement(self, text: str) -> list[Finding]:
        evidence = " ".join(strip_comments(text).split())[:200]
        body = strip_comments(text).strip()
        by_text = self.prepared_statement(body, evidence)
        if by_text is None and self.dialect in MYSQL_LIKE:
            by_text = self.server_files(body, evidence)
        if by_text is None and self.dialect == "clickhouse":
            by_text = self.client_outfile(body, evidence)
        if by_text is not None:
            return by_text
        return self.parsed(text, evidence)

    def parsed(self, text: str, evidence: str) -> list[Finding]:
        import logging

        import sqlglot
        from sqlglot import exp
        from sqlglot.errors import SqlglotError

        logging.getLogger("sqlglot").setLevel(logging.ERROR)  # it warns on stderr for every Command fallback
        dialect = self.dialect
        try:
            expressions = [e for e in sqlglot.parse(text, read=dialect or None) if e is not None]
        except (SqlglotError, ValueError, RecursionError) as exc:
            # what its keywords say is kept (a DROP TABLE that does not parse still drops a table), and it stays
            # not understood
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return [not_understood_finding(f"the SQL does not parse as {dialect or 'SQL'} ({first[:120]})", evidence),
                    *bare_keyword(evidence, dialect)]
        if len(expressions) != 1:
            return [not_understood_finding("a statement that parses as several", evidence)]
        expression = expressions[0]
        if isinstance(expression, exp.Use):
            self.database = str(getattr(expression.this, "name", "") or "") or self.database
            return []
        self.remember(expression)
        built = self.built_text(expression)
        if built is not None:
            return self.dynamic(built, evidence)
        if type(expression).__name__ not in GLOT_HANDLERS and type(expression).__name__ not in GLOT_SESSION:
            # a bare word (SHUTDOWN, FLUSH …) parses as a column or an alias: read it by its keywords instead
            return bare_keyword(evidence, dialect) or [
                not_understood_finding(f"{evidence[:40]!r} is not a statement changegate can read", evidence,
                                       "sql-unknown")]
        return GlotStatement(expression, dialect, evidence).findings()

    # --- text that becomes SQL ------------------------------------------------------------------------------
    def remember(self, expression: Any) -> None:
        """`SET @s = …` and `DECLARE @s … = …`: the text a variable holds, where it can be put together."""
        from sqlglot import exp

        pairs: list[tuple[Any, Any]] = []
        if isinstance(expression, exp.Set):
            pairs = [(item.this.this, item.this.expression) for item in expression.expressions
                     if isinstance(item.this, exp.EQ)]
        elif isinstance(expression, exp.Declare):
            pairs = [(target, item.args.get("default")) for item in expression.expressions
                     for target in (item.this if isinstance(item.this, list) else [item.this])]
        for target, value in pairs:
            if isinstance(target, exp.Parameter) and value is not None:
                self.variables[target.name.lower()] = self.text_of(value)

    def text_of(self, node: Any, depth: int = 0) -> str:
        """The text an expression puts together: string literals joined by CONCAT, `||` and `+`, and the
        variables set before; every other part is DYNAMIC_WORD."""
        from sqlglot import exp

        if depth > 32:
            return DYNAMIC_WORD
        if (isinstance(node, exp.Literal) and node.is_string) or isinstance(node, exp.National):
            return str(node.this)
        if isinstance(node, exp.Parameter):
            return self.variables.get(node.name.lower(), DYNAMIC_WORD)
        if isinstance(node, exp.Paren):
            return self.text_of(node.this, depth + 1)
        if isinstance(node, exp.Concat):
            return "".join(self.text_of(e, depth + 1) for e in node.expressions)
        if isinstance(node, exp.DPipe | exp.Add | exp.Or):  # MySQL's `||` (OR) too: judged by what it could join
            return self.text_of(node.this, depth + 1) + self.text_of(node.expression, depth + 1)
        return DYNAMIC_WORD

    def built_text(self, expression: Any) -> str | None:
        """T-SQL's `EXEC('…')`, `EXEC(@s)` and `EXEC sp_executesql N'…'`: the SQL they run."""
        from sqlglot import exp

        if isinstance(expression, exp.Execute) and isinstance(expression.this, exp.Subquery):
            inner = expression.this.this
            inner = inner.this if isinstance(inner, exp.Table) else inner
            if isinstance(inner, exp.Identifier):
                return str(inner.this)
            return self.text_of(inner)
        if isinstance(expression, exp.ExecuteSql) and self_name(expression.this) == "sp_executesql":
            return self.text_of(expression.expressions[0]) if expression.expressions else DYNAMIC_WORD
        return None

    def prepared_statement(self, body: str, evidence: str) -> list[Finding] | None:
        """PREPARE, EXECUTE and DEALLOCATE of a prepared statement; None for any other statement."""
        prepare = PREPARE.fullmatch(body)
        if prepare:
            name, source = prepare.group(1).lower(), prepare.group(2).strip()
            if source.startswith(("'", '"')):
                text = unquote_sql(source)
            else:
                text = self.variables.get(source.lstrip("@").lower(), DYNAMIC_WORD)
            self.prepared[name] = self.dynamic(text, evidence)
            return []
        execute = EXECUTE_PREPARED.fullmatch(body)
        if execute and execute.group(1).lower() in self.prepared:
            return self.prepared[execute.group(1).lower()]
        if DEALLOCATE.fullmatch(body):
            return []
        return None

    def dynamic(self, text: str, evidence: str) -> list[Finding]:
        """SQL put together from text: read as SQL, what it names at run time judged as every object."""
        if not text.replace(DYNAMIC_WORD, "").strip() or self.depth >= MAX_DYNAMIC_DEPTH:
            return [not_understood_finding("it runs SQL put together at run time, which cannot be read", evidence,
                                           "sql-dynamic")]
        inner = GlotScript(self.dialect, self.depth + 1)
        inner.variables = self.variables
        found = inner.run(split_sql(text, self.dialect))
        return [replace(run_time_names(f), evidence=evidence) for f in found if f.operation != "read"]

    # --- files on the server (MySQL) ---------------------------------------------------------------------------
    def server_files(self, body: str, evidence: str) -> list[Finding] | None:
        """`SELECT … INTO OUTFILE` writes a file on the server; `LOAD DATA [LOCAL] INFILE` reads one there (or
        on the client); None for any other statement."""
        into = INTO_FILE.search(body)
        if into:
            path = unquote_sql(into.group(2))
            rest = self.parsed(body[:into.start()] + body[into.end():], evidence)
            return [Finding("modify", "file", path, f"writes the server file {path} (SELECT … INTO {into.group(1)})",
                            reversible="no", tags=("server-file",), evidence=evidence,
                            suggestions=("select the rows to the client and write the file there",)),
                    *(f for f in rest if "not-understood" not in f.tags)]
        load = LOAD_DATA.match(body)
        if load is None:
            return None
        path, table = unquote_sql(load.group(2)), load.group(4).strip("`\"")
        local = bool(load.group(1))
        secret = secret_kind(path, None) is not None or not (local or path.startswith("/tmp/"))
        where = "this machine's" if local else "the server's"
        return [Finding("secret_read" if secret else "read", "client-file" if local else "file", path,
                        f"reads {where} file {path} into {table} (LOAD DATA{' LOCAL' if local else ''})",
                        reversible="yes", tags=("client-file",) if local else ("server-file",), evidence=evidence),
                Finding("modify" if load.group(3) and load.group(3).strip().upper() == "REPLACE" else "create", "rows",
                        table, f"loads rows into {table} from a file", scope="many", reversible="unknown",
                        evidence=evidence)]


    def client_outfile(self, body: str, evidence: str) -> list[Finding] | None:
        """ClickHouse's `SELECT … INTO OUTFILE 'f'`: the client writes the result to a file of its machine."""
        into = INTO_FILE.search(body)
        if into is None:
            return None
        path = unquote_sql(into.group(2))
        rest = self.parsed(body[:into.start()], evidence)
        return [Finding("modify", "client-file", path, f"writes the query result to {path} (INTO OUTFILE)",
                        reversible="no", tags=("overwrite",), evidence=evidence),
                *(f for f in rest if "not-understood" not in f.tags)]


def self_name(node: Any) -> str:
    return str(getattr(node, "name", "") or "").lower()


def bare_keyword(evidence: str, dialect: str) -> list[Finding]:
    """A statement read by its leading keywords, where the table says exactly what they mean."""
    keyword, _, rest = evidence.partition(" ")
    found = command_findings(keyword.upper(), rest, evidence, dialect)
    return [] if any("not-understood" in f.tags for f in found) else found


class GlotStatement:
    """Findings of one statement parsed by sqlglot, by expression class (`Delete` -> `delete`)."""

    def __init__(self, expression: Any, dialect: str, evidence: str) -> None:
        self.expression = expression
        self.dialect = dialect
        self.evidence = evidence

    def findings(self) -> list[Finding]:
        name = type(self.expression).__name__
        handler = GLOT_HANDLERS.get(name)
        if handler is not None:
            out: list[Finding] = handler(self)
            return out
        if name in GLOT_SESSION:
            return []
        return [not_understood_finding(f"a {name} statement is not understood", self.evidence, "sql-unknown")]

    def table(self, node: Any) -> str:
        from sqlglot import exp

        if isinstance(node, exp.Table):
            return ".".join(p for p in (node.args.get("catalog") and node.catalog, node.db, node.name) if p)
        if isinstance(node, exp.Schema):
            return self.table(node.this)
        return str(getattr(node, "name", "") or "")

    def where_is_everything(self, where: Any) -> bool:
        from sqlglot import exp
        from sqlglot.optimizer.simplify import simplify

        if where is None:
            return True
        condition = where.this if isinstance(where, exp.Where) else where
        if run_time_part(condition.sql()):
            return True
        if isinstance(condition, exp.EQ) and isinstance(condition.this, exp.Column) and \
                condition.this == condition.expression:
            return True
        if isinstance(condition, exp.Like) and isinstance(condition.expression, exp.Literal) and \
                set(condition.expression.this or "x") == {"%"}:
            return True
        try:
            simple = simplify(condition.copy())
        except Exception:  # the simplifier is a convenience; failing it means "depends on the row"
            return False
        if isinstance(simple, exp.Boolean):
            return bool(simple.this)
        if isinstance(simple, exp.Binary) and isinstance(simple.this, exp.Literal) and \
                isinstance(simple.expression, exp.Literal):
            return literal_comparison(simple) is True
        if isinstance(simple, exp.Literal):
            value = simple.this
            return value not in ("0", "", "false") if not simple.is_string else value not in ("", "0")
        return False

    def nested(self) -> list[Finding]:
        from sqlglot import exp

        out: list[Finding] = []
        for node in self.expression.find_all(exp.Func):
            name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
            known = EFFECT_FUNCTIONS.get(name)
            if known:
                operation, _, what = known
                out.append(Finding(operation, "function", name, f"calls {name}(): {what}", reversible="unknown",
                                   tags=("server-function",), evidence=self.evidence))
            elif self.dialect == "duckdb" and name in FILE_READERS:
                out.extend(self.file_read(node))
        for cte in self.expression.find_all(exp.CTE):
            if isinstance(cte.this, exp.Delete | exp.Update | exp.Insert | exp.Merge):
                out.extend(GlotStatement(cte.this, self.dialect, self.evidence).findings())
        return out

    def table_function_write(self, node: Any) -> list[Finding]:
        """ClickHouse's `INSERT INTO FUNCTION url(…)|s3(…)|remote(…)|file(…)`: rows sent elsewhere, or written
        to a file of the server."""
        from sqlglot import exp

        name = self_name(node)
        first = next((str(a.this) for a in getattr(node, "expressions", []) if isinstance(a, exp.Literal)), "")
        if name == "file":
            return [Finding("modify", "file", first, f"writes the server file {first} (INSERT INTO FUNCTION file)",
                            reversible="no", tags=("server-file",), evidence=self.evidence)]
        if name in REMOTE_TABLE_FUNCTIONS:
            target = first if "://" in first else f"{name}:{first or '?'}"
            return [Finding("exfiltrate", "url", target, f"sends rows to {first or name} (INSERT INTO FUNCTION "
                            f"{name})", reversible="no", evidence=self.evidence)]
        return [not_understood_finding(f"INSERT INTO FUNCTION {name} is not one changegate knows", self.evidence,
                                       "sql-unknown")]

    def file_read(self, node: Any) -> list[Finding]:
        """DuckDB's read_csv('path') and the like: a file read where the engine runs."""
        from sqlglot import exp

        first = node.this if not isinstance(node, exp.Anonymous) else (node.expressions or [None])[0]
        if not isinstance(first, exp.Literal) or not first.is_string:
            return []
        path = str(first.this)
        operation: Operation = "secret_read" if secret_kind(path, None) else "read"
        return [Finding(operation, "file", path, f"reads the file {path}", reversible="yes", evidence=self.evidence)]

    # --- data -------------------------------------------------------------------------------------------
    def select(self) -> list[Finding]:
        from sqlglot import exp

        out = self.nested()
        into = self.expression.args.get("into")
        target = into.this.this if into is not None and isinstance(into.this, exp.Table) else None
        if into is not None and not isinstance(target, exp.Parameter):  # `INTO @var` sets a variable
            name = self.table(into.this)
            out.append(Finding("create", "table", name, f"creates table {name} from a query (SELECT … INTO)",
                               reversible="yes", evidence=self.evidence))
        return out or [read("SELECT", self.evidence)]

    def insert(self) -> list[Finding]:
        e = self.expression
        if e.args.get("is_function"):
            return [*self.table_function_write(e.this), *self.nested()]
        name = self.table(e.this)
        if e.args.get("overwrite"):
            return [Finding("replace", "rows", name, f"replaces every row of {name} (INSERT OVERWRITE)", scope="all",
                            data_loss=True, evidence=self.evidence), *self.nested()]
        upsert = e.args.get("conflict") is not None
        return [Finding("modify" if upsert else "create", "rows", name,
                        f"{'inserts or updates' if upsert else 'inserts'} rows into {name}", scope="many",
                        reversible="unknown" if upsert else "yes", evidence=self.evidence), *self.nested()]

    def limit_of(self) -> int | None:
        limit = self.expression.args.get("limit")
        if limit is None:
            return None
        try:
            return int(limit.expression.this)
        except (AttributeError, TypeError, ValueError):
            return None

    def update(self) -> list[Finding]:
        name = self.table(self.expression.this)
        everything = self.where_is_everything(self.expression.args.get("where"))
        return [rows_finding("modify", name, everything, dialect=self.dialect, evidence=self.evidence,
                             limit=self.limit_of()), *self.nested()]

    def delete(self) -> list[Finding]:
        e = self.expression
        tables = [self.table(t) for t in e.args.get("tables") or []] or [self.table(e.this)]
        everything = self.where_is_everything(e.args.get("where"))
        return [*(rows_finding("delete", t, everything, dialect=self.dialect, evidence=self.evidence,
                               limit=self.limit_of()) for t in tables), *self.nested()]

    def merge(self) -> list[Finding]:
        from sqlglot import exp

        name = self.table(self.expression.this)
        out: list[Finding] = []
        for when in self.expression.find_all(exp.When):
            then = when.args.get("then")
            text = then.sql().upper() if then is not None else ""
            if text.startswith("DELETE"):
                out.append(rows_finding("delete", name, False, dialect=self.dialect, evidence=self.evidence,
                                        verb="deletes (MERGE)"))
            elif isinstance(then, exp.Update) or text.startswith("UPDATE"):
                out.append(rows_finding("modify", name, False, dialect=self.dialect, evidence=self.evidence,
                                        verb="changes (MERGE)"))
            else:
                out.append(Finding("create", "rows", name, f"inserts rows into {name} (MERGE)", scope="many",
                                   reversible="yes", evidence=self.evidence))
        return out

    def truncate(self) -> list[Finding]:
        e = self.expression
        kind = "database" if e.args.get("is_database") else "rows"
        out = []
        for t in e.expressions:
            name = self.table(t)
            out.append(Finding("delete", kind, name, f"empties {name} (TRUNCATE)", scope="all", data_loss=True,
                               whole_environment=kind == "database", tags=("truncate",), evidence=self.evidence,
                               suggestions=(f"delete the rows you mean: DELETE FROM {name} WHERE …",
                                            backup_hint(self.dialect, name))))
        return out

    # --- schema -----------------------------------------------------------------------------------------
    def drop(self) -> list[Finding]:
        e = self.expression
        kind = str(e.args.get("kind") or "object").lower()
        if e.args.get("materialized"):
            kind = "materialized view"
        cascade = bool(e.args.get("cascade") or e.args.get("constraints"))
        names = [self.table(t) for t in e.args.get("tables") or []] or [self.table(e.this)]
        if kind in ("user", "role"):
            return [Finding("permission", "role", n, f"drops {kind} {n}", tags=("drop-role",),
                            evidence=self.evidence) for n in names]
        return [drop_finding(kind, n, cascade=cascade, dialect=self.dialect, evidence=self.evidence) for n in names]

    def alter(self) -> list[Finding]:
        from sqlglot import exp

        e = self.expression
        table = self.table(e.this)
        out: list[Finding] = []
        for action in e.args.get("actions") or []:
            if isinstance(action, exp.Drop):
                kind = str(action.args.get("kind") or "column").lower()
                for target in action.args.get("tables") or []:
                    name = f"{table}.{target.name}"
                    if kind == "column":
                        out.append(Finding("delete", "column", name, f"drops column {target.name} of {table} and its "
                                           "data", data_loss=True, evidence=self.evidence))
                    elif kind == "partition":
                        out.append(Finding("delete", "partition", name, f"drops a partition of {table} and its rows",
                                           data_loss=True, scope="many", evidence=self.evidence))
                    else:
                        out.append(Finding("delete", kind, name, f"drops {kind} {target.name} of {table}",
                                           reversible="yes", evidence=self.evidence))
            elif isinstance(action, exp.DropPartition):
                out.append(Finding("delete", "partition", table, f"drops partitions of {table} and their rows",
                                   data_loss=True, scope="many", evidence=self.evidence))
            elif isinstance(action, exp.Delete):
                everything = self.where_is_everything(action.args.get("where"))
                out.append(rows_finding("delete", table, everything, dialect=self.dialect, evidence=self.evidence))
            elif isinstance(action, exp.DropPrimaryKey):
                out.append(Finding("delete", "constraint", f"{table}.primary_key", f"drops the primary key of {table}",
                                   reversible="yes", evidence=self.evidence))
            elif isinstance(action, exp.ModifyColumn | exp.AlterColumn) and "TYPE" in action.sql().upper():
                out.append(Finding("modify", "column", table, f"changes a column type of {table} (a narrower type "
                                   "can lose data)", reversible="unknown", tags=("rewrite",), evidence=self.evidence))
            else:
                what = type(action).__name__
                out.append(Finding("modify", "table", table, f"changes {table} ({what})", reversible="unknown",
                                   evidence=self.evidence))
        return out or [Finding("modify", "table", table, f"changes {table}", reversible="unknown",
                               evidence=self.evidence)]

    def create(self) -> list[Finding]:
        e = self.expression
        kind = str(e.args.get("kind") or "object").lower()
        name = self.table(e.this)
        replaces = bool(e.args.get("replace"))
        tags = ("stored-code",) if kind in ("function", "procedure", "trigger") else ()
        if replaces and kind == "table":
            return [Finding("replace", "table", name, f"replaces table {name} and its rows (CREATE OR REPLACE)",
                            data_loss=True, evidence=self.evidence)]
        return [Finding("modify" if replaces else "create", kind, name,
                        f"{'replaces' if replaces else 'creates'} {kind} {name}",
                        reversible="unknown" if replaces else "yes", tags=tags, evidence=self.evidence),
                *self.nested()]

    def grant(self) -> list[Finding]:
        verb = "grants" if type(self.expression).__name__ == "Grant" else "revokes"
        principals = [p.sql() for p in self.expression.args.get("principals") or []] or ["?"]
        return [Finding("permission", "role", p, f"{verb} privileges ({self.evidence[:80]})", reversible="yes",
                        evidence=self.evidence) for p in principals]

    def set(self) -> list[Finding]:
        kinds = {str(item.args.get("kind") or "").upper() for item in self.expression.expressions}
        if kinds & {"GLOBAL", "PERSIST", "PERSIST_ONLY"}:
            return [Finding("host_control", "server", "", "changes the server's configuration (SET GLOBAL)",
                            reversible="yes", evidence=self.evidence)]
        return []

    def pragma(self) -> list[Finding]:
        from sqlglot import exp

        if isinstance(self.expression.this, exp.EQ) and not self.evidence.upper().startswith("PRAGMA TABLE_"):
            return [Finding("modify", "database", "", f"changes a database setting ({self.evidence[:60]})",
                            reversible="yes", evidence=self.evidence)]
        return [read("PRAGMA", self.evidence)]

    def execute(self) -> list[Finding]:
        name = self.table(self.expression.this).rsplit(".", 1)[-1].lower()
        known = EFFECT_FUNCTIONS.get(name)
        if known:
            operation, _, what = known
            return [Finding(operation, "function", name, f"executes {name}: {what}", reversible="unknown",
                            evidence=self.evidence)]
        if name in ("sp_configure",):
            return [Finding("host_control", "server", "", "changes the server's configuration", evidence=self.evidence)]
        if name in ("sp_rename",):
            return [Finding("modify", "object", "", "renames an object (code that uses the old name breaks)",
                            reversible="yes", tags=("rename",), evidence=self.evidence)]
        return [Finding("unknown", "procedure", name, f"executes the stored procedure {name}: its effects are not "
                        "read", reversible="unknown", evidence=self.evidence)]

    def copy(self) -> list[Finding]:
        """COPY … TO a file or URL writes it (where the server runs), COPY … FROM reads one into a table."""
        from sqlglot import exp

        e = self.expression
        files = [str(f.this) for f in e.args.get("files") or [] if isinstance(f, exp.Literal)]
        source = self.table(e.this) if isinstance(e.this, exp.Table) else "a query"
        if not files:
            return [not_understood_finding("COPY without a file changegate can read", self.evidence, "sql-unknown")]
        path = files[0]
        if e.args.get("kind"):
            secret = secret_kind(path, None) is not None
            return [Finding("secret_read" if secret else "read", "file", path, f"reads {path} into {source}",
                            reversible="yes", tags=("server-file",), evidence=self.evidence),
                    Finding("create", "rows", source, f"loads rows into {source} from {path}", scope="many",
                            reversible="yes", evidence=self.evidence)]
        if "://" in path:
            return [Finding("exfiltrate", "url", path, f"copies {source} to {path}", reversible="no",
                            evidence=self.evidence), *self.nested()]
        return [Finding("modify", "file", path, f"writes the file {path} (COPY … TO)", reversible="no",
                        tags=("server-file", "overwrite"), evidence=self.evidence), *self.nested()]

    def kill(self) -> list[Finding]:
        return [Finding("host_control", "session", "", "ends a database session (KILL)", evidence=self.evidence)]

    def attach(self) -> list[Finding]:
        return [Finding("modify", "database", "", "attaches another database file (created if it is missing)",
                        reversible="yes", evidence=self.evidence)]

    def load_data(self) -> list[Finding]:
        return [Finding("create", "rows", self.table(self.expression.this), "loads rows from a file (LOAD DATA)",
                        scope="many", reversible="yes", evidence=self.evidence)]

    def undrop(self) -> list[Finding]:
        return [Finding("create", "table", self.table(self.expression.this), "restores a dropped object (UNDROP)",
                        reversible="yes", evidence=self.evidence)]

    def maintenance(self) -> list[Finding]:
        return [Finding("modify", "database", "", f"runs maintenance ({type(self.expression).__name__.upper()})",
                        reversible="yes", tags=("maintenance",), evidence=self.evidence)]

    def reads(self) -> list[Finding]:
        return [read(type(self.expression).__name__.upper(), self.evidence)]

    def command(self) -> list[Finding]:
        keyword = str(self.expression.this or "").upper()
        rest = str(self.expression.args.get("expression") or "")
        return command_findings(keyword, rest, self.evidence, self.dialect)


# ClickHouse's table functions that reach another server or store.
REMOTE_TABLE_FUNCTIONS = frozenset({"url", "s3", "s3cluster", "gcs", "azureblobstorage", "hdfs", "remote",
                                    "remotesecure", "cluster", "clusterallreplicas", "mysql", "postgresql",
                                    "mongodb", "redis", "odbc", "jdbc", "sqlite", "iceberg", "deltalake"})
# DuckDB's table functions that read a file by its path.
FILE_READERS = frozenset({"read_csv", "read_csv_auto", "readcsv", "read_parquet", "parquet_scan", "readparquet",
                          "read_json", "read_json_auto", "read_ndjson", "read_ndjson_auto", "read_json_objects",
                          "read_text", "read_blob", "sniff_csv", "read_xlsx", "st_read", "glob"})
GLOT_COMPARISONS = {"EQ": "=", "NEQ": "<>", "GT": ">", "GTE": ">=", "LT": "<", "LTE": "<="}


def literal_comparison(node: Any) -> bool | None:
    """`'1' = 1` and the like, compared as the server would (numbers as numbers)."""
    op = GLOT_COMPARISONS.get(type(node).__name__)
    if op is None:
        return None

    def value(literal: Any) -> object:
        text = str(literal.this)
        if literal.is_string:
            return text
        try:
            return float(text)
        except ValueError:
            return text

    try:
        return bool(COMPARE[op](*coerce_pair(value(node.this), value(node.expression))))
    except TypeError:
        return None


GLOT_SESSION = frozenset({"Transaction", "Commit", "Rollback", "Semicolon", "Declare", "Detach", "Uncache"})
GLOT_HANDLERS: dict[str, Any] = {
    "Select": GlotStatement.select, "Union": GlotStatement.select, "Intersect": GlotStatement.select,
    "Except": GlotStatement.select, "Values": GlotStatement.reads, "Show": GlotStatement.reads,
    "Describe": GlotStatement.reads, "Summarize": GlotStatement.reads,
    "Insert": GlotStatement.insert, "Update": GlotStatement.update, "Delete": GlotStatement.delete,
    "Merge": GlotStatement.merge, "TruncateTable": GlotStatement.truncate, "Drop": GlotStatement.drop,
    "Alter": GlotStatement.alter, "Create": GlotStatement.create, "Grant": GlotStatement.grant,
    "Revoke": GlotStatement.grant, "Set": GlotStatement.set,
    "Pragma": GlotStatement.pragma, "Execute": GlotStatement.execute, "ExecuteSql": GlotStatement.execute,
    "Kill": GlotStatement.kill, "Attach": GlotStatement.attach, "LoadData": GlotStatement.load_data,
    "Undrop": GlotStatement.undrop, "Analyze": GlotStatement.maintenance, "Cache": GlotStatement.maintenance,
    "Refresh": GlotStatement.maintenance, "Command": GlotStatement.command, "Copy": GlotStatement.copy,
}

# sqlglot's `Command` keeps only the first keyword and the raw rest. These keyword sequences say exactly what
# the statement is; anything else stays not understood.
COMMAND_TABLE: dict[tuple[str, ...], tuple[Operation, str, str]] = {
    ("GRANT",): ("permission", "role", "grants privileges"),
    ("REVOKE",): ("permission", "role", "revokes privileges"),
    ("CREATE", "USER"): ("permission", "role", "creates a user"),
    ("CREATE", "ROLE"): ("permission", "role", "creates a role"),
    ("ALTER", "USER"): ("permission", "role", "changes a user (password or rights)"),
    ("ALTER", "ROLE"): ("permission", "role", "changes a role"),
    ("DROP", "USER"): ("permission", "role", "drops a user"),
    ("DROP", "ROLE"): ("permission", "role", "drops a role"),
    ("RENAME", "USER"): ("permission", "role", "renames a user"),
    ("SET", "PASSWORD"): ("permission", "role", "sets a password"),
    ("DROP", "KEYSPACE"): ("delete", "keyspace", "drops a keyspace and every table in it"),
    ("DROP", "TABLE"): ("delete", "table", "drops a table"),
    ("DROP", "DATABASE"): ("delete", "database", "drops a database"),
    ("DROP", "SCHEMA"): ("delete", "schema", "drops a schema"),
    ("CREATE", "KEYSPACE"): ("create", "keyspace", "creates a keyspace"),
    ("ALTER", "KEYSPACE"): ("modify", "keyspace", "changes a keyspace (replication)"),
    ("RENAME", "TABLE"): ("modify", "table", "renames a table (code that uses the old name breaks)"),
    ("CALL",): ("unknown", "procedure", "calls a stored procedure: its effects are not read"),
    ("EXEC",): ("unknown", "procedure", "executes a stored procedure: its effects are not read"),
    ("EXECUTE",): ("unknown", "procedure", "executes a stored procedure: its effects are not read"),
    ("SYSTEM",): ("host_control", "server", "runs a server-level SYSTEM command"),
    ("SHUTDOWN",): ("host_control", "server", "shuts the database server down"),
    ("KILL",): ("host_control", "session", "ends a database session or query"),
    ("FLUSH",): ("modify", "server", "flushes server caches or logs"),
    ("OPTIMIZE",): ("modify", "table", "rewrites a table (OPTIMIZE)"),
    ("PURGE",): ("delete", "log", "purges server logs or recycled objects"),
    ("UNDROP",): ("create", "table", "restores a dropped object"),
    ("VACUUM",): ("modify", "database", "runs maintenance (VACUUM)"),
    ("BACKUP",): ("read", "database", "backs up"),
    ("SHOW",): ("read", "database", "reads (SHOW)"),
    ("DESCRIBE",): ("read", "database", "reads (DESCRIBE)"),
    ("DESC",): ("read", "database", "reads (DESCRIBE)"),
    ("LIST",): ("read", "database", "reads (LIST)"),
    ("CONSISTENCY",): ("read", "session", "sets the session consistency"),
    ("TRACING",): ("read", "session", "switches tracing"),
    ("EXPAND",): ("read", "session", "switches output format"),
    ("PAGING",): ("read", "session", "switches output paging"),
}
# Keyword pairs whose data loss the table must mark.
COMMAND_DATA_LOSS = {("DROP", "KEYSPACE"), ("DROP", "TABLE"), ("DROP", "DATABASE"), ("DROP", "SCHEMA")}
COMMAND_WHOLE = {("DROP", "KEYSPACE"), ("DROP", "DATABASE"), ("DROP", "SCHEMA")}
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$.]*|`[^`]+`|\"[^\"]+\"")


def command_findings(keyword: str, rest: str, evidence: str, dialect: str) -> list[Finding]:
    names = [n.strip('`"') for n in IDENTIFIER.findall(rest)[:12] if n.upper() not in ("IF", "NOT", "EXISTS")]
    words = [n.upper() for n in names]
    if keyword == "ALTER" and words[:1] == ["TABLE"] and len(words) >= 3:
        everything = [n.upper() for n in IDENTIFIER.findall(rest)[2:200]]
        return alter_table_command(names[1], everything, rest, evidence, dialect)
    if keyword in ("GRANT", "REVOKE"):
        return grant_command(keyword, names, words, evidence)
    if keyword == "TRUNCATE" and names:
        table = names[1] if words[0] == "TABLE" and len(names) > 1 else names[0]
        return [Finding("delete", "rows", table, f"empties {table} (TRUNCATE)", scope="all", data_loss=True,
                        tags=("truncate",), evidence=evidence)]
    for size in (2, 1):
        key = (keyword, *words[:size - 1])
        known = COMMAND_TABLE.get(key)
        if known:
            operation, kind, what = known
            name = names[size - 1] if size > 1 and len(names) >= size else ""
            whole = key in COMMAND_WHOLE
            return [Finding(operation, kind, name, f"{what}{' ' + name if name else ''}",
                            scope="many" if whole else "one", data_loss=key in COMMAND_DATA_LOSS,
                            whole_environment=whole, reversible="yes" if operation == "read" else "unknown",
                            evidence=evidence)]
    return [not_understood_finding(f"{keyword} {' '.join(words[:2])} is not a statement changegate can read".strip(),
                                   evidence, "sql-unknown")]


def alter_table_command(table: str, words: list[str], rest: str, evidence: str, dialect: str) -> list[Finding]:
    """ALTER TABLE read by its keywords: TRUNCATE/DROP PARTITION, DROP COLUMN, and ClickHouse's DELETE/UPDATE …
    WHERE. Any of them in the statement counts, wherever it stands among the other actions."""
    upper = f" {rest.upper()} "
    unfiltered = " WHERE " not in upper
    if words[:1] in (["DELETE"], ["UPDATE"]):
        where = upper.partition(" WHERE ")[2].strip().rstrip(";")
        everything = unfiltered or where in ("1", "TRUE", "1=1", "1 = 1")
        return [rows_finding("modify" if words[0] == "UPDATE" else "delete", table, everything, dialect=dialect,
                             evidence=evidence)]
    found: list[Finding] = []
    for i, word in enumerate(words):
        following = words[i + 1] if i + 1 < len(words) else ""
        if word == "TRUNCATE" or (word == "DROP" and following in ("PARTITION", "SUBPARTITION")):
            what = "empties partitions of" if word == "TRUNCATE" else "drops partitions of"
            found.append(Finding("delete", "partition", f"{table}.partition", f"{what} {table} and their rows",
                                 scope="many", data_loss=True, evidence=evidence))
        elif word == "DROP" and following not in ("CONSTRAINT", "INDEX", "KEY", "PRIMARY", "FOREIGN", "CHECK",
                                                  "DEFAULT", "NOT", ""):
            column = words[i + 2] if following == "COLUMN" and i + 2 < len(words) else following
            found.append(Finding("delete", "column", f"{table}.{column.lower()}", f"drops column {column.lower()} of "
                                 f"{table} and its data", data_loss=True, evidence=evidence))
    return found or [Finding("modify", "table", table, f"changes {table}", reversible="unknown", evidence=evidence)]


def grant_command(keyword: str, names: list[str], words: list[str], evidence: str) -> list[Finding]:
    """GRANT … TO who / REVOKE … FROM who: the grantee is the role whose rights change."""
    marker = "TO" if keyword == "GRANT" else "FROM"
    who = names[words.index(marker) + 1] if marker in words[:-1] else "?"
    verb = "grants" if keyword == "GRANT" else "revokes"
    return [Finding("permission", "role", who, f"{verb} privileges {'to' if verb == 'grants' else 'from'} {who}",
                    reversible="yes", scope="many" if "ALL" in words else "one", evidence=evidence)]


# --- findings -> effects -------------------------------------------------------------------------------------

def split_statements_for_dialect(text: str, dialect: str | None) -> list[Finding]:
    parser = canonical_dialect(dialect) if dialect else POSTGRES
    if parser is None:
        return [not_understood_finding(f"the SQL dialect {dialect!r} is not one changegate knows", text[:200],
                                       "sql-dialect")]
    if parser == POSTGRES:
        return pg_findings(text)
    if parser == COMPATIBLE:
        found = pg_findings(text)
        if any("sql-parse-error" in f.tags for f in found):
            return sqlglot_findings(text, POSTGRES)
        return found
    return sqlglot_findings(text, parser)


_loaded: set[str] = set()


def load_parser(dialect: str | None) -> float:
    """Import what parsing `dialect` needs, once per process, and return the seconds that took (0 once loaded).
    A caller with a time budget for understanding (the shell walker) adds it back: the budget bounds the
    analysis of one action, not loading a parser into a fresh process."""
    import time

    parser = (canonical_dialect(dialect) if dialect else POSTGRES) or ""
    if parser in _loaded:
        return 0.0
    started = time.perf_counter()
    try:
        if parser in (POSTGRES, COMPATIBLE):
            import pglast.parser  # noqa: F401
        if parser != POSTGRES:
            import sqlglot
            import sqlglot.optimizer.simplify

            # the first parse builds the dialect's tokenizer and parser tables: part of loading, not of reading
            sqlglot.parse("SELECT 1 WHERE 1 = 1", read=POSTGRES if parser == COMPATIBLE else parser or None)
    except Exception:  # a missing or broken parser shows up, with its reason, when the SQL is parsed
        return time.perf_counter() - started
    _loaded.add(parser)
    return time.perf_counter() - started


def sql_findings(text: str, dialect: str | None) -> list[Finding]:
    """What each statement of `text` does; never raises. A part only known at run time (a loop variable, the
    `{}` of xargs, a table name read from list output) stands as one identifier, and whatever it names is
    judged as every object it could be."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_SQL_BYTES:
        return [not_understood_finding(f"the SQL is larger than {MAX_SQL_BYTES // 1024} KiB", text[:200],
                                       "sql-too-large")]
    text = text.replace(UNKNOWN_PART, DYNAMIC_WORD)
    try:
        found = split_statements_for_dialect(text, dialect)
        return [run_time_names(f) for f in found] if DYNAMIC_WORD in text else found
    except NotUnderstood as exc:
        return [not_understood_finding(exc.reason, text[:200], exc.tag)]
    except RecursionError:
        return [not_understood_finding("the SQL nests too deeply to follow", text[:200], "too-deep")]
    except Exception as exc:  # a parser bug must become ask, never an allow or a traceback
        return [not_understood_finding(f"the SQL analyzer failed ({type(exc).__name__}: {exc})", text[:200],
                                       "analyzer-error")]


RUN_TIME_NOTE = " (its name is only known at run time: judged as every one)"


def run_time_names(finding: Finding) -> Finding:
    """A finding about an object named at run time: every object of that kind."""
    shown = finding.evidence.replace(DYNAMIC_WORD, "…")
    if DYNAMIC_WORD not in finding.name:
        if DYNAMIC_WORD not in finding.evidence:
            return finding
        return replace(finding, evidence=shown, summary=finding.summary.replace(DYNAMIC_WORD, "…"),
                       tags=(*finding.tags, "dynamic"))
    destroys = finding.operation in ("delete", "replace") and (finding.kind in DATA_KINDS or finding.kind == "rows")
    return replace(finding, name=finding.name.replace(DYNAMIC_WORD, "*"), scope="all", evidence=shown,
                   data_loss=finding.data_loss or destroys, tags=(*finding.tags, "dynamic"),
                   summary=finding.summary.replace(DYNAMIC_WORD, "*") + RUN_TIME_NOTE)


def run_time_part(text: str) -> bool:
    """A clause that holds a part only known at run time: its selection cannot be sized."""
    return DYNAMIC_WORD in text


def resource_of(finding: Finding, prefix: str, server: str) -> str:
    name = finding.name
    kind = finding.kind
    if kind in ("database", "keyspace"):
        return f"{server}/{name}" if name else prefix
    if kind in ("role",):
        return f"{server}/role/{name or '?'}"
    if kind in ("file",):
        host = server.removeprefix("sql:")
        return f"fs://{host}{name}" if name.startswith("/") else f"{server}/file/{name}"
    if kind == "client-file":
        return f"fs:{name}"
    if kind == "url" and "://" in name:
        return name
    if kind in ("program", "code", "server", "session", "replication", "library"):
        return f"{server}/{kind}" + (f"/{name}" if name and kind not in ("program", "code") else "")
    if kind == "rows":
        return f"{prefix}/table/{name or '?'}"
    if kind == "column" and "." in name:
        table, column = name.rsplit(".", 1)
        return f"{prefix}/table/{table}/column/{column}"
    if kind in ("constraint", "partition") and "." in name:
        table, part = name.rsplit(".", 1)
        return f"{prefix}/table/{table}/{kind}/{part}"
    if not name:
        return prefix
    return f"{prefix}/{kind.replace(' ', '-')}/{name}"


def sql_effects(text: str, dialect: str | None, placement: Placement, resource_prefix: str, family: str = "sql",
                *, environments: Environments | None = None, server: str | None = None,
                evidence: str = "") -> list[Effect]:
    """Effects of SQL `text` run against the database `resource_prefix` (`sql:<host>/<database>`) placed at
    `placement`. `environments` lets a dropped database named like prod count as prod; `server` is the
    `sql:<host>` part where the prefix has another shape (SQLite files)."""
    findings = sql_findings(text, dialect)
    server = server or (resource_prefix.rsplit("/", 1)[0] if resource_prefix.count("/") >= 1 else resource_prefix)
    return effects_of(findings, placement, resource_prefix, server, family, environments, evidence)


def effects_of(findings: list[Finding], placement: Placement, prefix: str, server: str, family: str,
               environments: Environments | None, evidence: str = "") -> list[Effect]:
    effects: list[Effect] = []
    seen: set[tuple[str, str, str]] = set()
    for f in findings:
        where = placement
        if f.kind == "database" and f.name and environments is not None:
            where = escalate_by_name(placement, f.name, environments, "database")
        if f.database and environments is not None:
            where = escalate_by_name(where, f.database, environments, "database")
        resource = resource_of(f, f"{server}/{f.database}" if f.database else prefix, server)
        key = (f.operation, resource, f.summary)
        if key in seen:
            continue
        seen.add(key)
        effects.append(Effect(
            operation=f.operation,
            resource=resource,
            environment=where.environment,
            why_environment=where.why,
            scope=f.scope,
            count=f.count,
            reversible=f.reversible,
            kind=f.kind,
            family=family,
            evidence=(f.evidence or evidence)[:200],
            summary=f.summary,
            data_loss=f.data_loss,
            whole_environment=f.whole_environment,
            tags=f.tags,
            suggestions=f.suggestions,
        ))
    if not effects:
        effects.append(Effect(operation="read", resource=prefix, environment=placement.environment,
                              why_environment=placement.why, reversible="yes", kind="database", family=family,
                              evidence=evidence[:200], summary="changes nothing (session or transaction control)"))
    return fold(effects)


def fold(effects: list[Effect]) -> list[Effect]:
    """Keep the verdict readable: past MAX_EFFECTS, the reads go first, then the rest fold by operation."""
    if len(effects) <= MAX_EFFECTS:
        return effects
    changes = [e for e in effects if e.operation != "read"]
    if len(changes) <= MAX_EFFECTS:
        return changes
    kept = sorted(changes, key=lambda e: (not e.data_loss, not e.whole_environment, e.operation == "create"))
    head, rest = kept[:MAX_EFFECTS - 1], kept[MAX_EFFECTS - 1:]
    first = rest[0]
    return [*head, msgspec.structs.replace(first, resource=first.resource.rsplit("/table/", 1)[0], count=len(rest),
                           scope="many", summary=f"and {len(rest)} more changes like: {first.summary}",
                           data_loss=any(e.data_loss for e in rest),
                           whole_environment=any(e.whole_environment for e in rest))]


# --- the `sql` action ----------------------------------------------------------------------------------------

def understand_sql_action(action: Action, environments: Environments) -> Understanding:
    import hashlib

    from changegate.environments import workspace_of
    from changegate.understand import Understanding

    consulted: dict[str, str] = {}
    workspace = workspace_of(action.cwd, (action.env or {}).get("HOME"))
    text = action.statement
    if text is None:
        text = read_sql_file(action.path or "", action.cwd)
        # approvals bind to the file's content, not only its name
        consulted[f"file:{action.path}"] = "sha256:" + hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()
    if action.database:
        target = target_from_url(action.database, environments, "database", workspace, action.cwd)
        consulted["database"] = redact_url(action.database)
    else:
        target = SqlTarget("default", "?", Placement(UNKNOWN, "the action names no database (unknown is treated as "
                                                     "prod)"), None)
    dialect = action.dialect or target.dialect or POSTGRES
    effects = sql_effects(text, dialect, target.placement, target.prefix, "sql", environments=environments,
                          server=target.server, evidence=text[:200])
    return Understanding(effects, consulted)


def read_sql_file(path: str, cwd: str | None) -> str:
    """The text of a .sql file under the working directory, bounded; NotUnderstood otherwise."""
    if not path:
        raise NotUnderstood("a sql action needs a statement or a path", "sql-no-input")
    if not cwd:
        raise NotUnderstood("a sql file can only be read relative to a working directory", "sql-file")
    absolute = posixpath.normpath(posixpath.join(cwd, path))
    if not (absolute == cwd or absolute.startswith(cwd.rstrip("/") + "/")):
        raise NotUnderstood(f"{path} is outside the working directory {cwd}", "sql-file")
    try:
        data = read_config_bytes(absolute, limit=MAX_SQL_BYTES)
    except Unreadable as exc:
        raise NotUnderstood(f"{path}: {exc}", "sql-too-large" if "larger" in str(exc) else "sql-file") from exc
    if data is None:
        raise NotUnderstood(f"{path} cannot be read", "sql-file")
    return data.decode("utf-8", "replace")
