"""ORMs and migration runners: prisma, drizzle-kit, rails/rake, django, alembic, artisan, knex, supabase, sequelize,
typeorm, flyway, liquibase, goose, dbmate, sqitch, atlas, golang-migrate.

Each tool is a table of its commands (what each does to the database: apply, roll back, reset, drop) and a few
methods for what the table cannot say: which flags make a command destructive (`--force-reset`, `VERSION=0`,
`--all`) and where the database is. The environment is where the migration runs: a URL flag, the variables the
tool reads (`DATABASE_URL` and friends), the framework's environment (`RAILS_ENV=production`, `NODE_ENV`,
`APP_ENV`), config files the tool reads (prisma's schema and `.env`, alembic.ini, flyway.conf), most severe
first. Nothing known is `unknown`, which the default policy treats as prod.

Where a command's SQL can be known without asking the database — every down migration of a full rollback, a file
passed to `prisma db execute` — it is read and judged statement by statement; where it cannot (which migrations
are still pending), the effect says so.
"""

from __future__ import annotations

import configparser
import posixpath
import re
from dataclasses import dataclass, field, replace
from typing import ClassVar

import msgspec

from changegate.environments import LOCAL, SEVERITY, UNKNOWN, Placement
from changegate.model import Effect, Operation, Scope
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli, Options
from changegate.understand.sql import (
    POSTGRES,
    SqlTarget,
    load_parser,
    redact_url,
    sql_effects,
    target_from_url,
)

MAX_CONFIG_BYTES = 64 * 1024
MAX_MIGRATION_FILES = 300
MAX_MIGRATION_BYTES = 2 * 1024 * 1024
ROLLBACK_HINT = "roll back one step at a time, and check what each down migration drops first"
RESET_HINT = "run it against a local or throwaway database; in production apply migrations forward only"


@dataclass(frozen=True, slots=True)
class Verb:
    """What one command of a tool does to its database."""

    operation: Operation
    what: str
    data_loss: bool = False
    whole: bool = False  # the whole database (drop, reset, wipe)
    scope: Scope = "one"
    tags: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()
    local: bool = False  # only touches files in the project (generate, create a migration file)
    down_files: bool = False  # every down migration runs: read them


def reads(what: str) -> Verb:
    return Verb("read", what)


def project(what: str) -> Verb:
    return Verb("create", what, local=True)


def applies(what: str = "applies the pending migrations") -> Verb:
    return Verb("modify", what, tags=("migration",))


def rollback(what: str = "rolls back the last migration") -> Verb:
    return Verb("delete", f"{what}: what it created (tables, columns) is dropped", scope="many",
                tags=("rollback",), suggestions=(ROLLBACK_HINT,))


def wipe(what: str, *, down_files: bool = False) -> Verb:
    return Verb("delete", what, data_loss=True, whole=True, scope="all", tags=("reset",), suggestions=(RESET_HINT,),
                down_files=down_files)


@dataclass
class Where:
    """The database a command acts on."""

    placement: Placement
    resource: str
    dialect: str | None = None
    signals: list[str] = field(default_factory=list)


# --- finding the database --------------------------------------------------------------------------------------

def read_text(inv: Invocation, raw: str) -> str | None:
    """A project file (config, .env, migration), bounded; None when absent or too big."""
    stream = inv.walker.file_stream(raw, inv.ctx)
    if stream.text is None or len(stream.text) > MAX_MIGRATION_BYTES:
        return None
    return stream.text


def read_dotenv(inv: Invocation, raw: str = ".env") -> dict[str, str]:
    """KEY=VALUE lines of a dotenv file the tool itself loads."""
    text = read_text(inv, raw)
    if text is None or len(text) > MAX_CONFIG_BYTES:
        return {}
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if value[:1] in ("'", '"') and value.endswith(value[0]) and len(value) > 1:
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key.strip()] = value
    return values


def place_url(inv: Invocation, url: str, source: str) -> Where:
    target: SqlTarget = target_from_url(url, inv.ctx.environments, source, inv.ctx.workspace, inv.ctx.cwd)
    return Where(target.placement, target.prefix, target.dialect, [f"{source} {redact_url(url)}"])


def place_environment_name(inv: Invocation, value: str, source: str) -> Placement:
    return inv.ctx.environments.classify("names", value, source)


def most_severe(*options: Where | None) -> Where | None:
    present = [w for w in options if w is not None]
    if not present:
        return None
    return max(present, key=lambda w: SEVERITY.get(w.placement.environment, 3))


