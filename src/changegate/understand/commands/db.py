"""Database clients: psql, mysql, sqlite3, redis-cli, mongosh, clickhouse-client, cqlsh, usql, cockroach sql, and
the server tools around them (dropdb, createuser, pg_dump, pg_restore, mysqldump, mysqladmin, mongodump, …).

Each client answers two questions: which server the command talks to (flags, a connection URL, the variables
the client itself reads, config files it reads) and what it sends there (SQL in `-c`/`-e`/`--query`, files,
stdin, heredocs — and the client's own commands: psql's backslash commands, mysql's `source`/`system`,
sqlite's dot-commands, which can run shell commands, read files or switch to another database).

The SQL itself is read by `understand/sql.py`. A client connecting with no host at all talks to whatever server
its machine's socket or 127.0.0.1 leads to: changegate cannot tell whether that is a laptop's dev database or a
production host, so that is `unknown` unless the database's name says where it is (`-h localhost` is local).
"""

from __future__ import annotations

import configparser
import posixpath
import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import ClassVar

import msgspec

from changegate.environments import LOCAL, UNKNOWN, Environments, Placement
from changegate.model import Effect, Operation, Scope
from changegate.understand.base import Context, Invocation, Word
from changegate.understand.cli import Cli, Options, parse_options
from changegate.understand.sensitive import secret_kind
from changegate.understand.sql import (
    POSTGRES,
    SqlTarget,
    escalate_by_name,
    load_parser,
    parse_db_url,
    place_host,
    redact_url,
    sql_effects,
    sqlite_target,
    target_from_url,
)

MAX_INCLUDE_DEPTH = 4  # \i, source, .read inside scripts read by scripts
MAX_CONFIG_BYTES = 64 * 1024
MAX_CLIENT_COMMANDS = 2000  # lines of redis or mongo commands looked at


# --- shared helpers --------------------------------------------------------------------------------------

def getenv_url(ctx: Context, name: str) -> str | None:
    """A variable holding a URL: recorded for the action hash with its password replaced."""
    value = ctx.env.get(name)
    if value:
        ctx.consulted.setdefault(f"env:{name}", redact_url(value))
    return value or None


def option_sequence(words: Sequence[Word], takes_value: frozenset[str], wanted: frozenset[str]) -> list[tuple[str, str]]:
    """The `wanted` options with their values in the order written (psql runs -c and -f in order)."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(words):
        arg = words[i].value
        if arg == "--":
            break
        name, eq, inline = arg.partition("=")
        if arg.startswith("--") and eq:
            if name in wanted:
                out.append((name, inline))
        elif arg in takes_value:
            if arg in wanted and i + 1 < len(words):
                out.append((arg, words[i + 1].value))
            i += 1
        elif arg.startswith("-") and not arg.startswith("--") and len(arg) > 2 and arg[:2] in wanted:
            out.append((arg[:2], arg[2:]))  # -cSQL: a short option with its value glued on
        i += 1
    return out


def implicit_server(environments: Environments, tool: str, database: str, how: str) -> Placement:
    """No host anywhere: the database's name is the only signal; otherwise unknown."""
    if database and database != "?":
        named = environments.mapped("names", database) or environments.by_name(database)
        if named:
            return Placement(named, f"{tool} names no server; database {database!r} is named like {named}")
    return Placement(UNKNOWN, f"{tool} names no server, so it uses {how} of the machine it runs on, which "
                              "changegate cannot place (unknown is treated as prod; say -h localhost for a local "
                              "database)")


def host_target(inv: Invocation, host: str | None, database: str, tool: str, how: str, source: str,
                dialect: str | None) -> SqlTarget:
    environments = inv.ctx.environments
    if inv.ctx.remote_placement is not None and (not host or host in ("localhost", "127.0.0.1", "::1")):
        # over ssh or in a container, "localhost" is that machine
        return SqlTarget(host or "default", database or "?", inv.ctx.remote_placement, dialect)
    if host:
        placement = escalate_by_name(place_host(host, environments, source), database, environments, "database")
        if placement.environment == UNKNOWN and database:
            named = environments.by_name(database)
            if named:
                placement = Placement(named, f"database {database!r} on {host} is named like {named}")
        shown = LOCAL_SOCKET if host.startswith("/") else host
        return SqlTarget(shown, database or "?", placement, dialect)
    return SqlTarget("default", database or "?", implicit_server(environments, tool, database, how), dialect)


LOCAL_SOCKET = "socket"


def read_client_file(inv: Invocation, raw: str) -> str | None:
    """A file a client reads (psql -f, mysql source, .read): written earlier in this command line, or small and on
    disk; None when it cannot be read."""
    if raw in ("-", "/dev/stdin"):
        stdin = inv.stdin
        return stdin.text if stdin is not None and not stdin.opaque else None
    stream = inv.walker.file_stream(raw, inv.ctx)
    return stream.text


def not_read(inv: Invocation, target: SqlTarget, what: str, family: str) -> Effect:
    """SQL that would run but cannot be seen: ask, placed where it would run."""
    return inv.effect("unknown", target.prefix, target.placement, kind="database", family=family,
                      reversible="unknown", tags=("not-understood", "sql-unread"),
                      summary=f"runs SQL that cannot be read before it runs ({what})",
                      suggestions=("save the SQL to a file in the workspace and pass it with -f, so it can be read",))


def interactive(inv: Invocation, target: SqlTarget, family: str) -> Effect:
    return inv.effect("unknown", target.prefix, target.placement, kind="database", family=family,
                      reversible="unknown", summary=f"opens an interactive {inv.name} session on {target.prefix[4:]}")


def stdin_sql(inv: Invocation) -> tuple[str | None, str]:
    """SQL arriving on stdin: its text, or why it cannot be read."""
    stdin = inv.stdin
    if stdin is None:
        return None, ""
    if stdin.text is not None and not stdin.opaque:
        return stdin.text, stdin.origin or "stdin"
    return None, stdin.origin or "stdin whose content is only known at run time"


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

    def sql(self, text: str, evidence: str = "") -> None:
        if not text.strip():
            return
        t = self.target
        dialect = t.dialect if t.dialect is not None else POSTGRES
        self.inv.walker.deadline += load_parser(dialect)
        self.effects.extend(sql_effects(text, dialect, t.placement, t.prefix, self.family,
                                        environments=self.inv.ctx.environments, server=t.server,
                                        evidence=evidence or self.inv.text))

    def local_file(self, operation: Operation, raw: str, summary: str) -> None:
        self.effects.append(self.inv.fs(operation, raw, reversible="unknown", summary=summary,
                                        tags=("overwrite",) if operation == "modify" else ()))

    def shell(self, command: str, origin: str) -> None:
        if command.strip():
            self.inv.run_script(command, origin=origin)
        else:
            self.effects.append(self.inv.effect("unknown", "cmd:shell", self.inv.arguments_placement(),
                                                summary=f"opens an interactive shell from {self.inv.name}"))

    def opaque(self, what: str) -> None:
        t = self.target
        self.effects.append(self.inv.effect("execute_opaque", t.prefix, t.placement, kind="code", family=self.family,
                                            reversible="unknown", summary=f"runs code that cannot be read: {what}"))

    def unreadable(self, what: str) -> None:
        self.effects.append(not_read(self.inv, self.target, what, self.family))

    def from_stdin(self, run: Callable[[str], None]) -> None:
        """No statements on the command line: the client reads its script from stdin — run it where it is
        known, say so where it cannot be read, and an interactive session where there is none."""
        text, origin = stdin_sql(self.inv)
        if text is not None:
            run(text)
        elif origin:
            self.unreadable(origin)
        else:
            self.effects.append(interactive(self.inv, self.target, self.family))

    def include(self, raw: str, run: Callable[[str], None], what: str) -> None:
        if self.depth >= MAX_INCLUDE_DEPTH:
            self.unreadable(f"{what} {raw} nests more than {MAX_INCLUDE_DEPTH} files deep")
            return
        text = read_client_file(self.inv, raw)
        if text is None:
            self.unreadable(f"{what} {raw}, which cannot be read")
            return
        self.depth += 1
        try:
            run(text)
        finally:
            self.depth -= 1


# --- psql (and usql, which takes the same backslash commands) ------------------------------------------------

@dataclass(slots=True)
class Piece:
    kind: str  # "sql" or "meta"
    text: str


META_QUOTE = re.compile(r"'((?:[^'\\]|\\.|'')*)'")


def split_psql(text: str, variables: dict[str, str]) -> list[Piece]:
    """A psql script as SQL and backslash commands, in order. Quotes, dollar quotes and comments are skipped
    over (a backslash inside them is SQL); `:name`, `:'name'`, `:"name"` are filled from the variables."""
    pieces: list[Piece] = []
    sql: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "'" or c == '"':
            end = quoted_end(text, i, c, escapes=c == "'" and i > 0 and text[i - 1] in "eE")
            sql.append(text[i:end])
            i = end
        elif c == "$" and (m := re.compile(r"\$[A-Za-z_]*\$").match(text, i)):
            close = text.find(m.group(0), m.end())
            end = n if close < 0 else close + len(m.group(0))
            sql.append(text[i:end])
            i = end
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif c == ":" and (m := re.compile(r":(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1").match(text, i)) and \
                not text.startswith("::", i) and (i == 0 or text[i - 1] != ":") and m.group(2) in variables:
            value = variables[m.group(2)]
            quote = m.group(1)
            sql.append(f"{quote}{value.replace(quote, quote * 2)}{quote}" if quote else value)
            i = m.end()
        elif c == "\\":
            end = text.find("\n", i)
            line = text[i:n if end < 0 else end]
            separator = line.find("\\\\", 1)
            if separator > 0:
                line = line[:separator]
                end = i + separator + 2
            if sql and "".join(sql).strip():
                pieces.append(Piece("sql", "".join(sql)))
            sql = []
            pieces.append(Piece("meta", line))
            i = n if end < 0 else end
        else:
            sql.append(c)
            i += 1
    if sql and "".join(sql).strip():
        pieces.append(Piece("sql", "".join(sql)))
    return pieces


def quoted_end(text: str, i: int, quote: str, *, escapes: bool) -> int:
    j, n = i + 1, len(text)
    while j < n:
        if escapes and text[j] == "\\":
            j += 2
            continue
        if text[j] == quote:
            if j + 1 < n and text[j + 1] == quote:
                j += 2
                continue
            return j + 1
        j += 1
    return n


def meta_words(line: str) -> list[str]:
    try:
        return shlex.split(line, posix=True)
    except ValueError:
        return line.split()


# Backslash commands that only show, format or set session state.
PSQL_READS = frozenset({
    "a", "C", "cd", "conninfo", "copyright", "crosstabview", "d", "da", "dA", "dAc", "dAf", "dAo", "dAp", "db",
    "dc", "dconfig", "dC", "dd", "dD", "ddp", "dE", "di", "dm", "dy", "des", "det", "deu", "dew", "df", "dF",
    "dFd", "dFp", "dFt", "dg", "dl", "dL", "dn", "do", "dO", "dp", "dP", "drds", "drg", "dRp", "dRs", "ds", "dS",
    "dt", "dT", "du", "dv", "dx", "dX", "echo", "encoding", "errverbose", "f", "gdesc", "getenv", "gset", "H",
    "h", "help", "if", "elif", "else", "endif", "l", "list", "lo_list", "p", "print", "prompt", "pset", "q",
    "qecho", "quit", "r", "reset", "s", "set", "setenv", "sf", "sv", "t", "T", "timing", "unset", "warn", "watch",
    "x", "z", "?", "bind", "bind_named", "parse", "close", "close_prepared", "startpipeline", "endpipeline",
    "syncpipeline", "sendpipeline", "flushrequest", "flush", "getresults", "restrict", "unrestrict", "g", "gx",
})


