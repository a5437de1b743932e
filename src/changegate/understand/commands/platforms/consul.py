"""consul: the KV store, the catalog, ACLs and snapshots of a Consul cluster."""

from __future__ import annotations

import msgspec

from changegate.model import Effect, Scope
from changegate.understand.cli import Call
from changegate.understand.commands.platforms.base import Platform


class Consul(Platform):
    NAMES = ("consul",)
    ENV_VARIABLES = ("CONSUL_HTTP_ADDR", "CONSUL_HTTP_TOKEN", "CONSUL_HTTP_TOKEN_FILE", "CONSUL_NAMESPACE",
                     "CONSUL_PARTITION", "CONSUL_CACERT", "CONSUL_HTTP_SSL")
    LONG_SINGLE_DASH = True
    VALUE_OPTIONS = frozenset({"-http-addr", "-token", "-token-file", "-datacenter", "-ca-file", "-namespace",
                               "-partition", "-format", "-separator", "-flags", "-cas", "-modify-index", "-node",
                               "-id", "-name", "-policy-name", "-description", "-rules", "-accessor-id"})
    ADDRESS_OPTIONS = ("-http-addr",)
    ADDRESS_VARIABLES = ("CONSUL_HTTP_ADDR",)
    CONTEXT_OPTIONS = ("-datacenter", "-namespace")
    WHERE_UNKNOWN = "no -http-addr or CONSUL_HTTP_ADDR says which Consul cluster this is"
    PERMISSION_NOUNS = frozenset({"acl", "intention", "token", "policy", "role", "keyring"})
    DATA_NOUNS = frozenset({"kv", "snapshot"})

    def delete(self, call: Call) -> list[Effect]:
        """`kv delete -recurse PREFIX` removes every key under PREFIX; without one, every key."""
        effects = self.effects(call, "delete")
        if call.nouns[:1] == ["kv"]:
            recurse = call.opts.has("-recurse")
            every = recurse and (not call.args or call.args[0] in ("", "/"))
            scope: Scope = "all" if every else "many" if recurse else "one"
            effects[0] = msgspec.structs.replace(effects[0], scope=scope, data_loss=scope != "one",
                                                 whole_environment=every)
        return effects

    VERBS = {
        **Platform.VERBS,
        "delete": delete, "leave": "host_control", "force-leave": "host_control", "members": "read",
        "catalog": "read", "monitor": "read", "members-list": "read", "reload": "modify", "deregister": "delete",
        "register": "create", "remove-peer": "delete", "save": "read", "restore": "replace",
        "maint": "host_control",
    }