class Tool(Cli):
    """A migration tool: its commands in `verbs`, and where its database is."""

    FAMILY = "migrations"
    verbs: ClassVar[dict[str, Verb]] = {}
    url_flags: ClassVar[tuple[str, ...]] = ("--url", "--database-url", "--db-url")
    url_vars: ClassVar[tuple[str, ...]] = ("DATABASE_URL",)
    env_flags: ClassVar[tuple[str, ...]] = ("--env", "--environment", "-e")
    env_vars: ClassVar[tuple[str, ...]] = ()
    default_env: ClassVar[str] = ""  # the framework's default environment name, e.g. rails' development
    dotenv: ClassVar[tuple[str, ...]] = ()  # dotenv files the tool loads itself
    command_words: ClassVar[int] = 1

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        words = [p for p in opts.positionals if "=" not in p or p.startswith(("-", "/"))]
        name, verb = self.command(words)
        if verb is None:
            return [inv.unknown(f"{inv.name} {' '.join(words[:2])}".strip())]
        verb = self.adjust(inv, opts, name, verb, words[len(name.split()):])
        return self.effects(inv, opts, name, verb)

    def command(self, words: list[str]) -> tuple[str, Verb | None]:
        for size in range(min(self.command_words, len(words)), 0, -1):
            name = " ".join(words[:size])
            if name in self.verbs:
                return name, self.verbs[name]
        if not words:
            return "", reads("prints its help")
        return " ".join(words[:self.command_words]), None

    def adjust(self, inv: Invocation, opts: Options, name: str, verb: Verb, rest: list[str]) -> Verb:
        """Flags and arguments that change what a command does. Overridden per tool."""
        return verb

    def effects(self, inv: Invocation, opts: Options, name: str, verb: Verb) -> list[Effect]:
        shown = f"{inv.name} {name}".strip()
        if verb.local:
            return [inv.effect(verb.operation, f"fs:{inv.ctx.cwd or '?'}", project_placement(inv),
                               reversible="yes", kind="project", family=self.FAMILY,
                               summary=f"{shown}: {verb.what}")]
        where = self.where(inv, opts)
        effects: list[Effect] = []
        if verb.down_files:
            effects.extend(self.down_migrations(inv, opts, where))
        effects.insert(0, inv.effect(
            verb.operation, where.resource, where.placement, scope=verb.scope, kind="database", family=self.FAMILY,
            reversible="yes" if verb.operation == "read" else "no" if verb.data_loss else "unknown",
            data_loss=verb.data_loss, whole_environment=verb.whole, tags=verb.tags,
            summary=f"{shown}: {verb.what}", suggestions=verb.suggestions))
        return effects

    # --- where ----------------------------------------------------------------------------------------------
    def where(self, inv: Invocation, opts: Options) -> Where:
        """Most severe of: the URL (flag, variable, dotenv) and the framework's environment name."""
        by_url = self.url_where(inv, opts)
        by_env = self.environment_where(inv, opts)
        chosen = most_severe(by_url, by_env)
        if chosen is None:
            return Where(Placement(UNKNOWN, f"nothing says which database {inv.name} uses (no URL, no environment "
                                            "name): unknown is treated as prod"), f"db:{inv.name}")
        if by_url is not None and chosen is not by_url:
            chosen.resource = by_url.resource  # the URL names the database better than an environment name
        return chosen

    def url_where(self, inv: Invocation, opts: Options) -> Where | None:
        for flag in self.url_flags:
            value = opts.value(flag)
            if value:
                return place_url(inv, value, flag)
        for name in self.url_vars:
            value = inv.ctx.env.get(name)
            if value:
                inv.ctx.consulted.setdefault(f"env:{name}", redact_url(value))
                return place_url(inv, value, f"${name}")
        for path in self.dotenv:
            values = read_dotenv(inv, path)
            for name in self.url_vars:
                if values.get(name):
                    inv.ctx.consulted.setdefault(f"file:{path}:{name}", redact_url(values[name]))
                    return place_url(inv, values[name], f"{name} in {path}")
        return self.config_where(inv, opts)

    def config_where(self, inv: Invocation, opts: Options) -> Where | None:
        """A URL from the tool's own config file. Overridden per tool."""
        return None

    def environment_where(self, inv: Invocation, opts: Options) -> Where | None:
        for flag in self.env_flags:
            value = opts.value(flag)
            if value:
                return Where(place_environment_name(inv, value, flag), f"db:{inv.name}/{value}")
        for name in self.env_vars:
            value = inv.ctx.getenv(name)
            if value:
                return Where(place_environment_name(inv, value, name), f"db:{inv.name}/{value}")
        for assignment in opts.positionals:  # rake-style NAME=value arguments
            key, eq, value = assignment.partition("=")
            if eq and key in self.env_vars and value:
                return Where(place_environment_name(inv, value, key), f"db:{inv.name}/{value}")
        for path in self.dotenv:
            values = read_dotenv(inv, path)
            for name in self.env_vars:
                if values.get(name):
                    inv.ctx.consulted.setdefault(f"file:{path}:{name}", values[name])
                    return Where(place_environment_name(inv, values[name], f"{name} in {path}"),
                                 f"db:{inv.name}/{values[name]}")
        if self.default_env:
            placement = place_environment_name(inv, self.default_env, f"{inv.name}'s default environment")
            return Where(placement, f"db:{inv.name}/{self.default_env}")
        return None

    # --- migration files ------------------------------------------------------------------------------------
    def migration_dir(self, inv: Invocation, opts: Options) -> str:
        return "migrations"

    def down_sql(self, path: str, text: str) -> str | None:
        """The SQL a full rollback runs from one migration file; None when the file is not a down file."""
        return None

    def down_migrations(self, inv: Invocation, opts: Options, where: Where) -> list[Effect]:
        """Every down migration runs: read them, and judge their statements where they would run."""
        directory = inv.ctx.resolve(self.migration_dir(inv, opts))
        files = list_sql_files(directory)
        if directory is None or files is None:
            return [inv.effect("unknown", where.resource, where.placement, family=self.FAMILY, tags=("migrations-unread",),
                               summary=f"the down migrations in {self.migration_dir(inv, opts)} could not be read, so "
                                       "what they drop is not known")]
        effects: list[Effect] = []
        total = 0
        for path in reversed(files):
            text = read_text(inv, path)
            if text is None:
                continue
            total += len(text)
            if total > MAX_MIGRATION_BYTES:
                break
            sql = self.down_sql(path, text)
            if not sql:
                continue
            inv.walker.deadline += load_parser(where.dialect or POSTGRES)
            found = sql_effects(sql, where.dialect or POSTGRES, where.placement, where.resource, self.FAMILY,
                                environments=inv.ctx.environments, evidence=posixpath.basename(path))
            name = posixpath.basename(path)
            effects.extend(msgspec.structs.replace(e, summary=f"{name}: {e.summary}") for e in found
                           if e.operation != "read")
        return effects


def project_placement(inv: Invocation) -> Placement:
    """Where a command that only writes project files works: its arguments decide, not the connection
    variables in its environment (it does not connect)."""
    placement = inv.arguments_placement()
    if inv.ctx.workspace and placement == inv.ctx.environment_from_variables():
        return Placement(LOCAL, f"it only writes files in the project {inv.ctx.workspace}")
    return placement


def list_sql_files(directory: str | None) -> list[str] | None:
    """The .sql files under a migration directory (one level of subdirectories, as prisma and drizzle keep
    them), sorted by name, bounded; None when the directory cannot be listed."""
    import os

    if directory is None:
        return None
    out: list[str] = []
    try:
        with os.scandir(directory) as entries:
            for entry in sorted(entries, key=lambda e: e.name)[:MAX_MIGRATION_FILES]:
                if entry.is_file() and entry.name.endswith(".sql"):
                    out.append(entry.path)
                elif entry.is_dir():
                    with os.scandir(entry.path) as inner:
                        out.extend(e.path for e in sorted(inner, key=lambda e: e.name)[:20]
                                   if e.is_file() and e.name.endswith(".sql"))
    except OSError:
        return None
    return out[:MAX_MIGRATION_FILES]


# --- prisma ---------------------------------------------------------------------------------------------------

PRISMA_URL = re.compile(r"""url\s*=\s*(?:env\(\s*["'](\w+)["']\s*\)|["']([^"']+)["'])""")


