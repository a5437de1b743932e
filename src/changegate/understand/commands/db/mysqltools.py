"""mysqldump and mysqladmin: they find the server the way mysql does; a dump reads (the user table's password
hashes are a secret), mysqladmin runs its commands in order."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect, Operation
from changegate.understand.base import DYNAMIC_WORD, Invocation, Stream
from changegate.understand.cli import Cli, Options
from changegate.understand.commands.db.mysql import (
    MYSQL_TAKES_VALUE,
    MYSQL_VARIABLES,
    mysql_target,
    without_password,
)
from changegate.understand.placement import escalate_by_name
from changegate.understand.sql import SqlTarget


class MysqlTool(Cli):
    SECRET_ATTACHED: ClassVar[frozenset[str]] = frozenset({"-p", "--password"})  # `-p` alone prompts
    FAMILY = "mysql"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = MYSQL_TAKES_VALUE
    ENV_VARIABLES = MYSQL_VARIABLES

    def analyze(self, inv: Invocation) -> list[Effect]:
        return self.run(inv, self.walk(without_password(inv.words)))

    def run(self, inv: Invocation, opts: Options) -> list[Effect]:
        """What the tool does; each tool says."""
        raise NotImplementedError


class MysqlDump(MysqlTool):
    NAMES = ("mysqldump",)

    def run(self, inv: Invocation, opts: Options) -> list[Effect]:
        everything = opts.has("-A", "--all-databases")
        databases = opts.positionals if opts.has("-B", "--databases") else opts.positionals[:1]
        target = mysql_target(inv, opts, databases[0] if databases else "")
        secrets = everything or "mysql" in databases
        effects: list[Effect] = []
        dump = Stream(text=dump_script(opts, databases), origin="a mysqldump (its table names only known when it runs)")
        out = opts.value("-r", "--result-file")
        if out:
            effects.append(inv.fs("modify", out, reversible="unknown", summary=f"writes the dump to {out}"))
            path = inv.ctx.resolve(out)
            if path is not None:
                inv.ctx.files[path] = dump.text or ""
        else:
            inv.stdout = dump
        effects.append(inv.effect("secret_read" if secrets else "read", target.prefix, target.placement,
                                  kind="database", reversible="yes", family=self.FAMILY, tags=("data-export",),
                                  summary="dumps every database, including the user table with password hashes"
                                  if secrets else f"dumps {', '.join(databases) or 'a database'}"))
        return effects


def dump_script(opts: Options, databases: list[str]) -> str:
    """What the dump holds, as the SQL it replays: for every table (named at run time, unless --tables names
    them) DROP TABLE IF EXISTS, CREATE TABLE and INSERT, as the options leave them in; CREATE DATABASE and USE
    with --databases or --all-databases (DROP DATABASE too with --add-drop-database)."""
    tables = opts.positionals[1:] if databases and not opts.has("-B", "--databases", "-A", "--all-databases") \
        else []
    tables = [*tables, *opts.values("--tables")] or [DYNAMIC_WORD]
    lines: list[str] = []
    whole = opts.has("-B", "--databases", "-A", "--all-databases")
    for database in (databases or [DYNAMIC_WORD]) if whole else [""]:
        if database and opts.has("--add-drop-database"):
            lines.append(f"DROP DATABASE IF EXISTS `{database}`;")
        if database and not opts.has("-n", "--no-create-db"):
            lines.append(f"CREATE DATABASE IF NOT EXISTS `{database}`;")
        if database:
            lines.append(f"USE `{database}`;")
        for table in tables:
            if not opts.has("-t", "--no-create-info"):
                if not opts.has("--skip-add-drop-table", "--skip-opt"):
                    lines.append(f"DROP TABLE IF EXISTS `{table}`;")
                lines.append(f"CREATE TABLE `{table}` (`id` int);")
            if not opts.has("-d", "--no-data"):
                lines.append(f"{'REPLACE' if opts.has('--replace') else 'INSERT'} INTO `{table}` VALUES (1);")
    return "\n".join(lines) + "\n"


MYSQLADMIN: dict[str, tuple[Operation, str]] = {
    **dict.fromkeys(("status", "ping", "processlist", "variables", "version", "extended-status"),
                    ("read", "reads the server's status")),
    **dict.fromkeys(("shutdown", "kill", "debug", "start-replica", "stop-replica", "start-slave", "stop-slave"),
                    ("host_control", "controls the server")),
    **dict.fromkeys(("password", "old-password"), ("permission", "changes a password")),
    **dict.fromkeys(("flush-hosts", "flush-logs", "flush-privileges", "flush-status", "flush-tables",
                     "flush-threads", "refresh", "reload"), ("modify", "flushes server caches or logs")),
}
# Commands followed by their argument (a database, a thread id, a password).
TAKES_ARGUMENT = frozenset({"drop", "create", "kill", "password", "old-password"})


class MysqlAdmin(MysqlTool):
    NAMES = ("mysqladmin",)

    def run(self, inv: Invocation, opts: Options) -> list[Effect]:
        target = mysql_target(inv, opts, "-")
        effects: list[Effect] = []
        words = iter(opts.positionals)
        for word in words:
            command = word.lower()
            argument = next(words, "?") if command in TAKES_ARGUMENT else ""
            if command == "drop":
                effects.append(self.drop(inv, opts, target, argument))
            elif command == "create":
                effects.append(inv.effect("create", f"{target.server}/{argument}", target.placement, kind="database",
                                          reversible="yes", family=self.FAMILY,
                                          summary=f"creates the database {argument}"))
            else:
                operation, what = MYSQLADMIN.get(command, ("unknown", f"runs mysqladmin {command}"))
                effects.append(inv.effect(operation, target.server, target.placement, kind="server",
                                          family=self.FAMILY, reversible="yes" if operation == "read" else "unknown",
                                          summary=what, tags=("not-understood",) if operation == "unknown" else ()))
        return effects or [inv.effect("read", target.server, target.placement, reversible="yes", family=self.FAMILY,
                                      summary="mysqladmin with no command")]

    def drop(self, inv: Invocation, opts: Options, target: SqlTarget, database: str) -> Effect:
        forced = " without asking (-f)" if opts.has("-f", "--force") else ""
        return inv.effect("delete", f"{target.server}/{database}",
                          escalate_by_name(target.placement, database, inv.ctx.environments, "database"),
                          scope="all", kind="database", reversible="no", data_loss=True, whole_environment=True,
                          family=self.FAMILY, summary=f"drops the database {database}{forced}",
                          suggestions=(f"dump it first: mysqldump --databases {database} > {database}.sql",))
