"""SQL that drops, truncates, deletes or updates: the affected tables are dumped before it runs.

- `psql`: the statements (from -c and -f) are parsed; each table they drop, truncate, delete from, update
  or alter is dumped with `pg_dump --clean --if-exists -t TABLE` over the same connection (a dropped schema
  with `-n`, a dropped database with `--create`). Undo replays the dump with psql in one transaction —
  through the gate, since it changes the database. The tables come back exactly as they were kept: rows
  written to them after the action are replaced.
- `sqlite3 FILE SQL…`: the database is copied with SQLite's backup API; undo rebuilds each affected table
  (its definition, rows with their rowids, indexes and triggers) from the copy, leaving the rest alone.

SQL that comes from standard input, that does not parse, or that runs code (DO blocks, functions) cannot be
planned for: the approval request says so.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from changegate.broker.undo.base import Keeper, Planned, Tools, UndoError, resolve_path
from changegate.broker.undo.files import MAX_BYTES_ENV, human, max_bytes
from changegate.model import Effect

MAX_SQL_BYTES = 1024 * 1024
MAX_TABLES = 500  # tables one dump keeps (a target and what references it)
SQLITE_ARCHIVE = frozenset({"-A", "-archive", "--archive"})


@dataclass
class Targets:
    """What the statements would destroy, by kind; `unknown` says why it cannot be known."""

    tables: list[str] = field(default_factory=list)
    schemas: list[str] = field(default_factory=list)
    databases: list[str] = field(default_factory=list)
    unknown: str = ""

    @property
    def empty(self) -> bool:
        return not (self.tables or self.schemas or self.databases)


def targets_of(sql: str, dialect: str) -> Targets:
    """The tables, schemas and databases the statements drop, truncate, delete from, update or alter."""
    import sqlglot
    from sqlglot import exp

    if sql.lstrip().startswith("\\") or "\n\\" in sql:
        return Targets(unknown="psql meta-commands are not followed")
    quiet = logging.getLogger("sqlglot")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # it warns on stderr when it falls back to an opaque Command
    try:
        statements = sqlglot.parse(sql, read=dialect)
    except sqlglot.errors.SqlglotError as exc:
        return Targets(unknown=f"the SQL does not parse ({str(exc).splitlines()[0][:120]})")
    finally:
        quiet.setLevel(level)
    found = Targets()
    for statement in statements:
        if statement is None:
            continue
        if isinstance(statement, exp.Command):
            return Targets(unknown=f"{statement.name or 'a statement'} runs code whose effects are not known")
        for node in statement.walk():
            add_target(found, node, dialect)
    found.tables = list(dict.fromkeys(found.tables))
    return found


def add_target(found: Targets, node: Any, dialect: str) -> None:
    from sqlglot import exp

    if isinstance(node, exp.Drop):
        kind = str(node.args.get("kind") or "").upper()
        names = node.args.get("tables") or ([node.this] if node.this is not None else [])
        for table in names:
            if kind == "TABLE":
                found.tables.append(table.sql(dialect=dialect))
            elif kind == "SCHEMA":
                found.schemas.append(table.db or table.name)
            elif kind == "DATABASE":
                found.databases.append(table.name)
    elif isinstance(node, exp.TruncateTable):
        found.tables.extend(t.sql(dialect=dialect) for t in node.expressions)
    elif isinstance(node, exp.Delete | exp.Update) and isinstance(node.this, exp.Table):
        table = node.this.copy()
        table.set("alias", None)
        found.tables.append(table.sql(dialect=dialect))
    elif isinstance(node, exp.Alter) and str(node.args.get("kind") or "").upper() == "TABLE":
        found.tables.append(node.this.sql(dialect=dialect))


# --- PostgreSQL ----------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Connection:
    host: str | None
    port: str | None
    user: str | None
    dbname: str | None  # a name, a URL or a key=value conninfo

    def args(self, dbname: str | None = None) -> list[str]:
        out: list[str] = []
        for flag, value in (("-h", self.host), ("-p", self.port), ("-U", self.user)):
            if value:
                out += [flag, value]
        database = self.dbname if dbname is None else self.with_database(dbname)
        return [*out, "-d", database] if database else out

    def with_database(self, name: str) -> str:
        if self.dbname and ("=" in self.dbname or "://" in self.dbname):
            from psycopg.conninfo import make_conninfo

            return make_conninfo(self.dbname, dbname=name)
        return name


class PostgresKeeper(Keeper):
    kind: ClassVar[str] = "postgres"

    def __init__(self, connection: Connection, targets: Targets, cwd: str) -> None:
        self.connection = connection
        self.targets = targets
        self.cwd = cwd

    def describe(self) -> str:
        parts = [*(f"table {t}" for t in self.targets.tables), *(f"schema {s}" for s in self.targets.schemas),
                 *(f"database {d}" for d in self.targets.databases)]
        dependents = " (with the tables that reference them)" if self.targets.tables else ""
        return "PostgreSQL " + ", ".join(parts) + dependents + " dumped with pg_dump first"

    def covers(self, effect: Effect) -> bool:
        return effect.resource.startswith("sql:") or effect.family in ("psql", "sql")

    def keep(self, folder: Path, tools: Tools) -> dict[str, Any]:
        dumps: list[dict[str, Any]] = []
        tables = self.with_dependents(tools) if self.targets.tables else []
        selection = [arg for t in tables for arg in ("-t", t)]
        selection += [arg for s in self.targets.schemas for arg in ("-n", s)]
        if selection:
            target = folder / "postgres.sql"
            done = tools.run(["pg_dump", *self.connection.args(), "--clean", "--if-exists", "--no-owner",
                              *selection, "-f", str(target)], self.cwd)
            if done.returncode == 0:
                dumps.append({"file": target.name, "database": None, "tables": tables})
            elif b"no matching" not in done.stderr:
                raise UndoError(f"pg_dump failed: {done.stderr.decode(errors='replace').strip()[:300]}")
        for index, database in enumerate(self.targets.databases):
            target = folder / f"postgres-database-{index}.sql"
            done = tools.run(["pg_dump", *self.connection.args(database), "--create", "-f", str(target)], self.cwd)
            if done.returncode == 0:
                dumps.append({"file": target.name, "database": database})
            elif b"does not exist" not in done.stderr:
                raise UndoError(f"pg_dump of database {database} failed: "
                                f"{done.stderr.decode(errors='replace').strip()[:300]}")
        for dump in dumps:
            (folder / dump["file"]).chmod(0o600)
        return {"kind": self.kind, "connection": [self.connection.host, self.connection.port, self.connection.user,
                                                  self.connection.dbname], "cwd": self.cwd, "dumps": dumps,
                "targets": {"tables": self.targets.tables, "schemas": self.targets.schemas,
                            "databases": self.targets.databases}}


    def with_dependents(self, tools: Tools) -> list[str]:
        """The target tables that exist, and every table whose foreign keys lead to them: a CASCADE reaches
        those, and a table comes back (dropped and recreated) only together with the tables that reference it."""
        names = ", ".join("'" + t.replace("'", "''") + "'" for t in self.targets.tables)
        query = (
            "WITH RECURSIVE kept(oid) AS ("
            f" SELECT to_regclass(name) FROM unnest(ARRAY[{names}]::text[]) AS name WHERE to_regclass(name) IS NOT NULL"
            " UNION SELECT con.conrelid FROM pg_constraint con JOIN kept ON con.confrelid = kept.oid"
            " WHERE con.contype = 'f')"
            " SELECT DISTINCT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM kept"
            " JOIN pg_class c ON c.oid = kept.oid JOIN pg_namespace n ON n.oid = c.relnamespace")
        listed = tools.check(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", *self.connection.args(),
                              "-c", query], self.cwd)
        return sorted(line for line in listed.decode(errors="replace").splitlines() if line.strip())[:MAX_TABLES]


def restore_postgres(entry: dict[str, Any], folder: Path, tools: Tools, force: bool) -> str:
    connection = Connection(*entry["connection"])
    done = []
    for dump in entry["dumps"]:
        path = str(folder / dump["file"])
        if dump["database"] is None:
            argv = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-o", os.devnull,
                    *connection.args(), "-f", path]
        else:  # CREATE DATABASE cannot run in a transaction; it fails (and stops) if the database exists
            argv = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-o", os.devnull, *connection.args("postgres"),
                    "-f", path]
        tools.through_gate(argv, entry["cwd"])
        done.append(f"replayed {dump['file']}")
    return "; ".join(done) or "nothing existed to put back"


def plan_psql(argv: list[str], cwd: str, tools: Tools) -> Planned:
    from changegate.understand.base import lit
    from changegate.understand.commands.db.psql import Psql

    opts = Psql().walk([lit(a) for a in argv[1:]])  # the family's own reading of psql's options
    pieces = list(opts.values("-c", "--command"))
    for name in opts.values("-f", "--file"):
        if name == "-":
            return Planned(lost=["psql -f -: the SQL comes from standard input, so nothing can be planned"])
        try:
            with open(resolve_path(cwd, name), "rb") as handle:
                pieces.append(handle.read(MAX_SQL_BYTES + 1).decode("utf-8", "replace"))
        except OSError as exc:
            return Planned(lost=[f"psql -f {name}: the file cannot be read ({exc.strerror})"])
    if not pieces:
        return Planned(lost=["psql without -c or -f reads its SQL from standard input: nothing can be kept"])
    if any(len(p) > MAX_SQL_BYTES for p in pieces):
        return Planned(lost=[f"the SQL is larger than {MAX_SQL_BYTES // 1024} KiB and is not read"])
    targets = targets_of(";\n".join(pieces), "postgres")
    if targets.unknown:
        return Planned(lost=[f"psql: {targets.unknown}; what it destroys cannot be kept"])
    if targets.empty:
        return Planned()
    positional = opts.positionals
    connection = Connection(host=opts.value("-h", "--host"), port=opts.value("-p", "--port"),
                            user=opts.value("-U", "--username") or (positional[1] if len(positional) > 1 else None),
                            dbname=opts.value("-d", "--dbname") or (positional[0] if positional else None))
    return Planned([PostgresKeeper(connection, targets, cwd)])


# --- SQLite --------------------------------------------------------------------------------------------

class SqliteKeeper(Keeper):
    kind: ClassVar[str] = "sqlite"

    def __init__(self, database: str, tables: list[str]) -> None:
        self.database = database
        self.tables = tables

    def describe(self) -> str:
        return f"SQLite {self.database}: table(s) {', '.join(self.tables)} copied with the backup API first"

    def covers(self, effect: Effect) -> bool:
        return effect.resource.startswith("sql:") or effect.family in ("sqlite3", "sqlite", "sql")

    def keep(self, folder: Path, tools: Tools) -> dict[str, Any]:
        target = folder / "sqlite.db"
        try:
            source = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True)
            try:
                copy = sqlite3.connect(target)
                with copy:
                    source.backup(copy)
                copy.close()
            finally:
                source.close()
        except sqlite3.Error as exc:
            raise UndoError(f"{self.database} could not be copied: {exc}") from exc
        target.chmod(0o600)
        return {"kind": self.kind, "database": self.database, "tables": self.tables, "file": target.name}


def restore_sqlite(entry: dict[str, Any], folder: Path, tools: Tools, force: bool) -> str:
    kept = folder / entry["file"]
    if not kept.exists():
        raise UndoError(f"the copy of {entry['database']} is gone (pruned?)")
    connection = sqlite3.connect(entry["database"], isolation_level=None)
    try:
        connection.execute("ATTACH DATABASE ? AS kept", (f"file:{kept}?mode=ro",))
        connection.execute("BEGIN IMMEDIATE")
        restored = [name for name in entry["tables"] if rebuild_table(connection, bare_name(name))]
        connection.execute("COMMIT")
    except sqlite3.Error as exc:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise UndoError(f"{entry['database']}: the tables could not be put back: {exc}") from exc
    finally:
        connection.close()
    return f"rebuilt {', '.join(restored) or 'nothing'} in {entry['database']} from the kept copy"


def bare_name(name: str) -> str:
    """`main."Users"` -> `Users`: the table's own name, as sqlite_master stores it."""
    last = name.rsplit(".", 1)[-1]
    return last[1:-1].replace('""', '"') if last.startswith('"') and last.endswith('"') else last


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def rebuild_table(connection: sqlite3.Connection, name: str) -> bool:
    """Replace the table with the kept one: definition, rows (rowids kept), indexes and triggers."""
    row = connection.execute("SELECT name, sql FROM kept.sqlite_master WHERE type = 'table' AND name = ? "
                             "COLLATE NOCASE", (name,)).fetchone()
    if row is None:
        return False  # it did not exist before the action
    real_name, create = row
    table = quoted(real_name)
    connection.execute(f"DROP TABLE IF EXISTS main.{table}")
    connection.execute(create)
    columns = [quoted(c[1]) for c in connection.execute(f"PRAGMA kept.table_xinfo({table})") if c[6] == 0]
    listed = ", ".join(columns)
    rowid = "WITHOUT ROWID" not in create.upper()
    if rowid:
        connection.execute(f"INSERT INTO main.{table} (rowid, {listed}) SELECT rowid, {listed} FROM kept.{table}")
    else:
        connection.execute(f"INSERT INTO main.{table} ({listed}) SELECT {listed} FROM kept.{table}")
    for (sql,) in connection.execute("SELECT sql FROM kept.sqlite_master WHERE type IN ('index', 'trigger') "
                                     "AND tbl_name = ? AND sql IS NOT NULL", (real_name,)).fetchall():
        connection.execute(sql)
    return True


