"""`mc` (MinIO client). `mc` is also Midnight Commander: without a MinIO verb it is that file manager."""

from __future__ import annotations

import msgspec

from changegate.environments import Placement
from changegate.model import Effect, Operation
from changegate.understand.base import Invocation
from changegate.understand.cli import Call
from changegate.understand.commands.platforms.base import Platform, singular

RECURSIVE = ("--recursive", "-r")
RESTARTS = ("restart", "stop", "freeze")


class MinioClient(Platform):
    NAMES = ("mc", "mcli")
    ENV_VARIABLES = ("MC_CONFIG_DIR",)
    VALUE_OPTIONS = frozenset({"--config-dir", "-C", "--older-than", "--newer-than", "--rewind", "--version-id",
                               "--storage-class", "--attr", "--encrypt-key", "--limit-upload", "--limit-download",
                               "--exclude", "--name", "--path", "--regex", "--expiry", "--tags",
                               "--retention-mode", "--retention-duration", "--region"})
    PERMISSION_NOUNS = frozenset({"user", "policy", "group", "idp", "accesskey", "svcacct"})
    DATA_NOUNS = frozenset({"rm", "rb"})
    VERB_IS_KIND = True

    def remove(self, call: Call) -> list[Effect]:
        """`rm` of one object, or with --recursive or --force of everything under a prefix; `rb` a bucket
        with everything in it, or with `--dangerous` (an alias alone) every bucket."""
        one_object = call.verb == "rm" and not call.opts.has(*RECURSIVE)
        effects = self.effects(call, "delete")
        if call.verb == "rb":
            every = call.opts.has("--dangerous") or any("/" not in a.strip("/") for a in call.args)
            effects[0] = msgspec.structs.replace(effects[0], data_loss=True, scope="all", kind="bucket",
                                                 whole_environment=every)
            return effects
        effects[0] = msgspec.structs.replace(effects[0], data_loss=not one_object,
                                             scope="many" if call.opts.has(*RECURSIVE, "--force") else "one")
        return effects

    def mirror(self, call: Call) -> list[Effect]:
        """`mirror --remove` also deletes what the source no longer has."""
        effects = self.effects(call, "create")
        if call.opts.has("--remove"):
            effects.append(msgspec.structs.replace(effects[0], operation="delete", scope="many", data_loss=True,
                                                   reversible="no", tags=("sync-delete",)))
        return effects

    VERBS = {
        **Platform.VERBS,
        "ls": "read", "cat": "read", "head": "read", "stat": "read", "du": "read", "find": "read", "diff": "read",
        "tree": "read", "ping": "read", "ready": "read", "watch": "read", "rm": remove, "rb": remove,
        "mb": "create", "cp": "create", "mirror": mirror, "mv": "delete", "put": "create", "pipe": "create",
        "od": "create", "retention": "modify", "legalhold": "modify", "ilm": "modify", "version": "modify",
        "anonymous": "permission", "policy": "permission", "share": "permission", "alias": "read",
        "admin": "modify", "undo": "modify", "tag": "modify", "encrypt": "modify", "event": "modify",
        "replicate": "modify", "quota": "modify", "support": "read", "license": "read", "update": "read",
    }

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if opts.positionals and opts.positionals[0] not in self.VERBS:
            return [inv.unknown("mc without a MinIO command (Midnight Commander, an interactive file manager)")]
        return super().analyze(inv)

    def find_verb(self, words: list[str]) -> tuple[int, Operation] | None:
        """The verb is the first word; `admin SUBJECT VERB` is placed by the admin verb."""
        if not words or words[0] not in self.VERBS:
            return None
        if words[0] == "admin" and len(words) > 1:
            sub = words[1:]
            if sub[:1] == ["service"] and sub[1:2] and sub[1] in RESTARTS:
                return 0, "host_control"
            found = super().find_verb(sub[1:]) if len(sub) > 1 else None
            return (0, found[1]) if found is not None else (0, "read" if sub[:1] == ["info"] else "modify")
        operation = self.operation_of(words[0])
        return (0, operation) if operation is not None else None

    def kinds(self, call: Call) -> set[str]:
        found = super().kinds(call)
        if call.verb == "admin" and len(call.args) > 1:
            found.add(singular(call.args[0]))
        if call.verb == "rm" and not any(f in call.args for f in RECURSIVE):
            found.discard("rm")  # one object
        return found

    def placement(self, call: Call) -> Placement:
        # `ALIAS/BUCKET/PREFIX` (or an alias alone): the alias and the bucket name the environment
        return self.place(call, [part for n in self.names(call) for part in n.split("/")[:2] if part])
