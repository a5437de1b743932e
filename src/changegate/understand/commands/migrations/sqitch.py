"""sqitch: `revert` runs every revert script (read from revert/); the target from a db: URI, --db-host or a
named target."""

from __future__ import annotations

from typing import ClassVar

from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.migrations.common import (
    Tool,
    Verb,
    Where,
    applies,
    project,
    reads,
    rollback,
    where_of_name,
    where_of_url,
    wipe,
)


class Sqitch(Tool):
    NAMES = ("sqitch",)
    ENV_VARIABLES = ("SQITCH_TARGET",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-t", "--target", "--to", "--to-change", "--to-target",
                                                       "--onto", "--onto-change", "--mode", "-C", "--chdir",
                                                       "--plan-file", "--top-dir", "--registry", "--db-name", "-d",
                                                       "--db-host", "-h", "--db-user", "-u", "--engine", "-s", "--set"})
    URL_VARIABLES = ("SQITCH_TARGET",)
    COMMANDS: ClassVar[dict[str, Verb]] = {
        "deploy": applies("deploys the pending changes"),
        "revert": wipe("reverts every deployed change: each revert script runs", down_files=True),
        "rebase": rollback("reverts changes and deploys them again"), "checkout": rollback("reverts to another "
                                                                                          "branch's changes"),
        **dict.fromkeys(("verify", "status", "log", "plan", "show", "check", "help"), reads("reads")),
        **dict.fromkeys(("add", "init", "config", "engine", "target", "tag", "bundle", "rework"),
                        project("changes the project's plan files")),
    }

    def adjust(self, inv: Invocation, opts: Options, name: str, verb: Verb, rest: list[str]) -> Verb:
        if name == "revert" and (opts.has("--to", "--to-change") or any(not r.startswith("db:") for r in rest)):
            return rollback("reverts changes back to a named change")
        return verb

    def url_where(self, inv: Invocation, opts: Options) -> Where | None:
        for value in [*opts.positionals[1:], opts.value("-t", "--target") or ""]:
            if value.startswith("db:"):
                return where_of_url(inv, value[3:], "the sqitch target")
        host = opts.value("--db-host", "-h")
        if host:
            return where_of_url(inv, f"db://{host}/{opts.value('--db-name', '-d') or '?'}", "--db-host")
        target = opts.value("-t", "--target")
        if target:
            return where_of_name(inv, target, "sqitch target", f"db:sqitch/{target}")
        return super().url_where(inv, opts)

    def migration_dir(self, inv: Invocation, opts: Options) -> str:
        return "revert"

    def down_sql(self, path: str, text: str) -> str | None:
        return text