class Psql(Cli):
    FAMILY = "psql"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "-c", "--command", "-d", "--dbname", "-f", "--file", "-h", "--host", "-p", "--port", "-U", "--username",
        "-v", "--set", "--variable", "-o", "--output", "-L", "--log-file", "-P", "--pset", "-F",
        "--field-separator", "-R", "--record-separator", "-T", "--table-attr",
    })

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        session = Session(inv, self.target(inv, opts), self.FAMILY, variables=self.variables(opts))
        if opts.has("-l", "--list", "-V", "--version", "--help", "-?"):
            return [self.read_only(inv, session.target, "lists databases or prints its version")]
        for path in opts.values("-o", "--output", "-L", "--log-file"):
            session.local_file("modify", path, f"writes query output to {path}")
        commands = option_sequence(inv.words, self.VALUE_OPTIONS, frozenset({"-c", "--command", "-f", "--file"}))
        for flag, value in commands:
            if flag in ("-c", "--command"):
                if value.lstrip().startswith("\\"):
                    self.script(session, value)
                else:
                    session.sql(value, value)  # -c is wholly SQL for the server, backslashes included
            else:
                session.include(value, lambda text: self.script(session, text), "psql -f")
        if not commands:
            session.from_stdin(lambda text: self.script(session, text))
        return session.effects

    @staticmethod
    def read_only(inv: Invocation, target: SqlTarget, what: str) -> Effect:
        return inv.effect("read", target.prefix, target.placement, kind="database", reversible="yes",
                          family=inv.name, summary=f"{inv.name} {what}")

    @staticmethod
    def variables(opts: Options) -> dict[str, str]:
        out: dict[str, str] = {}
        for assignment in opts.values("-v", "--set", "--variable"):
            name, _, value = assignment.partition("=")
            out[name] = value
        return out

    def target(self, inv: Invocation, opts: Options) -> SqlTarget:
        conn = opts.value("-d", "--dbname") or (opts.positionals[0] if opts.positionals else None)
        return pg_target(inv, opts.value("-h", "--host"), conn, opts.value("-U", "--username"), "psql")

    def script(self, session: Session, text: str) -> None:
        buffer: list[str] = []
        for piece in split_psql(text, session.variables):
            if piece.kind == "sql":
                buffer.append(piece.text)
                continue
            words = meta_words(piece.text[1:])
            name = words[0] if words else ""
            if name in ("g", "gx", "gset", "gdesc", "crosstabview", "watch", "gexec") or name.startswith("g"):
                buffer.append(";")
            self.flush(session, buffer)
            buffer = []
            self.meta(session, name, words[1:], piece.text)
        self.flush(session, buffer)

    @staticmethod
    def flush(session: Session, buffer: list[str]) -> None:
        text = "".join(buffer)
        if text.strip(" \t\r\n;"):
            session.sql(text)

    def meta(self, session: Session, name: str, args: list[str], line: str) -> None:
        inv = session.inv
        rest = line.split(None, 1)[1] if len(line.split(None, 1)) > 1 else ""
        if name in ("!",) or line.startswith("\\!"):
            session.shell(line[2:].strip(), "psql \\!")
        elif name in ("i", "include", "ir", "include_relative"):
            if args:
                session.include(args[0], lambda text: self.script(session, text), f"\\{name}")
        elif name in ("c", "connect"):
            session.target = self.reconnect(session, args)
        elif name in ("o", "out", "w", "write") or (name.startswith("g") and args):
            self.output(session, rest or " ".join(args), f"\\{name}")
        elif name == "gexec":
            session.opaque("\\gexec runs each value of a query's result as SQL")
        elif name == "copy":
            self.copy(session, rest)
        elif name in ("set",) and args:
            session.variables[args[0]] = "".join(args[1:])
        elif name == "unset" and args:
            session.variables.pop(args[0], None)
        elif name == "password":
            t = session.target
            session.effects.append(inv.effect("permission", f"{t.server}/role/{args[0] if args else '?'}",
                                              t.placement, kind="role", family=self.FAMILY,
                                              summary="changes a database password (\\password)"))
        elif name in ("lo_import",):
            t = session.target
            session.effects.append(inv.effect("create", f"{t.prefix}/large-object", t.placement, kind="large object",
                                              family=self.FAMILY, reversible="yes",
                                              summary=f"loads {args[0] if args else 'a file'} into the database"))
        elif name in ("lo_export",) and len(args) > 1:
            session.local_file("modify", args[1], f"writes a large object to {args[1]}")
        elif name in ("lo_unlink",):
            t = session.target
            session.effects.append(inv.effect("delete", f"{t.prefix}/large-object", t.placement, kind="large object",
                                              family=self.FAMILY, summary="deletes a large object"))
        elif name in ("e", "edit", "ef", "ev"):
            session.effects.append(interactive(inv, session.target, self.FAMILY))
        elif name in PSQL_READS or name.startswith(("d", "s")):
            return
        else:
            session.unreadable(f"the psql command \\{name} is not one changegate knows")

    def output(self, session: Session, target: str, what: str) -> None:
        target = target.strip()
        if target.startswith("|"):
            session.shell(target[1:], f"psql {what} |")
        elif target:
            session.local_file("modify", meta_words(target)[0] if meta_words(target) else target,
                               f"writes query output to {target} ({what})")

    def copy(self, session: Session, rest: str) -> None:
        """\\copy table|(query) from|to 'file'|program 'cmd'|stdin|stdout — run by the client, on this machine."""
        words = meta_words(rest)
        lowered = [w.lower() for w in words]
        direction = next((w for w in lowered if w in ("from", "to")), "")
        if not direction:
            session.unreadable(f"\\copy {rest[:60]}")
            return
        at = lowered.index(direction)
        table = " ".join(words[:at]) or "?"
        source = words[at + 1] if at + 1 < len(words) else ""
        if source.lower() == "program" and at + 2 < len(words):
            session.shell(words[at + 2], "psql \\copy … program")
        t = session.target
        if direction == "from":
            session.effects.append(session.inv.effect(
                "create", f"{t.prefix}/table/{table}", t.placement, kind="rows", scope="many", family=self.FAMILY,
                reversible="yes", summary=f"loads rows into {table} (\\copy from {source})"))
        else:
            if source.lower() not in ("stdout", "pstdout", "program") and source:
                session.local_file("modify", source, f"writes {table} to {source} (\\copy to)")
            session.effects.append(session.inv.effect(
                "read", f"{t.prefix}/table/{table}", t.placement, kind="table", family=self.FAMILY,
                reversible="yes", summary=f"reads {table} (\\copy to)"))

    @staticmethod
    def reconnect(session: Session, args: list[str]) -> SqlTarget:
        """\\c [dbname|conninfo [user [host [port]]]]: unspecified parts stay as they were."""
        current = session.target
        if not args or args[0] == "-":
            return current
        if "://" in args[0] or "=" in args[0]:
            return pg_target(session.inv, None, args[0], None, "psql \\c")
        host = args[2] if len(args) > 2 and args[2] != "-" else (None if current.host in ("default",) else
                                                                  current.host)
        return host_target(session.inv, host, args[0], "psql", "the default local socket", "host", POSTGRES)


def pg_target(inv: Invocation, host: str | None, conn: str | None, user: str | None, tool: str) -> SqlTarget:
    """Where a libpq client connects: -h and -d/positional (a name, URI or conninfo), then PG* variables."""
    ctx = inv.ctx
    database = ""
    if conn and ("://" in conn or "=" in conn):
        parsed = parse_db_url(conn)
        if parsed is None:
            return SqlTarget("?", "?", Placement(UNKNOWN, f"the connection string {redact_url(conn)!r} cannot be read"))
        if parsed.hosts and not host:
            if inv.ctx.remote_placement is None:
                target = target_from_url(conn, ctx.environments, "connection URL", ctx.workspace, ctx.cwd)
                return SqlTarget(target.host, target.database, target.placement, POSTGRES)
            host = parsed.host
        database = parsed.database
    elif conn:
        database = conn
    service = ctx.getenv("PGSERVICE")
    host = host or getenv_url(ctx, "PGHOST") or getenv_url(ctx, "PGHOSTADDR")
    database = database or ctx.getenv("PGDATABASE") or ""
    if not host and service:
        placement = ctx.environments.classify("names", service, "PGSERVICE")
        return SqlTarget(f"service={service}", database or "?", placement, POSTGRES)
    target = host_target(inv, host, database, tool, "the default local socket", "host", POSTGRES)
    if not database:
        # libpq's default database is the user's name: shown in resources, but a user called "dev" says
        # nothing about the environment, so it is not used to place the target
        return replace(target, database=user or ctx.env.get("PGUSER") or ctx.env.get("USER") or "?")
    return target


# --- mysql / mariadb -----------------------------------------------------------------------------------------

MYSQL_TAKES_VALUE = frozenset({
    "-h", "--host", "-P", "--port", "-u", "--user", "-D", "--database", "-e", "--execute", "-S", "--socket",
    "--defaults-file", "--defaults-extra-file", "--defaults-group-suffix", "--login-path", "--protocol",
    "--default-character-set", "--init-command", "--connect-timeout", "--max-allowed-packet", "--delimiter",
    "--pager", "--tee", "--plugin-dir", "--default-auth", "--ssl-ca", "--ssl-cert", "--ssl-key", "--ssl-mode",
    "--ssl-capath", "--ssl-cipher", "--tls-version", "--bind-address", "--result-file", "-r", "--where", "-w",
    "--tables", "--ignore-table", "--compress-algorithms", "--net-buffer-length", "--character-sets-dir",
})
MYSQL_CLIENT_READS = frozenset({"status", "help", "?", "warnings", "nowarning", "charset", "prompt", "print",
                                "rehash", "notee", "nopager", "clear", "go", "ego", "resetconnection", "quit",
                                "exit", "query_attributes", "ssl_session_data_print"})


def without_password(words: Sequence[Word]) -> list[Word]:
    """mysql's `-pSECRET` carries the password glued to -p (and `-p` alone prompts): neither is an option
    parse_options can split, and neither says anything about what runs."""
    out: list[Word] = []
    for w in words:
        v = w.value
        if v == "-p" or (v.startswith("-p") and not v.startswith("--")) or v.startswith("--password"):
            continue
        out.append(w)
    return out


def my_cnf(inv: Invocation) -> dict[str, str]:
    """[client]/[mysql] host and database from the agent's ~/.my.cnf, which the client reads."""
    home = inv.ctx.home
    if not home:
        return {}
    stream = inv.walker.file_stream(posixpath.join(home, ".my.cnf"), inv.ctx)
    if stream.text is None or len(stream.text) > MAX_CONFIG_BYTES:
        return {}
    parser = configparser.ConfigParser(strict=False, allow_no_value=True, interpolation=None)
    try:
        parser.read_string(stream.text)
    except configparser.Error:
        return {}
    out: dict[str, str] = {}
    for section in ("client", "mysql"):
        if parser.has_section(section):
            for key in ("host", "database", "socket"):
                value = parser.get(section, key, fallback=None)
                if value:
                    out[key] = value.strip("'\"")
    if out:
        inv.ctx.consulted.setdefault("file:~/.my.cnf", ",".join(f"{k}={v}" for k, v in sorted(out.items())))
    return out


