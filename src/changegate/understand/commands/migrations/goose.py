"""goose: `goose [DRIVER DBSTRING] COMMAND`; `reset` and `down-to 0` run every Down section, which are read."""

from __future__ import annotations

import re
from typing import ClassVar

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.db.common import url_variable
from changegate.understand.commands.migrations.common import (
    Tool,
    Verb,
    Where,
    applies,
    project,
    reads,
    rollback,
    where_of_url,
    wipe,
)

GOOSE_DOWN = re.compile(r"^--\s*\+goose\s+Down\b(.*?)(?=^--\s*\+goose\s+Up\b|\Z)", re.S | re.M | re.I)
GOOSE_DIALECTS = {"postgres": "postgresql", "pgx": "postgresql", "mysql": "mysql", "sqlite3": "sqlite",
                  "sqlite": "sqlite", "mssql": "sqlserver", "clickhouse": "clickhouse", "redshift": "redshift",
                  "tidb": "mysql", "vertica": "vertica", "ydb": "ydb", "turso": "sqlite", "starrocks": "mysql"}


class Goose(Tool):
    NAMES = ("goose",)
    ENV_VARIABLES = ("GOOSE_DBSTRING", "GOOSE_DRIVER", "GOOSE_MIGRATION_DIR")
    LONG_SINGLE_DASH = True
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-dir", "--dir", "-table", "--table", "-certfile",
                                                       "-ssl-cert", "-ssl-key", "-s", "-env", "--env"})
    URL_VARIABLES = ("GOOSE_DBSTRING",)
    COMMANDS: ClassVar[dict[str, Verb]] = {
        "up": applies(), "up-by-one": applies("applies the next migration"), "up-to": applies("migrates up to a "
                                                                                            "version"),
        "down": rollback(last=1), "down-to": rollback("rolls back to a version"),
        "redo": rollback("re-runs the last migration", last=1),
        "reset": wipe("rolls back every migration: each Down section runs", down_files=True),
        **dict.fromkeys(("status", "version", "validate", "env"), reads("reads the migration state")),
        **dict.fromkeys(("create", "fix"), project("writes migration files")),
    }

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        words = opts.positionals[2:] if self.connection(opts) else opts.positionals
        name, verb = self.command(words)
        if verb is None:
            return [self.unknown_command(inv, opts, name)]
        if name == "down-to" and words[1:2] == ["0"]:
            verb = wipe("rolls back to version 0: every Down section runs", down_files=True)
        return self.effects(inv, opts, name, verb)

    @staticmethod
    def connection(opts: Options) -> tuple[str, str] | None:
        """`goose DRIVER DBSTRING COMMAND`: the connection comes first."""
        words = opts.positionals
        if len(words) >= 2 and words[0] in GOOSE_DIALECTS:
            return words[0], words[1]
        return None

    def url_where(self, inv: Invocation, opts: Options) -> Where | None:
        connection = self.connection(opts)
        if connection is not None:
            return self.place_dbstring(inv, *connection, "the goose connection")
        from_env = url_variable(inv.ctx, "GOOSE_DBSTRING")
        if from_env:
            return self.place_dbstring(inv, inv.ctx.getenv("GOOSE_DRIVER") or "postgres", from_env, "$GOOSE_DBSTRING")
        return super().url_where(inv, opts)

    @staticmethod
    def place_dbstring(inv: Invocation, driver: str, dbstring: str, source: str) -> Where:
        if driver in ("sqlite3", "sqlite", "turso") and "://" not in dbstring:
            return where_of_url(inv, f"sqlite:///{dbstring}", source)  # three slashes, then the path as written
        if "://" in dbstring or "=" in dbstring:
            where = where_of_url(inv, dbstring, source)
            where.dialect = {"mysql": "mysql", "tidb": "mysql", "clickhouse": "clickhouse"}.get(driver, where.dialect)
            return where
        return Where(Placement(UNKNOWN, f"{source} {dbstring[:40]!r} cannot be read"), f"db:goose/{driver}")

    def migration_dir(self, inv: Invocation, opts: Options) -> str:
        return opts.value("-dir", "--dir") or inv.ctx.env.get("GOOSE_MIGRATION_DIR") or "."

    def down_sql(self, path: str, text: str) -> str | None:
        return "\n".join(m.group(1) for m in GOOSE_DOWN.finditer(text)) or None