def plan_sqlite(argv: list[str], cwd: str, tools: Tools) -> Planned:
    from changegate.understand.base import lit
    from changegate.understand.commands.db.sqlite import Sqlite

    args = argv[1:]
    if SQLITE_ARCHIVE & set(args):
        return Planned(lost=["sqlite3 archive mode: not planned for"])
    opts = Sqlite().walk([lit(a) for a in args])  # the family's own reading of sqlite3's options
    if not opts.positionals:
        return Planned()
    database, sql = opts.positionals[0], [*opts.values("-cmd", "--cmd"), *opts.positionals[1:]]
    if not sql:
        return Planned(lost=[f"sqlite3 {database}: the SQL comes from standard input, so nothing can be planned"])
    text = ";\n".join(sql)
    if any(line.lstrip().startswith(".") for line in text.splitlines()):
        return Planned(lost=["sqlite3 dot-commands are not followed; what they destroy cannot be kept"])
    targets = targets_of(text, "sqlite")
    if targets.unknown or targets.schemas or targets.databases:
        return Planned(lost=[f"sqlite3: {targets.unknown or 'it drops whole databases'}; not kept"])
    path = resolve_path(cwd, database)
    if targets.empty or database == ":memory:" or not os.path.isfile(path):
        return Planned()
    size = os.path.getsize(path)
    if size > max_bytes():
        return Planned(lost=[f"{path}: {human(size)} is more than the trash keeps ({MAX_BYTES_ENV})"])
    return Planned([SqliteKeeper(path, targets.tables)])