def mysql_target(inv: Invocation, opts: Options, database: str = "") -> SqlTarget:
    ctx = inv.ctx
    database = database or opts.value("-D", "--database") or ""
    if not database and opts.positionals:
        database = opts.positionals[0]
    host = opts.value("-h", "--host") or ctx.getenv("MYSQL_HOST")
    socket = opts.value("-S", "--socket")
    if not host and not socket:
        config = my_cnf(inv)
        host = config.get("host")
        socket = config.get("socket")
        database = database or config.get("database", "")
    if not host and socket:
        host = socket if socket.startswith("/") else None
    if not host and opts.has("--defaults-file", "--defaults-extra-file", "--login-path"):
        return SqlTarget("default", database or "?", Placement(
            UNKNOWN, "the server comes from a config file or login path changegate does not read"), "mysql")
    return host_target(inv, host, database, inv.name, "the default local socket", "host", "mysql")


class Mysql(Cli):
    FAMILY = "mysql"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = MYSQL_TAKES_VALUE

    def analyze(self, inv: Invocation) -> list[Effect]:
        words = without_password(inv.words)
        opts = self.walk(words)
        session = Session(inv, mysql_target(inv, opts), self.FAMILY)
        session.target = replace(session.target, dialect="mysql")
        if opts.has("-V", "--version", "--help", "-?"):
            return [Psql.read_only(inv, session.target, "prints its version")]
        for path in opts.values("--tee"):
            session.local_file("modify", path, f"writes the session to {path}")
        statements = opts.values("-e", "--execute")
        for statement in statements:
            self.script(session, statement)
        if not statements:
            session.from_stdin(lambda text: self.script(session, text))
        return session.effects

    def script(self, session: Session, text: str) -> None:
        """SQL with the client's own commands, which it recognises at the start of a line (`source f`,
        `system cmd`, `use db`, `delimiter //`) or as `\\x` shortcuts."""
        delimiter = ";"
        buffer: list[str] = []
        for line in text.splitlines()[:100_000]:
            stripped = line.strip()
            words = meta_words(stripped) if stripped else []
            head = words[0].lower().rstrip(";") if words else ""
            at_start = not "".join(buffer).strip()
            if at_start and (head in MYSQL_CLIENT_COMMANDS or stripped.startswith("\\")):
                command = head if head in MYSQL_CLIENT_COMMANDS else MYSQL_SHORTCUTS.get(stripped[:2], stripped[:2])
                args = words[1:] if head in MYSQL_CLIENT_COMMANDS else meta_words(stripped[2:])
                if command == "delimiter":
                    delimiter = args[0] if args else ";"
                    continue
                self.client_command(session, command, args, stripped)
                continue
            buffer.append(line if delimiter == ";" else line.replace(delimiter, ";\n"))
        rest = "\n".join(buffer)
        if rest.strip():
            session.sql(rest)

    def client_command(self, session: Session, command: str, args: list[str], line: str) -> None:
        if command == "source":
            if args:
                session.include(args[0].rstrip(";"), lambda text: self.script(session, text), "source")
        elif command == "system":
            session.shell(line.split(None, 1)[1] if " " in line else "", "mysql system")
        elif command == "use":
            database = args[0].rstrip(";").strip("`") if args else ""
            t = session.target
            placement = escalate_by_name(t.placement, database, session.inv.ctx.environments, "database")
            session.target = replace(t, database=database or t.database, placement=placement)
        elif command == "connect":
            database = args[0] if args else session.target.database
            host = args[1] if len(args) > 1 else None
            if host:
                session.target = host_target(session.inv, host, database, "mysql", "the default local socket",
                                             "host", "mysql")
            else:
                session.target = replace(session.target, database=database)
        elif command == "tee":
            if args:
                session.local_file("modify", args[0], f"writes the session to {args[0]}")
        elif command == "pager":
            if args:
                session.shell(" ".join(args), "mysql pager")
        elif command == "edit":
            session.effects.append(interactive(session.inv, session.target, self.FAMILY))
        elif command not in MYSQL_CLIENT_READS:
            session.unreadable(f"the mysql client command {line[:40]!r}")


MYSQL_CLIENT_COMMANDS = frozenset({"source", "system", "use", "delimiter", "connect", "tee", "pager", "edit",
                                   *MYSQL_CLIENT_READS})
MYSQL_SHORTCUTS = {"\\.": "source", "\\!": "system", "\\u": "use", "\\d": "delimiter", "\\r": "connect",
                   "\\T": "tee", "\\P": "pager", "\\e": "edit", "\\q": "quit", "\\s": "status", "\\G": "go",
                   "\\g": "go", "\\c": "clear", "\\n": "nopager", "\\t": "notee", "\\p": "print", "\\h": "help",
                   "\\?": "help", "\\W": "warnings", "\\w": "nowarning", "\\C": "charset", "\\R": "prompt",
                   "\\#": "rehash", "\\x": "resetconnection"}


# --- sqlite3 ---------------------------------------------------------------------------------------------------

# Databases that hold credentials or session cookies: reading them is reading secrets.
CREDENTIAL_DATABASES = frozenset({"login data", "login data for account", "cookies", "web data", "key4.db",
                                  "key3.db", "cookies.sqlite", "logins.json", "signons.sqlite", "keychain-2.db",
                                  "accounts4.sqlite", "credentials.db", "access_tokens.db"})
SQLITE_READS = frozenset({"tables", "schema", "indexes", "indices", "databases", "dbinfo", "show", "headers",
                          "header", "mode", "width", "timer", "help", "quit", "exit", "print", "prompt", "echo",
                          "explain", "eqp", "fullschema", "lint", "stats", "changes", "nullvalue", "separator",
                          "bail", "timeout", "version", "vfsinfo", "vfslist", "vfsname", "dump", "sha3sum",
                          "selftest", "check", "expert", "parameter", "limit", "crnl", "binary", "scanstats",
                          "recover", "progress", "nonce", "dbconfig", "trace", "cd"})


class Sqlite(Cli):
    FAMILY = "sqlite3"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "-cmd", "--cmd", "-init", "--init", "-separator", "--separator", "-nullvalue", "--nullvalue", "-newline",
        "--newline", "-mmap", "--mmap", "-maxsize", "--maxsize", "-vfs", "--vfs", "-nonce", "--nonce", "-A",
        "-escape", "--escape", "-pagecache", "-lookaside", "-heap",
    })

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words, self.VALUE_OPTIONS, long_single_dash=True)
        path = opts.positionals[0] if opts.positionals else ""
        session = Session(inv, self.target(inv, path), self.FAMILY)
        if opts.has("-version", "--version", "-help", "--help"):
            return [Psql.read_only(inv, session.target, "prints its version")]
        for init in opts.values("-init", "--init"):
            session.include(init, lambda text: self.script(session, text), "-init")
        for command in opts.values("-cmd", "--cmd"):
            self.script(session, command)
        statements = opts.positionals[1:]
        for statement in statements:
            self.script(session, statement)
        if not statements:
            text, origin = stdin_sql(inv)
            if text is not None:
                self.script(session, text)
            elif origin:
                session.unreadable(origin)
            elif not opts.values("-cmd", "--cmd"):
                session.effects.append(interactive(inv, session.target, self.FAMILY))
        return self.as_secret_reads(session) if self.holds_credentials(inv, path) else session.effects

    @staticmethod
    def target(inv: Invocation, raw: str) -> SqlTarget:
        path = raw
        if path.startswith("file:"):
            path = path[5:].split("?", 1)[0]
        if not path:
            return sqlite_target(":memory:", inv.ctx.environments, inv.ctx.workspace, inv.ctx.cwd)
        resolved = inv.ctx.resolve(path) or path
        placement = inv.ctx.place_path(resolved) if resolved.startswith("/") else Placement(UNKNOWN, "a path only "
                                                                                           "known at run time")
        return SqlTarget("sqlite", resolved, placement, "sqlite")

    @staticmethod
    def holds_credentials(inv: Invocation, raw: str) -> bool:
        path = inv.ctx.resolve(raw.removeprefix("file:").split("?", 1)[0]) or ""
        return bool(path) and (posixpath.basename(path).lower() in CREDENTIAL_DATABASES or
                               secret_kind(path, inv.ctx.home) is not None)

    @staticmethod
    def as_secret_reads(session: Session) -> list[Effect]:
        out = []
        for e in session.effects:
            if e.operation == "read":
                e = msgspec.structs.replace(e, operation="secret_read", tags=(*e.tags, "credential-store"),
                            summary=f"reads a database that holds credentials or cookies ({e.summary})")
            out.append(e)
        return out

    def script(self, session: Session, text: str) -> None:
        buffer: list[str] = []
        for line in text.splitlines()[:100_000]:
            stripped = line.strip()
            if stripped.startswith(".") and not "".join(buffer).strip():
                self.dot(session, stripped)
                continue
            buffer.append(line)
        rest = "\n".join(buffer)
        if rest.strip():
            session.sql(rest)

    def dot(self, session: Session, line: str) -> None:
        words = meta_words(line[1:])
        name = words[0].lower() if words else ""
        args = words[1:]
        t = session.target
        inv = session.inv
        if name in ("shell", "system"):
            session.shell(line.split(None, 1)[1] if " " in line else "", f"sqlite3 .{name}")
        elif name == "read" and args:
            if args[0].startswith("|"):
                session.shell(args[0][1:], "sqlite3 .read |")
                session.opaque("SQL produced by a command (.read |)")
            else:
                session.include(args[0], lambda text: self.script(session, text), ".read")
        elif name in ("output", "out", "once", "log", "iotrace", "backup", "save", "clone") and args:
            target = args[-1]
            if target.startswith("|"):
                session.shell(target[1:], f"sqlite3 .{name} |")
            elif target not in ("stdout", "stderr", "off", "-x", "-e"):
                session.local_file("modify", target, f"writes {target} (.{name})")
        elif name == "import" and len(args) >= 2:
            session.effects.append(inv.effect("create", f"{t.prefix}/table/{args[-1]}", t.placement, kind="rows",
                                              scope="many", reversible="yes", family=self.FAMILY,
                                              summary=f"loads {args[-2]} into {args[-1]} (.import)"))
        elif name == "restore":
            session.effects.append(inv.effect("replace", t.prefix, t.placement, kind="database", scope="all",
                                              data_loss=True, family=self.FAMILY,
                                              summary="replaces the whole database with a backup (.restore)"))
        elif name == "open":
            path = next((a for a in args if not a.startswith("-")), "")
            session.target = self.target(inv, path)
        elif name == "load":
            session.opaque(f"loads the extension {args[0] if args else '?'} into sqlite3 (.load)")
        elif name in ("excel", "edit", "connection", "session", "testctrl", "filectrl", "imposter", "archive",
                      "ar", "unmodule"):
            session.unreadable(f"the sqlite3 command .{name}")
        elif name not in SQLITE_READS:
            session.unreadable(f"the sqlite3 command .{name} is not one changegate knows")


# --- redis-cli ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RedisVerb:
    operation: Operation
    what: str
    scope: Scope = "one"
    data_loss: bool = False
    whole: bool = False
    keys: str = "first"  # which arguments are keys: "first", "all", "pairs" (MSET), "none"


def _verbs(names: str, verb: RedisVerb) -> dict[str, RedisVerb]:
    return dict.fromkeys(names.upper().split(), verb)