class Prisma(Tool):
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--schema", "--url", "--file", "--name", "-n",
                                                       "--from-url", "--to-url", "--config", "--applied",
                                                       "--rolled-back", "--script", "--shadow-database-url"})
    command_words = 2
    url_flags = ("--url",)
    dotenv = (".env", "prisma/.env")
    verbs: ClassVar[dict[str, Verb]] = {
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
        "db execute": Verb("unknown", "runs SQL"),
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
        text = read_text(inv, path) if path else (inv.stdin.text if opts.has("--stdin") and inv.stdin else None)
        if text is None:
            return [inv.effect("unknown", where.resource, where.placement, family=self.FAMILY,
                               tags=("not-understood", "sql-unread"),
                               summary=f"prisma db execute runs SQL that cannot be read ({path or 'stdin'})")]
        inv.walker.deadline += load_parser(where.dialect or POSTGRES)
        return sql_effects(text, where.dialect or POSTGRES, where.placement, where.resource, self.FAMILY,
                           environments=inv.ctx.environments, evidence=inv.text)

    def config_where(self, inv: Invocation, opts: Options) -> Where | None:
        """The datasource of schema.prisma: a literal URL, or the variable it names (from the env or .env)."""
        schema = opts.value("--schema")
        for path in ([schema] if schema else ["prisma/schema.prisma", "schema.prisma"]):
            text = read_text(inv, path)
            if text is None:
                continue
            match = PRISMA_URL.search(text)
            if match is None:
                return None
            if match.group(2):
                return place_url(inv, match.group(2), f"the datasource url in {path}")
            variable = match.group(1)
            if variable in self.url_vars:
                return None  # already looked for
            value = inv.ctx.env.get(variable) or next((read_dotenv(inv, p).get(variable) for p in self.dotenv
                                                       if read_dotenv(inv, p).get(variable)), None)
            if value:
                inv.ctx.consulted.setdefault(f"env:{variable}", redact_url(value))
                return place_url(inv, value, f"${variable} (the datasource of {path})")
        return None


# --- drizzle-kit -------------------------------------------------------------------------------------------------

DRIZZLE_CONFIGS = ("drizzle.config.ts", "drizzle.config.js", "drizzle.config.mjs", "drizzle.config.cjs",
                   "drizzle.config.json")
ENV_REFERENCE = re.compile(r"process\.env\.(\w+)|process\.env\[\s*['\"](\w+)['\"]\s*\]")


class Drizzle(Tool):
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--config", "--dialect", "--schema", "--out", "--url",
                                                       "--driver", "--name", "--prefix", "--host", "--port",
                                                       "--user", "--password", "--database", "--tablesFilter",
                                                       "--schemaFilters", "--extensionsFilters", "--casing"})
    url_flags = ("--url",)
    verbs: ClassVar[dict[str, Verb]] = {
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
    verbs.update({f"{base}:{d}": v for base, v in list(verbs.items())
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
            text = read_text(inv, path or "")
            if text is None:
                continue
            loads_dotenv = "dotenv" in text
            for match in ENV_REFERENCE.finditer(text):
                variable = match.group(1) or match.group(2)
                value = inv.ctx.env.get(variable) or (read_dotenv(inv).get(variable) if loads_dotenv else None)
                if value and ("://" in value or value.startswith("file:")):
                    inv.ctx.consulted.setdefault(f"env:{variable}", redact_url(value))
                    return place_url(inv, value, f"${variable} (read by {path})")
            literal = re.search(r"""url\s*:\s*["']([a-z+]+://[^"']+)["']""", text)
            if literal:
                return place_url(inv, literal.group(1), f"the url in {path}")
            return None
        return None


# --- rails / rake ---------------------------------------------------------------------------------------------

RAILS_VERBS: dict[str, Verb] = {
    **dict.fromkeys(("db:drop", "db:drop:all", "db:purge", "db:purge:all"),
                    wipe("drops the database: all data is lost")),
    **dict.fromkeys(("db:reset", "db:migrate:reset"), wipe("drops the database and recreates it: all data is lost")),
    **dict.fromkeys(("db:schema:load", "db:structure:load"),
                    Verb("replace", "recreates every table from the schema file: their rows are lost", data_loss=True,
                         whole=True, scope="all", suggestions=(RESET_HINT,))),
    "db:truncate_all": Verb("delete", "empties every table", data_loss=True, whole=True, scope="all"),
    "db:seed:replant": Verb("delete", "empties every table, then seeds", data_loss=True, whole=True, scope="all"),
    "db:fixtures:load": Verb("replace", "replaces the rows of the fixture tables", data_loss=True, scope="many"),
    "db:migrate": applies(), "db:migrate:up": applies("applies one migration"),
    "db:migrate:down": rollback("reverts one migration"), "db:migrate:redo": rollback("reverts and re-applies "
                                                                                      "migrations"),
    "db:rollback": rollback(), "db:prepare": applies("creates or migrates the database"),
    "db:setup": Verb("create", "creates the database, loads the schema and seeds"),
    "db:create": Verb("create", "creates the database"), "db:create:all": Verb("create", "creates the databases"),
    "db:seed": Verb("create", "seeds the database", tags=("seed",)),
    "db:environment:set": Verb("modify", "records the database's environment"),
    **dict.fromkeys(("db:version", "db:migrate:status", "db:abort_if_pending_migrations", "db:schema:cache:dump",
                     "db:schema:cache:clear"), reads("reads the migration state")),
    **dict.fromkeys(("db:schema:dump", "db:structure:dump"), Verb("modify", "writes the schema file", local=True)),
    **dict.fromkeys(("console", "c", "runner", "r", "dbconsole", "db"),
                    Verb("execute_opaque", "runs code or SQL with the application's database access",
                         suggestions=("write the change as a migration or a script in the repository, show it, and "
                                      "run that",))),
    **dict.fromkeys(("credentials:show",), Verb("secret_read", "prints the decrypted credentials")),
    **dict.fromkeys(("credentials:edit", "secret:edit"), Verb("modify", "edits the encrypted credentials")),
    **dict.fromkeys(("server", "s", "test", "t", "test:system", "generate", "g", "destroy", "d", "new", "routes",
                     "assets:precompile", "assets:clean", "assets:clobber", "about", "stats", "notes", "zeitwerk:check",
                     "tmp:clear", "log:clear", "middleware", "secret", "spec", "default", "initializers", "time:zones",
                     "app:update", "importmap:install", "tailwindcss:build", "javascript:build", "css:build"),
                    project("ordinary work in the project")),
}


class Rails(Tool):
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-e", "--environment", "-p", "--port", "-b", "--binding",
                                                       "-f", "--rakefile", "-I", "--libdir", "-R", "--rakelibdir",
                                                       "-r", "--require", "-C", "--directory"})
    env_vars = ("RAILS_ENV", "RACK_ENV")
    default_env = "development"
    verbs = RAILS_VERBS

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        tasks = [p for p in opts.positionals if "=" not in p]
        if not tasks:
            return [inv.unknown(f"{inv.name} with no task")]
        effects: list[Effect] = []
        for task in tasks[:8]:  # rake runs each task named, in order
            verb = self.verbs.get(task)
            if verb is None:
                effects.append(self.unknown_task(inv, opts, task))
                continue
            effects.extend(self.effects(inv, opts, task, self.adjust(inv, opts, task, verb, [])))
            if task in ("runner", "r", "console", "c", "dbconsole", "db", "server", "s", "generate", "g"):
                break  # the rest are that command's arguments
        return effects

    def unknown_task(self, inv: Invocation, opts: Options, task: str) -> Effect:
        if task.startswith("db:"):
            where = self.where(inv, opts)
            return inv.effect("unknown", where.resource, where.placement, family=self.FAMILY,
                              summary=f"runs the database task {task}, which changegate does not know")
        return inv.unknown(f"the {inv.name} task {task}")

    def adjust(self, inv: Invocation, opts: Options, name: str, verb: Verb, rest: list[str]) -> Verb:
        assignments = dict(p.partition("=")[::2] for p in opts.positionals if "=" in p)
        for key in ("VERSION", "STEP"):
            if key in inv.ctx.env and key not in assignments:
                assignments[key] = inv.ctx.getenv(key) or ""
        if name == "db:migrate" and assignments.get("VERSION", "").strip("0") == "" and "VERSION" in assignments:
            return wipe("reverts every migration (VERSION=0): every table they created is dropped")
        if name == "db:migrate" and "VERSION" in assignments:
            return replace(verb, what=f"migrates to version {assignments['VERSION']} (down migrations run when it is "
                                      "older than the current one)", tags=(*verb.tags, "may-rollback"))
        if name in ("db:rollback", "db:migrate:redo") and assignments.get("STEP"):
            return replace(verb, what=f"rolls back {assignments['STEP']} migrations: what they created is dropped")
        if inv.ctx.getenv("DISABLE_DATABASE_ENVIRONMENT_CHECK") and verb.whole:
            return replace(verb, tags=(*verb.tags, "protection-off"),
                           what=verb.what + " (DISABLE_DATABASE_ENVIRONMENT_CHECK turns off rails' production guard)")
        return verb


# --- django ---------------------------------------------------------------------------------------------------

DJANGO_SETTINGS_DEFAULT = re.compile(r"""DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([\w.]+)['"]""")
SQLITE_ONLY = re.compile(r"django\.db\.backends\.sqlite3")
OTHER_DATABASES = re.compile(r"postgres|mysql|oracle|mssql|DATABASE_URL|dj_database_url|environ|getenv|env\.db")


class Django(Tool):
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--settings", "--pythonpath", "--database", "-c",
                                                       "--command", "-v", "--verbosity", "--format", "-e",
                                                       "--exclude", "-o", "--output", "--username", "--email",
                                                       "-i", "--interface", "--app", "--name"})
    env_flags = ("--settings",)
    env_vars = ("DJANGO_SETTINGS_MODULE", "DJANGO_ENV", "ENVIRONMENT")
    verbs: ClassVar[dict[str, Verb]] = {
        "flush": Verb("delete", "deletes every row of every table", data_loss=True, whole=True, scope="all",
                      suggestions=(RESET_HINT,)),
        "reset_db": wipe("drops and recreates the database"),
        "migrate": applies(), "loaddata": Verb("modify", "loads fixtures into the database", scope="many"),
        "dbshell": Verb("unknown", "opens a database shell"),
        "shell": Verb("execute_opaque", "runs Python with the application's database access",
                      suggestions=("write the change as a migration or a management command, show it, and run that",)),
        "createsuperuser": Verb("permission", "creates a superuser"),
        "changepassword": Verb("permission", "changes a user's password"),
        "clearsessions": Verb("delete", "deletes expired sessions", scope="many"),
        "createcachetable": Verb("create", "creates cache tables"),
        "remove_stale_contenttypes": Verb("delete", "deletes stale content types (and their objects)", scope="many"),
        "diffsettings": Verb("secret_read", "prints the settings, secrets included"),
        **dict.fromkeys(("sqlflush", "sqlmigrate", "sqlsequencereset", "showmigrations", "check", "inspectdb",
                         "dumpdata", "help", "version", "sendtestemail", "findstatic", "ping_google"),
                        reads("reads")),
        **dict.fromkeys(("makemigrations", "squashmigrations", "startapp", "startproject", "collectstatic",
                         "compilemessages", "makemessages", "runserver", "test", "testserver", "optimizemigration"),
                        project("ordinary work in the project")),
    }

    def adjust(self, inv: Invocation, opts: Options, name: str, verb: Verb, rest: list[str]) -> Verb:
        if name == "migrate" and opts.has("--plan", "--check"):
            return reads("prints the migration plan")
        if name == "migrate" and len(rest) >= 2 and rest[1] == "zero":
            return Verb("delete", f"reverts every migration of {rest[0]} (zero): its tables are dropped",
                        data_loss=True, scope="all", tags=("rollback",), suggestions=(ROLLBACK_HINT,))
        if name == "migrate" and len(rest) >= 2:
            return replace(verb, what=f"migrates {rest[0]} to {rest[1]} (down migrations run when it is older)",
                           tags=(*verb.tags, "may-rollback"))
        if name == "shell" and not opts.has("-c", "--command") and inv.stdin is None:
            return Verb("unknown", "opens an interactive Python shell with database access")
        return verb

    def environment_where(self, inv: Invocation, opts: Options) -> Where | None:
        found = super().environment_where(inv, opts)
        if found is not None and found.placement.environment != UNKNOWN:
            return found
        alias = opts.value("--database")
        if alias and alias != "default":
            return Where(place_environment_name(inv, alias, "--database"), f"db:django/{alias}")
        module = self.settings_module(inv, opts)
        if module:
            named = place_environment_name(inv, module, "settings module")
            if named.environment != UNKNOWN:
                return Where(named, f"db:django/{module}")
            if self.sqlite_only(inv, module):
                return Where(Placement(LOCAL, f"the settings {module} use only a SQLite file"), f"db:django/{module}")
        return found

    @staticmethod
    def settings_module(inv: Invocation, opts: Options) -> str | None:
        explicit = opts.value("--settings") or inv.ctx.env.get("DJANGO_SETTINGS_MODULE")
        if explicit:
            return explicit
        text = read_text(inv, "manage.py")
        match = DJANGO_SETTINGS_DEFAULT.search(text or "")
        return match.group(1) if match else None

    @staticmethod
    def sqlite_only(inv: Invocation, module: str) -> bool:
        base = module.replace(".", "/")
        for path in (f"{base}.py", f"{base}/__init__.py"):
            text = read_text(inv, path)
            if text is not None:
                return bool(SQLITE_ONLY.search(text)) and not OTHER_DATABASES.search(text)
        return False


