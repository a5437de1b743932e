"""supabase: `db reset` and `migration up` act on the local stack unless --linked or --db-url; `db push` and the
project commands on the linked project."""

from __future__ import annotations

from typing import ClassVar

from changegate.environments import LOCAL, UNKNOWN, Placement
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
    reads,
    where_of_name,
    where_of_url,
    wipe,
)


class Supabase(Tool):
    NAMES = ("supabase",)
    ENV_VARIABLES = ("SUPABASE_ACCESS_TOKEN", "SUPABASE_DB_PASSWORD", "SUPABASE_PROJECT_ID", "SUPABASE_WORKDIR",
                     "SUPABASE_API_URL", "SUPABASE_INTERNAL_IMAGE_REGISTRY")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--db-url", "--project-ref", "--workdir", "--version",
                                                       "-p", "--password", "--schema", "-s", "--file", "-f",
                                                       "--env-file", "--experimental", "--output", "-o"})
    COMMAND_WORDS = 2
    ADDRESS_OPTIONS = ("--db-url",)
    URL_VARIABLES = ()
    COMMANDS: ClassVar[dict[str, Verb]] = {
        "db reset": wipe("resets the database: drops everything and re-applies the migrations"),
        "db push": applies("applies the local migrations to the linked project's database"),
        "db pull": Verb("modify", "pulls the remote schema into a migration file", local=True),
        "db dump": reads("dumps the database"), "db diff": reads("prints a schema diff"),
        "db lint": reads("lints the schema"), "db start": project("starts the local database"),
        "migration up": applies("applies pending migrations"), "migration list": reads("lists migrations"),
        "migration repair": Verb("modify", "rewrites the migration history table"),
        "migration new": project("writes a migration file"), "migration squash": project("squashes migration files"),
        "migration fetch": project("downloads migration files"),
        "projects delete": wipe("deletes the whole project: database, storage and functions"),
        "projects create": Verb("create", "creates a project"), "projects list": reads("lists projects"),
        "branches delete": wipe("deletes a preview branch and its database"),
        "branches create": Verb("create", "creates a preview branch"),
        "functions deploy": Verb("modify", "deploys edge functions to the project"),
        "functions delete": Verb("delete", "deletes an edge function"),
        "secrets set": Verb("modify", "sets project secrets"), "secrets unset": Verb("delete", "removes project "
                                                                                               "secrets"),
        "secrets list": reads("lists secret names"), "storage rm": Verb("delete", "deletes storage objects",
                                                                       scope="many"),
        **dict.fromkeys(("start", "stop", "status", "init", "link", "unlink", "login", "logout", "gen types",
                         "gen", "bootstrap", "services", "test db", "inspect db"), project("local development")),
    }

    def adjust(self, inv: Invocation, opts: Options, name: str, verb: Verb, rest: list[str]) -> Verb:
        if opts.has("--dry-run"):
            return reads("prints what it would do (--dry-run)")
        if name in ("start", "stop", "status") and opts.has("--no-backup"):
            return Verb("delete", "stops the local stack and deletes its data (--no-backup)", local=True)
        return verb

    def where(self, inv: Invocation, opts: Options) -> Where:
        """`db reset` and `migration up` act on the local stack unless --linked or --db-url; `db push` on the
        linked project unless --local."""
        url = opts.value("--db-url")
        if url:
            return where_of_url(inv, url, "--db-url")
        words = " ".join(p for p in opts.positionals[:2])
        local_default = words in ("db reset", "migration up", "db lint", "db diff", "test db")
        if opts.has("--local") or (local_default and not opts.has("--linked")):
            return Where(Placement(LOCAL, "the local Supabase stack (no --linked or --db-url)"), "sql:localhost/postgres")
        linked = read_file(inv, "supabase/.temp/project-ref", MAX_MIGRATION_BYTES) or ""
        ref = opts.value("--project-ref") or linked.strip()
        if ref:
            inv.ctx.consulted.setdefault("config:supabase-project-ref", ref)
            return where_of_name(inv, ref, "linked project", f"supabase:{ref}")
        return Where(Placement(UNKNOWN, "the linked Supabase project (unknown is treated as prod)"), "supabase:linked")
