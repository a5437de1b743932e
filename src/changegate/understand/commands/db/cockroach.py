"""cockroach: `cockroach sql` is a client (the server from --url, --host or COCKROACH_*; the SQL from -e, -f
or stdin); `cockroach node decommission|drain` takes a node out of its cluster."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Call, Cli, Options, VerbEntry
from changegate.understand.commands.db.common import Session, host_target, port_of, url_target, url_variable
from changegate.understand.sql import SqlTarget


class Cockroach(Cli):
    NAMES = ("cockroach",)
    FAMILY = "cockroach"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--url", "--host", "--port", "-p", "--database", "-d",
                                                       "--user", "-u", "-e", "--execute", "-f", "--file",
                                                       "--certs-dir", "--format", "--set"})
    ENV_VARIABLES = ("COCKROACH_URL", "COCKROACH_HOST", "COCKROACH_PORT", "COCKROACH_DATABASE", "COCKROACH_USER",
                     "COCKROACH_CERTS_DIR")

    def analyze(self, inv: Invocation) -> list[Effect]:
        """`cockroach VERB …`: every verb has its own options, so the verb comes first and its handler walks
        the rest."""
        verb = inv.words[0].value if inv.words else ""
        rest = inv.words[1:]
        return self.dispatch(Call(inv, Options({}, [], []), verb, [w.value for w in rest], rest))

    def target(self, inv: Invocation, opts: Options) -> SqlTarget:
        """The cluster from --url or COCKROACH_URL, else --host (`host[:port]`) or COCKROACH_HOST."""
        url = opts.value("--url") or url_variable(inv.ctx, "COCKROACH_URL")
        database = opts.value("--database", "-d") or inv.ctx.getenv("COCKROACH_DATABASE") or ""
        if url:
            return replace(url_target(inv, url, "--url"), dialect="cockroach")
        host = opts.value("--host") or inv.ctx.getenv("COCKROACH_HOST")
        port = opts.value("--port", "-p") or inv.ctx.getenv("COCKROACH_PORT")
        if host and host.count(":") == 1:
            host, port = host.split(":")
        return host_target(inv, host, database, "cockroach", "localhost:26257", "host", "cockroach",
                           port=port_of(port) or 26257, tcp_default=True)

    def sql(self, call: Call) -> list[Effect]:
        inv = call.inv
        opts = self.walk(call.arg_words)
        session = Session(inv, self.target(inv, opts), self.FAMILY)
        statements = opts.values("-e", "--execute")
        for statement in statements:
            session.sql(statement)
        for path in opts.values("-f", "--file"):
            session.include(path, session.sql, "cockroach sql -f")
        if not statements and not opts.has("-f", "--file"):
            session.from_stdin(session.sql)
        return session.outcome()

    def node(self, call: Call) -> list[Effect]:
        """`cockroach node status|ls` reads; `decommission`, `drain`, `recommission` take nodes out of the
        cluster or back."""
        opts = self.walk(call.arg_words)
        action = opts.positionals[0] if opts.positionals else ""
        target = self.target(call.inv, opts)
        if action in ("status", "ls"):
            return [call.inv.effect("read", target.server, target.placement, reversible="yes",
                                    summary=f"cockroach node {action}")]
        if action in ("decommission", "drain", "recommission"):
            return [call.inv.effect("host_control", f"{target.server}/node/{' '.join(opts.positionals[1:2]) or '?'}",
                                    target.placement, kind="node", summary=f"cockroach node {action}")]
        return self.unknown_verb(call)

    VERBS: ClassVar[Mapping[str, VerbEntry]] = {**Cli.VERBS, "sql": sql, "node": node, "version": "read"}