# --- alembic ------------------------------------------------------------------------------------------------------

class Alembic(Tool):
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-c", "--config", "-n", "--name", "-x", "-m", "--message",
                                                       "--rev-id", "--head", "--splice", "--branch-label",
                                                       "--version-path", "--depends-on", "-r", "--rev-range",
                                                       "--tag", "--raiseerr"})
    url_vars = ("DATABASE_URL", "SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_DATABASE_URL", "DB_URL", "ALEMBIC_URL")
    env_flags = ("-n", "--name")
    env_vars = ("ENVIRONMENT", "ENV", "APP_ENV")
    verbs: ClassVar[dict[str, Verb]] = {
        "upgrade": applies("upgrades the database"), "downgrade": rollback("downgrades the database"),
        "stamp": Verb("modify", "rewrites the recorded revision without running migrations", tags=("stamp",)),
        **dict.fromkeys(("current", "history", "heads", "branches", "show", "check", "list_templates"),
                        reads("reads the revision state")),
        **dict.fromkeys(("revision", "merge", "init", "edit", "ensure_version"), project("writes migration files")),
    }

    def adjust(self, inv: Invocation, opts: Options, name: str, verb: Verb, rest: list[str]) -> Verb:
        if opts.has("--sql"):
            return reads("prints the migration SQL (offline mode)")
        target = rest[0] if rest else ""
        if name == "downgrade" and target == "base":
            return wipe("downgrades to base: every migration is reverted and the tables they created are dropped")
        if name == "downgrade" and target.startswith("-"):
            return rollback(f"downgrades {target[1:]} revision(s)")
        for value in opts.values("-x"):
            key, _, setting = value.partition("=")
            if setting:
                return replace(verb, tags=(*verb.tags, f"x:{key}"))
        return verb

    def environment_where(self, inv: Invocation, opts: Options) -> Where | None:
        for value in opts.values("-x"):  # -x env=prod / -x db=staging, passed to env.py
            _, _, setting = value.partition("=")
            named = inv.ctx.environments.by_name(setting) if setting else None
            if named:
                return Where(Placement(named, f"-x {value} is named like {named}"), f"db:alembic/{setting}")
        return super().environment_where(inv, opts)

    def config_where(self, inv: Invocation, opts: Options) -> Where | None:
        path = opts.value("-c", "--config") or "alembic.ini"
        text = read_text(inv, path)
        if text is None or len(text) > MAX_CONFIG_BYTES:
            return None
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        try:
            parser.read_string(text)
        except configparser.Error:
            return None
        section = opts.value("-n", "--name") or "alembic"
        url = parser.get(section, "sqlalchemy.url", fallback="").strip()
        if url and "%(" not in url and "${" not in url and "://" in url:
            return place_url(inv, url, f"sqlalchemy.url in {path}")
        return None


