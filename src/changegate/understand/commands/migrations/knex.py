"""knex: migrate and seed commands; the environment from --env or NODE_ENV (development when nothing says)."""

from __future__ import annotations

from typing import ClassVar

from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.migrations.common import (
    Tool,
    Verb,
    applies,
    project,
    reads,
    rollback,
    wipe,
)


class Knex(Tool):
    NAMES = ("knex",)
    ENV_VARIABLES = ("DATABASE_URL", "NODE_ENV")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--env", "--knexfile", "--cwd", "--client", "--connection",
                                                       "--migrations-directory", "--specific", "--name"})
    ENVIRONMENT_OPTIONS = ("--env",)
    ENVIRONMENT_VARIABLES = ("NODE_ENV",)
    ADDRESS_OPTIONS = ("--connection",)
    DEFAULT_ENVIRONMENT = "development"
    COMMANDS: ClassVar[dict[str, Verb]] = {
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
