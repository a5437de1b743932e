"""rclone: `VERB SOURCE [DEST]` where a `remote:path` is a configured remote (a bucket, a drive…)."""

from __future__ import annotations

import msgspec

from changegate.environments import Placement
from changegate.model import Effect
from changegate.understand.cli import Call
from changegate.understand.commands.platforms.base import Platform


class Rclone(Platform):
    NAMES = ("rclone",)
    ENV_VARIABLES = ("RCLONE_CONFIG", "RCLONE_CONFIG_PASS")
    VALUE_OPTIONS = frozenset({"--config", "--transfers", "--checkers", "--include", "--exclude", "--filter",
                               "--include-from", "--exclude-from", "--filter-from", "--files-from", "--max-age",
                               "--min-age", "--max-size", "--min-size", "--bwlimit", "--backup-dir", "--suffix",
                               "--log-file", "--log-level", "--stats", "--max-delete", "--order-by", "--timeout",
                               "-c", "--retries", "--low-level-retries", "--max-transfer", "--cache-dir"})
    DRY_RUN_FLAGS = frozenset({"--dry-run", "-n", "--interactive", "-i"})

    def purge(self, call: Call) -> list[Effect]:
        """`purge REMOTE:` or `purge REMOTE:BUCKET` removes the whole remote or bucket with everything in it."""
        effects = self.effects(call, "delete")
        target = call.args[0] if call.args else ""
        remote, colon, path = target.partition(":")
        whole = bool(colon) and "/" not in path.strip("/") and not remote.startswith(("/", "."))
        if whole:
            effects[0] = msgspec.structs.replace(effects[0], scope="all", data_loss=True, kind="bucket",
                                                 whole_environment=not path.strip("/"))
        return effects

    VERBS = {
        **Platform.VERBS,
        "ls": "read", "lsd": "read", "lsl": "read", "lsf": "read", "lsjson": "read", "tree": "read", "cat": "read",
        "check": "read", "cryptcheck": "read", "checksum": "read", "size": "read", "about": "read", "md5sum": "read",
        "sha1sum": "read", "hashsum": "read", "listremotes": "read", "version": "read", "ncdu": "read",
        "serve": "read", "mount": "read", "copy": "create", "copyto": "create", "copyurl": "create",
        "mkdir": "create", "touch": "create", "rcat": "create", "link": "permission", "move": "modify",
        "moveto": "modify", "sync": "delete", "bisync": "delete", "delete": "delete", "deletefile": "delete",
        "purge": purge, "rmdir": "delete", "rmdirs": "delete", "cleanup": "delete", "dedupe": "delete",
        "config": "read", "obscure": "read", "authorize": "permission", "settier": "modify", "backend": "modify",
    }
    DATA_NOUNS = frozenset({"purge", "sync", "bisync", "delete", "deletefile", "cleanup", "dedupe"})
    VERB_IS_KIND = True

    def placement(self, call: Call) -> Placement:
        # `remote:bucket/path`: the remote's and the bucket's names say where it is; a plain path is local
        names = self.names(call)
        remotes = [n.split(":", 1)[0] + "/" + n.split(":", 1)[1].split("/", 1)[0] for n in names
                   if ":" in n and not n.startswith(("/", "."))]
        if not remotes and names:
            return call.inv.arguments_placement()
        return self.place(call, remotes)