# --- laravel artisan -----------------------------------------------------------------------------------------------

class Artisan(Tool):
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--env", "--database", "--path", "--step", "--class",
                                                       "--seeder", "--execute"})
    env_flags = ("--env",)
    env_vars = ("APP_ENV",)
    url_vars = ("DATABASE_URL", "DB_URL")
    dotenv = (".env",)
    verbs: ClassVar[dict[str, Verb]] = {
        "migrate:fresh": wipe("drops every table and migrates again: all data is lost"),
        "migrate:reset": wipe("rolls back every migration: every table they created is dropped"),
        "migrate:refresh": wipe("rolls back every migration and migrates again: all data is lost"),
        "db:wipe": wipe("drops every table, view and type"),
        "migrate:rollback": rollback(), "migrate": applies(), "migrate:install": Verb("create", "creates the "
                                                                                                "migration table"),
        "migrate:status": reads("reads the migration state"), "db:seed": Verb("create", "seeds the database",
                                                                             tags=("seed",)),
        **dict.fromkeys(("db:show", "db:table", "db:monitor", "model:show", "schema:dump"), reads("reads")),
        "db": Verb("unknown", "opens a database shell"),
        "tinker": Verb("execute_opaque", "runs PHP with the application's database access"),
    }

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        name = opts.positionals[0] if opts.positionals else ""
        if name and name not in self.verbs and not name.startswith(("migrate", "db:")):
            return [inv.effect("modify", f"fs:{inv.ctx.cwd or '?'}", project_placement(inv), family=self.FAMILY,
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
            return place_url(inv, f"db://{host}/{database}", "DB_HOST")
        return None


# --- node migration tools -----------------------------------------------------------------------------------------

class Knex(Tool):
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--env", "--knexfile", "--cwd", "--client", "--connection",
                                                       "--migrations-directory", "--specific", "--name"})
    env_flags = ("--env",)
    env_vars = ("NODE_ENV",)
    url_flags = ("--connection",)
    default_env = "development"
    verbs: ClassVar[dict[str, Verb]] = {
        "migrate:latest": applies(), "migrate:up": applies("applies the next migration"),
        "migrate:rollback": rollback("rolls back the last batch of migrations"),
        "migrate:down": rollback("reverts the last migration"),
        "migrate:list": reads("lists migrations"), "migrate:status": reads("reads the migration state"),
        "migrate:currentVersion": reads("reads the migration state"),
        "migrate:unlock": Verb("modify", "forces the migration lock open"),
        "seed:run": Verb("modify", "runs seed files (seeds usually empty their tables first)", scope="many",
                         tags=("seed",)),
        **dict.fromkeys(("migrate:make", "seed:make", "init"), project("writes migration or seed files")),
    }

    def adjust(self, inv: Invocation, opts: Options, name: str, verb: Verb, rest: list[str]) -> Verb:
        if name == "migrate:rollback" and opts.has("--all"):
            return wipe("rolls back every migration (--all): every table they created is dropped")
        return verb


