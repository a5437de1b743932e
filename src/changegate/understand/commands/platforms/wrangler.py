"""wrangler: Cloudflare Workers, D1 databases, KV, R2 and queues; --env names the environment."""

from __future__ import annotations

from changegate.environments import LOCAL, Placement
from changegate.model import Effect, Operation
from changegate.understand.cli import Call
from changegate.understand.commands.platforms.base import Platform

READING_SQL = ("select", "with", "pragma", "explain")
DELETING_SQL = ("delete", "drop", "truncate")


def sql_operation(sql: str) -> Operation:
    """What a D1 statement does, by its first word."""
    words = sql.strip().lower().split(None, 1)
    first = words[0] if words else ""
    return "read" if first in READING_SQL else "delete" if first in DELETING_SQL else "modify"


class Wrangler(Platform):
    NAMES = ("wrangler",)
    ENV_VARIABLES = ("CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ENV", "WRANGLER_SEND_METRICS")
    VALUE_OPTIONS = frozenset({"-e", "--env", "-c", "--config", "--name", "--command", "--file", "--binding",
                               "--namespace-id", "--preview-id", "--compatibility-date", "--var", "--route",
                               "--project-name", "--branch", "--jurisdiction", "--message", "--tag"})
    CONTEXT_OPTIONS = ("-e", "--env")
    WHERE_UNKNOWN = "no --env names the Wrangler environment, and the top-level one is usually production"
    DATA_NOUNS = frozenset({"d1", "namespace", "bucket", "queue", "vectorize", "kv", "r2"})
    WHOLE_ENVIRONMENT_NOUNS = frozenset({"project"})
    BARE_VERB_KINDS = {"delete": frozenset({"project"})}  # `wrangler delete` removes the whole Worker

    def execute(self, call: Call) -> list[Effect]:
        if call.nouns[:1] == ["d1"]:
            return self.effects(call, sql_operation(call.opts.value("--command") or ""))
        return self.effects(call, "modify")

    VERBS = {**Platform.VERBS, "deploy": "modify", "publish": "modify", "dev": "read", "tail": "read",
             "rollback": "modify", "types": "read", "generate": "read", "docs": "read", "execute": execute,
             "versions": "read", "deployments": "read", "info": "read"}

    def command_words(self, positionals: list[str]) -> list[str]:
        # `kv:namespace delete` is `kv namespace delete`
        return [part for word in positionals[:1] for part in word.split(":")] + positionals[1:]

    def kinds(self, call: Call) -> set[str]:
        found = super().kinds(call)
        if found & {"key", "object"}:
            found -= {"kv", "r2", "namespace", "bucket"}  # one key or object, not the store
        return found

    def placement(self, call: Call) -> Placement:
        if call.opts.has("--local"):
            return Placement(LOCAL, "--local acts on the local development copy")
        return super().placement(call)
