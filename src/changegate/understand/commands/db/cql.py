"""cqlsh: the Cassandra node from the positionals (`cqlsh HOST PORT`), CQLSH_HOST or the cqlshrc file, the
keyspace from -k; CQL from -e, -f or stdin — with cqlsh's own commands, which it runs itself: `SOURCE 'f'`
runs another file, `CAPTURE 'f'` and `COPY … TO 'f'` write this machine's files, `COPY … FROM 'f'` loads one."""

from __future__ import annotations

import configparser
import posixpath
import re
from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli, Options
from changegate.understand.commands.db.common import (
    MAX_CONFIG_BYTES,
    Session,
    host_target,
    port_of,
    read_file,
)
from changegate.understand.sql import SqlTarget, split_sql, strip_comments

SOURCE = re.compile(r"SOURCE\s+'([^']*)'\s*;?", re.I)
CAPTURE = re.compile(r"CAPTURE\s+(?:'([^']*)'|OFF)\s*;?", re.I)
COPY = re.compile(r"COPY\s+([\w.\"]+)(?:\s*\([^)]*\))?\s+(TO|FROM)\s+'([^']*)'.*", re.I | re.S)


class Cql(Cli):
    NAMES = ("cqlsh",)
    FAMILY = "cqlsh"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "-e", "--execute", "-f", "--file", "-k", "--keyspace", "-u", "--username", "-p", "--password",
        "--cqlshrc", "--cqlversion", "--protocol-version", "--connect-timeout", "--request-timeout",
        "--encoding", "-b", "--secure-connect-bundle",
    })
    ENV_VARIABLES = ("CQLSH_HOST", "CQLSH_PORT", "CQLSH_DEFAULT_CONNECT_TIMEOUT_SECONDS")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        session = Session(inv, self.target(inv, opts), self.FAMILY)
        statements = opts.values("-e", "--execute")
        for statement in statements:
            self.script(session, statement)
        for path in opts.values("-f", "--file"):
            session.include(path, lambda text: self.script(session, text), "cqlsh -f")
        if not statements and not opts.has("-f", "--file"):
            session.from_stdin(lambda text: self.script(session, text))
        return session.outcome()

    def target(self, inv: Invocation, opts: Options) -> SqlTarget:
        settings = self.cqlshrc(inv, opts)
        positionals = opts.positionals
        host = (positionals[0] if positionals else None) or inv.ctx.getenv("CQLSH_HOST") or settings.get("hostname")
        port = (positionals[1] if len(positionals) > 1 else None) or inv.ctx.getenv("CQLSH_PORT") or \
            settings.get("port")
        keyspace = opts.value("-k", "--keyspace") or settings.get("keyspace") or ""
        return host_target(inv, host, keyspace, "cqlsh", "127.0.0.1:9042", "host", "cql",
                           port=port_of(port) or 9042, tcp_default=True)

    @staticmethod
    def cqlshrc(inv: Invocation, opts: Options) -> dict[str, str]:
        """[connection] hostname and port, [authentication] keyspace of the cqlshrc cqlsh reads."""
        home = inv.ctx.home
        raw = opts.value("--cqlshrc") or (posixpath.join(home, ".cassandra", "cqlshrc") if home else "")
        text = read_file(inv, raw, MAX_CONFIG_BYTES) if raw else None
        if text is None:
            return {}
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        try:
            parser.read_string(text)
        except configparser.Error:
            return {}
        found = {key: parser.get(section, key) for section, key in (("connection", "hostname"),
                                                                     ("connection", "port"),
                                                                     ("authentication", "keyspace"))
                 if parser.has_option(section, key)}
        if found:
            inv.ctx.consulted.setdefault(f"file:{raw}", ",".join(f"{k}={v}" for k, v in sorted(found.items())))
        return found

    def script(self, session: Session, text: str) -> None:
        for statement in split_sql(text, ""):
            body = strip_comments(statement).strip()
            source, capture, copy = SOURCE.fullmatch(body), CAPTURE.fullmatch(body), COPY.fullmatch(body)
            if source:
                session.include(source.group(1), lambda inner: self.script(session, inner), "cqlsh SOURCE")
            elif capture:
                if capture.group(1):
                    session.local_file("modify", capture.group(1), f"writes the session's output to "
                                                                   f"{capture.group(1)} (CAPTURE)")
            elif copy:
                self.copy(session, copy.group(1), copy.group(2).upper(), copy.group(3))
            else:
                session.sql(body)

    @staticmethod
    def copy(session: Session, table: str, direction: str, path: str) -> None:
        """cqlsh's COPY runs in the client: TO writes a file here, FROM loads one into the table."""
        t = session.target
        if direction == "TO":
            session.local_file("modify", path, f"writes {table} to {path} (COPY TO)")
            session.effects.append(session.inv.effect("read", f"{t.prefix}/table/{table}", t.placement,
                                                      kind="table", reversible="yes", summary=f"reads {table}"))
            return
        session.effects.append(session.inv.fs("read", path, reversible="yes", summary=f"reads {path} (COPY FROM)"))
        session.effects.append(session.inv.effect("create", f"{t.prefix}/table/{table}", t.placement, kind="rows",
                                                  scope="many", reversible="yes",
                                                  summary=f"loads rows into {table} from {path} (COPY FROM)"))
