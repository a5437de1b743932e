"""Laravel's artisan (`php artisan`): migrate:fresh, db:wipe and the other migrate commands; the database from
DATABASE_URL or DB_HOST (also in .env), the environment from --env or APP_ENV."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.migrations.common import (
    Tool,
    Verb,
    Where,
    applies,
    interactive,
    read_dotenv,
    reads,
    rollback,
    where_of_url,
    wipe,
)


class Artisan(Tool):
    NAMES = ("artisan",)
    ENV_VARIABLES = ("DATABASE_URL", "DB_URL", "APP_ENV", "DB_HOST", "DB_DATABASE")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--env", "--database", "--path", "--step", "--class",
                                                       "--seeder", "--execute"})
    ENVIRONMENT_OPTIONS = ("--env",)
    ENVIRONMENT_VARIABLES = ("APP_ENV",)
    URL_VARIABLES = ("DATABASE_URL", "DB_URL")
    DOTENV_FILES = (".env",)
    COMMANDS: ClassVar[dict[str, Verb]] = {
        "migrate:fresh": wipe("drops every table and migrates again: all data is lost"),
        "migrate:reset": wipe("rolls back every migration: every table they created is dropped"),
        "migrate:refresh": wipe("rolls back every migration and migrates again: all data is lost"),
        "db:wipe": wipe("drops every table, view and type"),
        "migrate:rollback": rollback(), "migrate": applies(), "migrate:install": Verb("create", "creates the "
                                                                                                "migration table"),
        "migrate:status": reads("reads the migration state"), "db:seed": Verb("create", "seeds the database",
                                                                             tags=("seed",)),
        **dict.fromkeys(("db:show", "db:table", "db:monitor", "model:show", "schema:dump"), reads("reads")),
        "db": interactive("opens a database shell"),
        "tinker": Verb("execute_opaque", "runs PHP with the application's database access"),
    }

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        name = opts.positionals[0] if opts.positionals else ""
        if name and name not in self.COMMANDS and not name.startswith(("migrate", "db:")):
            return [inv.effect("modify", f"fs:{inv.ctx.cwd or '?'}", self.project_placement(inv), family=self.FAMILY,
                               reversible="unknown", summary=f"php artisan {name}: ordinary work in the project")]
        return super().analyze(inv)

    def adjust(self, inv: Invocation, opts: Options, name: str, verb: Verb, rest: list[str]) -> Verb:
        if opts.has("--pretend"):
            return reads("prints the migration SQL (--pretend)")
        if opts.has("--force") and verb.operation != "read":
            return replace(verb, tags=(*verb.tags, "force"), what=verb.what + " (--force skips the production prompt)")
        return verb

    def url_where(self, inv: Invocation, opts: Options) -> Where | None:
        found = super().url_where(inv, opts)
        if found is not None:
            return found
        host = inv.ctx.getenv("DB_HOST") or read_dotenv(inv).get("DB_HOST")
        database = inv.ctx.getenv("DB_DATABASE") or read_dotenv(inv).get("DB_DATABASE") or "?"
        if host:
            inv.ctx.consulted.setdefault("config:DB_HOST", host)
            return where_of_url(inv, f"db://{host}/{database}", "DB_HOST")
        return None
