"""alembic: `downgrade base` reverts every revision; the database from the variables env.py usually reads,
`-x env=…`, or sqlalchemy.url in alembic.ini."""

from __future__ import annotations

import configparser
from dataclasses import replace
from typing import ClassVar

from changegate.environments import Placement
from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.db.common import MAX_CONFIG_BYTES, read_file
from changegate.understand.commands.migrations.common import (
    MAX_MIGRATION_BYTES,
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


class Alembic(Tool):
    NAMES = ("alembic",)
    ENV_VARIABLES = ("DATABASE_URL", "SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_DATABASE_URL", "DB_URL", "ALEMBIC_URL",
                     "ENVIRONMENT", "ENV", "APP_ENV")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-c", "--config", "-n", "--name", "-x", "-m", "--message",
                                                       "--rev-id", "--head", "--splice", "--branch-label",
                                                       "--version-path", "--depends-on", "-r", "--rev-range",
                                                       "--tag", "--raiseerr"})
    URL_VARIABLES = ("DATABASE_URL", "SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_DATABASE_URL", "DB_URL", "ALEMBIC_URL")
    ENVIRONMENT_OPTIONS = ("-n", "--name")
    ENVIRONMENT_VARIABLES = ("ENVIRONMENT", "ENV", "APP_ENV")
    COMMANDS: ClassVar[dict[str, Verb]] = {
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
        text = read_file(inv, path, MAX_MIGRATION_BYTES)
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
            return where_of_url(inv, url, f"sqlalchemy.url in {path}")
        return None
