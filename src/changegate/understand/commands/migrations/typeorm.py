"""typeorm: schema:drop, schema:sync, the migration commands, and `query`, whose SQL is read."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect
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


class TypeOrm(Tool):
    NAMES = ("typeorm", "typeorm-ts-node-commonjs", "typeorm-ts-node-esm")
    ENV_VARIABLES = ("DATABASE_URL", "TYPEORM_URL", "NODE_ENV")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-d", "--dataSource", "--connection", "-c", "--config",
                                                       "-f", "-n", "--name", "-o", "--outputPath"})
    URL_VARIABLES = ("DATABASE_URL", "TYPEORM_URL")
    ENVIRONMENT_VARIABLES = ("NODE_ENV",)
    COMMANDS: ClassVar[dict[str, Verb]] = {
        "schema:drop": wipe("drops every table, view and index of the data source"),
        "schema:sync": Verb("replace", "makes the database match the entities: columns and tables that are not "
                                       "entities are dropped", data_loss=True, scope="many", tags=("schema-push",),
                            suggestions=("generate a migration (typeorm migration:generate), review it, then run it",)),
        "schema:log": reads("prints the SQL schema:sync would run"),
        "migration:run": applies(), "migration:revert": rollback(),
        "migration:show": reads("lists migrations"), "cache:clear": Verb("modify", "clears the query cache"),
        "query": Verb("read", "prints its usage: no SQL was given"),  # with SQL, it is read and judged
        **dict.fromkeys(("migration:create", "migration:generate", "entity:create", "subscriber:create", "init",
                         "version"), project("writes project files")),
    }

    def effects(self, inv: Invocation, opts: Options, name: str, verb: Verb) -> list[Effect]:
        positionals = [p for p in opts.positionals if p != "query"]
        if name == "query" and positionals:
            return self.sql(inv, self.where(inv, opts), positionals[0])
        return super().effects(inv, opts, name, verb)
