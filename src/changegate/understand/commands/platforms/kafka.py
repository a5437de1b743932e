"""The Kafka shell tools act by flag: `kafka-topics --bootstrap-server H --delete --topic T`."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect, Operation, Scope
from changegate.understand.base import Invocation
from changegate.understand.cli import Call
from changegate.understand.commands.platforms.base import OPERATION_WORDS, Platform

Action = tuple[str, Operation, bool]  # (flag or word, operation, data loss)


class Kafka(Platform):
    """`kafka-TOOL.sh`: the tool names the resource, a flag (or a word) the action."""

    NAME_PATTERNS = (r"kafka-[a-z-]+(\.sh)?",)
    ENV_VARIABLES = ("KAFKA_OPTS", "KAFKA_HEAP_OPTS", "KAFKA_LOG4J_OPTS")
    VALUE_OPTIONS = frozenset({"--bootstrap-server", "--bootstrap-servers", "--zookeeper", "--broker-list",
                               "--command-config", "--topic", "--group", "--entity-type", "--entity-name",
                               "--add-config", "--delete-config", "--partitions", "--replication-factor",
                               "--offset-json-file", "--config", "--to-offset", "--to-datetime", "--shift-by",
                               "--by-duration", "--to-earliest", "--allow-principal", "--deny-principal",
                               "--operation", "--resource-pattern-type", "--reassignment-json-file",
                               "--topics-to-move-json-file", "--broker", "--max-messages", "--timeout",
                               "--consumer-property", "--producer-property", "--property", "--from-file",
                               "--cluster-id", "-t", "--cluster", "--transactional-id", "--election-type",
                               "--path-to-json-file", "--partition", "--entity-default", "--alter-config"})
    ADDRESS_OPTIONS = ("--bootstrap-server", "--bootstrap-servers", "--zookeeper", "--broker-list")
    WHERE_UNKNOWN = "no --bootstrap-server says which Kafka cluster this is"
    # tool -> its actions in order of precedence: the first flag present decides
    ACTIONS: ClassVar[dict[str, tuple[Action, ...]]] = {
        "topics": (("--delete", "delete", True), ("--create", "create", False), ("--alter", "modify", False),
                   ("--list", "read", False), ("--describe", "read", False)),
        "configs": (("--alter", "modify", False), ("--describe", "read", False)),
        "consumer-groups": (("--delete-offsets", "delete", False), ("--delete", "delete", False),
                            ("--execute", "modify", False), ("--list", "read", False),
                            ("--describe", "read", False), ("--reset-offsets", "read", False)),
        "acls": (("--add", "permission", False), ("--remove", "permission", False), ("--list", "read", False)),
        "delete-records": (("--offset-json-file", "delete", True),),
        "reassign-partitions": (("--execute", "modify", False), ("--cancel", "modify", False),
                                ("--verify", "read", False), ("--generate", "read", False)),
        "leader-election": (("--election-type", "modify", False),),
        "console-producer": (("--topic", "modify", False),),
        "console-consumer": (("--topic", "read", False),),
        "storage": (("format", "delete", True), ("info", "read", False), ("random-uuid", "read", False)),
        "cluster": (("unregister", "delete", False), ("cluster-id", "read", False)),
    }
    READ_ONLY_TOOLS: ClassVar[frozenset[str]] = frozenset({"broker-api-versions", "log-dirs", "get-offsets",
                                                           "metadata-quorum", "run-class", "dump-log",
                                                           "verifiable-consumer", "consumer-perf-test"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        tool = inv.name.removesuffix(".sh").removeprefix("kafka-")
        opts = self.walk(inv.words)
        topic = opts.value("--topic", "--group", "--entity-name") or ""
        placement = self.place(Call(inv, opts, tool, [], []), [topic])
        resource = f"kafka:{(opts.value(*self.ADDRESS_OPTIONS) or '?').split(',')[0]}/{tool}/{topic or '*'}"
        if tool in self.READ_ONLY_TOOLS:
            return [inv.effect("read", resource, placement, reversible="yes", summary=f"{inv.name} (read-only)")]
        for flag, operation, data in self.ACTIONS.get(tool, ()):
            if not (opts.has(flag) or flag in opts.positionals):
                continue
            if operation == "read" or opts.has("--dry-run"):
                return [inv.effect("read", resource, placement, reversible="yes",
                                   summary=f"{inv.name} {flag} (read-only)")]
            pattern = any(c in topic for c in "*.+[") or opts.has("--all-topics", "--all-groups", "--all")
            scope: Scope = "all" if topic in ("", ".*", "*") and operation == "delete" and tool == "topics" else (
                "many" if pattern else "one")
            return [inv.effect(
                operation, resource, placement, scope=scope, reversible="no" if operation == "delete" else "unknown",
                kind=tool.rstrip("s"), data_loss=data,
                summary=f"{inv.name} {flag} {topic}".rstrip() + f" ({OPERATION_WORDS.get(operation, operation)})",
                suggestions=(f"look first: {inv.name} --bootstrap-server … --describe --topic {topic}",)
                if data else ())]
        return [inv.effect("unknown", resource, placement, tags=("not-understood",),
                           summary=f"runs {inv.name} with no action flag changegate knows")]
