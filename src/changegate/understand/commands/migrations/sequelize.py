"""sequelize-cli: db:migrate, db:migrate:undo:all, db:drop and the seeders; the environment from --env or
NODE_ENV."""

from __future__ import annotations

import json
from typing import ClassVar

from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.db.common import MAX_CONFIG_BYTES, read_file
from changegate.understand.commands.migrations.common import (
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


class Sequelize(Tool):
    NAMES = ("sequelize", "sequelize-cli")
    ENV_VARIABLES = ("DATABASE_URL", "NODE_ENV")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--env", "--url", "--config", "--options-path",
                                                       "--migrations-path", "--seeders-path", "--models-path",
                                                       "--to", "--from", "--name", "--seed"})
    ENVIRONMENT_OPTIONS = ("--env",)
    ENVIRONMENT_VARIABLES = ("NODE_ENV",)
    ADDRESS_OPTIONS = ("--url",)
    DEFAULT_ENVIRONMENT = "development"
    COMMANDS: ClassVar[dict[str, Verb]] = {
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

    def config_where(self, inv: Invocation, opts: Options) -> Where | None:
        """The server config/config.json names for the environment: `use_env_variable`'s URL, or its host."""
        text = read_file(inv, opts.value("--config") or "config/config.json", MAX_CONFIG_BYTES)
        try:
            data = json.loads(text) if text else None
        except ValueError:
            return None
        environment = opts.value("--env") or inv.ctx.env.get("NODE_ENV") or self.DEFAULT_ENVIRONMENT
        section = data.get(environment) if isinstance(data, dict) else None
        if not isinstance(section, dict):
            return None
        variable = section.get("use_env_variable")
        url = inv.ctx.getenv(variable) if isinstance(variable, str) else section.get("url")
        if isinstance(url, str) and url:
            return where_of_url(inv, url, f"the {environment} database of the sequelize config")
        host = section.get("host")
        if not isinstance(host, str) or not host:
            return None
        dialect = str(section.get("dialect") or "postgres")
        return where_of_url(inv, f"{dialect}://{host}/{section.get('database') or '?'}",
                            f"the {environment} host of the sequelize config")
