"""atlas: `schema clean` and `schema apply` (which drops what the desired schema lacks); --dry-run only plans."""

from __future__ import annotations

from dataclasses import replace
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


class Atlas(Tool):
    NAMES = ("atlas",)
    ENV_VARIABLES = ("DATABASE_URL",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-u", "--url", "--to", "--dev-url", "--env", "--dir",
                                                       "-c", "--config", "--var", "--schema", "-s", "--exclude",
                                                       "--format", "--revisions-schema", "--baseline", "--tx-mode"})
    COMMAND_WORDS = 2
    ADDRESS_OPTIONS = ("-u", "--url")
    ENVIRONMENT_OPTIONS = ("--env",)
    COMMANDS: ClassVar[dict[str, Verb]] = {
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
