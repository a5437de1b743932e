"""s3cmd: buckets and objects of S3 or an S3-compatible store (`--host`)."""

from __future__ import annotations

import msgspec

from changegate.environments import Placement
from changegate.model import Effect, Operation, Scope
from changegate.understand.cli import Call
from changegate.understand.commands.platforms.base import Platform

BUCKET_URL = "s3://"


class S3cmd(Platform):
    NAMES = ("s3cmd",)
    ENV_VARIABLES = ("S3CMD_CONFIG", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    VALUE_OPTIONS = frozenset({"-c", "--config", "--access_key", "--secret_key", "--host", "--host-bucket",
                               "--region", "--bucket-location", "--exclude", "--include", "--exclude-from",
                               "--rexclude", "--storage-class", "--acl-grant", "--acl-revoke", "--mime-type",
                               "--expiry-days", "--expiry-date", "--expiry-prefix", "--add-header", "--encoding",
                               "--max-delete", "--limit-rate", "--cache-file", "-p", "--profile"})
    ADDRESS_OPTIONS = ("--host",)
    VERBS = {
        **Platform.VERBS,
        "ls": "read", "la": "read", "du": "read", "info": "read", "get": "read", "put": "create", "sync": "create",
        "del": "delete", "rm": "delete", "rb": "delete", "mb": "create", "cp": "create", "mv": "delete",
        "modify": "modify", "setacl": "permission", "setpolicy": "permission", "delpolicy": "permission",
        "setcors": "modify", "delcors": "modify", "accesslog": "modify", "signurl": "permission",
        "expire": "modify", "setlifecycle": "modify", "dellifecycle": "modify", "restore": "modify",
        "ws-create": "modify", "ws-delete": "modify", "ws-info": "read", "multipart": "read", "abortmp": "delete",
        "listmp": "read", "fixbucket": "modify", "setversioning": "modify", "setownership": "permission",
        "setblockpublicaccess": "permission", "payer": "modify", "cfcreate": "create", "cfdelete": "delete",
    }

    def effects(self, call: Call, operation: Operation) -> list[Effect]:
        """Deletes, and syncs or puts with --delete-removed, are deletes of objects: how many depends on
        --recursive and on whether the URL is a whole bucket."""
        effects = super().effects(call, operation)
        opts = call.opts
        if effects[0].operation != "delete" and not opts.has("--delete-removed"):
            return effects
        recursive = opts.has("--recursive", "-r")
        url = next((t for t in reversed(call.args) if t.startswith(BUCKET_URL)), "")
        whole_bucket = url.startswith(BUCKET_URL) and "/" not in url[len(BUCKET_URL):].rstrip("/")
        scope: Scope
        if call.verb == "rb":
            data, scope = recursive or opts.has("--force"), "all" if recursive else "one"
        elif call.verb in ("sync", "put"):
            data, scope = True, "many"
        else:
            data, scope = recursive, ("all" if whole_bucket else "many") if recursive else "one"
        effects[0] = msgspec.structs.replace(
            effects[0], operation="delete", data_loss=data, scope=scope, resource=f"s3cmd:{url or '?'}",
            kind="bucket" if call.verb == "rb" else "objects",
            suggestions=(f"preview it: {call.inv.text.strip()} --dry-run",))
        return effects

    def placement(self, call: Call) -> Placement:
        buckets = [n[len(BUCKET_URL):].split("/", 1)[0] for n in self.names(call) if n.startswith(BUCKET_URL)]
        return self.place(call, buckets)