REDIS_VERBS: dict[str, RedisVerb] = {
    **_verbs("get mget getrange strlen exists type ttl pttl expiretime pexpiretime keys scan hget hgetall hmget "
             "hkeys hvals hlen hexists hscan hstrlen hrandfield lrange llen lindex lpos smembers sismember smismember "
             "scard sscan srandmember sinter sunion sdiff sintercard zrange zrangebyscore zrangebylex zrevrange "
             "zrevrangebyscore zscore zmscore zcard zcount zlexcount zrank zrevrank zscan zrandmember zinter zunion "
             "zdiff xrange xrevrange xlen xread xinfo xpending info ping echo dbsize time lastsave monitor slowlog "
             "memory object dump randomkey pubsub subscribe psubscribe ssubscribe command latency role hello auth "
             "select bitcount getbit bitpos pfcount geopos geodist georadius_ro georadiusbymember_ro geosearch "
             "geohash wait waitaof readonly readwrite lolwut touch substr lcs sort_ro eval_ro evalsha_ro fcall_ro "
             "json.get json.mget json.type json.strlen json.arrlen json.objkeys json.objlen ft.search ft.info "
             "ft.aggregate ft._list ft.explain ts.get ts.mget ts.range ts.revrange ts.mrange ts.info bf.exists "
             "cf.exists quit reset multi exec discard watch unwatch asking",
             RedisVerb("read", "reads", keys="none")),
    **_verbs("set setex psetex setnx append incr incrby decr decrby incrbyfloat getset getex hset hsetnx hmset "
             "hincrby hincrbyfloat lpush rpush lpushx rpushx lset linsert lmove blmove rpoplpush brpoplpush sadd smove "
             "zadd zincrby xadd xgroup xack xclaim xautoclaim xsetid persist setrange setbit bitfield bitop pfadd "
             "pfmerge geoadd restore sort copy json.set json.arrappend json.arrinsert json.numincrby json.merge "
             "ts.add ts.madd ts.create bf.add cf.add publish spublish sinterstore sunionstore sdiffstore zunionstore "
             "zinterstore zdiffstore zrangestore georadius georadiusbymember geosearchstore lpop rpop blpop brpop "
             "lmpop blmpop spop zpopmin zpopmax bzpopmin bzpopmax zmpop bzmpop srem zrem hdel lrem ltrim xtrim xdel "
             "zremrangebyscore zremrangebyrank zremrangebylex json.arrpop json.arrtrim json.clear",
             RedisVerb("modify", "changes")),
    **_verbs("mset msetnx", RedisVerb("modify", "changes", scope="many", keys="pairs")),
    **_verbs("rename renamenx move", RedisVerb("modify", "renames or moves")),
    **_verbs("del unlink getdel json.del json.forget", RedisVerb("delete", "deletes", keys="all")),
    **_verbs("expire expireat pexpire pexpireat", RedisVerb("delete", "sets to expire (the key will be deleted)")),
    **_verbs("migrate", RedisVerb("delete", "moves keys to another server (they leave this one)", scope="many",
                                  keys="none")),
    "FLUSHDB": RedisVerb("delete", "deletes every key of the database (FLUSHDB)", "all", True, True, "none"),
    "FLUSHALL": RedisVerb("delete", "deletes every key of every database on the server (FLUSHALL)", "all", True,
                          True, "none"),
    "SWAPDB": RedisVerb("replace", "swaps two whole databases", "all", True, True, "none"),
    **_verbs("replicaof slaveof", RedisVerb("delete", "makes the server a replica: it discards its own data",
                                            "all", True, True, "none")),
    **_verbs("shutdown debug failover bgsave save bgrewriteaof", RedisVerb("host_control", "controls the server",
                                                                           keys="none")),
    **_verbs("eval evalsha fcall", RedisVerb("execute_opaque", "runs a Lua script on the server", keys="none")),
    **_verbs("psync sync", RedisVerb("read", "reads the whole dataset as a replica", keys="none")),
}
# Verbs whose subcommand decides: (verb, subcommand) -> effect; a missing pair is a read.
REDIS_SUBCOMMANDS: dict[tuple[str, str], RedisVerb] = {
    ("CONFIG", "SET"): RedisVerb("host_control", "changes the server configuration (CONFIG SET)", keys="none"),
    ("CONFIG", "REWRITE"): RedisVerb("host_control", "rewrites the server's config file", keys="none"),
    ("CONFIG", "RESETSTAT"): RedisVerb("modify", "resets server statistics", keys="none"),
    ("CLIENT", "KILL"): RedisVerb("host_control", "disconnects clients (CLIENT KILL)", "many", keys="none"),
    ("CLIENT", "PAUSE"): RedisVerb("host_control", "pauses every client (CLIENT PAUSE)", "all", keys="none"),
    ("SCRIPT", "FLUSH"): RedisVerb("delete", "deletes every cached Lua script", "all", keys="none"),
    ("SCRIPT", "KILL"): RedisVerb("host_control", "kills the running script", keys="none"),
    ("SCRIPT", "LOAD"): RedisVerb("create", "loads a Lua script", keys="none"),
    ("FUNCTION", "FLUSH"): RedisVerb("delete", "deletes every function library", "all", keys="none"),
    ("FUNCTION", "DELETE"): RedisVerb("delete", "deletes a function library", keys="none"),
    ("FUNCTION", "LOAD"): RedisVerb("create", "loads a function library (code run later)", keys="none"),
    ("FUNCTION", "RESTORE"): RedisVerb("replace", "replaces the function libraries", keys="none"),
    ("MODULE", "LOAD"): RedisVerb("execute_opaque", "loads a native module into the server", keys="none"),
    ("MODULE", "LOADEX"): RedisVerb("execute_opaque", "loads a native module into the server", keys="none"),
    ("MODULE", "UNLOAD"): RedisVerb("host_control", "unloads a module", keys="none"),
    ("ACL", "SETUSER"): RedisVerb("permission", "creates or changes a user (ACL SETUSER)", keys="none"),
    ("ACL", "DELUSER"): RedisVerb("permission", "deletes users (ACL DELUSER)", keys="none"),
    ("ACL", "LOAD"): RedisVerb("permission", "reloads the users from the ACL file", keys="none"),
    ("ACL", "SAVE"): RedisVerb("permission", "saves the users to the ACL file", keys="none"),
    ("CLUSTER", "RESET"): RedisVerb("delete", "resets a cluster node (a hard reset drops its data)", "all", True,
                                    keys="none"),
    ("CLUSTER", "FLUSHSLOTS"): RedisVerb("host_control", "removes every slot from the node", "all", keys="none"),
    ("CLUSTER", "FORGET"): RedisVerb("host_control", "removes a node from the cluster", keys="none"),
    ("CLUSTER", "FAILOVER"): RedisVerb("host_control", "fails the cluster over", keys="none"),
    ("CLUSTER", "DELSLOTS"): RedisVerb("host_control", "removes slots from the node", "many", keys="none"),
    ("CLUSTER", "SETSLOT"): RedisVerb("host_control", "moves slots between nodes", keys="none"),
    ("CLUSTER", "MEET"): RedisVerb("host_control", "joins a node to the cluster", keys="none"),
    ("XGROUP", "DESTROY"): RedisVerb("delete", "destroys a consumer group"),
    ("MEMORY", "PURGE"): RedisVerb("modify", "purges allocator memory", keys="none"),
    ("OBJECT", "FREQ"): RedisVerb("read", "reads", keys="none"),
    ("LATENCY", "RESET"): RedisVerb("modify", "resets latency data", keys="none"),
    ("SLOWLOG", "RESET"): RedisVerb("modify", "clears the slow log", keys="none"),
}
REDIS_WITH_SUBCOMMANDS = frozenset(verb for verb, _ in REDIS_SUBCOMMANDS) | {"CONFIG", "CLIENT", "SCRIPT",
                                                                            "FUNCTION", "MODULE", "ACL", "CLUSTER"}


class Redis(Cli):
    FAMILY = "redis-cli"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "-h", "-p", "-s", "-a", "--user", "--pass", "-u", "-n", "-r", "-i", "-d", "-D", "-t", "--cacert",
        "--cacertdir", "--cert", "--key", "--sni", "--tls-ciphers", "--tls-ciphersuites", "--rdb",
        "--functions-rdb", "--pattern", "--quoted-pattern", "--count", "--memkeys-samples", "--eval",
        "--pipe-timeout", "--intrinsic-latency", "--lru-test", "--cluster-only-masters", "--keystats-samples",
        "--top", "--cursor",
    })

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words, stop_at_first_positional=True)
        server, placement = self.server(inv, opts)
        if opts.has("--eval"):
            return [inv.effect("execute_opaque", f"redis:{server}/script", placement, kind="code",
                               summary=f"runs the Lua script {opts.value('--eval')} on the server")]
        if opts.has("--version", "-v", "--help", "--scan", "--bigkeys", "--memkeys", "--hotkeys", "--stat",
                    "--latency", "--latency-history", "--latency-dist", "--rdb", "--functions-rdb",
                    "--intrinsic-latency", "--keystats", "--replica"):
            return [inv.effect("read", f"redis:{server}", placement, kind="database", reversible="yes",
                               summary="reads from the server (keys, statistics or a dump)")]
        if opts.has("--cluster"):
            return self.cluster(inv, opts, server, placement)
        if opts.positionals:
            return self.command(inv, [w.value for w in opts.positional_words], server, placement,
                                args_unknown=inv.args_unknown, stdin_arg=opts.has("-x"))
        text, origin = stdin_sql(inv)
        if text is None:
            if origin:
                return [inv.effect("unknown", f"redis:{server}", placement, tags=("not-understood",),
                                   summary=f"runs redis commands that cannot be read ({origin})")]
            return [inv.effect("unknown", f"redis:{server}", placement, summary="opens an interactive redis-cli")]
        effects: list[Effect] = []
        for line in text.splitlines()[:MAX_CLIENT_COMMANDS]:
            words = meta_words(line.strip())
            if words:
                effects.extend(self.command(inv, words, server, placement))
        return effects or [inv.effect("read", f"redis:{server}", placement, reversible="yes", summary="does nothing")]

    @staticmethod
    def server(inv: Invocation, opts: Options) -> tuple[str, Placement]:
        ctx = inv.ctx
        url = opts.value("-u")
        db = opts.value("-n") or "0"
        if url:
            parsed = parse_db_url(url)
            target = target_from_url(url, ctx.environments, "redis URL")
            if parsed is not None and parsed.database:
                db = parsed.database
            return f"{target.host}/{db}", target.placement
        host = opts.value("-h") or opts.value("-s")
        target = host_target(inv, host, "", "redis-cli", "127.0.0.1:6379", "redis host", None)
        return f"{target.host}/{db}", target.placement

    def command(self, inv: Invocation, words: list[str], server: str, placement: Placement, *,
                args_unknown: bool = False, stdin_arg: bool = False) -> list[Effect]:
        verb_name = words[0].upper()
        sub = words[1].upper() if len(words) > 1 else ""
        verb = REDIS_SUBCOMMANDS.get((verb_name, sub))
        if verb is None and verb_name in REDIS_WITH_SUBCOMMANDS:
            verb = RedisVerb("read", "reads", keys="none") if sub in ("GET", "LIST", "INFO", "HELP", "NODES", "SLOTS",
                                                                    "SHARDS", "ID", "GETNAME", "WHOAMI", "USERS",
                                                                    "GETUSER", "CAT", "LOG", "EXISTS", "DUMP",
                                                                    "STATS", "KEYSLOT", "COUNTKEYSINSLOT",
                                                                    "GETKEYSINSLOT", "MYID", "LINKS", "DOCTOR",
                                                                    "USAGE", "ENCODING", "IDLETIME", "FREQ") else None
        if verb is None:
            verb = REDIS_VERBS.get(verb_name)
        if verb is None:
            return [inv.effect("unknown", f"redis:{server}", placement, tags=("not-understood",),
                               summary=f"runs the redis command {verb_name}, which changegate does not know")]
        keys = self.keys(verb, words[1:])
        many = len(keys) > 1 or args_unknown or stdin_arg
        scope: Scope = verb.scope if verb.scope != "one" else ("many" if many else "one")
        resource = f"redis:{server}" if verb.keys == "none" or not keys else f"redis:{server}/key/{keys[0]}"
        if args_unknown:
            resource = f"redis:{server}/key/*"
        shown = " ".join(words[:4])
        return [inv.effect(
            verb.operation, resource, placement, scope=scope, kind="keys" if verb.keys != "none" else "database",
            data_loss=verb.data_loss, whole_environment=verb.whole,
            reversible="yes" if verb.operation == "read" else "no" if verb.operation == "delete" else "unknown",
            summary=f"{verb.what}: {shown}" + (" (keys read at run time)" if args_unknown else ""),
            suggestions=("delete the keys you mean by name, after listing them with SCAN MATCH",) if verb.whole else (),
        )]

    @staticmethod
    def keys(verb: RedisVerb, args: list[str]) -> list[str]:
        if verb.keys == "none" or not args:
            return []
        if verb.keys == "all":
            return args
        if verb.keys == "pairs":
            return args[::2]
        return args[:1]

    def cluster(self, inv: Invocation, opts: Options, server: str, placement: Placement) -> list[Effect]:
        words = opts.values("--cluster")[:1] + opts.positionals
        sub = words[0].lower() if words else ""
        if sub in ("info", "check", "help"):
            return [inv.effect("read", f"redis:{server}", placement, reversible="yes", summary=f"cluster {sub}")]
        if sub == "call" and len(words) > 2:
            return self.command(inv, words[2:], "cluster", placement)
        return [inv.effect("host_control", f"redis:{server}/cluster", placement, kind="cluster",
                           summary=f"changes the cluster's layout (--cluster {sub})")]


