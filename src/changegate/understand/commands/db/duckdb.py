"""duckdb: the sqlite3 shell's grammar (dot-commands, -cmd, -init) with DuckDB's SQL, run in the client's own
process; -c and -s run a command and exit, -f a script file. `ATTACH` connects other databases under an alias
— a PostgreSQL or MySQL server, another file — and the statements that name the alias (`p.public.users`, or
everything after `USE p`) act there."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import ClassVar

from changegate.environments import UNKNOWN, Placement
from changegate.understand.commands.db.common import Session, url_target
from changegate.understand.commands.db.sqlite import Sqlite
from changegate.understand.sql import SqlTarget, split_sql, strip_comments

ATTACH = re.compile(r"ATTACH\s+(?:DATABASE\s+)?(?:IF\s+NOT\s+EXISTS\s+)?'(?P<dsn>(?:[^']|'')*)'"
                   r"(?:\s+AS\s+\"?(?P<alias>\w+)\"?)?\s*(?:\((?P<options>.*)\))?\s*;?", re.I | re.S)
DETACH = re.compile(r"DETACH\s+(?:DATABASE\s+)?(?:IF\s+EXISTS\s+)?\"?(\w+)\"?\s*;?", re.I)
USE = re.compile(r"USE\s+\"?(\w+)\"?(?:\.\"?\w+\"?)?\s*;?", re.I)
INSTALL = re.compile(r"(?:FORCE\s+)?INSTALL\s+'?(?P<name>[\w./-]+)'?(?:\s+FROM\s+(?P<source>\S+))?\s*;?", re.I)
LOAD = re.compile(r"LOAD\s+'?(?P<name>[^';\s]+)'?\s*;?", re.I)
TYPE_OPTION = re.compile(r"\bTYPE\s+'?(\w+)", re.I)
SCHEMES = {"postgres": "postgres", "postgresql": "postgres", "mysql": "mysql", "sqlite": "sqlite", "md": "motherduck",
           "motherduck": "motherduck", "ducklake": "ducklake"}


class Duckdb(Sqlite):
    NAMES: ClassVar[tuple[str, ...]] = ("duckdb",)
    FAMILY = "duckdb"
    ENGINE = "duckdb"
    RC_FILE = ".duckdbrc"
    DOT_READS = Sqlite.DOT_READS | {
        "maxrows", "maxwidth", "columns", "rows", "highlight", "highlight_results", "highlight_errors", "keyword",
        "keywordcode", "constant", "constantcode", "comment", "error", "last", "safe_mode", "multiline",
        "singleline", "render_completion", "render_errors", "large_number_rendering", "decimal_sep",
        "thousand_sep", "startup_text", "nullvalue",
    }
    VALUE_OPTIONS: ClassVar[frozenset[str]] = Sqlite.VALUE_OPTIONS | {"-c", "-s", "-f", "-storage-version",
                                                                     "--storage-version"}
    RUN_OPTIONS = frozenset({"-c", "-s"})
    FILE_OPTIONS = frozenset({"-f"})
    ENV_VARIABLES = ("DUCKDB_NO_VERIFY", "motherduck_token", "MOTHERDUCK_TOKEN")

    def run_sql(self, session: Session, sql: str) -> None:
        """Statement by statement: ATTACH, DETACH and USE move where the statements after them act; a
        statement that names an attached alias acts where it leads."""
        for statement in split_sql(sql, "duckdb"):
            body = strip_comments(statement).strip()
            if not self.session_statement(session, body):
                self.sql_at(session, body)

    def session_statement(self, session: Session, body: str) -> bool:
        """ATTACH, DETACH, USE, INSTALL and LOAD, which the family follows itself; False for any other."""
        attach = ATTACH.fullmatch(body)
        if attach:
            self.attach(session, attach)
            return True
        detach = DETACH.fullmatch(body)
        if detach:
            session.attached.pop(detach.group(1).lower(), None)
            return True
        use = USE.fullmatch(body)
        if use and use.group(1).lower() in session.attached:
            session.target = session.attached[use.group(1).lower()]
            return True
        install = INSTALL.fullmatch(body)
        if install:
            self.install(session, install.group("name"), install.group("source"))
            return True
        load = LOAD.fullmatch(body)
        if load:
            if "/" in load.group("name") or load.group("name").endswith(".duckdb_extension"):
                session.opaque(f"loads the extension file {load.group('name')} (native code) into duckdb")
            return True
        return False

    @staticmethod
    def sql_at(session: Session, body: str) -> None:
        """A statement runs where the aliases it names lead (each of them), else where the session is."""
        named = [target for alias, target in session.attached.items()
                 if re.search(rf"(?<![\w.\"]){re.escape(alias)}\.", body, re.I)]
        home = session.target
        for target in named or [home]:
            session.target = target
            session.sql(body)
        session.target = home

    def attach(self, session: Session, match: re.Match[str]) -> None:
        dsn = match.group("dsn").replace("''", "'")
        options = match.group("options") or ""
        scheme, colon, rest = dsn.partition(":")
        prefixed = bool(colon) and scheme.lower() in SCHEMES
        type_option = TYPE_OPTION.search(options)
        kind = type_option.group(1).lower() if type_option else (SCHEMES[scheme.lower()] if prefixed else "")
        target = self.attached_target(session, kind, rest if prefixed else dsn)
        if not session.attached:  # `USE <the file's own name>` goes back to it
            session.attached[alias_of(session.target)] = session.target
        session.attached[(match.group("alias") or alias_of(target)).lower()] = target
        alias = (match.group("alias") or alias_of(target)).lower()
        session.effects.append(session.inv.effect(
            "read", target.prefix, target.placement, kind="database", family=self.FAMILY, reversible="yes",
            summary=f"attaches {target.prefix[4:]} as {alias}" + (" (read-only)" if "READ_ONLY" in options.upper()
                                                                  else "")))

    def attached_target(self, session: Session, kind: str, where: str) -> SqlTarget:
        inv = session.inv
        if kind in ("postgres", "mysql"):
            url_or_dsn = where if "://" in where or "=" in where else f"{kind}://{where}"
            target = url_target(inv, url_or_dsn, f"the attached {kind} database")
            return replace(target, dialect="duckdb")
        if kind in ("motherduck", "ducklake") or "://" in where:
            return SqlTarget(kind or "remote", where, Placement(UNKNOWN, f"an attached {kind or 'remote'} database "
                                                                         f"{where!r} (unknown is treated as prod)"),
                             "duckdb")
        engine = Sqlite if kind == "sqlite" else Duckdb
        return replace(engine.target(inv, where), dialect="duckdb")

    @staticmethod
    def install(session: Session, name: str, source: str | None) -> None:
        """An extension from DuckDB's own signed repository is ordinary; from anywhere else it is native code
        changegate cannot read."""
        if source or "/" in name:
            session.opaque(f"installs the extension {name} from {source or name}")
            return
        session.effects.append(session.inv.effect("create", f"duckdb:extension/{name}",
                                                  session.inv.arguments_placement(), reversible="yes",
                                                  summary=f"installs the DuckDB extension {name} from DuckDB's "
                                                          "signed repository"))


def alias_of(target: SqlTarget) -> str:
    """The name DuckDB gives a database attached without AS: its file's name without the extension."""
    return target.database.rsplit("/", 1)[-1].split(".", 1)[0].strip(":").lower() or "memory"
