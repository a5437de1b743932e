"""sqlite3: the database is a file (placed where the file is); the SQL comes from ~/.sqliterc (or -init),
-cmd, the arguments after the file, or stdin — with the shell's dot-commands, which can run shell commands, read and write files and
open another database. A database that holds credentials or cookies (a browser's, a keychain) is a secret."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import ClassVar

import msgspec

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli
from changegate.understand.commands.db.common import Session, in_order, read_only, read_script, stdin_sql
from changegate.understand.lex.sqlite import split_sqlite
from changegate.understand.lex.words import client_words
from changegate.understand.sensitive import secret_kind
from changegate.understand.sql import SqlTarget, sqlite_target

# Databases that hold credentials or session cookies: reading them is reading secrets.
CREDENTIAL_DATABASES = frozenset({"login data", "login data for account", "cookies", "web data", "key4.db",
                                  "key3.db", "cookies.sqlite", "logins.json", "signons.sqlite", "keychain-2.db",
                                  "accounts4.sqlite", "credentials.db", "access_tokens.db"})
# Dot-commands that only show, format or set display state.
SQLITE_READS = frozenset({"tables", "schema", "indexes", "indices", "databases", "dbinfo", "show", "headers",
                          "header", "mode", "width", "timer", "help", "quit", "exit", "print", "prompt", "echo",
                          "explain", "eqp", "fullschema", "lint", "stats", "changes", "nullvalue", "separator",
                          "bail", "timeout", "version", "vfsinfo", "vfslist", "vfsname", "dump", "sha3sum",
                          "selftest", "check", "expert", "parameter", "limit", "crnl", "binary", "scanstats",
                          "recover", "progress", "nonce", "dbconfig", "trace", "cd"})
# Where `.output`-like commands may write without naming a file.
CONSOLE = ("stdout", "stderr", "off", "-x", "-e")


@dataclass(frozen=True, slots=True)
class Dot:
    """One dot-command: its name (lowercased), its words, and the line as written."""

    name: str
    args: list[str]
    line: str


class Sqlite(Cli):
    """The sqlite3 shell. The engine runs in the shell's own process: the files its SQL and dot-commands name
    are this machine's."""

    NAMES: ClassVar[tuple[str, ...]] = ("sqlite3", "sqlite")
    FAMILY = "sqlite3"
    ENGINE: ClassVar[str] = "sqlite"  # the engine and the SQL dialect
    RC_FILE: ClassVar[str] = ".sqliterc"
    DOT_READS: ClassVar[frozenset[str]] = SQLITE_READS
    LONG_SINGLE_DASH = True
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "-cmd", "--cmd", "-init", "--init", "-separator", "--separator", "-nullvalue", "--nullvalue", "-newline",
        "--newline", "-mmap", "--mmap", "-maxsize", "--maxsize", "-vfs", "--vfs", "-nonce", "--nonce", "-A",
        "-escape", "--escape", "-pagecache", "-lookaside", "-heap",
    })
    RUN_OPTIONS: ClassVar[frozenset[str]] = frozenset()  # commands run before the shell exits (duckdb -c)
    FILE_OPTIONS: ClassVar[frozenset[str]] = frozenset()  # script files run before the shell exits (duckdb -f)

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        path = opts.positionals[0] if opts.positionals else ""
        session = Session(inv, self.target(inv, path), self.FAMILY, engine_here=True)
        if opts.has("-version", "--version", "-help", "--help"):
            return [read_only(inv, session.target, "prints its version")]
        startup = opts.values("-init", "--init") or self.startup_file(inv)
        for init in startup:
            session.include(init, lambda text: self.script(session, text), "-init")
        commands = opts.values("-cmd", "--cmd")
        for command in commands:
            self.script(session, command)
        runs = in_order(opts, self.RUN_OPTIONS | self.FILE_OPTIONS)
        for option, value in runs:
            if option in self.FILE_OPTIONS:
                session.include(value, lambda text: self.script(session, text), f"{inv.name} {option}")
            else:
                self.script(session, value)
        statements = opts.positionals[1:]
        for statement in statements:
            self.script(session, statement)
        if not statements and not runs:
            text, origin = stdin_sql(inv)
            if text is not None:
                self.script(session, text)
            elif origin:
                session.unreadable(origin)
            elif not commands:
                session.interactive()
        return self.as_secret_reads(session) if self.holds_credentials(inv, path) else session.outcome()

    def startup_file(self, inv: Invocation) -> list[str]:
        """~/.sqliterc (~/.duckdbrc), which the shell runs first when no -init names another file."""
        rc = f"{inv.ctx.home}/{self.RC_FILE}" if inv.ctx.home else ""
        return [rc] if rc and not read_script(inv, rc).absent else []

    @classmethod
    def target(cls, inv: Invocation, raw: str) -> SqlTarget:
        path = raw
        if path.startswith("file:"):
            path = path[5:].split("?", 1)[0]
        if not path:
            memory = sqlite_target(":memory:", inv.ctx.environments, inv.ctx.workspace, inv.ctx.cwd)
            return replace(memory, host=cls.ENGINE, dialect=cls.ENGINE)
        resolved = inv.ctx.resolve(path) or path
        placement = inv.ctx.place_path(resolved) if resolved.startswith("/") else \
            Placement(UNKNOWN, "a path only known at run time")
        return SqlTarget(cls.ENGINE, resolved, placement, cls.ENGINE)

    @staticmethod
    def holds_credentials(inv: Invocation, raw: str) -> bool:
        path = inv.ctx.resolve(raw.removeprefix("file:").split("?", 1)[0]) or ""
        return bool(path) and (posixpath.basename(path).lower() in CREDENTIAL_DATABASES or
                               secret_kind(path, inv.ctx.home) is not None)

    @staticmethod
    def as_secret_reads(session: Session) -> list[Effect]:
        out = []
        for e in session.outcome():
            if e.operation == "read":
                e = msgspec.structs.replace(e, operation="secret_read", tags=(*e.tags, "credential-store"),
                                            summary=f"reads a database that holds credentials or cookies ({e.summary})")
            out.append(e)
        return out

    def script(self, session: Session, text: str) -> None:
        commands, sql = split_sqlite(text)
        for line in commands:
            words = client_words(line[1:])
            self.dot(session, Dot(words[0].lower() if words else "", words[1:], line))
        if sql.strip():
            self.run_sql(session, sql)

    def run_sql(self, session: Session, sql: str) -> None:
        session.sql(sql)

    def dot(self, session: Session, dot: Dot) -> None:
        handler = self.DOT_COMMANDS.get(dot.name)
        if handler is not None:
            handler(self, session, dot)
        elif dot.name not in self.DOT_READS:
            self.unknown_dot(session, dot)

    # --- the dot-commands that do more than show ----------------------------------------------------------
    def shell(self, session: Session, dot: Dot) -> None:
        session.shell(dot.line.split(None, 1)[1] if " " in dot.line else "", f"sqlite3 .{dot.name}")

    def read(self, session: Session, dot: Dot) -> None:
        if not dot.args:
            self.unknown_dot(session, dot)
        elif dot.args[0].startswith("|"):
            session.shell(dot.args[0][1:], "sqlite3 .read |")
            session.opaque("SQL produced by a command (.read |)")
        else:
            session.include(dot.args[0], lambda text: self.script(session, text), ".read")

    def output(self, session: Session, dot: Dot) -> None:
        if not dot.args:
            self.unknown_dot(session, dot)
            return
        target = dot.args[-1]
        if target.startswith("|"):
            session.shell(target[1:], f"sqlite3 .{dot.name} |")
        elif target not in CONSOLE:
            session.local_file("modify", target, f"writes {target} (.{dot.name})")

    def import_rows(self, session: Session, dot: Dot) -> None:
        if len(dot.args) < 2:
            self.unknown_dot(session, dot)
            return
        t = session.target
        session.effects.append(session.inv.effect(
            "create", f"{t.prefix}/table/{dot.args[-1]}", t.placement, kind="rows", scope="many", reversible="yes",
            family=self.FAMILY, summary=f"loads {dot.args[-2]} into {dot.args[-1]} (.import)"))

    def restore(self, session: Session, dot: Dot) -> None:
        t = session.target
        session.effects.append(session.inv.effect("replace", t.prefix, t.placement, kind="database", scope="all",
                                                  data_loss=True, family=self.FAMILY,
                                                  summary="replaces the whole database with a backup (.restore)"))

    def open_database(self, session: Session, dot: Dot) -> None:
        path = next((a for a in dot.args if not a.startswith("-")), "")
        session.target = self.target(session.inv, path)

    def load_extension(self, session: Session, dot: Dot) -> None:
        session.opaque(f"loads the extension {dot.args[0] if dot.args else '?'} into sqlite3 (.load)")

    def unsupported(self, session: Session, dot: Dot) -> None:
        session.unreadable(f"the sqlite3 command .{dot.name}")

    @staticmethod
    def unknown_dot(session: Session, dot: Dot) -> None:
        session.unreadable(f"the sqlite3 command .{dot.name} is not one changegate knows")

    DOT_COMMANDS: ClassVar[Mapping[str, Callable[[Sqlite, Session, Dot], None]]] = {
        "shell": shell, "system": shell, "read": read,
        **dict.fromkeys(("output", "out", "once", "log", "iotrace", "backup", "save", "clone"), output),
        "import": import_rows, "restore": restore, "open": open_database, "load": load_extension,
        **dict.fromkeys(("excel", "edit", "connection", "session", "testctrl", "filectrl", "imposter", "archive",
                         "ar", "unmodule"), unsupported),
    }