# --- mongosh / mongo ----------------------------------------------------------------------------------------------

JS_TOKEN = re.compile(r"""\s+|//[^\n]*|/\*.*?\*/|(?P<str>'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|`(?:\\.|[^`\\])*`)|"""
                      r"""(?P<id>[A-Za-z_$][\w$]*)|(?P<num>\d[\d.]*)|(?P<p>=>|[^\s])""", re.S)


@dataclass(frozen=True, slots=True)
class MongoVerb:
    operation: Operation
    what: str
    filtered: bool = False  # the first argument is a filter: `{}` or none means every document
    whole: bool = False
    data_loss: bool = False


COLLECTION_VERBS: dict[str, MongoVerb] = {
    **dict.fromkeys(("find", "findOne", "countDocuments", "count", "estimatedDocumentCount", "distinct", "explain",
                     "getIndexes", "stats", "dataSize", "storageSize", "totalSize", "totalIndexSize", "watch",
                     "exists", "latencyStats", "getShardDistribution", "isCapped", "validate", "getName",
                     "aggregate"), MongoVerb("read", "reads")),
    **dict.fromkeys(("insertOne", "insertMany", "insert", "save", "createIndex", "createIndexes", "ensureIndex"),
                    MongoVerb("create", "inserts into")),
    **dict.fromkeys(("updateOne", "replaceOne", "findOneAndUpdate", "findOneAndReplace", "findAndModify",
                     "hideIndex", "unhideIndex", "compactStructuredEncryptionData", "reIndex"),
                    MongoVerb("modify", "changes one document of")),
    **dict.fromkeys(("updateMany", "update"), MongoVerb("modify", "changes the matching documents of", filtered=True)),
    **dict.fromkeys(("deleteOne", "findOneAndDelete"), MongoVerb("delete", "deletes one document of")),
    **dict.fromkeys(("deleteMany", "remove"), MongoVerb("delete", "deletes the matching documents of", filtered=True)),
    "bulkWrite": MongoVerb("modify", "writes in bulk to"),
    "drop": MongoVerb("delete", "drops the collection", data_loss=True),
    **dict.fromkeys(("dropIndex", "dropIndexes"), MongoVerb("delete", "drops indexes of")),
    "renameCollection": MongoVerb("modify", "renames the collection"),
    "mapReduce": MongoVerb("modify", "runs map-reduce on"),
}
DATABASE_VERBS: dict[str, MongoVerb] = {
    "dropDatabase": MongoVerb("delete", "drops the whole database", whole=True, data_loss=True),
    **dict.fromkeys(("createUser", "updateUser", "dropUser", "dropAllUsers", "grantRolesToUser",
                     "revokeRolesFromUser", "createRole", "updateRole", "dropRole", "dropAllRoles",
                     "grantPrivilegesToRole", "revokePrivilegesFromRole", "grantRolesToRole", "changeUserPassword"),
                    MongoVerb("permission", "changes users or roles")),
    **dict.fromkeys(("shutdownServer", "fsyncLock", "killOp", "setProfilingLevel", "setLogLevel"),
                    MongoVerb("host_control", "controls the server")),
    **dict.fromkeys(("createCollection", "createView", "copyDatabase", "cloneDatabase", "cloneCollection"),
                    MongoVerb("create", "creates")),
    **dict.fromkeys(("getCollectionNames", "getCollectionInfos", "getName", "stats", "serverStatus", "version",
                     "hostInfo", "currentOp", "isMaster", "hello", "getUsers", "getUser", "getRoles", "getRole",
                     "listCommands", "printCollectionStats", "getProfilingStatus", "getReplicationInfo",
                     "printReplicationInfo", "serverBuildInfo", "serverCmdLineOpts", "getLogComponents",
                     "commandHelp", "help", "getMongo", "fsyncUnlock", "ping", "rotateCertificates",
                     "printSecondaryReplicationInfo", "printShardingStatus", "aggregate", "watch"),
                    MongoVerb("read", "reads")),
}
# runCommand / adminCommand documents, by their first key.
COMMAND_DOCUMENTS: dict[str, MongoVerb] = {
    "dropDatabase": DATABASE_VERBS["dropDatabase"], "drop": COLLECTION_VERBS["drop"],
    "delete": MongoVerb("delete", "deletes documents", filtered=False), "update": MongoVerb("modify", "updates"),
    "insert": MongoVerb("create", "inserts"), "shutdown": MongoVerb("host_control", "shuts the server down"),
    "renameCollection": COLLECTION_VERBS["renameCollection"], "dropIndexes": COLLECTION_VERBS["dropIndexes"],
    "createUser": DATABASE_VERBS["createUser"], "dropUser": DATABASE_VERBS["dropUser"],
    "dropAllUsersFromDatabase": DATABASE_VERBS["dropAllUsers"], "grantRolesToUser": DATABASE_VERBS["createUser"],
    "setParameter": MongoVerb("host_control", "changes a server parameter"),
    "fsync": MongoVerb("host_control", "flushes or locks the server"),
    "replSetReconfig": MongoVerb("host_control", "reconfigures the replica set"),
    "replSetStepDown": MongoVerb("host_control", "steps the primary down"),
    "removeShard": MongoVerb("host_control", "removes a shard"),
    "compact": MongoVerb("modify", "compacts a collection"),
    "killOp": MongoVerb("host_control", "kills an operation"),
    "killSessions": MongoVerb("host_control", "kills sessions"),
    "create": MongoVerb("create", "creates a collection"),
    "createIndexes": MongoVerb("create", "creates indexes"),
}
MONGO_OPAQUE = frozenset({"load", "require", "eval", "Function", "Mongo", "connect", "runProgram", "run",
                          "_runMongoProgram", "removeFile", "writeFile", "fs", "process", "cd", "copyFile",
                          "mkdir", "passwordPrompt"})


@dataclass(slots=True)
class MongoScan:
    """Effects of a mongosh script, found by following `db…` call chains over its tokens."""

    inv: Invocation
    host: str
    database: str
    placement: Placement
    effects: list[Effect] = field(default_factory=list)

    def run(self, code: str) -> None:
        code = self.shell_helpers(code)
        tokens = [(m.lastgroup or "", m.group(0)) for m in JS_TOKEN.finditer(code) if m.lastgroup][:200_000]
        i = 0
        while i < len(tokens):
            kind, text = tokens[i]
            previous = tokens[i - 1][1] if i else ""
            if kind == "id" and text == "db" and previous != ".":
                i = self.chain(tokens, i + 1)
                continue
            if kind == "id" and text in MONGO_OPAQUE and previous != "." and i + 1 < len(tokens) and \
                    tokens[i + 1][1] in ("(", "."):
                self.opaque(f"{text}() in mongosh code")
            i += 1

    def shell_helpers(self, code: str) -> str:
        """mongosh's own line commands: `use db`, `show dbs`; they are not JavaScript."""
        kept: list[str] = []
        for line in code.splitlines()[:MAX_CLIENT_COMMANDS * 10]:
            words = line.strip().rstrip(";").split()
            if len(words) == 2 and words[0] == "use":
                self.switch(words[1])
                kept.append("")
            elif words and words[0] in ("show", "it", "exit", "quit") and "(" not in line:
                kept.append("")
            else:
                kept.append(line)
        return "\n".join(kept)

    def switch(self, database: str) -> None:
        self.database = database.strip("'\"")
        self.placement = escalate_by_name(self.placement, self.database, self.inv.ctx.environments, "database")

    def chain(self, tokens: list[tuple[str, str]], i: int) -> int:
        """Follow db.<coll>.<verb>(…), db[<name>], db.getCollection(<name>), db.getSiblingDB(<name>), db.<verb>(…)."""
        database = self.database
        collection: str | None = None
        while i + 1 < len(tokens):
            punct = tokens[i][1]
            if punct == "." and tokens[i + 1][0] == "id":
                name = tokens[i + 1][1]
                if i + 2 < len(tokens) and tokens[i + 2][1] == "(":
                    args, end = call_arguments(tokens, i + 2)
                    if name == "getSiblingDB":
                        database = literal(args) or "?"
                        i = end
                        continue
                    if name == "getCollection":
                        collection = literal(args) or "?"
                        i = end
                        continue
                    self.call(database, collection, name, args)
                    return end
                if collection is None and name not in DATABASE_VERBS:
                    collection = name
                i += 2
                continue
            if punct == "[" and collection is None:
                args, end = bracket(tokens, i)
                collection = literal(args) or "?"
                i = end
                continue
            break
        return i

    def call(self, database: str, collection: str | None, name: str, args: list[tuple[str, str]]) -> None:
        where = escalate_by_name(self.placement, database, self.inv.ctx.environments, "database")
        base = f"mongo:{self.host}/{database}"
        if collection is None:
            if name in ("runCommand", "adminCommand"):
                key = first_key(args)
                verb = COMMAND_DOCUMENTS.get(key)
                if verb is None:
                    self.opaque(f"db.{name}({{{key}: …}})", where)
                    return
                self.add(verb, base, where, f"db.{name}({{{key}}})", args, whole=key == "dropDatabase")
                return
            verb = DATABASE_VERBS.get(name)
            if verb is None:
                self.unknown(f"db.{name}()", base, where)
                return
            self.add(verb, base, where, f"db.{name}()", args, whole=verb.whole)
            return
        verb = COLLECTION_VERBS.get(name)
        resource = f"{base}/collection/{collection}"
        if verb is None:
            self.unknown(f"db.{collection}.{name}()", resource, where)
            return
        if name == "aggregate" and any(t[1].strip("'\"") in ("$out", "$merge") for t in args):
            verb = MongoVerb("modify", "writes aggregation results ($out/$merge) from")
        if name == "bulkWrite" and any(t[1] in ("deleteMany", "deleteOne") for t in args):
            verb = MongoVerb("delete", "deletes documents in bulk from")
        self.add(verb, resource, where, f"db.{collection}.{name}()", args, unknown_name=collection == "?")

    def add(self, verb: MongoVerb, resource: str, where: Placement, shown: str, args: list[tuple[str, str]], *,
            whole: bool = False, unknown_name: bool = False) -> None:
        everything = verb.filtered and empty_filter(args)
        scope: Scope = "all" if everything or whole else "many" if verb.filtered or unknown_name else "one"
        self.effects.append(self.inv.effect(
            verb.operation, resource, where, scope=scope, kind="collection" if "/collection/" in resource else
            "database", data_loss=verb.data_loss or everything, whole_environment=whole,
            reversible="yes" if verb.operation == "read" else "no" if verb.operation == "delete" else "unknown",
            summary=f"{verb.what} {resource.removeprefix('mongo:')} ({shown}"
                    + (", every document)" if everything else ")"),
            suggestions=("pass a filter that names the documents; count them first with countDocuments(filter)",)
            if everything else (),
        ))

    def unknown(self, shown: str, resource: str, where: Placement) -> None:
        self.effects.append(self.inv.effect("unknown", resource, where, tags=("not-understood",),
                                            summary=f"calls {shown}, which changegate does not know"))

    def opaque(self, what: str, where: Placement | None = None) -> None:
        self.effects.append(self.inv.effect("execute_opaque", f"mongo:{self.host}/{self.database}",
                                            where or self.placement, kind="code",
                                            summary=f"runs code that cannot be read: {what}"))


