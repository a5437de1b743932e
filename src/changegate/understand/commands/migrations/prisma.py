"""prisma: `migrate reset` and `db push --force-reset` wipe the database, `migrate deploy` applies; the database
from --url, DATABASE_URL (also in .env), or the datasource of schema.prisma; `db execute` SQL is read."""

from __future__ import annotations

import re
from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.db.common import absent_file, read_file, read_script
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
    wipe,
)
from changegate.understand.sql import redact_url

PRISMA_URL = re.compile(r"""url\s*=\s*(?:env\(\s*["'](\w+)["']\s*\)|["']([^"']+)["'])""")


class Prisma(Tool):
    NAMES = ("prisma",)
    ENV_VARIABLES = ("DATABASE_URL",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--schema", "--url", "--file", "--name", "-n",
                                                       "--from-url", "--to-url", "--config", "--applied",
                                                       "--rolled-back", "--script", "--shadow-database-url"})
    COMMAND_WORDS = 2
    ADDRESS_OPTIONS = ("--url",)
    DOTENV_FILES = (".env", "prisma/.env")
    COMMANDS: ClassVar[dict[str, Verb]] = {
        "migrate reset": wipe("drops the database, recreates it and applies every migration: all data is lost"),
        "migrate deploy": applies("applies the pending migrations in prisma/migrations (changegate cannot tell "
                                  "which are pending without the database)"),
        "migrate dev": Verb("modify", "creates and applies migrations; it resets the database when it detects "
                                      "drift", tags=("migration", "may-reset"),
                            suggestions=("use it only against a local development database",)),
        "migrate resolve": Verb("modify", "marks migrations as applied or rolled back"),
        "migrate status": reads("reads migration status"), "migrate diff": reads("prints a schema diff"),
        "db push": Verb("modify", "pushes the schema to the database without migrations", tags=("schema-push",),
                        suggestions=("create a migration (prisma migrate dev) and review it before deploying",)),
        "db pull": Verb("modify", "introspects the database into schema.prisma", local=True),
        "db seed": Verb("create", "runs the seed script", tags=("seed",)),
        "db execute": Verb("modify", "runs the SQL it is given"),  # read and judged statement by statement
        "generate": project("generates the client"), "format": project("formats schema.prisma"),
        "validate": reads("validates schema.prisma"), "init": project("sets up prisma"),
        "studio": Verb("modify", "opens Prisma Studio, a data editor", tags=("data-editor",)),
        "version": reads("prints its version"), "-v": reads("prints its version"), "debug": reads("prints debug info"),
    }

    def adjust(self, inv: Invocation, opts: Options, name: str, verb: Verb, rest: list[str]) -> Verb:
        if name == "db push" and opts.has("--force-reset"):
            return wipe("resets the database (drops every table) before pushing the schema (--force-reset): all "
                        "data is lost")
        if name == "db push" and opts.has("--accept-data-loss"):
            return Verb("replace", "pushes the schema and accepts data loss (--accept-data-loss): columns and tables "
                                   "not in the schema are dropped", data_loss=True, scope="many",
                        tags=("schema-push", "accept-data-loss"), suggestions=verb.suggestions)
        if name == "migrate diff" and opts.has("--script"):
            return reads("prints a migration script")
        return verb

    def effects(self, inv: Invocation, opts: Options, name: str, verb: Verb) -> list[Effect]:
        if name != "db execute":
            return super().effects(inv, opts, name, verb)
        where = self.where(inv, opts)
        path = opts.value("--file")
        if path:
            script = read_script(inv, path, MAX_MIGRATION_BYTES)
            if script.absent:
                return [absent_file(inv, script.path, "prisma db execute --file", where.placement)]
            text = script.text
        else:
            text = inv.stdin.text if opts.has("--stdin") and inv.stdin else None
        if text is None:
            return [inv.effect("unknown", where.resource, where.placement, family=self.FAMILY,
                               tags=("not-understood", "sql-unread"),
                               summary=f"prisma db execute runs SQL that cannot be read ({path or 'stdin'})")]
        return self.sql(inv, where, text)

    def config_where(self, inv: Invocation, opts: Options) -> Where | None:
        """The datasource of schema.prisma: a literal URL, or the variable it names (from the env or .env)."""
        schema = opts.value("--schema")
        for path in ([schema] if schema else ["prisma/schema.prisma", "schema.prisma"]):
            text = read_file(inv, path, MAX_MIGRATION_BYTES)
            if text is None:
                continue
            match = PRISMA_URL.search(text)
            if match is None:
                return None
            if match.group(2):
                return where_of_url(inv, match.group(2), f"the datasource url in {path}")
            variable = match.group(1)
            if variable in self.URL_VARIABLES:
                return None  # already looked for
            value = inv.ctx.env.get(variable) or next((read_dotenv(inv, p).get(variable) for p in self.DOTENV_FILES
                                                       if read_dotenv(inv, p).get(variable)), None)
            if value:
                inv.ctx.consulted.setdefault(f"env:{variable}", redact_url(value))
                return where_of_url(inv, value, f"${variable} (the datasource of {path})")
        return None
