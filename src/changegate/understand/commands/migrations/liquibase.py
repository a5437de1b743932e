"""liquibase: dropAll, update and the rollback commands; the database from --url, LIQUIBASE_COMMAND_URL or
liquibase.properties."""

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
    where_of_url,
    wipe,
)


class Liquibase(Tool):
    NAMES = ("liquibase",)
    ENV_VARIABLES = ("LIQUIBASE_COMMAND_URL", "LIQUIBASE_DEFAULTS_FILE")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--url", "--changelog-file", "--changeLogFile", "--username",
                                                       "--password", "--defaults-file", "--defaultsFile", "--tag",
                                                       "--count", "--date", "--contexts", "--label-filter",
                                                       "--search-path", "--driver"})
    ADDRESS_OPTIONS = ("--url",)
    URL_VARIABLES = ("LIQUIBASE_COMMAND_URL",)
    COMMANDS: ClassVar[dict[str, Verb]] = {
        **dict.fromkeys(("dropAll", "drop-all"), wipe("drops every object in the database")),
        **dict.fromkeys(("update", "update-count", "updateCount", "update-to-tag", "updateToTag",
                         "update-one-changeset"), applies()),
        **dict.fromkeys(("rollback", "rollback-count", "rollbackCount", "rollback-to-date", "rollbackToDate",
                         "rollback-one-changeset", "rollback-one-update"), rollback("rolls back changesets")),
        **dict.fromkeys(("status", "history", "diff", "diff-changelog", "validate", "snapshot", "update-sql",
                         "updateSQL", "rollback-sql", "rollbackSQL", "future-rollback-sql", "generate-changelog",
                         "db-doc", "checks", "connect", "version", "help", "unexpected-changesets",
                         "rollback-count-sql", "update-count-sql", "update-testing-rollback"), reads("reads")),
        **dict.fromkeys(("clear-checksums", "changelog-sync", "changelogSync", "tag", "release-locks",
                         "mark-next-changeset-ran", "changelog-sync-to-tag"), Verb("modify", "changes the changelog "
                                                                                              "tables")),
    }

    def config_where(self, inv: Invocation, opts: Options) -> Where | None:
        path = opts.value("--defaults-file", "--defaultsFile") or "liquibase.properties"
        text = read_file(inv, path, MAX_MIGRATION_BYTES) or ""
        match = re.search(r"^\s*(?:liquibase\.command\.)?url\s*[:=]\s*(\S+)", text, re.M)
        return where_of_url(inv, match.group(1), f"url in {path}") if match else None