def call_arguments(tokens: list[tuple[str, str]], open_at: int) -> tuple[list[tuple[str, str]], int]:
    """The tokens between `(` at open_at and its `)`, and the index after it."""
    return balanced(tokens, open_at, "(", ")")


def bracket(tokens: list[tuple[str, str]], open_at: int) -> tuple[list[tuple[str, str]], int]:
    return balanced(tokens, open_at, "[", "]")


def balanced(tokens: list[tuple[str, str]], open_at: int, opening: str, closing: str) -> tuple[list[tuple[str, str]],
                                                                                               int]:
    depth = 0
    for j in range(open_at, len(tokens)):
        text = tokens[j][1]
        if text in "([{" and tokens[j][0] == "p":
            depth += 1
        elif text in ")]}" and tokens[j][0] == "p":
            depth -= 1
            if depth == 0:
                return tokens[open_at + 1:j], j + 1
    return tokens[open_at + 1:], len(tokens)


def literal(args: list[tuple[str, str]]) -> str | None:
    """A single string literal argument, unquoted."""
    if len(args) == 1 and args[0][0] == "str":
        return args[0][1][1:-1]
    return None


def first_key(args: list[tuple[str, str]]) -> str:
    if len(args) >= 2 and args[0][1] == "{" and args[1][0] in ("id", "str"):
        return args[1][1].strip("'\"`")
    return literal(args) or "?"


def empty_filter(args: list[tuple[str, str]]) -> bool:
    """No filter, `{}`, or a filter before the first comma that is `{}`."""
    head: list[str] = []
    depth = 0
    for kind, text in args:
        if kind == "p" and text in "([{":
            depth += 1
        elif kind == "p" and text in ")]}":
            depth -= 1
        elif kind == "p" and text == "," and depth == 0:
            break
        head.append(text)
    return not head or [t for t in head if t not in ("(", ")")] == ["{", "}"]


class Mongo(Cli):
    FAMILY = "mongosh"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "--host", "--port", "--eval", "-f", "--file", "-u", "--username", "-p", "--password",
        "--authenticationDatabase", "--authenticationMechanism", "--apiVersion", "--tlsCAFile",
        "--tlsCertificateKeyFile", "--tlsCertificateKeyFilePassword", "--awsAccessKeyId", "--awsSecretAccessKey",
        "--awsSessionToken", "--keyVaultNamespace", "--kmsURL", "--gssapiServiceName", "--sspiHostnameCanonicalization",
        "--db", "--retryWrites", "--tlsCRLFile", "--tlsDisabledProtocols", "--csfleLibraryPath", "--cryptSharedLibPath",
    })

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        address = next((p for p in opts.positionals if not p.endswith(".js")), "")
        files = [p for p in opts.positionals if p.endswith(".js")] + opts.values("-f", "--file")
        scan = self.scan(inv, opts, address)
        if opts.has("--version", "--help", "-h"):
            return [inv.effect("read", f"mongo:{scan.host}", scan.placement, reversible="yes", summary="prints help")]
        codes = opts.values("--eval")
        for code in codes:
            scan.run(code)
        for path in files:
            text = read_client_file(inv, path)
            if text is None:
                scan.effects.append(inv.effect("unknown", f"mongo:{scan.host}/{scan.database}", scan.placement,
                                               tags=("not-understood",), summary=f"runs {path}, which cannot be read"))
            else:
                scan.run(text)
        if not codes and not files:
            text, origin = stdin_sql(inv)
            if text is not None:
                scan.run(text)
            else:
                return [inv.effect("unknown", f"mongo:{scan.host}/{scan.database}", scan.placement,
                                   tags=("not-understood",) if origin else (),
                                   summary=f"runs mongosh code that cannot be read ({origin})" if origin else
                                   "opens an interactive mongosh session")]
        return scan.effects or [inv.effect("read", f"mongo:{scan.host}/{scan.database}", scan.placement,
                                           reversible="yes", summary="mongosh code that only reads and prints")]

    @staticmethod
    def scan(inv: Invocation, opts: Options, address: str) -> MongoScan:
        ctx = inv.ctx
        if address.startswith(("mongodb://", "mongodb+srv://")):
            target = target_from_url(address, ctx.environments, "connection string")
            database = target.database if target.database != "?" else "test"
            return MongoScan(inv, target.host, database, target.placement)
        database = opts.value("--db") or "test"
        host = opts.value("--host")
        if address:
            # host[:port]/db or a bare database name
            if "/" in address:
                host, _, database = address.partition("/")
                host = host.rsplit(":", 1)[0]
            elif "." in address or ":" in address:
                host = address.rsplit(":", 1)[0]
            else:
                database = address
        if host and "://" in host:
            target = target_from_url(host, ctx.environments, "connection string")
            return MongoScan(inv, target.host, database, target.placement)
        target = host_target(inv, host, database, inv.name, "127.0.0.1:27017", "mongo host", None)
        return MongoScan(inv, target.host, database, target.placement)


# --- SQL-speaking clients with simple options ---------------------------------------------------------------------

class ClickHouse(Cli):
    FAMILY = "clickhouse-client"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "--host", "-h", "--port", "--user", "-u", "--password", "--database", "-d", "--query", "-q",
        "--queries-file", "--format", "-f", "--config-file", "-C", "--connection", "--history_file", "--log-level",
        "--max_memory_usage", "--query_id", "--receive_timeout", "--send_timeout",
    })

    def analyze(self, inv: Invocation) -> list[Effect]:
        words = inv.words
        if inv.name == "clickhouse":
            sub = words[0].value if words else ""
            if sub in ("local", "clickhouse-local"):
                return [inv.effect("modify", "sql:clickhouse-local", inv.arguments_placement(), reversible="unknown",
                                   summary="runs clickhouse-local on local files")]
            if sub != "client":
                return [inv.unknown(f"clickhouse {sub}")]
            words = words[1:]
        opts = self.walk(words)
        host = opts.value("--host", "-h") or ctx_value(inv, "CLICKHOUSE_HOST")
        database = opts.value("--database", "-d") or "default"
        target = host_target(inv, host, database, "clickhouse-client", "localhost:9000", "host", "clickhouse")
        session = Session(inv, target, self.FAMILY)
        queries = opts.values("--query", "-q")
        for query in queries:
            session.sql(query)
        for path in opts.values("--queries-file"):
            session.include(path, session.sql, "--queries-file")
        if not queries and not opts.has("--queries-file"):
            session.from_stdin(session.sql)
        return session.effects


def ctx_value(inv: Invocation, name: str) -> str | None:
    return inv.ctx.getenv(name)


class Cql(Cli):
    FAMILY = "cqlsh"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "-e", "--execute", "-f", "--file", "-k", "--keyspace", "-u", "--username", "-p", "--password",
        "--cqlshrc", "--cqlversion", "--protocol-version", "--connect-timeout", "--request-timeout",
        "--encoding", "-b", "--secure-connect-bundle",
    })

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        host = (opts.positionals[0] if opts.positionals else None) or ctx_value(inv, "CQLSH_HOST")
        keyspace = opts.value("-k", "--keyspace") or ""
        target = host_target(inv, host, keyspace, "cqlsh", "127.0.0.1:9042", "host", "cql")
        session = Session(inv, target, self.FAMILY)
        statements = opts.values("-e", "--execute")
        for statement in statements:
            session.sql(statement)
        for path in opts.values("-f", "--file"):
            session.include(path, session.sql, "cqlsh -f")
        if not statements and not opts.has("-f", "--file"):
            session.from_stdin(session.sql)
        return session.effects


USQL_SCHEMES = {"pg": POSTGRES, "pgsql": POSTGRES, "postgres": POSTGRES, "postgresql": POSTGRES, "cr": POSTGRES,
                "cockroach": POSTGRES, "my": "mysql", "mysql": "mysql", "maria": "mysql", "mariadb": "mysql",
                "ti": "mysql", "tidb": "mysql", "sq": "sqlite", "sqlite": "sqlite", "sqlite3": "sqlite",
                "file": "sqlite", "ms": "tsql", "sqlserver": "tsql", "mssql": "tsql", "or": "oracle",
                "ora": "oracle", "oracle": "oracle", "ch": "clickhouse", "clickhouse": "clickhouse",
                "sf": "snowflake", "snowflake": "snowflake", "duckdb": "duckdb", "dk": "duckdb", "ca": "",
                "cassandra": "", "tr": "trino", "trino": "trino", "bq": "bigquery", "bigquery": "bigquery"}


class Usql(Cli):
    FAMILY = "usql"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-c", "--command", "-f", "--file", "-o", "--out", "-v",
                                                       "--set", "--variable", "-P", "--pset", "-F", "-R", "-T",
                                                       "--config"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        dsn = opts.positionals[0] if opts.positionals else ""
        target = self.target(inv, dsn)
        session = Session(inv, target, self.FAMILY, variables=Psql.variables(opts))
        psql = Psql()
        commands = option_sequence(inv.words, self.VALUE_OPTIONS, frozenset({"-c", "--command", "-f", "--file"}))
        for flag, value in commands:
            if flag in ("-c", "--command"):
                psql.script(session, value)
            else:
                session.include(value, lambda text: psql.script(session, text), "usql -f")
        if not commands:
            session.from_stdin(lambda text: psql.script(session, text))
        return session.effects

    @staticmethod
    def target(inv: Invocation, dsn: str) -> SqlTarget:
        scheme, sep, rest = dsn.partition(":")
        dialect = USQL_SCHEMES.get(scheme.split("+", 1)[0].lower())
        if not sep or dialect is None:
            return SqlTarget("?", "?", Placement(UNKNOWN, f"usql connection {redact_url(dsn)!r} cannot be read"),
                             None)
        if dialect == "sqlite" and not rest.startswith("//"):
            return Sqlite.target(inv, rest)
        url = f"{scheme}:{rest if rest.startswith('//') else '//' + rest}"  # usql accepts pg:host/db too
        target = target_from_url(url, inv.ctx.environments, "usql connection", inv.ctx.workspace, inv.ctx.cwd)
        return replace(target, dialect=dialect)


