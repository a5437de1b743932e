"""usql, the universal SQL client: the database and its dialect from the DSN's scheme (`pg://`, `my://`,
`sq:file.db`, …); statements from -c and -f in order, or stdin, with psql's backslash commands."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli
from changegate.understand.commands.db.common import Session, in_order, url_target
from changegate.understand.commands.db.psql import STATEMENT_OPTIONS, Psql, variables
from changegate.understand.commands.db.sqlite import Sqlite
from changegate.understand.sql import POSTGRES, SqlTarget, redact_url

USQL_SCHEMES = {"pg": POSTGRES, "pgsql": POSTGRES, "postgres": POSTGRES, "postgresql": POSTGRES, "cr": POSTGRES,
                "cockroach": POSTGRES, "my": "mysql", "mysql": "mysql", "maria": "mysql", "mariadb": "mysql",
                "ti": "mysql", "tidb": "mysql", "sq": "sqlite", "sqlite": "sqlite", "sqlite3": "sqlite",
                "file": "sqlite", "ms": "tsql", "sqlserver": "tsql", "mssql": "tsql", "or": "oracle",
                "ora": "oracle", "oracle": "oracle", "ch": "clickhouse", "clickhouse": "clickhouse",
                "sf": "snowflake", "snowflake": "snowflake", "duckdb": "duckdb", "dk": "duckdb", "ca": "",
                "cassandra": "", "tr": "trino", "trino": "trino", "bq": "bigquery", "bigquery": "bigquery"}


class Usql(Cli):
    NAMES = ("usql",)
    ENV_VARIABLES = ("USQL_PAGER", "USQL_EDITOR", "USQLRC", "USQLPASS", *("PGHOST", "PGPORT", "PGUSER", "PGDATABASE",
                                                                          "PGOPTIONS", "PGSERVICE"))
    FAMILY = "usql"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-c", "--command", "-f", "--file", "-o", "--out", "-v",
                                                       "--set", "--variable", "-P", "--pset", "-F", "-R", "-T",
                                                       "--config"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        dsn = opts.positionals[0] if opts.positionals else ""
        session = Session(inv, self.target(inv, dsn), self.FAMILY, variables=variables(opts))
        psql = Psql()  # the same backslash commands
        statements = in_order(opts, STATEMENT_OPTIONS)
        for option, value in statements:
            if option in ("-f", "--file"):
                session.include(value, lambda text: psql.script(session, text), "usql -f")
            else:
                psql.script(session, value)
        if not statements:
            session.from_stdin(lambda text: psql.script(session, text))
        return session.outcome()

    @staticmethod
    def target(inv: Invocation, dsn: str) -> SqlTarget:
        scheme, sep, rest = dsn.partition(":")
        dialect = USQL_SCHEMES.get(scheme.split("+", 1)[0].lower())
        if not sep or dialect is None:
            return SqlTarget("?", "?", Placement(UNKNOWN, f"usql connection {redact_url(dsn)!r} cannot be read"),
                             None)
        if dialect == "sqlite" and not rest.startswith("//"):
            return Sqlite.target(inv, rest)
        url = f"{scheme}:{rest if rest.startswith('//') else '//' + rest}"  # usql accepts pg:host/db too
        target = url_target(inv, url, "usql connection")
        return replace(target, dialect=dialect)