class Sequelize(Tool):
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--env", "--url", "--config", "--options-path",
                                                       "--migrations-path", "--seeders-path", "--models-path",
                                                       "--to", "--from", "--name", "--seed"})
    env_flags = ("--env",)
    env_vars = ("NODE_ENV",)
    url_flags = ("--url",)
    default_env = "development"
    verbs: ClassVar[dict[str, Verb]] = {
        "db:migrate": applies(), "db:migrate:undo": rollback(),
        "db:migrate:undo:all": wipe("reverts every migration: every table they created is dropped"),
        "db:migrate:status": reads("reads the migration state"),
        "db:seed": Verb("create", "runs a seeder", tags=("seed",)),
        "db:seed:all": Verb("create", "runs every seeder", tags=("seed",)),
        "db:seed:undo": Verb("delete", "reverts a seeder (deletes its rows)", scope="many"),
        "db:seed:undo:all": Verb("delete", "reverts every seeder (deletes their rows)", data_loss=True, scope="all"),
        "db:drop": wipe("drops the database"), "db:create": Verb("create", "creates the database"),
        **dict.fromkeys(("init", "model:generate", "model:create", "migration:generate", "migration:create",
                         "seed:generate", "seed:create", "init:config", "init:migrations", "init:models",
                         "init:seeders"), project("writes project files")),
    }


class TypeOrm(Tool):
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-d", "--dataSource", "--connection", "-c", "--config",
                                                       "-f", "-n", "--name", "-o", "--outputPath"})
    url_vars = ("DATABASE_URL", "TYPEORM_URL")
    env_vars = ("NODE_ENV",)
    verbs: ClassVar[dict[str, Verb]] = {
        "schema:drop": wipe("drops every table, view and index of the data source"),
        "schema:sync": Verb("replace", "makes the database match the entities: columns and tables that are not "
                                       "entities are dropped", data_loss=True, scope="many", tags=("schema-push",),
                            suggestions=("generate a migration (typeorm migration:generate), review it, then run it",)),
        "schema:log": reads("prints the SQL schema:sync would run"),
        "migration:run": applies(), "migration:revert": rollback(),
        "migration:show": reads("lists migrations"), "cache:clear": Verb("modify", "clears the query cache"),
        "query": Verb("unknown", "runs SQL"),
        **dict.fromkeys(("migration:create", "migration:generate", "entity:create", "subscriber:create", "init",
                         "version"), project("writes project files")),
    }

    def effects(self, inv: Invocation, opts: Options, name: str, verb: Verb) -> list[Effect]:
        positionals = [p for p in opts.positionals if p != "query"]
        if name == "query" and positionals:
            where = self.where(inv, opts)
            inv.walker.deadline += load_parser(where.dialect or POSTGRES)
            return sql_effects(positionals[0], where.dialect or POSTGRES, where.placement, where.resource,
                               self.FAMILY, environments=inv.ctx.environments, evidence=inv.text)
        return super().effects(inv, opts, name, verb)


class Supabase(Tool):
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--db-url", "--project-ref", "--workdir", "--version",
                                                       "-p", "--password", "--schema", "-s", "--file", "-f",
                                                       "--env-file", "--experimental", "--output", "-o"})
    command_words = 2
    url_flags = ("--db-url",)
    url_vars = ()
    verbs: ClassVar[dict[str, Verb]] = {
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
            return place_url(inv, url, "--db-url")
        words = " ".join(p for p in opts.positionals[:2])
        local_default = words in ("db reset", "migration up", "db lint", "db diff", "test db")
        if opts.has("--local") or (local_default and not opts.has("--linked")):
            return Where(Placement(LOCAL, "the local Supabase stack (no --linked or --db-url)"), "sql:localhost/postgres")
        ref = opts.value("--project-ref") or (read_text(inv, "supabase/.temp/project-ref") or "").strip()
        if ref:
            inv.ctx.consulted.setdefault("config:supabase-project-ref", ref)
            return Where(place_environment_name(inv, ref, "linked project"), f"supabase:{ref}")
        return Where(Placement(UNKNOWN, "the linked Supabase project (unknown is treated as prod)"), "supabase:linked")


# --- SQL-file migration runners -----------------------------------------------------------------------------------

GOOSE_DOWN = re.compile(r"^--\s*\+goose\s+Down\b(.*?)(?=^--\s*\+goose\s+Up\b|\Z)", re.S | re.M | re.I)
DBMATE_DOWN = re.compile(r"^--\s*migrate:down\b(.*?)(?=^--\s*migrate:up\b|\Z)", re.S | re.M)
GOOSE_DIALECTS = {"postgres": "postgresql", "pgx": "postgresql", "mysql": "mysql", "sqlite3": "sqlite",
                  "sqlite": "sqlite", "mssql": "sqlserver", "clickhouse": "clickhouse", "redshift": "redshift",
                  "tidb": "mysql", "vertica": "vertica", "ydb": "ydb", "turso": "sqlite", "starrocks": "mysql"}


class Goose(Tool):
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-dir", "--dir", "-table", "--table", "-certfile",
                                                       "-ssl-cert", "-ssl-key", "-s", "-env", "--env"})
    url_vars = ("GOOSE_DBSTRING",)
    verbs: ClassVar[dict[str, Verb]] = {
        "up": applies(), "up-by-one": applies("applies the next migration"), "up-to": applies("migrates up to a "
                                                                                            "version"),
        "down": rollback(), "down-to": rollback("rolls back to a version"), "redo": rollback("re-runs the last "
                                                                                           "migration"),
        "reset": wipe("rolls back every migration: each Down section runs", down_files=True),
        **dict.fromkeys(("status", "version", "validate", "env"), reads("reads the migration state")),
        **dict.fromkeys(("create", "fix"), project("writes migration files")),
    }

    LONG_SINGLE_DASH = True

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        words = opts.positionals
        if words and words[0] in GOOSE_DIALECTS and len(words) >= 2:
            # goose DRIVER DBSTRING COMMAND: the connection comes first
            self.connection = (words[0], words[1])
            words = words[2:]
        else:
            self.connection = None
        name, verb = self.command(words)
        if verb is None:
            return [inv.unknown(f"goose {' '.join(words[:1])}")]
        if name == "down-to" and words[1:2] == ["0"]:
            verb = wipe("rolls back to version 0: every Down section runs", down_files=True)
        return self.effects(inv, opts, name, verb)

    connection: tuple[str, str] | None = None

    def url_where(self, inv: Invocation, opts: Options) -> Where | None:
        if self.connection is not None:
            return self.place_dbstring(inv, self.connection[0], self.connection[1], "the goose connection")
        from_env = inv.ctx.env.get("GOOSE_DBSTRING")
        if from_env:
            inv.ctx.consulted.setdefault("env:GOOSE_DBSTRING", redact_url(from_env))
            return self.place_dbstring(inv, inv.ctx.getenv("GOOSE_DRIVER") or "postgres", from_env, "$GOOSE_DBSTRING")
        return super().url_where(inv, opts)

    @staticmethod
    def place_dbstring(inv: Invocation, driver: str, dbstring: str, source: str) -> Where:
        if driver in ("sqlite3", "sqlite", "turso") and "://" not in dbstring:
            return place_url(inv, f"sqlite:///{dbstring}", source)  # three slashes, then the path as written
        if "://" in dbstring or "=" in dbstring:
            where = place_url(inv, dbstring, source)
            where.dialect = {"mysql": "mysql", "tidb": "mysql", "clickhouse": "clickhouse"}.get(driver, where.dialect)
            return where
        return Where(Placement(UNKNOWN, f"{source} {dbstring[:40]!r} cannot be read"), f"db:goose/{driver}")

    def migration_dir(self, inv: Invocation, opts: Options) -> str:
        return opts.value("-dir", "--dir") or inv.ctx.env.get("GOOSE_MIGRATION_DIR") or "."

    def down_sql(self, path: str, text: str) -> str | None:
        return "\n".join(m.group(1) for m in GOOSE_DOWN.finditer(text)) or None


