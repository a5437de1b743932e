"""psql (and pgcli): the server from -h/-d/a URL/a service/PG* variables; the SQL from ~/.psqlrc (unless -X),
then -c and -f, in order, or stdin — with psql's own backslash commands, which can run shell commands, write
files, include other files and connect elsewhere."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli, Options
from changegate.understand.commands.db.common import (
    LIBPQ_VARIABLES,
    Session,
    host_target,
    in_order,
    interactive,
    pg_target,
    port_of,
    read_only,
    read_script,
)
from changegate.understand.lex.psql import split_psql
from changegate.understand.lex.words import client_words
from changegate.understand.sql import POSTGRES, SqlTarget

# Backslash commands that only show, format or set session state.
PSQL_READS = frozenset({
    "a", "C", "cd", "conninfo", "copyright", "crosstabview", "d", "da", "dA", "dAc", "dAf", "dAo", "dAp", "db",
    "dc", "dconfig", "dC", "dd", "dD", "ddp", "dE", "di", "dm", "dy", "des", "det", "deu", "dew", "df", "dF",
    "dFd", "dFp", "dFt", "dg", "dl", "dL", "dn", "do", "dO", "dp", "dP", "drds", "drg", "dRp", "dRs", "ds", "dS",
    "dt", "dT", "du", "dv", "dx", "dX", "echo", "encoding", "errverbose", "f", "gdesc", "getenv", "gset", "H",
    "h", "help", "if", "elif", "else", "endif", "l", "list", "lo_list", "p", "print", "prompt", "pset", "q",
    "qecho", "quit", "r", "reset", "s", "set", "setenv", "sf", "sv", "t", "T", "timing", "unset", "warn", "watch",
    "x", "z", "?", "bind", "bind_named", "parse", "close", "close_prepared", "startpipeline", "endpipeline",
    "syncpipeline", "sendpipeline", "flushrequest", "flush", "getresults", "restrict", "unrestrict", "g", "gx",
})
# Backslash commands that end the query buffer: what was typed before them is sent.
SENDS_BUFFER = frozenset({"g", "gx", "gset", "gdesc", "crosstabview", "watch", "gexec"})
STATEMENT_OPTIONS = frozenset({"-c", "--command", "-f", "--file"})


@dataclass(frozen=True, slots=True)
class Meta:
    """One backslash command: its name, its words, and the line as written."""

    name: str
    args: list[str]
    line: str

    @property
    def rest(self) -> str:
        """Everything after the command's name, unsplit."""
        parts = self.line.split(None, 1)
        return parts[1] if len(parts) > 1 else ""