class Cockroach(Cli):
    FAMILY = "cockroach"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--url", "--host", "--port", "-p", "--database", "-d",
                                                       "--user", "-u", "-e", "--execute", "-f", "--file",
                                                       "--certs-dir", "--format", "--set"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        sub = inv.words[0].value if inv.words else ""
        if sub != "sql":
            if sub == "node" and len(inv.words) > 1 and inv.words[1].value in ("decommission", "drain"):
                return [inv.effect("host_control", "sql:cockroach/node", Placement(UNKNOWN, "a cluster node"),
                                   summary=f"cockroach node {inv.words[1].value}")]
            return [inv.unknown(f"cockroach {sub}")]
        opts = self.walk(inv.words[1:])
        url = opts.value("--url") or getenv_url(inv.ctx, "COCKROACH_URL")
        database = opts.value("--database", "-d") or ctx_value(inv, "COCKROACH_DATABASE") or ""
        if url:
            target = target_from_url(url, inv.ctx.environments, "--url")
        else:
            host = opts.value("--host") or ctx_value(inv, "COCKROACH_HOST")
            target = host_target(inv, host, database, "cockroach sql", "localhost:26257", "host", POSTGRES)
        session = Session(inv, replace(target, dialect="cockroach"), self.FAMILY)
        statements = opts.values("-e", "--execute")
        for statement in statements:
            session.sql(statement)
        for path in opts.values("-f", "--file"):
            session.include(path, session.sql, "cockroach sql -f")
        if not statements and not opts.has("-f", "--file"):
            session.from_stdin(session.sql)
        return session.effects


# --- server tools: create/drop databases and users, dump and restore ----------------------------------------------

PG_COMMON = frozenset({"-h", "--host", "-p", "--port", "-U", "--username", "-d", "--dbname", "--maintenance-db"})
# Each tool's options that take a value: the same letter means different things (-c is pg_restore's --clean,
# createuser's --connection-limit), so one shared set would swallow arguments.
PG_TAKES_VALUE: dict[str, frozenset[str]] = {
    "dropdb": PG_COMMON, "dropuser": PG_COMMON,
    "createdb": PG_COMMON | {"-D", "--tablespace", "-E", "--encoding", "-l", "--locale", "--lc-collate",
                             "--lc-ctype", "--icu-locale", "--icu-rules", "--locale-provider", "--builtin-locale",
                             "-O", "--owner", "-S", "--strategy", "-T", "--template"},
    "createuser": PG_COMMON | {"-c", "--connection-limit", "-g", "--role", "-m", "--member-of", "-a", "--with-admin",
                               "-v", "--valid-until"},
    "pg_dump": PG_COMMON | {"-f", "--file", "-F", "--format", "-j", "--jobs", "-n", "--schema", "-N",
                            "--exclude-schema", "-t", "--table", "-T", "--exclude-table", "-E", "--encoding", "-Z",
                            "--compress", "-S", "--superuser", "--role", "--section", "--exclude-table-data",
                            "--lock-wait-timeout", "--filter", "--snapshot", "--rows-per-insert",
                            "--extra-float-digits", "--exclude-table-and-children", "--table-and-children",
                            "--exclude-extension", "-e", "--extension"},
    "pg_dumpall": PG_COMMON | {"-f", "--file", "--role", "--exclude-database", "-l", "--database", "-S",
                               "--superuser", "--lock-wait-timeout", "--extra-float-digits", "--rows-per-insert",
                               "--filter"},
    "pg_restore": PG_COMMON | {"-f", "--file", "-F", "--format", "-j", "--jobs", "-n", "--schema", "-N",
                               "--exclude-schema", "-t", "--table", "-I", "--index", "-P", "--function", "-T",
                               "--trigger", "-L", "--use-list", "-S", "--superuser", "--role", "--section",
                               "--filter"},
}


class PgTool(Cli):
    """dropdb, createdb, dropuser, createuser, pg_dump, pg_dumpall, pg_restore."""

    FAMILY = "postgres"

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words, PG_TAKES_VALUE.get(inv.name, PG_COMMON))
        if opts.has("--help", "-?", "-V", "--version"):
            return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "prints help"), reversible="yes",
                               summary=f"{inv.name} --help")]
        handler = PG_TOOLS.get(inv.name)
        return handler(self, inv, opts) if handler is not None else [inv.unknown("no analyzer")]

    @staticmethod
    def target(inv: Invocation, opts: Options, database: str | None, tool: str) -> SqlTarget:
        conn = opts.value("-d", "--dbname", "--maintenance-db")
        if conn and ("://" in conn or "=" in conn):
            return pg_target(inv, opts.value("-h", "--host"), conn, opts.value("-U", "--username"), tool)
        return pg_target(inv, opts.value("-h", "--host"), database or conn, opts.value("-U", "--username"), tool)

    def dropdb(self, inv: Invocation, opts: Options) -> list[Effect]:
        name = opts.positionals[0] if opts.positionals else "?"
        target = self.target(inv, opts, name, "dropdb")
        forced = " and ends its connections (--force)" if opts.has("-f", "--force") else ""
        return [inv.effect("delete", f"{target.server}/{name}", target.placement, scope="all", kind="database",
                           reversible="no", data_loss=True, whole_environment=True, family=self.FAMILY,
                           tags=("force",) if forced else (),
                           summary=f"drops the database {name}{forced}",
                           suggestions=(f"dump it first: pg_dump -Fc {name} > {name}.dump",
                                        "rename it instead (ALTER DATABASE … RENAME TO …) and drop it later"))]

    def createdb(self, inv: Invocation, opts: Options) -> list[Effect]:
        name = opts.positionals[0] if opts.positionals else "?"
        target = self.target(inv, opts, name, "createdb")
        return [inv.effect("create", f"{target.server}/{name}", target.placement, kind="database", reversible="yes",
                           family=self.FAMILY, summary=f"creates the database {name}")]

    def user(self, inv: Invocation, opts: Options) -> list[Effect]:
        name = opts.positionals[0] if opts.positionals else "?"
        target = self.target(inv, opts, None, inv.name)
        creating = inv.name == "createuser"
        powers = [p for flag, p in (("-s", "superuser"), ("--superuser", "superuser"), ("-r", "createrole"),
                                    ("--createrole", "createrole"), ("--replication", "replication"),
                                    ("--bypassrls", "bypassrls")) if opts.has(flag)]
        tags = tuple(sorted(set(powers))) + (("drop-role",) if not creating else ())
        what = f"creates the role {name}" + (f" with {', '.join(sorted(set(powers)))}" if powers else "") \
            if creating else f"drops the role {name}"
        return [inv.effect("permission", f"{target.server}/role/{name}", target.placement, kind="role",
                           reversible="yes" if creating else "no", family=self.FAMILY, tags=tags, summary=what)]

    def dump(self, inv: Invocation, opts: Options) -> list[Effect]:
        name = opts.positionals[0] if opts.positionals else None
        target = self.target(inv, opts, name, inv.name)
        effects: list[Effect] = []
        out = opts.value("-f", "--file")
        if out:
            effects.append(inv.fs("modify", out, reversible="unknown", summary=f"writes the dump to {out}"))
        everything = inv.name == "pg_dumpall"
        with_passwords = everything and not opts.has("--no-role-passwords", "-t", "--tablespaces-only")
        # A dump is a read: the data stays on this machine (a dump sent elsewhere is caught where it is sent),
        # and dumping first is the safe step we suggest before anything destructive. pg_dumpall also copies
        # every role's password hash, which is a secret.
        operation: Operation = "secret_read" if with_passwords else "read"
        what = "every database and every role's password hash" if with_passwords else \
            ("every database" if everything else f"database {target.database}")
        effects.append(inv.effect(operation, target.prefix if not everything else target.server, target.placement,
                                  kind="database", reversible="yes", family=self.FAMILY, tags=("data-export",),
                                  summary=f"dumps {what}",
                                  suggestions=("pg_dumpall --no-role-passwords leaves the password hashes out",)
                                  if with_passwords else ()))
        return effects

    def restore(self, inv: Invocation, opts: Options) -> list[Effect]:
        archive = opts.positionals[0] if opts.positionals else "stdin"
        if not opts.has("-d", "--dbname"):
            out = opts.value("-f", "--file")
            effects = [inv.fs("modify", out, reversible="unknown", summary=f"writes the restore script to {out}")] \
                if out else []
            return [*effects, inv.effect("read", f"fs:{archive}", inv.arguments_placement(), reversible="yes",
                                         family=self.FAMILY, summary=f"prints the restore script of {archive}")]
        target = self.target(inv, opts, None, "pg_restore")
        if opts.has("-l", "--list"):
            return [inv.effect("read", target.prefix, target.placement, reversible="yes", family=self.FAMILY,
                               summary=f"lists the contents of {archive}")]
        clean = opts.has("-c", "--clean")
        create = opts.has("-C", "--create")
        filtered = opts.has("-n", "--schema", "-t", "--table", "-I", "--index", "-P", "--function", "-L",
                            "--use-list")
        if clean:
            whole = create or not filtered
            return [inv.effect("replace", target.prefix, target.placement, scope="many" if filtered else "all",
                               kind="database", reversible="no", data_loss=True, whole_environment=whole,
                               family=self.FAMILY, tags=("clean",),
                               summary=f"drops and recreates {'the database' if create else 'the objects'} of "
                                       f"{archive} in {target.prefix[4:]} (--clean): what is there now is lost",
                               suggestions=(f"dump the target first: pg_dump -Fc {target.database} > before.dump",
                                            "restore into a new database and switch over"))]
        return [inv.effect("create", target.prefix, target.placement, scope="many", kind="database",
                           reversible="unknown", family=self.FAMILY, summary=f"restores {archive} into "
                                                                             f"{target.prefix[4:]}")]


PG_TOOLS: dict[str, Callable[[PgTool, Invocation, Options], list[Effect]]] = {
    "dropdb": PgTool.dropdb, "createdb": PgTool.createdb, "dropuser": PgTool.user, "createuser": PgTool.user,
    "pg_dump": PgTool.dump, "pg_dumpall": PgTool.dump, "pg_restore": PgTool.restore,
}


