"""Bitwarden's `bw`: items, folders and sends of a vault; `delete --permanent` skips the trash."""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.cli import Call
from changegate.understand.commands.secrets.base import (
    CREATE,
    DESTROY,
    LOCAL_READ,
    PERMISSION,
    READ,
    SECRET,
    SOFT_DELETE,
    WRITE,
    SecretTool,
    Verb,
)


class Bitwarden(SecretTool):
    NAMES = ("bw",)
    ENV_VARIABLES = ("BW_SESSION", "BW_CLIENTID", "BW_CLIENTSECRET", "BITWARDENCLI_APPDATA_DIR")
    VALUE_OPTIONS = frozenset({"--session", "--organizationid", "--itemid", "--folderid", "--collectionid",
                               "--search", "--url", "--format", "--output", "--password", "--passwordenv",
                               "--passwordfile", "--method", "--code", "--apikey"})

    def delete(self, call: Call) -> list[Effect]:
        return (DESTROY if call.opts.has("--permanent", "-p") else SOFT_DELETE)(self, call)

    VERBS = {
        **SecretTool.VERBS,
        "get password": SECRET, "get totp": SECRET, "get notes": SECRET, "get item": SECRET,
        "get attachment": SECRET, "get send": SECRET, "get username": READ, "get uri": READ,
        "get folder": READ, "get collection": READ, "get organization": READ,
        "get template": LOCAL_READ, "get fingerprint": READ, "get exposed": READ,
        "list items": SECRET, "list folders": READ, "list collections": READ,
        "list organizations": READ, "list org-collections": READ, "list org-members": READ,
        "export": SECRET, "unlock": Verb("secret_read", kind="session key"),
        "create": CREATE, "edit": WRITE, "move": WRITE, "restore": WRITE, "import": WRITE,
        "share": Verb("permission", kind="share"), "confirm": PERMISSION, "delete": delete,
        "send": Verb("publish", kind="send"), "receive": READ,
        "login": LOCAL_READ, "logout": LOCAL_READ, "lock": LOCAL_READ, "sync": LOCAL_READ,
        "status": LOCAL_READ, "config": LOCAL_READ, "generate": LOCAL_READ, "encode": LOCAL_READ,
        "serve": Verb("secret_read", kind="vault API"),
    }
