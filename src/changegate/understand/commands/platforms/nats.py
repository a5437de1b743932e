"""nats: streams, key-value buckets and object stores of a NATS server."""

from __future__ import annotations

from changegate.understand.cli import Call
from changegate.understand.commands.platforms.base import Platform


class Nats(Platform):
    NAMES = ("nats",)
    ENV_VARIABLES = ("NATS_URL", "NATS_CONTEXT", "NATS_CREDS", "NATS_USER", "NATS_PASSWORD", "NATS_NKEY")
    VALUE_OPTIONS = frozenset({"-s", "--server", "--context", "--creds", "--nkey", "--user", "--password",
                               "--tlscert", "--tlskey", "--tlsca", "--timeout", "--js-domain", "--subject",
                               "--count", "--sleep", "--header", "-H"})
    ADDRESS_OPTIONS = ("-s", "--server")
    ADDRESS_VARIABLES = ("NATS_URL",)
    CONTEXT_OPTIONS = ("--context",)
    WHERE_UNKNOWN = "no --server or NATS_URL says which NATS cluster this is"
    VERBS = {**Platform.VERBS, "pub": "modify", "request": "modify", "sub": "read", "reply": "modify",
             "rm": "delete", "del": "delete", "bench": "modify", "select": "read"}
    DATA_NOUNS = frozenset({"stream", "kv", "object", "bucket", "str", "obj"})
    LOCAL_NOUNS = frozenset({"context"})

    def kinds(self, call: Call) -> set[str]:
        found = super().kinds(call)
        # `kv del BUCKET KEY` removes one key; `kv rm BUCKET`, `kv purge BUCKET` or `stream purge` the data
        if call.nouns[:1] == ["kv"] and call.verb == "del" and len(call.args) > 1 and "--purge" not in call.args:
            found.discard("kv")
        return found
