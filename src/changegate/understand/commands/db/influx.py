"""influx: the server from --host/-host or INFLUX_HOST; InfluxQL from -execute (1.x), or a 2.x command:
`influx delete` removes points from a bucket, `influx bucket delete` a whole bucket."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect, Operation
from changegate.understand.base import Invocation
from changegate.understand.cli import Call, Cli, VerbEntry
from changegate.understand.commands.db.common import MAX_CLIENT_COMMANDS, host_target, url_variable
from changegate.understand.placement import place_url

INFLUX_V1_STATEMENTS: dict[tuple[str, ...], tuple[Operation, str, bool]] = {
    ("DROP", "DATABASE"): ("delete", "drops a database", True),
    ("DROP", "MEASUREMENT"): ("delete", "drops a measurement and its data", True),
    ("DROP", "SERIES"): ("delete", "drops series and their data", True),
    ("DROP", "SHARD"): ("delete", "drops a shard and its data", True),
    ("DROP", "RETENTION"): ("delete", "drops a retention policy and its data", True),
    ("DELETE",): ("delete", "deletes points", False),
    ("SELECT",): ("read", "reads", False), ("SHOW",): ("read", "reads", False),
    ("CREATE",): ("create", "creates", False), ("ALTER",): ("modify", "changes", False),
    ("GRANT",): ("permission", "grants privileges", False), ("REVOKE",): ("permission", "revokes privileges", False),
    ("DROP", "USER"): ("permission", "drops a user", False), ("SET", "PASSWORD"): ("permission", "sets a password",
                                                                                  False),
    ("KILL",): ("host_control", "kills a query", False),
}
NOUN_DELETES = frozenset({"delete", "rm"})
NOUN_READS = frozenset({"list", "ls", "find"})


@dataclass
class InfluxCall(Call):
    """A 2.x command, with the server it talks to."""

    server: str = ""
    where: Placement = field(default_factory=lambda: Placement(UNKNOWN, ""))


class Influx(Cli):
    NAMES = ("influx",)
    FAMILY = "influx"
    LONG_SINGLE_DASH = True
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--host", "-host", "--org", "-o", "--bucket", "-b",
                                                       "--start", "--stop", "--predicate", "-p", "--token", "-t",
                                                       "--configs-path", "-c", "--active-config", "-execute",
                                                       "-database", "-port", "-username", "-password", "-format",
                                                       "-precision", "--id", "-i", "--name", "-n", "--file", "-f",
                                                       "--org-id", "--bucket-id"})
    ENV_VARIABLES = ("INFLUX_HOST", "INFLUX_TOKEN", "INFLUX_ORG", "INFLUX_CONFIGS_PATH", "INFLUX_ACTIVE_CONFIG")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        host = opts.value("--host", "-host") or url_variable(inv.ctx, "INFLUX_HOST")
        if host and "://" in host:
            placement = place_url(inv.ctx.environments, host, "--host")
        else:
            placement = host_target(inv, host, opts.value("-database") or "", "influx", "localhost:8086", "host",
                                    None).placement
        server = f"influx:{host or 'default'}"
        statement = opts.value("-execute")
        if statement is not None:
            return self.influxql(inv, statement, server, placement)
        words = [p.lower() for p in opts.positionals]
        return self.dispatch(InfluxCall(inv, opts, words[0] if words else "", words[1:], opts.positional_words[1:],
                                        server=server, where=placement))

    # --- 2.x commands -----------------------------------------------------------------------------------------
    def delete_points(self, call: Call) -> list[Effect]:
        assert isinstance(call, InfluxCall)
        bucket = call.opts.value("--bucket", "-b") or "?"
        everything = not call.opts.has("--predicate", "-p")
        return [call.inv.effect("delete", f"{call.server}/bucket/{bucket}", call.where,
                                scope="all" if everything else "many", kind="points", reversible="no",
                                data_loss=everything, family=self.FAMILY,
                                summary=f"deletes {'every point' if everything else 'the matching points'} of bucket "
                                        f"{bucket} between --start and --stop")]

    def read_server(self, call: Call) -> list[Effect]:
        assert isinstance(call, InfluxCall)
        return [call.inv.effect("read", call.server, call.where, reversible="yes", family=self.FAMILY,
                                summary=f"influx {call.verb}")]

    def restore(self, call: Call) -> list[Effect]:
        assert isinstance(call, InfluxCall)
        full = call.opts.has("--full")
        return [call.inv.effect("replace", call.server, call.where, scope="all" if full else "many", data_loss=full,
                                family=self.FAMILY, summary="influx restore")]

    VERBS: ClassVar[Mapping[str, VerbEntry]] = {
        "delete": delete_points, "restore": restore,
        **dict.fromkeys(("query", "backup", "ping", "version", "config"), read_server),
    }

    def unknown_verb(self, call: Call) -> list[Effect]:
        """`influx NOUN ACTION` (`bucket delete`, `org list`): the action decides."""
        assert isinstance(call, InfluxCall)
        action = call.args[0] if call.args else ""
        shown = " ".join([call.verb, *call.args[:1]])
        if action in NOUN_DELETES:
            whole = call.verb in ("bucket", "org")
            return [call.inv.effect("delete", f"{call.server}/{call.verb}", call.where, kind=call.verb,
                                    reversible="no", data_loss=whole, whole_environment=whole, family=self.FAMILY,
                                    summary=f"influx {call.verb} delete")]
        if action in NOUN_READS:
            return [call.inv.effect("read", call.server, call.where, reversible="yes", family=self.FAMILY,
                                    summary=f"influx {shown}")]
        return [call.inv.effect("modify", call.server, call.where, reversible="unknown", family=self.FAMILY,
                                summary=f"influx {shown}")]

    # --- 1.x InfluxQL -----------------------------------------------------------------------------------------
    def influxql(self, inv: Invocation, text: str, server: str, placement: Placement) -> list[Effect]:
        effects: list[Effect] = []
        for statement in text.split(";")[:MAX_CLIENT_COMMANDS]:
            words = statement.upper().split()
            if not words:
                continue
            known = INFLUX_V1_STATEMENTS.get(tuple(words[:2])) or INFLUX_V1_STATEMENTS.get(tuple(words[:1]))
            if known is None:
                effects.append(inv.effect("unknown", server, placement, tags=("not-understood",), family=self.FAMILY,
                                          summary=f"runs the InfluxQL statement {statement.strip()[:40]!r}"))
                continue
            operation, what, data = known
            everything = words[0] == "DELETE" and "WHERE" not in words
            drops_database = words[:2] == ["DROP", "DATABASE"]
            effects.append(inv.effect(operation, server, placement, kind="database", family=self.FAMILY,
                                      data_loss=data or everything, whole_environment=drops_database,
                                      scope="all" if everything or drops_database else "one",
                                      reversible="yes" if operation == "read" else "no",
                                      summary=f"{what} ({statement.strip()[:60]})"))
        return effects
