"""flyway: `clean` drops every object in the schemas; the database from -url, FLYWAY_URL, flyway.conf or
flyway.toml."""

from __future__ import annotations

import re
from typing import ClassVar

from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.db.common import read_file
from changegate.understand.commands.migrations.common import (
    MAX_MIGRATION_BYTES,
    Tool,
    Verb,
    Where,
    applies,
    reads,
    rollback,
    where_of_name,
    where_of_url,
    wipe,
)


class Flyway(Tool):
    NAMES = ("flyway",)
    ENV_VARIABLES = ("FLYWAY_URL", "FLYWAY_SCHEMAS", "FLYWAY_ENVIRONMENT", "FLYWAY_CONFIG_FILES")
    LONG_SINGLE_DASH = True  # its options are single-dash `-name=value` words
    URL_VARIABLES = ("FLYWAY_URL",)
    COMMANDS: ClassVar[dict[str, Verb]] = {
        "clean": wipe("drops every object in the configured schemas"), "migrate": applies(),
        "baseline": Verb("modify", "baselines an existing database"), "repair": Verb("modify", "repairs the schema "
                                                                                               "history table"),
        "undo": rollback("undoes the last migration"),
        **dict.fromkeys(("info", "validate", "check", "version", "help", "auth"), reads("reads")),
    }

    def url_where(self, inv: Invocation, opts: Options) -> Where | None:
        url = opts.value("-url", "--url")
        if url:
            return where_of_url(inv, url, "-url")
        found = super().url_where(inv, opts)
        if found is not None:
            return found
        for path in ("flyway.conf", "conf/flyway.conf"):
            text = read_file(inv, path, MAX_MIGRATION_BYTES) or ""
            match = re.search(r"^\s*flyway\.url\s*=\s*(\S+)", text, re.M)
            if match:
                return where_of_url(inv, match.group(1), f"flyway.url in {path}")
        text = read_file(inv, "flyway.toml", MAX_MIGRATION_BYTES) or ""
        match = re.search(r"""^\s*url\s*=\s*["']([^"']+)["']""", text, re.M)
        return where_of_url(inv, match.group(1), "url in flyway.toml") if match else None

    def environment_where(self, inv: Invocation, opts: Options) -> Where | None:
        environment = opts.value("-environment", "--environment")
        if environment:
            return where_of_name(inv, environment, "-environment", f"db:flyway/{environment}")
        return None
