"""What the migration tools share: a table of each tool's commands (what each does to the database: apply,
roll back, reset, drop) and where the database is.

The environment is where the migration runs: a URL option, the variables the tool reads (`DATABASE_URL` and
friends), the framework's environment (`RAILS_ENV=production`, `NODE_ENV`, `APP_ENV`), config files the tool
reads (prisma's schema and `.env`, alembic.ini, flyway.conf), most severe first. Nothing known is
`unknown`, which the default policy treats as prod.

Where a command's SQL can be known without asking the database — every down migration of a full rollback, a
file passed to `prisma db execute` — it is read and judged statement by statement; where it cannot (which
migrations are still pending), the effect says so.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import ClassVar

import msgspec

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect, Operation, Scope
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli, Options
from changegate.understand.commands.db.common import (
    INTERACTIVE_TAGS,
    MAX_CONFIG_BYTES,
    read_file,
    url_target,
    url_variable,
)
from changegate.understand.facts import kind, list_dir
from changegate.understand.placement import place_name, worst_of
from changegate.understand.sql import (
    POSTGRES,
    SqlTarget,
    load_parser,
    redact_url,
    sql_effects,
)

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
    down_last: int = 0  # the last N down migrations run: read them


def reads(what: str) -> Verb:
    return Verb("read", what)


def project(what: str) -> Verb:
    return Verb("create", what, local=True)


def applies(what: str = "applies the pending migrations") -> Verb:
    return Verb("modify", what, tags=("migration",))


def rollback(what: str = "rolls back the last migration", *, last: int = 0) -> Verb:
    return Verb("delete", f"{what}: what it created (tables, columns) is dropped", scope="many",
                tags=("rollback",), suggestions=(ROLLBACK_HINT,), down_last=last)


def interactive(what: str) -> Verb:
    """A shell on the database or the application: ordinary work in dev; elsewhere it asks, because what is
    typed there is not visible."""
    return Verb("modify", f"{what} (what is typed there is not visible)", tags=INTERACTIVE_TAGS)


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

def read_dotenv(inv: Invocation, raw: str = ".env") -> dict[str, str]:
    """KEY=VALUE lines of a dotenv file the tool itself loads."""
    text = read_file(inv, raw, MAX_CONFIG_BYTES)
    if text is None:
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


def where_of_url(inv: Invocation, url: str, source: str) -> Where:
    """The database a connection URL or DSN names (`sql.target_from_url`), and the signal that said so."""
    target: SqlTarget = url_target(inv, url, source)
    return Where(target.placement, target.prefix, target.dialect, [f"{source} {redact_url(url)}"])


def where_of_name(inv: Invocation, value: str, source: str, resource: str) -> Where:
    """The database an environment name (`production`, a settings module, a linked project) stands for."""
    return Where(place_name(inv.ctx.environments, value, source), resource)


def most_severe(*options: Where | None) -> Where | None:
    present = [w for w in options if w is not None]
    if not present:
        return None
    worst = worst_of([w.placement for w in present], "")
    return next(w for w in present if w.placement is worst)


def list_sql_files(directory: str | None) -> list[str] | None:
    """The .sql files under a migration directory (one level of subdirectories, as prisma and drizzle keep
    them), sorted by name, bounded; None when the directory cannot be listed."""
    if directory is None:
        return None
    names = list_dir(directory)
    if names is None:
        return None
    out: list[str] = []
    for name in names[:MAX_MIGRATION_FILES]:
        path = posixpath.join(directory, name)
        found = kind(path)
        if found == "file" and name.endswith(".sql"):
            out.append(path)
        elif found == "dir":
            inner = [posixpath.join(path, n) for n in (list_dir(path) or [])[:20] if n.endswith(".sql")]
            out.extend(p for p in inner if kind(p) == "file")
    return out[:MAX_MIGRATION_FILES]


# --- the tools ---------------------------------------------------------------------------------------------------

class Tool(Cli):
    """A migration tool: its commands in `COMMANDS`, and where its database is.

    `ADDRESS_OPTIONS` name the database's URL; `URL_VARIABLES` hold it; `ENVIRONMENT_OPTIONS` and
    `ENVIRONMENT_VARIABLES` name the framework's environment, `DEFAULT_ENVIRONMENT` when nothing does;
    `DOTENV_FILES` are the dotenv files the tool loads itself. A command may be several words long
    (`prisma migrate reset`): `COMMAND_WORDS` is the most it takes."""

    FAMILY = "migrations"
    COMMANDS: ClassVar[dict[str, Verb]] = {}
    COMMAND_WORDS: ClassVar[int] = 1
    ADDRESS_OPTIONS: ClassVar[tuple[str, ...]] = ("--url", "--database-url", "--db-url")
    URL_VARIABLES: ClassVar[tuple[str, ...]] = ("DATABASE_URL",)
    ENVIRONMENT_OPTIONS: ClassVar[tuple[str, ...]] = ("--env", "--environment", "-e")
    ENVIRONMENT_VARIABLES: ClassVar[tuple[str, ...]] = ()
    DEFAULT_ENVIRONMENT: ClassVar[str] = ""  # the framework's default environment name, e.g. rails' development
    DOTENV_FILES: ClassVar[tuple[str, ...]] = ()

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        words = [p for p in opts.positionals if "=" not in p or p.startswith(("-", "/"))]
        return self.run(inv, opts, words)

    def run(self, inv: Invocation, opts: Options, words: list[str]) -> list[Effect]:
        """The command the words name, adjusted by its flags and arguments."""
        name, verb = self.command(words)
        if verb is None:
            return [self.unknown_command(inv, opts, name)]
        verb = self.adjust(inv, opts, name, verb, words[len(name.split()):])
        return self.effects(inv, opts, name, verb)

    def unknown_command(self, inv: Invocation, opts: Options, name: str) -> Effect:
        """A command the table does not know: not understood, placed at the database the tool would use."""
        where = self.where(inv, opts)
        return inv.effect("unknown", where.resource, where.placement, family=self.FAMILY, tags=("not-understood",),
                          summary=f"runs {inv.name} {name}, a command changegate does not know")

    def command(self, words: list[str]) -> tuple[str, Verb | None]:
        for size in range(min(self.COMMAND_WORDS, len(words)), 0, -1):
            name = " ".join(words[:size])
            if name in self.COMMANDS:
                return name, self.COMMANDS[name]
        if not words:
            return "", reads("prints its help")
        return " ".join(words[:self.COMMAND_WORDS]), None

    def adjust(self, inv: Invocation, opts: Options, name: str, verb: Verb, rest: list[str]) -> Verb:
        """Flags and arguments that change what a command does. Overridden per tool."""
        return verb

    def effects(self, inv: Invocation, opts: Options, name: str, verb: Verb) -> list[Effect]:
        shown = f"{inv.name} {name}".strip()
        if verb.local:
            return [inv.effect(verb.operation, f"fs:{inv.ctx.cwd or '?'}", self.project_placement(inv),
                               reversible="yes", kind="project", family=self.FAMILY,
                               summary=f"{shown}: {verb.what}")]
        where = self.where(inv, opts)
        found: list[Effect] | None = []
        if verb.down_files or verb.down_last:
            found = self.down_migrations(inv, opts, where, verb.down_last)
        unread = " (its down migrations could not be read)" if found is None else ""
        return [inv.effect(
            verb.operation, where.resource, where.placement, scope=verb.scope, kind="database", family=self.FAMILY,
            reversible="yes" if verb.operation == "read" else "no" if verb.data_loss else "unknown",
            data_loss=verb.data_loss, whole_environment=verb.whole,
            tags=(*verb.tags, "migrations-unread") if unread else verb.tags,
            summary=f"{shown}: {verb.what}{unread}", suggestions=verb.suggestions), *(found or [])]

    def sql(self, inv: Invocation, where: Where, text: str) -> list[Effect]:
        """SQL the tool sends as it is (`prisma db execute`, `typeorm query`), judged where it runs."""
        dialect = where.dialect or POSTGRES
        inv.walker.deadline += load_parser(dialect)
        return sql_effects(text, dialect, where.placement, where.resource, self.FAMILY,
                           environments=inv.ctx.environments, evidence=inv.text)

    @staticmethod
    def project_placement(inv: Invocation) -> Placement:
        """Where a command that only writes project files works: its arguments decide, not the connection
        variables in its environment (it does not connect)."""
        placement = inv.arguments_placement()
        if inv.ctx.workspace and placement == inv.ctx.environment_from_variables():
            return Placement(LOCAL, f"it only writes files in the project {inv.ctx.workspace}")
        return placement

    # --- where ----------------------------------------------------------------------------------------------
    def where(self, inv: Invocation, opts: Options) -> Where:
        """Most severe of: the URL (option, variable, dotenv) and the framework's environment name."""
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
        for option in self.ADDRESS_OPTIONS:
            value = opts.value(option)
            if value:
                return where_of_url(inv, value, option)
        for name in self.URL_VARIABLES:
            value = url_variable(inv.ctx, name)
            if value:
                return where_of_url(inv, value, f"${name}")
        for path in self.DOTENV_FILES:
            values = read_dotenv(inv, path)
            for name in self.URL_VARIABLES:
                if values.get(name):
                    inv.ctx.consulted.setdefault(f"file:{path}:{name}", redact_url(values[name]))
                    return where_of_url(inv, values[name], f"{name} in {path}")
        return self.config_where(inv, opts)

    def config_where(self, inv: Invocation, opts: Options) -> Where | None:
        """A URL from the tool's own config file. Overridden per tool."""
        return None

    def environment_where(self, inv: Invocation, opts: Options) -> Where | None:
        for option in self.ENVIRONMENT_OPTIONS:
            value = opts.value(option)
            if value:
                return where_of_name(inv, value, option, f"db:{inv.name}/{value}")
        for name in self.ENVIRONMENT_VARIABLES:
            value = inv.ctx.getenv(name)
            if value:
                return where_of_name(inv, value, name, f"db:{inv.name}/{value}")
        for assignment in opts.positionals:  # rake-style NAME=value arguments
            key, eq, value = assignment.partition("=")
            if eq and key in self.ENVIRONMENT_VARIABLES and value:
                return where_of_name(inv, value, key, f"db:{inv.name}/{value}")
        for path in self.DOTENV_FILES:
            values = read_dotenv(inv, path)
            for name in self.ENVIRONMENT_VARIABLES:
                if values.get(name):
                    inv.ctx.consulted.setdefault(f"file:{path}:{name}", values[name])
                    return where_of_name(inv, values[name], f"{name} in {path}", f"db:{inv.name}/{values[name]}")
        if self.DEFAULT_ENVIRONMENT:
            return where_of_name(inv, self.DEFAULT_ENVIRONMENT, f"{inv.name}'s default environment",
                                 f"db:{inv.name}/{self.DEFAULT_ENVIRONMENT}")
        return None

    # --- migration files ------------------------------------------------------------------------------------
    def migration_dir(self, inv: Invocation, opts: Options) -> str:
        return "migrations"

    def down_sql(self, path: str, text: str) -> str | None:
        """The SQL a full rollback runs from one migration file; None when the file is not a down file."""
        return None

    def down_migrations(self, inv: Invocation, opts: Options, where: Where, last: int = 0) -> list[Effect] | None:
        """The down migrations that run (every one, or the `last` few): read them, and judge their statements
        where they would run; None when the directory cannot be read (the command's own effect says the
        worst it can do)."""
        directory = inv.ctx.resolve(self.migration_dir(inv, opts))
        files = list_sql_files(directory)
        if directory is None or files is None:
            return None
        effects: list[Effect] = []
        total = read = 0
        for path in reversed(files):
            if last and read >= last:
                break
            text = read_file(inv, path, MAX_MIGRATION_BYTES)
            if text is None:
                continue
            total += len(text)
            if total > MAX_MIGRATION_BYTES:
                break
            sql = self.down_sql(path, text)
            if not sql:
                continue
            read += 1
            inv.walker.deadline += load_parser(where.dialect or POSTGRES)
            found = sql_effects(sql, where.dialect or POSTGRES, where.placement, where.resource, self.FAMILY,
                                environments=inv.ctx.environments, evidence=posixpath.basename(path))
            name = posixpath.basename(path)
            effects.extend(msgspec.structs.replace(e, summary=f"{name}: {e.summary}") for e in found
                           if e.operation != "read")
        return effects