class Dbmate(Tool):
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-u", "--url", "-e", "--env", "-d", "--migrations-dir",
                                                       "-s", "--schema-file", "--env-file", "--migrations-table",
                                                       "--wait-timeout"})
    url_flags = ("-u", "--url")
    dotenv = (".env",)
    verbs: ClassVar[dict[str, Verb]] = {
        "up": applies("creates the database if needed and applies the pending migrations"), "migrate": applies(),
        "create": Verb("create", "creates the database"), "drop": wipe("drops the database"),
        "rollback": rollback(), "down": rollback(), "load": Verb("modify", "loads the schema file into the database"),
        **dict.fromkeys(("status", "dump", "wait"), reads("reads the database")),
        "new": project("writes a migration file"), "n": project("writes a migration file"),
    }

    def url_where(self, inv: Invocation, opts: Options) -> Where | None:
        variable = opts.value("-e", "--env")
        if variable:
            value = inv.ctx.env.get(variable) or read_dotenv(inv, opts.value("--env-file") or ".env").get(variable)
            if value:
                inv.ctx.consulted.setdefault(f"env:{variable}", redact_url(value))
                return place_url(inv, value, f"${variable}")
        return super().url_where(inv, opts)


class Sqitch(Tool):
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-t", "--target", "--to", "--to-change", "--to-target",
                                                       "--onto", "--onto-change", "--mode", "-C", "--chdir",
                                                       "--plan-file", "--top-dir", "--registry", "--db-name", "-d",
                                                       "--db-host", "-h", "--db-user", "-u", "--engine", "-s", "--set"})
    url_vars = ("SQITCH_TARGET",)
    verbs: ClassVar[dict[str, Verb]] = {
        "deploy": applies("deploys the pending changes"),
        "revert": wipe("reverts every deployed change: each revert script runs", down_files=True),
        "rebase": rollback("reverts changes and deploys them again"), "checkout": rollback("reverts to another "
                                                                                          "branch's changes"),
        **dict.fromkeys(("verify", "status", "log", "plan", "show", "check", "help"), reads("reads")),
        **dict.fromkeys(("add", "init", "config", "engine", "target", "tag", "bundle", "rework"),
                        project("changes the project's plan files")),
    }

    def adjust(self, inv: Invocation, opts: Options, name: str, verb: Verb, rest: list[str]) -> Verb:
        if name == "revert" and (opts.has("--to", "--to-change") or any(not r.startswith("db:") for r in rest)):
            return rollback("reverts changes back to a named change")
        return verb

    def url_where(self, inv: Invocation, opts: Options) -> Where | None:
        for value in [*opts.positionals[1:], opts.value("-t", "--target") or ""]:
            if value.startswith("db:"):
                return place_url(inv, value[3:], "the sqitch target")
        host = opts.value("--db-host", "-h")
        if host:
            return place_url(inv, f"db://{host}/{opts.value('--db-name', '-d') or '?'}", "--db-host")
        target = opts.value("-t", "--target")
        if target:
            return Where(place_environment_name(inv, target, "sqitch target"), f"db:sqitch/{target}")
        return super().url_where(inv, opts)

    def migration_dir(self, inv: Invocation, opts: Options) -> str:
        return "revert"

    def down_sql(self, path: str, text: str) -> str | None:
        return text


class Atlas(Tool):
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-u", "--url", "--to", "--dev-url", "--env", "--dir",
                                                       "-c", "--config", "--var", "--schema", "-s", "--exclude",
                                                       "--format", "--revisions-schema", "--baseline", "--tx-mode"})
    command_words = 2
    url_flags = ("-u", "--url")
    env_flags = ("--env",)
    verbs: ClassVar[dict[str, Verb]] = {
        "schema clean": wipe("drops every object in the schema or database"),
        "schema apply": Verb("modify", "makes the database match the desired schema (it drops what is not in it)",
                             tags=("schema-push",), scope="many",
                             suggestions=("run atlas schema apply --dry-run and review the plan",)),
        "migrate apply": applies(), "migrate down": rollback("reverts applied migrations"),
        **dict.fromkeys(("schema inspect", "schema diff", "schema fmt", "migrate status", "migrate lint",
                         "migrate validate", "migrate hash", "schema test", "migrate test", "version", "login"),
                        reads("reads")),
        **dict.fromkeys(("migrate diff", "migrate new", "migrate edit", "migrate rm", "migrate import",
                         "migrate set"), project("changes migration files")),
    }

    def adjust(self, inv: Invocation, opts: Options, name: str, verb: Verb, rest: list[str]) -> Verb:
        if opts.has("--dry-run"):
            return reads("prints the plan (--dry-run)")
        if opts.has("--auto-approve") and verb.operation != "read":
            return replace(verb, tags=(*verb.tags, "auto-approve"), what=verb.what + " without review "
                                                                                     "(--auto-approve)")
        return verb


