"""etcdctl: keys, leases, members and snapshots of an etcd cluster (Kubernetes keeps its secrets there)."""

from __future__ import annotations

import msgspec

from changegate.model import Effect, Scope
from changegate.understand.cli import Call
from changegate.understand.commands.platforms.base import Platform

SECRET_PREFIXES = ("/registry/secrets",)  # where Kubernetes keeps its Secrets


class Etcd(Platform):
    NAMES = ("etcdctl",)
    ENV_VARIABLES = ("ETCDCTL_ENDPOINTS", "ETCDCTL_API", "ETCDCTL_USER", "ETCDCTL_CACERT", "ETCDCTL_CERT",
                     "ETCDCTL_KEY")
    VALUE_OPTIONS = frozenset({"--endpoints", "--cacert", "--cert", "--key", "--user", "--password",
                               "--dial-timeout", "--command-timeout", "-w", "--write-out", "--data-dir",
                               "--name", "--initial-cluster", "--initial-advertise-peer-urls", "--lease",
                               "--limit", "--rev", "--prev-kv", "--discovery-srv"})
    ADDRESS_OPTIONS = ("--endpoints",)
    ADDRESS_VARIABLES = ("ETCDCTL_ENDPOINTS",)
    WHERE_UNKNOWN = "no --endpoints or ETCDCTL_ENDPOINTS says which etcd cluster this is"
    PERMISSION_NOUNS = frozenset({"user", "role", "auth"})
    DATA_NOUNS = frozenset({"key", "snapshot", "member", "compaction"})

    def get(self, call: Call) -> list[Effect]:
        key = call.args[0] if call.args else ""
        return self.effects(call, "secret_read" if key.startswith(SECRET_PREFIXES) else "read")

    def delete_keys(self, call: Call) -> list[Effect]:
        """`del KEY`, `del --prefix P`, `del --from-key K`: one key, many, or everything from a key on."""
        key = call.args[0] if call.args else ""
        effects = self.effects(call, "delete")
        every = call.opts.has("--from-key") or (call.opts.has("--prefix") and key in ("", "/"))
        scope: Scope = "all" if every else "many" if call.opts.has("--prefix") else "one"
        effects[0] = msgspec.structs.replace(effects[0], scope=scope, data_loss=scope != "one", kind="key",
                                             whole_environment=every)
        return effects

    VERBS = {
        **Platform.VERBS,
        "get": get, "put": "modify", "del": delete_keys, "txn": "modify", "watch": "read",
        "compaction": "delete", "defrag": "modify", "restore": "replace", "save": "read", "status": "read",
        "health": "read", "hashkv": "read", "move-leader": "host_control", "grant": "create", "revoke": "delete",
        "keep-alive": "modify", "timetolive": "read", "elect": "modify", "lock": "modify", "disarm": "modify",
        "check": "read", "version": "read", "promote": "modify",
    }