class Psql(Cli):
    NAMES = ("psql", "pgcli")
    FAMILY = "psql"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "-c", "--command", "-d", "--dbname", "-f", "--file", "-h", "--host", "-p", "--port", "-U", "--username",
        "-v", "--set", "--variable", "-o", "--output", "-L", "--log-file", "-P", "--pset", "-F",
        "--field-separator", "-R", "--record-separator", "-T", "--table-attr",
    })
    ENV_VARIABLES = (*LIBPQ_VARIABLES, "PSQLRC", "PSQL_PAGER", "PAGER", "PSQL_EDITOR", "EDITOR")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        session = Session(inv, self.target(inv, opts), self.FAMILY, variables=variables(opts))
        if opts.has("-l", "--list", "-V", "--version", "--help", "-?"):
            return [read_only(inv, session.target, "lists databases or prints its version")]
        for path in opts.values("-o", "--output", "-L", "--log-file"):
            session.local_file("modify", path, f"writes query output to {path}")
        if not opts.has("-X", "--no-psqlrc"):
            self.startup(session)
        statements = in_order(opts, STATEMENT_OPTIONS)
        for option, value in statements:
            if option in ("-f", "--file"):
                session.include(value, lambda text: self.script(session, text), "psql -f")
            elif value.lstrip().startswith("\\"):
                self.script(session, value)
            else:
                session.sql(value, value)  # -c is wholly SQL for the server, backslashes included
        if not statements:
            session.from_stdin(lambda text: self.script(session, text))
        return session.outcome()

    def startup(self, session: Session) -> None:
        """psql runs PSQLRC or ~/.psqlrc after connecting, before anything else (unless -X): its backslash
        commands run too."""
        ctx = session.inv.ctx
        raw = ctx.getenv("PSQLRC") or (f"{ctx.home}/.psqlrc" if ctx.home else "")
        if raw and not read_script(session.inv, raw).absent:
            session.include(raw, lambda text: self.script(session, text), "~/.psqlrc")

    def target(self, inv: Invocation, opts: Options) -> SqlTarget:
        conn = opts.value("-d", "--dbname") or (opts.positionals[0] if opts.positionals else None)
        return pg_target(inv, opts.value("-h", "--host"), conn, opts.value("-U", "--username"), "psql",
                         opts.value("-p", "--port"))

    # --- a script: SQL and backslash commands ---------------------------------------------------------------
    def script(self, session: Session, text: str) -> None:
        buffer: list[str] = []
        for piece in split_psql(text, session.variables):
            if piece.kind == "sql":
                buffer.append(piece.text)
                continue
            words = client_words(piece.text[1:])
            meta = Meta(words[0] if words else "", words[1:], piece.text)
            if meta.name in SENDS_BUFFER or meta.name.startswith("g"):
                buffer.append(";")
            self.flush(session, buffer)
            buffer = []
            self.meta(session, meta)
        self.flush(session, buffer)

    @staticmethod
    def flush(session: Session, buffer: list[str]) -> None:
        text = "".join(buffer)
        if text.strip(" \t\r\n;"):
            session.sql(text)

    def meta(self, session: Session, meta: Meta) -> None:
        if meta.name == "!" or meta.line.startswith("\\!"):
            session.shell(meta.line[2:].strip(), "psql \\!")
            return
        if meta.name.startswith("g") and meta.args:  # \g FILE, \gx |COMMAND: the result goes there
            self.output(session, meta)
            return
        handler = self.META_COMMANDS.get(meta.name)
        if handler is not None:
            handler(self, session, meta)
        elif meta.name not in PSQL_READS and not meta.name.startswith(("d", "s")):
            self.unknown_meta(session, meta)

    # --- the backslash commands that do more than show ----------------------------------------------------
    def include(self, session: Session, meta: Meta) -> None:
        if meta.args:
            session.include(meta.args[0], lambda text: self.script(session, text), f"\\{meta.name}",
                            relative=meta.name in ("ir", "include_relative"))

    def connect(self, session: Session, meta: Meta) -> None:
        session.target = self.reconnect(session, meta.args)

    def output(self, session: Session, meta: Meta) -> None:
        target = (meta.rest or " ".join(meta.args)).strip()
        what = f"\\{meta.name}"
        if target.startswith("|"):
            session.shell(target[1:], f"psql {what} |")
        elif target:
            words = client_words(target)
            session.local_file("modify", words[0] if words else target, f"writes query output to {target} ({what})")

    def gexec(self, session: Session, meta: Meta) -> None:
        session.opaque("\\gexec runs each value of a query's result as SQL")

    def copy(self, session: Session, meta: Meta) -> None:
        """\\copy table|(query) from|to 'file'|program 'cmd'|stdin|stdout — run by the client, on this machine."""
        words = client_words(meta.rest)
        lowered = [w.lower() for w in words]
        direction = next((w for w in lowered if w in ("from", "to")), "")
        if not direction:
            session.unreadable(f"\\copy {meta.rest[:60]}")
            return
        at = lowered.index(direction)
        table = " ".join(words[:at]) or "?"
        source = words[at + 1] if at + 1 < len(words) else ""
        if source.lower() == "program" and at + 2 < len(words):
            session.shell(words[at + 2], "psql \\copy … program")
        t = session.target
        if direction == "from":
            session.effects.append(session.inv.effect(
                "create", f"{t.prefix}/table/{table}", t.placement, kind="rows", scope="many", family=self.FAMILY,
                reversible="yes", summary=f"loads rows into {table} (\\copy from {source})"))
            return
        if source.lower() not in ("stdout", "pstdout", "program") and source:
            session.local_file("modify", source, f"writes {table} to {source} (\\copy to)")
        session.effects.append(session.inv.effect(
            "read", f"{t.prefix}/table/{table}", t.placement, kind="table", family=self.FAMILY,
            reversible="yes", summary=f"reads {table} (\\copy to)"))

    def set_variable(self, session: Session, meta: Meta) -> None:
        if meta.args:
            session.variables[meta.args[0]] = "".join(meta.args[1:])

    def unset_variable(self, session: Session, meta: Meta) -> None:
        if meta.args:
            session.variables.pop(meta.args[0], None)

    def password(self, session: Session, meta: Meta) -> None:
        t = session.target
        role = meta.args[0] if meta.args else "?"
        session.effects.append(session.inv.effect("permission", f"{t.server}/role/{role}", t.placement,
                                                  kind="role", family=self.FAMILY,
                                                  summary="changes a database password (\\password)"))

    def lo_import(self, session: Session, meta: Meta) -> None:
        t = session.target
        source = meta.args[0] if meta.args else "a file"
        session.effects.append(session.inv.effect("create", f"{t.prefix}/large-object", t.placement,
                                                  kind="large object", family=self.FAMILY, reversible="yes",
                                                  summary=f"loads {source} into the database"))

    def lo_export(self, session: Session, meta: Meta) -> None:
        if len(meta.args) > 1:
            session.local_file("modify", meta.args[1], f"writes a large object to {meta.args[1]}")
        else:
            self.unknown_meta(session, meta)

    def lo_unlink(self, session: Session, meta: Meta) -> None:
        t = session.target
        session.effects.append(session.inv.effect("delete", f"{t.prefix}/large-object", t.placement,
                                                  kind="large object", family=self.FAMILY,
                                                  summary="deletes a large object"))

    def edit(self, session: Session, meta: Meta) -> None:
        session.effects.append(interactive(session.inv, session.target, self.FAMILY))

    @staticmethod
    def unknown_meta(session: Session, meta: Meta) -> None:
        session.unreadable(f"the psql command \\{meta.name} is not one changegate knows")

    META_COMMANDS: ClassVar[Mapping[str, Callable[[Psql, Session, Meta], None]]] = {
        **dict.fromkeys(("i", "include", "ir", "include_relative"), include),
        **dict.fromkeys(("c", "connect"), connect),
        **dict.fromkeys(("o", "out", "w", "write"), output),
        "gexec": gexec, "copy": copy, "set": set_variable, "unset": unset_variable, "password": password,
        "lo_import": lo_import, "lo_export": lo_export, "lo_unlink": lo_unlink,
        **dict.fromkeys(("e", "edit", "ef", "ev"), edit),
    }

    @staticmethod
    def reconnect(session: Session, args: list[str]) -> SqlTarget:
        """\\c [dbname|conninfo [user [host [port]]]]: unspecified parts stay as they were."""
        current = session.target
        if not args or args[0] == "-":
            return current
        if "://" in args[0] or "=" in args[0]:
            return pg_target(session.inv, None, args[0], None, "psql \\c")
        host = args[2] if len(args) > 2 and args[2] != "-" else (None if current.host == "default" else current.host)
        port = port_of(args[3]) if len(args) > 3 else None
        if host and host.count(":") == 1 and port is None:  # a host reached through a tunnel is shown as host:port
            host, port = host.rsplit(":", 1)[0], port_of(host.rsplit(":", 1)[1])
        return host_target(session.inv, host, args[0], "psql", "the default local socket", "host", POSTGRES,
                           port=port or 5432)


def variables(opts: Options) -> dict[str, str]:
    """`-v name=value`: psql's variables, which `:name` in the SQL stands for."""
    out: dict[str, str] = {}
    for assignment in opts.values("-v", "--set", "--variable"):
        name, _, value = assignment.partition("=")
        out[name] = value
    return out
