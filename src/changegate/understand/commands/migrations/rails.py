"""rails and rake: the db: tasks, each task named in order; the environment from RAILS_ENV (development when
nothing says), `VERSION=0` reverts every migration."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.db.common import MAX_CONFIG_BYTES, absent_file, read_file, read_script
from changegate.understand.commands.migrations.common import (
    RESET_HINT,
    Tool,
    Verb,
    Where,
    applies,
    interactive,
    project,
    reads,
    rollback,
    where_of_url,
    wipe,
)
from changegate.understand.sql import redact_url

RAKEFILES = ("Rakefile", "rakefile", "Rakefile.rb", "rakefile.rb")
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
    **dict.fromkeys(("console (interactive)", "dbconsole (interactive)"),
                    interactive("opens a shell with the application's database access")),
    **dict.fromkeys(("credentials:show",), Verb("secret_read", "prints the decrypted credentials")),
    **dict.fromkeys(("credentials:edit", "secret:edit"), Verb("modify", "edits the encrypted credentials")),
    **dict.fromkeys(("server", "s", "test", "t", "test:system", "generate", "g", "destroy", "d", "new", "routes",
                     "assets:precompile", "assets:clean", "assets:clobber", "about", "stats", "notes", "zeitwerk:check",
                     "tmp:clear", "log:clear", "middleware", "secret", "spec", "default", "initializers", "time:zones",
                     "app:update", "importmap:install", "tailwindcss:build", "javascript:build", "css:build"),
                    project("ordinary work in the project")),
}


class Rails(Tool):
    NAMES = ("rails", "rake")
    ENV_VARIABLES = ("DATABASE_URL", "RAILS_ENV", "RACK_ENV", "VERSION", "STEP", "DISABLE_DATABASE_ENVIRONMENT_CHECK")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-e", "--environment", "-p", "--port", "-b", "--binding",
                                                       "-f", "--rakefile", "-I", "--libdir", "-R", "--rakelibdir",
                                                       "-r", "--require", "-C", "--directory"})
    ENVIRONMENT_VARIABLES = ("RAILS_ENV", "RACK_ENV")
    DEFAULT_ENVIRONMENT = "development"
    COMMANDS = RAILS_VERBS

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        tasks = [p for p in opts.positionals if "=" not in p]
        if not tasks:
            return [self.default_task(inv, opts)]
        effects: list[Effect] = []
        for task in tasks[:8]:  # rake runs each task named, in order
            verb = self.COMMANDS.get(self.interactive_name(inv, task))
            if verb is None:
                effects.append(self.unknown_task(inv, opts, task))
                continue
            effects.extend(self.effects(inv, opts, task, self.adjust(inv, opts, task, verb, [])))
            if task in ("runner", "r", "console", "c", "dbconsole", "db", "server", "s", "generate", "g"):
                break  # the rest are that command's arguments
        return effects

    @staticmethod
    def interactive_name(inv: Invocation, task: str) -> str:
        """`rails console` and `rails dbconsole` with nothing on stdin are sessions someone types into."""
        if task in ("console", "c", "dbconsole", "db") and inv.stdin is None and inv.name == "rails":
            return f"{'dbconsole' if task in ('dbconsole', 'db') else 'console'} (interactive)"
        return task

    def default_task(self, inv: Invocation, opts: Options) -> Effect:
        """`rails` alone prints its help; `rake` alone runs the Rakefile's default task (nothing, without a
        Rakefile)."""
        if inv.name == "rails":
            return inv.effect("read", f"cmd:{inv.name}", self.project_placement(inv), reversible="yes",
                              summary="rails with no command prints its help")
        rakefile = opts.value("-f", "--rakefile")
        names = [rakefile] if rakefile else list(RAKEFILES)
        if all(read_script(inv, name).absent for name in names):
            return absent_file(inv, inv.ctx.resolve(names[0]) or names[0], "rake's")
        return self.unknown_task(inv, opts, "default")

    def unknown_task(self, inv: Invocation, opts: Options, task: str) -> Effect:
        if task.startswith("db:"):
            where = self.where(inv, opts)
            return inv.effect("unknown", where.resource, where.placement, family=self.FAMILY,
                              summary=f"runs the database task {task}, which changegate does not know")
        return inv.unknown(f"the {inv.name} task {task}")

    def config_where(self, inv: Invocation, opts: Options) -> Where | None:
        """The server config/database.yml names for the environment, where it names one (no host is the
        local socket: the environment's name decides then)."""
        environment = self.environment_name(inv, opts)
        section = rails_database(inv, environment)
        url = section.get("url")
        if url:
            return where_of_url(inv, url, f"the {environment} url in config/database.yml")
        host = section.get("host")
        if not host:
            return None
        adapter = section.get("adapter", "postgresql").replace("mysql2", "mysql").replace("trilogy", "mysql")
        return where_of_url(inv, f"{adapter}://{host}/{section.get('database', '?')}",
                            f"the {environment} host in config/database.yml")

    def environment_name(self, inv: Invocation, opts: Options) -> str:
        assignments = dict(p.partition("=")[::2] for p in opts.positionals if "=" in p)
        return (opts.value("-e", "--environment") or inv.ctx.env.get("RAILS_ENV") or inv.ctx.env.get("RACK_ENV")
                or assignments.get("RAILS_ENV") or self.DEFAULT_ENVIRONMENT)

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


ERB = re.compile(r"<%=?-?\s*(.*?)\s*-?%>", re.S)
ENV_READ = re.compile(r"""ENV(?:\[\s*['"](\w+)['"]\s*\]|\.fetch\(\s*['"](\w+)['"]\s*(?:,\s*['"]([^'"]*)['"]\s*)?\)"""
                      r"""(?:\s*\{\s*['"]([^'"]*)['"]\s*\})?)(?:\s*\|\|\s*['"]([^'"]*)['"])?""")


def rails_database(inv: Invocation, environment: str) -> dict[str, str]:
    """The settings of one environment in config/database.yml, its ERB reads of ENV filled in (the
    variable's value, else the default written beside it)."""
    text = read_file(inv, "config/database.yml", MAX_CONFIG_BYTES)
    if text is None:
        return {}

    def filled(match: re.Match[str]) -> str:
        found = ENV_READ.fullmatch(match.group(1).strip())
        if found is None:
            return ""
        name = found.group(1) or found.group(2)
        return inv.ctx.getenv(name) or found.group(3) or found.group(4) or found.group(5) or ""

    import yaml

    try:
        data = yaml.load(ERB.sub(filled, text), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return {}
    section = data.get(environment) if isinstance(data, dict) else None
    if isinstance(section, dict) and isinstance(section.get("primary"), dict):
        section = section["primary"]  # rails 6+ multi-database layout
    if not isinstance(section, dict):
        return {}
    found = {k: str(v) for k, v in section.items() if k in ("url", "host", "adapter", "database") and v}
    if found.get("url") or found.get("host"):
        inv.ctx.consulted.setdefault(f"file:config/database.yml:{environment}",
                                     ",".join(f"{k}={redact_url(v)}" for k, v in sorted(found.items())))
    return found
