"""sqlcmd (SQL Server): the server from -S or SQLCMDSERVER (`tcp:host,port`, `host\\instance`, `.`); the
T-SQL from -Q/-q and the -i files in order, a SQLCMDINI start-up script first, or stdin — with sqlcmd's own
commands (`:r` includes a file, `!!` runs a shell command, `:connect` moves to another server, `:out` writes a
file). The newer go-sqlcmd adds verbs (`sqlcmd query …`, `sqlcmd create mssql`, `sqlcmd delete`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect, Operation
from changegate.understand.base import Invocation
from changegate.understand.cli import Call, Cli, Options, VerbEntry
from changegate.understand.commands.db.common import Session, host_target, in_order, port_of, read_only
from changegate.understand.lex.sqlcmd import Step, split_sqlcmd
from changegate.understand.sql import SqlTarget

SERVER = re.compile(r"^(?:tcp:|np:|lpc:|admin:)?(?P<host>[^,\\]*)(?:\\[^,]*)?(?:,(?P<port>\d+))?$", re.I)
STATEMENT_OPTIONS = frozenset({"-Q", "-q", "--query", "--initial-query", "-i", "--input-file"})
# Commands that only show, format or set how sqlcmd reports.
SQLCMD_READS = frozenset({"list", "listvar", "help", "serverlist", "xml", "on", "perftrace", "reset", "quit",
                          "setvar"})
# What -X turns off: the commands that reach the operating system.
DISABLED_BY_X = frozenset({"!!", "ed"})
# go-sqlcmd's verbs that manage its local containers and contexts.
CONTAINER_VERBS: dict[str, Operation] = {"create": "create", "install": "create", "delete": "delete", "uninstall": "delete",
                   "start": "modify", "stop": "modify"}


def local_server(host: str) -> str:
    """`.`, `(local)` and `(localdb)\\…` are this machine."""
    return "localhost" if host.lower() in (".", "(local)", "(localdb)", "localhost") else host


class Sqlcmd(Cli):
    NAMES = ("sqlcmd",)
    FAMILY = "sqlcmd"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "-S", "--server", "-d", "--database-name", "-U", "--user-name", "-P", "--password", "-Q", "--query", "-q",
        "--initial-query", "-i", "--input-file", "-o", "--output-file", "-v", "--variables", "-l", "--login-timeOut",
        "-t", "--query-timeout", "-h", "--headers", "-s", "--column-separator", "-w", "--screen-width", "-V",
        "--error-severity-level", "-m", "--error-level", "-H", "--workstation-name", "-K", "--application-intent",
        "-a", "--packet-size", "-c", "--batch-terminator", "-f", "--code-page", "-z", "--new-password", "-Z",
        "--new-password-and-exit", "--authentication-method", "-F", "--format",
    })
    OPTIONAL_VALUES: ClassVar[Mapping[str, frozenset[str]]] = {
        "-r": frozenset({"0", "1"}), "-X": frozenset({"1"}), "-k": frozenset({"1", "2"}), "-p": frozenset({"1"}),
        "-N": frozenset({"s", "m", "o", "true", "false", "mandatory", "optional", "strict", "disable"}),
    }
    ENV_VARIABLES = ("SQLCMDSERVER", "SQLCMDDBNAME", "SQLCMDUSER", "SQLCMDPASSWORD", "SQLCMDINI",
                     "SQLCMDEDITOR", "SQLCMDHEADERS", "SQLCMDCOLSEP")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        verbs = [p for p in opts.positionals if "=" not in p]
        if verbs:
            return self.dispatch(Call(inv, opts, verbs[0], verbs[1:], opts.positional_words[1:]))
        return self.client(inv, opts)

    # --- the client -------------------------------------------------------------------------------------------
    def client(self, inv: Invocation, opts: Options, extra: tuple[str, ...] = ()) -> list[Effect]:
        session = Session(inv, self.target(inv, opts), self.FAMILY, variables=self.variables(opts))
        if opts.has("-?", "--help", "--version", "-L"):
            return [read_only(inv, session.target, "prints its help, version or the servers it sees")]
        for path in opts.values("-o", "--output-file"):
            session.local_file("modify", path, f"writes the results to {path}")
        no_commands = opts.has("-X")
        startup = inv.ctx.getenv("SQLCMDINI")
        if startup:
            session.include(startup, lambda text: self.script(session, text, no_commands), "SQLCMDINI")
        statements = in_order(opts, STATEMENT_OPTIONS)
        for option, value in statements:
            if option in ("-i", "--input-file"):
                for path in filter(None, value.split(",")):
                    session.include(path.strip(), lambda text: self.script(session, text, no_commands), "sqlcmd -i")
            else:
                self.script(session, value, no_commands, substitute=not opts.has("-x"))
        for query in extra:
            self.script(session, query, no_commands)
        if not statements and not extra:
            session.from_stdin(lambda text: self.script(session, text, no_commands))
        return session.outcome()

    def target(self, inv: Invocation, opts: Options) -> SqlTarget:
        server = opts.value("-S", "--server") or inv.ctx.getenv("SQLCMDSERVER") or ""
        database = opts.value("-d", "--database-name") or inv.ctx.getenv("SQLCMDDBNAME") or ""
        return self.server_target(inv, server, database)

    @staticmethod
    def server_target(inv: Invocation, server: str, database: str) -> SqlTarget:
        parsed = SERVER.match(server.strip())
        host = local_server(parsed.group("host")) if parsed and parsed.group("host") else None
        port = port_of(parsed.group("port")) if parsed else None
        return host_target(inv, host, database, "sqlcmd", "the default local instance", "server", "tsql",
                           port=port or 1433)

    @staticmethod
    def variables(opts: Options) -> dict[str, str]:
        """-v name=value (one -v may be followed by several pairs)."""
        pairs = [*opts.values("-v", "--variables"), *(p for p in opts.positionals if "=" in p)]
        return {name.lower(): value.strip("\"'") for name, _, value in (p.partition("=") for p in pairs) if name}

    def script(self, session: Session, text: str, no_commands: bool, *, substitute: bool = True) -> None:
        def lookup(name: str) -> str | None:
            return session.variables.get(name.lower(), session.inv.ctx.getenv(name))

        for step in split_sqlcmd(text, lookup, substitute=substitute):
            if not step.name:
                session.sql(step.sql)
            elif not (no_commands and step.name in DISABLED_BY_X):  # -X: sqlcmd warns and goes on without them
                self.command(session, step, no_commands)

    def command(self, session: Session, step: Step, no_commands: bool) -> None:
        handler = self.COMMANDS.get(step.name)
        if handler is not None:
            handler(self, session, step, no_commands)
        elif step.name not in SQLCMD_READS:
            session.unreadable(f"the sqlcmd command {step.line[:40]!r} is not one changegate knows")

    # --- sqlcmd's commands --------------------------------------------------------------------------------
    def include(self, session: Session, step: Step, no_commands: bool) -> None:
        if step.args:
            session.include(step.args[0], lambda text: self.script(session, text, no_commands), ":r")

    def shell(self, session: Session, step: Step, no_commands: bool) -> None:
        session.shell(step.args[0] if step.args else "", "sqlcmd !!")

    def connect(self, session: Session, step: Step, no_commands: bool) -> None:
        server = step.args[0] if step.args else ""
        session.target = replace(self.server_target(session.inv, server, ""), dialect="tsql")

    def output(self, session: Session, step: Step, no_commands: bool) -> None:
        where = step.args[0] if step.args else ""
        if where.lower() not in ("", "stdout", "stderr"):
            session.local_file("modify", where, f"writes the results to {where} (:{step.name})")

    def exit(self, session: Session, step: Step, no_commands: bool) -> None:
        query = step.line.split("(", 1)[1].rsplit(")", 1)[0] if "(" in step.line else ""
        if query.strip():
            session.sql(query)

    def edit(self, session: Session, step: Step, no_commands: bool) -> None:
        session.interactive()

    COMMANDS: ClassVar[Mapping[str, Callable[[Sqlcmd, Session, Step, bool], None]]] = {
        "r": include, "!!": shell, "connect": connect, "out": output, "error": output, "exit": exit, "ed": edit,
    }

    # --- go-sqlcmd's verbs ---------------------------------------------------------------------------------
    def query(self, call: Call) -> list[Effect]:
        return self.client(call.inv, call.opts, tuple(call.args[:1]))

    def container(self, call: Call) -> list[Effect]:
        operation = CONTAINER_VERBS[call.verb]
        return [call.inv.effect(operation, "docker:sqlcmd/context", Placement(LOCAL, "go-sqlcmd's local container"),
                                kind="container", data_loss=operation == "delete", reversible="no" if operation ==
                                "delete" else "yes", summary=f"sqlcmd {call.verb}: the SQL Server container of the "
                                                             "current context")]

    def config(self, call: Call) -> list[Effect]:
        action = call.args[0] if call.args else ""
        if action.startswith(("view", "get", "current", "cs", "connection-strings")):
            return [self.simple(call, "read")]
        return [call.inv.fs("modify", "~/.sqlcmd/sqlconfig", reversible="yes",
                            summary=f"sqlcmd config {action}: changes which server sqlcmd connects to")]

    VERBS: ClassVar[Mapping[str, VerbEntry]] = {
        **Cli.VERBS, "query": query, **dict.fromkeys(CONTAINER_VERBS, container), "config": config,
        "open": "read", "use": "read",
    }
