"""golang-migrate (`migrate`): `down` without a count and `drop` remove everything; the down files are read."""

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


class GolangMigrate(Tool):
    NAMES = ("migrate",)
    ENV_VARIABLES = ("DATABASE_URL",)
    LONG_SINGLE_DASH = True
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-database", "--database", "-path", "--path", "-source",
                                                       "--source", "-lock-timeout", "-prefetch", "-ext", "-dir",
                                                       "-seq-digits", "-format", "-tz"})
    ADDRESS_OPTIONS = ("-database", "--database")
    COMMANDS: ClassVar[dict[str, Verb]] = {
        "up": applies(), "down": rollback("rolls back migrations"), "goto": Verb("modify", "migrates to a version "
                                                                                        "(up or down)"),
        "force": Verb("modify", "sets the version without running migrations", tags=("stamp",)),
        "drop": wipe("drops everything in the database"), "version": reads("reads the version"),
        "create": project("writes migration files"),
    }

    def adjust(self, inv: Invocation, opts: Options, name: str, verb: Verb, rest: list[str]) -> Verb:
        if name == "down" and (opts.has("-all", "--all") or not rest):
            return wipe("runs every down migration: every table they created is dropped", down_files=True)
        if name == "down" and rest[0].isdigit():
            return rollback(f"runs the last {rest[0]} down migration(s)", last=int(rest[0]))
        return verb

    def migration_dir(self, inv: Invocation, opts: Options) -> str:
        source = opts.value("-source", "--source") or ""
        return opts.value("-path", "--path") or (source.removeprefix("file://") if source.startswith("file://")
                                                 else "migrations")

    def down_sql(self, path: str, text: str) -> str | None:
        return text if path.endswith(".down.sql") else None
