"""dbmate: drop, rollback and the migrate commands; the database from --url, the variable -e names, or
DATABASE_URL (also in .env)."""

from __future__ import annotations

import re
from typing import ClassVar

from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.migrations.common import (
    Tool,
    Verb,
    Where,
    applies,
    project,
    read_dotenv,
    reads,
    rollback,
    where_of_url,
    wipe,
)
from changegate.understand.sql import redact_url

DBMATE_DOWN = re.compile(r"^--\s*migrate:down\b[^\n]*\n(.*?)(?=^--\s*migrate:up\b|\Z)", re.S | re.M)


class Dbmate(Tool):
    NAMES = ("dbmate",)
    ENV_VARIABLES = ("DATABASE_URL", "DBMATE_MIGRATIONS_DIR")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-u", "--url", "-e", "--env", "-d", "--migrations-dir",
                                                       "-s", "--schema-file", "--env-file", "--migrations-table",
                                                       "--wait-timeout"})
    ADDRESS_OPTIONS = ("-u", "--url")
    DOTENV_FILES = (".env",)
    COMMANDS: ClassVar[dict[str, Verb]] = {
        "up": applies("creates the database if needed and applies the pending migrations"), "migrate": applies(),
        "create": Verb("create", "creates the database"), "drop": wipe("drops the database"),
        "rollback": rollback(last=1), "down": rollback(last=1),
        "load": Verb("modify", "loads the schema file into the database"),
        **dict.fromkeys(("status", "dump", "wait"), reads("reads the database")),
        "new": project("writes a migration file"), "n": project("writes a migration file"),
    }

    def url_where(self, inv: Invocation, opts: Options) -> Where | None:
        variable = opts.value("-e", "--env")
        if variable:
            value = inv.ctx.env.get(variable) or read_dotenv(inv, opts.value("--env-file") or ".env").get(variable)
            if value:
                inv.ctx.consulted.setdefault(f"env:{variable}", redact_url(value))
                return where_of_url(inv, value, f"${variable}")
        return super().url_where(inv, opts)

    def migration_dir(self, inv: Invocation, opts: Options) -> str:
        return opts.value("-d", "--migrations-dir") or inv.ctx.env.get("DBMATE_MIGRATIONS_DIR") or "db/migrations"

    def down_sql(self, path: str, text: str) -> str | None:
        """The `-- migrate:down` section of a dbmate migration."""
        match = DBMATE_DOWN.search(text)
        return match.group(1) if match else None
