"""drizzle-kit: `push` alters the database straight from the schema; the database from --url or the variables
drizzle.config reads."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import ClassVar

from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.db.common import read_file
from changegate.understand.commands.migrations.common import (
    MAX_MIGRATION_BYTES,
    Tool,
    Verb,
    Where,
    applies,
    project,
    read_dotenv,
    reads,
    where_of_url,
)
from changegate.understand.sql import redact_url

DRIZZLE_CONFIGS = ("drizzle.config.ts", "drizzle.config.js", "drizzle.config.mjs", "drizzle.config.cjs",
                   "drizzle.config.json")
ENV_REFERENCE = re.compile(r"process\.env\.(\w+)|process\.env\[\s*['\"](\w+)['\"]\s*\]")


class Drizzle(Tool):
    NAMES = ("drizzle-kit",)
    ENV_VARIABLES = ("DATABASE_URL",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--config", "--dialect", "--schema", "--out", "--url",
                                                       "--driver", "--name", "--prefix", "--host", "--port",
                                                       "--user", "--password", "--database", "--tablesFilter",
                                                       "--schemaFilters", "--extensionsFilters", "--casing"})
    ADDRESS_OPTIONS = ("--url",)
    COMMANDS: ClassVar[dict[str, Verb]] = {
        "push": Verb("modify", "pushes the schema straight to the database, without a migration: changed or "
                               "removed columns and tables are altered or dropped", tags=("schema-push",),
                     suggestions=("generate a migration (drizzle-kit generate), review its SQL, then apply it",
                                  "drizzle-kit push --strict asks before each statement; --verbose prints them")),
        "migrate": applies("applies the pending migrations in the drizzle folder (changegate cannot tell which are "
                           "pending without the database)"),
        "generate": project("writes a migration file"), "drop": project("deletes a migration file"),
        "check": reads("checks the migration files"), "up": project("upgrades migration snapshots"),
        "introspect": Verb("modify", "introspects the database into schema files", local=True),
        "pull": Verb("modify", "introspects the database into schema files", local=True),
        "studio": Verb("modify", "opens Drizzle Studio, a data editor", tags=("data-editor",)),
        "export": reads("prints the schema as SQL"),
    }
    # legacy command names (push:pg, generate:mysql, …) are the same commands
    COMMANDS.update({f"{base}:{d}": v for base, v in list(COMMANDS.items())
                  for d in ("pg", "mysql", "sqlite", "libsql", "turso")})

    def adjust(self, inv: Invocation, opts: Options, name: str, verb: Verb, rest: list[str]) -> Verb:
        if name.startswith("push") and opts.has("--force"):
            return replace(verb, operation="replace", data_loss=True, scope="many", tags=(*verb.tags, "force"),
                           what=verb.what + "; --force approves every data-loss statement without asking")
        return verb

    def config_where(self, inv: Invocation, opts: Options) -> Where | None:
        """drizzle.config: the variables it reads (and .env when it loads dotenv), or a literal URL."""
        paths = [opts.value("--config")] if opts.value("--config") else list(DRIZZLE_CONFIGS)
        for path in paths:
            text = read_file(inv, path or "", MAX_MIGRATION_BYTES)
            if text is None:
                continue
            loads_dotenv = "dotenv" in text
            for match in ENV_REFERENCE.finditer(text):
                variable = match.group(1) or match.group(2)
                value = inv.ctx.env.get(variable) or (read_dotenv(inv).get(variable) if loads_dotenv else None)
                if value and ("://" in value or value.startswith("file:")):
                    inv.ctx.consulted.setdefault(f"env:{variable}", redact_url(value))
                    return where_of_url(inv, value, f"${variable} (read by {path})")
            literal = re.search(r"""url\s*:\s*["']([a-z+]+://[^"']+)["']""", text)
            if literal:
                return where_of_url(inv, literal.group(1), f"the url in {path}")
            return None
        return None