class MysqlTool(Cli):
    """mysqldump and mysqladmin."""

    FAMILY = "mysql"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = MYSQL_TAKES_VALUE

    def analyze(self, inv: Invocation) -> list[Effect]:
        words = without_password(inv.words)
        opts = self.walk(words)
        if inv.name == "mysqldump":
            return self.dump(inv, opts)
        return self.admin(inv, opts)

    def dump(self, inv: Invocation, opts: Options) -> list[Effect]:
        everything = opts.has("-A", "--all-databases")
        databases = opts.positionals if opts.has("-B", "--databases") else opts.positionals[:1]
        target = mysql_target(inv, opts, databases[0] if databases else "")
        secrets = everything or "mysql" in databases
        effects: list[Effect] = []
        out = opts.value("-r", "--result-file")
        if out:
            effects.append(inv.fs("modify", out, reversible="unknown", summary=f"writes the dump to {out}"))
        effects.append(inv.effect("secret_read" if secrets else "read", target.prefix, target.placement,
                                  kind="database", reversible="yes", family=self.FAMILY, tags=("data-export",),
                                  summary="dumps every database, including the user table with password hashes"
                                  if secrets else f"dumps {', '.join(databases) or 'a database'}"))
        return effects

    def admin(self, inv: Invocation, opts: Options) -> list[Effect]:
        target = mysql_target(inv, opts, "-")
        words = opts.positionals
        effects: list[Effect] = []
        i = 0
        while i < len(words):
            command = words[i].lower()
            arg = words[i + 1] if i + 1 < len(words) else "?"
            if command == "drop":
                effects.append(inv.effect("delete", f"{target.server}/{arg}", escalate_by_name(
                    target.placement, arg, inv.ctx.environments, "database"), scope="all", kind="database",
                    reversible="no", data_loss=True, whole_environment=True, family=self.FAMILY,
                    summary=f"drops the database {arg}" + (" without asking (-f)" if opts.has("-f", "--force") else ""),
                    suggestions=(f"dump it first: mysqldump --databases {arg} > {arg}.sql",)))
                i += 2
                continue
            if command == "create":
                effects.append(inv.effect("create", f"{target.server}/{arg}", target.placement, kind="database",
                                          reversible="yes", family=self.FAMILY, summary=f"creates the database {arg}"))
                i += 2
                continue
            operation, what = MYSQLADMIN.get(command, ("unknown", f"runs mysqladmin {command}"))
            effects.append(inv.effect(operation, target.server, target.placement, kind="server", family=self.FAMILY,
                                      reversible="yes" if operation == "read" else "unknown", summary=what,
                                      tags=("not-understood",) if operation == "unknown" else ()))
            i += 2 if command in ("kill", "password", "old-password") else 1
        return effects or [inv.effect("read", target.server, target.placement, reversible="yes", family=self.FAMILY,
                                      summary="mysqladmin with no command")]


MYSQLADMIN: dict[str, tuple[Operation, str]] = {
    **dict.fromkeys(("status", "ping", "processlist", "variables", "version", "extended-status"),
                    ("read", "reads the server's status")),
    **dict.fromkeys(("shutdown", "kill", "debug", "start-replica", "stop-replica", "start-slave", "stop-slave"),
                    ("host_control", "controls the server")),
    **dict.fromkeys(("password", "old-password"), ("permission", "changes a password")),
    **dict.fromkeys(("flush-hosts", "flush-logs", "flush-privileges", "flush-status", "flush-tables",
                     "flush-threads", "refresh", "reload"), ("modify", "flushes server caches or logs")),
}


class MongoTool(Cli):
    """mongodump, mongorestore."""

    FAMILY = "mongo"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--uri", "--host", "-h", "--port", "--db", "-d",
                                                       "--collection", "-c", "--out", "-o", "--archive", "-u",
                                                       "--username", "-p", "--password", "--nsInclude", "--nsExclude",
                                                       "--nsFrom", "--nsTo", "--query", "-q", "--authenticationDatabase",
                                                       "--dir", "--gzip-level", "--numParallelCollections", "-j"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        uri = opts.value("--uri") or next((p for p in opts.positionals if p.startswith("mongodb")), None)
        database = opts.value("--db", "-d") or ""
        if uri:
            target = target_from_url(uri, inv.ctx.environments, "--uri")
        else:
            target = host_target(inv, opts.value("--host", "-h"), database, inv.name, "127.0.0.1:27017",
                                 "mongo host", None)
        resource = f"mongo:{target.host}/{database or target.database}"
        if inv.name == "mongodump":
            secrets = database == "admin" or opts.has("--dumpDbUsersAndRoles") or not database
            return [inv.effect("secret_read" if secrets else "read", resource, target.placement, kind="database",
                               reversible="yes", family=self.FAMILY, tags=("data-export",),
                               summary="dumps every database, users and password hashes included" if secrets
                               else f"dumps {database}")]
        if opts.has("--drop"):
            return [inv.effect("replace", resource, target.placement, scope="all" if not opts.has("--nsInclude")
                               else "many", kind="database", reversible="no", data_loss=True,
                               whole_environment=not database and not opts.has("--nsInclude"), family=self.FAMILY,
                               tags=("drop",), summary="drops each collection before restoring it (--drop): what is "
                                                       "there now is lost",
                               suggestions=("dump the target first with mongodump",))]
        return [inv.effect("create", resource, target.placement, scope="many", kind="database", reversible="unknown",
                           family=self.FAMILY, summary="restores documents into the database")]


INFLUX_V1_STATEMENTS: dict[tuple[str, ...], tuple[Operation, str, bool]] = {
    ("DROP", "DATABASE"): ("delete", "drops a database", True),
    ("DROP", "MEASUREMENT"): ("delete", "drops a measurement and its data", True),
    ("DROP", "SERIES"): ("delete", "drops series and their data", True),
    ("DROP", "SHARD"): ("delete", "drops a shard and its data", True),
    ("DROP", "RETENTION"): ("delete", "drops a retention policy and its data", True),
    ("DELETE",): ("delete", "deletes points", False),
    ("SELECT",): ("read", "reads", False), ("SHOW",): ("read", "reads", False),
    ("CREATE",): ("create", "creates", False), ("ALTER",): ("modify", "changes", False),
    ("GRANT",): ("permission", "grants privileges", False), ("REVOKE",): ("permission", "revokes privileges", False),
    ("DROP", "USER"): ("permission", "drops a user", False), ("SET", "PASSWORD"): ("permission", "sets a password",
                                                                                  False),
    ("KILL",): ("host_control", "kills a query", False),
}


class Influx(Cli):
    FAMILY = "influx"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--host", "-host", "--org", "-o", "--bucket", "-b",
                                                       "--start", "--stop", "--predicate", "-p", "--token", "-t",
                                                       "--configs-path", "-c", "--active-config", "-execute",
                                                       "-database", "-port", "-username", "-password", "-format",
                                                       "-precision", "--id", "-i", "--name", "-n", "--file", "-f",
                                                       "--org-id", "--bucket-id"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words, self.VALUE_OPTIONS, long_single_dash=True)
        host = opts.value("--host", "-host") or getenv_url(inv.ctx, "INFLUX_HOST")
        if host and "://" in host:
            placement = target_from_url(host, inv.ctx.environments, "--host").placement
        else:
            placement = host_target(inv, host, opts.value("-database") or "", "influx", "localhost:8086", "host",
                                    None).placement
        server = f"influx:{host or 'default'}"
        statement = opts.value("-execute")
        if statement is not None:
            return self.influxql(inv, statement, server, placement)
        words = [p.lower() for p in opts.positionals]
        if words[:1] == ["delete"]:
            bucket = opts.value("--bucket", "-b") or "?"
            everything = not opts.has("--predicate", "-p")
            return [inv.effect("delete", f"{server}/bucket/{bucket}", placement, scope="all" if everything else "many",
                               kind="points", reversible="no", data_loss=everything, family=self.FAMILY,
                               summary=f"deletes {'every point' if everything else 'the matching points'} of bucket "
                                       f"{bucket} between --start and --stop")]
        if words[:1] in (["query"], ["backup"], ["ping"], ["version"], ["config"]):
            return [inv.effect("read", server, placement, reversible="yes", family=self.FAMILY,
                               summary=f"influx {words[0]}")]
        if len(words) >= 2 and words[1] in ("delete", "rm"):
            whole = words[0] in ("bucket", "org")
            return [inv.effect("delete", f"{server}/{words[0]}", placement, kind=words[0], reversible="no",
                               data_loss=whole, whole_environment=whole, family=self.FAMILY,
                               summary=f"influx {words[0]} delete")]
        if words[:1] == ["restore"]:
            return [inv.effect("replace", server, placement, scope="all" if opts.has("--full") else "many",
                               data_loss=opts.has("--full"), family=self.FAMILY, summary="influx restore")]
        if len(words) >= 2 and words[1] in ("list", "ls", "find"):
            return [inv.effect("read", server, placement, reversible="yes", family=self.FAMILY,
                               summary=f"influx {' '.join(words[:2])}")]
        return [inv.effect("modify", server, placement, reversible="unknown", family=self.FAMILY,
                           summary=f"influx {' '.join(words[:2])}")]

    def influxql(self, inv: Invocation, text: str, server: str, placement: Placement) -> list[Effect]:
        effects: list[Effect] = []
        for statement in text.split(";")[:MAX_CLIENT_COMMANDS]:
            words = statement.upper().split()
            if not words:
                continue
            known = INFLUX_V1_STATEMENTS.get(tuple(words[:2])) or INFLUX_V1_STATEMENTS.get(tuple(words[:1]))
            if known is None:
                effects.append(inv.effect("unknown", server, placement, tags=("not-understood",), family=self.FAMILY,
                                          summary=f"runs the InfluxQL statement {statement.strip()[:40]!r}"))
                continue
            operation, what, data = known
            everything = words[0] == "DELETE" and "WHERE" not in words
            effects.append(inv.effect(operation, server, placement, kind="database", family=self.FAMILY,
                                      data_loss=data or everything, whole_environment=words[:2] == ["DROP", "DATABASE"],
                                      scope="all" if everything or words[:2] == ["DROP", "DATABASE"] else "one",
                                      reversible="yes" if operation == "read" else "no",
                                      summary=f"{what} ({statement.strip()[:60]})"))
        return effects


# --- the family the command table points at -----------------------------------------------------------------------

CLIENTS: dict[str, type[Cli]] = {
    "psql": Psql, "pgcli": Psql, "mysql": Mysql, "mariadb": Mysql, "mycli": Mysql, "sqlite3": Sqlite,
    "sqlite": Sqlite, "redis-cli": Redis, "valkey-cli": Redis, "mongosh": Mongo, "mongo": Mongo,
    "clickhouse-client": ClickHouse, "clickhouse": ClickHouse, "cqlsh": Cql, "usql": Usql, "cockroach": Cockroach,
    "dropdb": PgTool, "createdb": PgTool, "dropuser": PgTool, "createuser": PgTool, "pg_dump": PgTool,
    "pg_dumpall": PgTool, "pg_restore": PgTool, "mysqldump": MysqlTool, "mysqladmin": MysqlTool,
    "mongodump": MongoTool, "mongorestore": MongoTool, "influx": Influx,
}


class DbClient(Cli):
    """Dispatches each database tool to its client class."""
    NAMES = (
        "psql", "pgcli", "mysql", "mariadb", "mycli", "sqlite3", "sqlite", "redis-cli", "valkey-cli",
        "mongosh", "mongo", "clickhouse-client", "clickhouse", "cqlsh", "usql", "cockroach", "dropdb",
        "createdb", "dropuser", "createuser", "pg_dump", "pg_dumpall", "pg_restore", "mysqldump",
        "mysqladmin", "mongodump", "mongorestore", "influx",
    )

    FAMILY = "db"
    _instances: ClassVar[dict[str, Cli]] = {}

    def analyze(self, inv: Invocation) -> list[Effect]:
        cls = CLIENTS.get(inv.name)
        if cls is None:
            return [inv.unknown("a database tool changegate has no analyzer for")]
        client = self._instances.get(inv.name)
        if client is None:
            client = self._instances[inv.name] = cls()
        return client.analyze(inv)