class GolangMigrate(Tool):
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-database", "--database", "-path", "--path", "-source",
                                                       "--source", "-lock-timeout", "-prefetch", "-ext", "-dir",
                                                       "-seq-digits", "-format", "-tz"})
    url_flags = ("-database", "--database")
    verbs: ClassVar[dict[str, Verb]] = {
        "up": applies(), "down": rollback("rolls back migrations"), "goto": Verb("modify", "migrates to a version "
                                                                                        "(up or down)"),
        "force": Verb("modify", "sets the version without running migrations", tags=("stamp",)),
        "drop": wipe("drops everything in the database"), "version": reads("reads the version"),
        "create": project("writes migration files"),
    }

    LONG_SINGLE_DASH = True

    def adjust(self, inv: Invocation, opts: Options, name: str, verb: Verb, rest: list[str]) -> Verb:
        if name == "down" and (opts.has("-all", "--all") or not rest):
            return wipe("runs every down migration: every table they created is dropped", down_files=True)
        return verb

    def migration_dir(self, inv: Invocation, opts: Options) -> str:
        source = opts.value("-source", "--source") or ""
        return opts.value("-path", "--path") or (source.removeprefix("file://") if source.startswith("file://")
                                                 else "migrations")

    def down_sql(self, path: str, text: str) -> str | None:
        return text if path.endswith(".down.sql") else None


class Flyway(Tool):
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset()
    url_vars = ("FLYWAY_URL",)
    verbs: ClassVar[dict[str, Verb]] = {
        "clean": wipe("drops every object in the configured schemas"), "migrate": applies(),
        "baseline": Verb("modify", "baselines an existing database"), "repair": Verb("modify", "repairs the schema "
                                                                                               "history table"),
        "undo": rollback("undoes the last migration"),
        **dict.fromkeys(("info", "validate", "check", "version", "help", "auth"), reads("reads")),
    }

    LONG_SINGLE_DASH = True
    VALUE_OPTIONS = frozenset()

    def url_where(self, inv: Invocation, opts: Options) -> Where | None:
        url = opts.value("-url", "--url")
        if url:
            return place_url(inv, url, "-url")
        found = super().url_where(inv, opts)
        if found is not None:
            return found
        for path in ("flyway.conf", "conf/flyway.conf"):
            text = read_text(inv, path) or ""
            match = re.search(r"^\s*flyway\.url\s*=\s*(\S+)", text, re.M)
            if match:
                return place_url(inv, match.group(1), f"flyway.url in {path}")
        text = read_text(inv, "flyway.toml") or ""
        match = re.search(r"""^\s*url\s*=\s*["']([^"']+)["']""", text, re.M)
        return place_url(inv, match.group(1), "url in flyway.toml") if match else None

    def environment_where(self, inv: Invocation, opts: Options) -> Where | None:
        environment = opts.value("-environment", "--environment")
        if environment:
            return Where(place_environment_name(inv, environment, "-environment"), f"db:flyway/{environment}")
        return None


class Liquibase(Tool):
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--url", "--changelog-file", "--changeLogFile", "--username",
                                                       "--password", "--defaults-file", "--defaultsFile", "--tag",
                                                       "--count", "--date", "--contexts", "--label-filter",
                                                       "--search-path", "--driver"})
    url_flags = ("--url",)
    url_vars = ("LIQUIBASE_COMMAND_URL",)
    verbs: ClassVar[dict[str, Verb]] = {
        **dict.fromkeys(("dropAll", "drop-all"), wipe("drops every object in the database")),
        **dict.fromkeys(("update", "update-count", "updateCount", "update-to-tag", "updateToTag",
                         "update-one-changeset"), applies()),
        **dict.fromkeys(("rollback", "rollback-count", "rollbackCount", "rollback-to-date", "rollbackToDate",
                         "rollback-one-changeset", "rollback-one-update"), rollback("rolls back changesets")),
        **dict.fromkeys(("status", "history", "diff", "diff-changelog", "validate", "snapshot", "update-sql",
                         "updateSQL", "rollback-sql", "rollbackSQL", "future-rollback-sql", "generate-changelog",
                         "db-doc", "checks", "connect", "version", "help", "unexpected-changesets",
                         "rollback-count-sql", "update-count-sql", "update-testing-rollback"), reads("reads")),
        **dict.fromkeys(("clear-checksums", "changelog-sync", "changelogSync", "tag", "release-locks",
                         "mark-next-changeset-ran", "changelog-sync-to-tag"), Verb("modify", "changes the changelog "
                                                                                              "tables")),
    }

    def config_where(self, inv: Invocation, opts: Options) -> Where | None:
        path = opts.value("--defaults-file", "--defaultsFile") or "liquibase.properties"
        text = read_text(inv, path) or ""
        match = re.search(r"^\s*(?:liquibase\.command\.)?url\s*[:=]\s*(\S+)", text, re.M)
        return place_url(inv, match.group(1), f"url in {path}") if match else None


# --- the family the command table points at ----------------------------------------------------------------------

TOOLS: dict[str, type[Tool]] = {
    "prisma": Prisma, "drizzle-kit": Drizzle, "rails": Rails, "rake": Rails, "django-admin": Django,
    "alembic": Alembic, "artisan": Artisan, "knex": Knex, "supabase": Supabase, "sequelize": Sequelize,
    "sequelize-cli": Sequelize, "typeorm": TypeOrm, "typeorm-ts-node-commonjs": TypeOrm,
    "typeorm-ts-node-esm": TypeOrm, "flyway": Flyway, "liquibase": Liquibase, "goose": Goose, "dbmate": Dbmate,
    "sqitch": Sqitch, "atlas": Atlas, "migrate": GolangMigrate,
}


class Migrations(Cli):
    """Dispatches each migration tool to its table."""
    NAMES = (
        "prisma", "drizzle-kit", "rails", "alembic", "django-admin", "knex", "supabase", "sequelize",
        "typeorm", "flyway", "liquibase", "goose", "dbmate", "sqitch", "atlas", "migrate", "artisan", "rake",
        "sequelize-cli", "typeorm-ts-node-commonjs", "typeorm-ts-node-esm",
    )

    FAMILY = "migrations"

    def analyze(self, inv: Invocation) -> list[Effect]:
        cls = TOOLS.get(inv.name)
        if cls is None:
            return [inv.unknown("a migration tool changegate has no analyzer for")]
        return cls().analyze(inv)  # a fresh one per command: tools keep per-command state (goose's connection)

