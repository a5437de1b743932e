"""clickhouse-client (and `clickhouse client`): the server from --host or CLICKHOUSE_HOST; the SQL from
--query, --queries-file or stdin. `clickhouse local` works on local files."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation, Word
from changegate.understand.cli import Call, Cli, Options, VerbEntry
from changegate.understand.commands.db.common import Session, host_target, port_of


class ClickHouseClient(Cli):
    NAMES = ("clickhouse-client",)
    FAMILY = "clickhouse-client"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "--host", "-h", "--port", "--user", "-u", "--password", "--database", "-d", "--query", "-q",
        "--queries-file", "--format", "-f", "--config-file", "-C", "--connection", "--history_file", "--log-level",
        "--max_memory_usage", "--query_id", "--receive_timeout", "--send_timeout",
    })
    ENV_VARIABLES = ("CLICKHOUSE_HOST", "CLICKHOUSE_PORT", "CLICKHOUSE_USER", "CLICKHOUSE_PASSWORD")

    def analyze(self, inv: Invocation) -> list[Effect]:
        return self.client(inv, inv.words)

    def client(self, inv: Invocation, words: list[Word]) -> list[Effect]:
        opts = self.walk(words)
        host = opts.value("--host", "-h") or inv.ctx.getenv("CLICKHOUSE_HOST")
        database = opts.value("--database", "-d") or "default"
        target = host_target(inv, host, database, "clickhouse-client", "localhost:9000", "host", "clickhouse",
                             port=port_of(opts.value("--port")) or 9000, tcp_default=True)
        session = Session(inv, target, self.FAMILY)
        queries = opts.values("--query", "-q")
        for query in queries:
            session.sql(query)
        for path in opts.values("--queries-file"):
            session.include(path, session.sql, "--queries-file")
        if not queries and not opts.has("--queries-file"):
            session.from_stdin(session.sql)
        return session.outcome()


class ClickHouse(ClickHouseClient):
    """The one `clickhouse` binary: `clickhouse client …` is clickhouse-client, `clickhouse local` runs on
    local files."""

    NAMES = ("clickhouse",)

    def analyze(self, inv: Invocation) -> list[Effect]:
        verb = inv.words[0].value if inv.words else ""
        rest = inv.words[1:]
        return self.dispatch(Call(inv, Options({}, [], []), verb, [w.value for w in rest], rest))

    def run_client(self, call: Call) -> list[Effect]:
        return self.client(call.inv, call.arg_words)

    def run_local(self, call: Call) -> list[Effect]:
        return [call.inv.effect("modify", "sql:clickhouse-local", call.inv.arguments_placement(), reversible="unknown",
                                summary="runs clickhouse-local on local files")]

    VERBS: ClassVar[Mapping[str, VerbEntry]] = {**Cli.VERBS, "client": run_client, "local": run_local,
                                                "clickhouse-local": run_local, "format": "read"}
