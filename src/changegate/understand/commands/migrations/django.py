"""django-admin (and `python manage.py`): flush, migrate (to `zero`), shell; the environment from the settings
module, which manage.py names, and whether those settings use only a SQLite file."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import ClassVar

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.db.common import read_file
from changegate.understand.commands.migrations.common import (
    MAX_MIGRATION_BYTES,
    RESET_HINT,
    ROLLBACK_HINT,
    Tool,
    Verb,
    Where,
    applies,
    interactive,
    project,
    reads,
    where_of_name,
    wipe,
)
from changegate.understand.placement import place_name

DJANGO_SETTINGS_DEFAULT = re.compile(r"""DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([\w.]+)['"]""")
SQLITE_ONLY = re.compile(r"django\.db\.backends\.sqlite3")
OTHER_DATABASES = re.compile(r"postgres|mysql|oracle|mssql|DATABASE_URL|dj_database_url|environ|getenv|env\.db")


class Django(Tool):
    NAMES = ("django-admin",)
    ENV_VARIABLES = ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ENV", "ENVIRONMENT")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--settings", "--pythonpath", "--database", "-c",
                                                       "--command", "-v", "--verbosity", "--format", "-e",
                                                       "--exclude", "-o", "--output", "--username", "--email",
                                                       "-i", "--interface", "--app", "--name"})
    ENVIRONMENT_OPTIONS = ("--settings",)
    ENVIRONMENT_VARIABLES = ("DJANGO_SETTINGS_MODULE", "DJANGO_ENV", "ENVIRONMENT")
    COMMANDS: ClassVar[dict[str, Verb]] = {
        "flush": Verb("delete", "deletes every row of every table", data_loss=True, whole=True, scope="all",
                      suggestions=(RESET_HINT,)),
        "reset_db": wipe("drops and recreates the database"),
        "migrate": applies(), "loaddata": Verb("modify", "loads fixtures into the database", scope="many"),
        "dbshell": interactive("opens a database shell"),
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
            return interactive("opens an interactive Python shell with database access")
        return verb

    def environment_where(self, inv: Invocation, opts: Options) -> Where | None:
        found = super().environment_where(inv, opts)
        if found is not None and found.placement.environment != UNKNOWN:
            return found
        alias = opts.value("--database")
        if alias and alias != "default":
            return where_of_name(inv, alias, "--database", f"db:django/{alias}")
        module = self.settings_module(inv, opts)
        if module:
            named = place_name(inv.ctx.environments, module, "settings module")
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
        text = read_file(inv, "manage.py", MAX_MIGRATION_BYTES)
        match = DJANGO_SETTINGS_DEFAULT.search(text or "")
        return match.group(1) if match else None

    @staticmethod
    def sqlite_only(inv: Invocation, module: str) -> bool:
        base = module.replace(".", "/")
        for path in (f"{base}.py", f"{base}/__init__.py"):
            text = read_file(inv, path, MAX_MIGRATION_BYTES)
            if text is not None:
                return bool(SQLITE_ONLY.search(text)) and not OTHER_DATABASES.search(text)
        return False
