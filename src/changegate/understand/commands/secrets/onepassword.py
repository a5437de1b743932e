"""1Password's `op`: items, documents and vaults; `op run -- CMD` injects them into CMD."""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.cli import Call
from changegate.understand.commands.secrets.base import (
    CREATE,
    DELETE,
    LOCAL_READ,
    PERMISSION,
    READ,
    SECRET,
    SOFT_DELETE,
    WRITE,
    SecretTool,
    Verb,
)


class OnePassword(SecretTool):
    NAMES = ("op",)
    ENV_VARIABLES = ("OP_ACCOUNT", "OP_SERVICE_ACCOUNT_TOKEN", "OP_CONNECT_HOST", "OP_CONNECT_TOKEN",
                     "OP_CONFIG_DIR")
    VALUE_OPTIONS = frozenset({"--vault", "--account", "--format", "--fields", "--session", "--config",
                               "--encoding", "--out-file", "-o", "--tags", "--title", "--category", "--url",
                               "--env-file", "--template", "-i", "--in-file", "--file-name", "--otp", "--cache"})
    CONTEXT_OPTIONS = ("--vault", "--account")
    CONTEXT_VARIABLES = ("OP_ACCOUNT",)

    def delete(self, call: Call) -> list[Effect]:
        """An item or document deleted with --archive can be restored from the archive."""
        return (SOFT_DELETE if call.opts.has("--archive") else DELETE)(self, call)

    VERBS = {
        **SecretTool.VERBS,
        "run": SecretTool.run,
        "read": SECRET, "inject": SECRET, "item get": SECRET, "document get": SECRET,
        "item list": READ, "item template": READ, "vault list": READ, "vault get": READ,
        "user list": READ, "user get": READ, "group list": READ, "group get": READ,
        "document list": READ, "account list": LOCAL_READ, "account get": READ,
        "whoami": LOCAL_READ, "signin": LOCAL_READ, "signout": LOCAL_READ, "--version": LOCAL_READ,
        "item create": CREATE, "item edit": WRITE, "item move": WRITE,
        "item share": Verb("permission", kind="share link"), "document create": CREATE, "document edit": WRITE,
        "item delete": delete, "document delete": delete,
        "vault create": CREATE, "vault edit": WRITE,
        "vault delete": Verb("delete", kind="vault", data_loss=True, whole=True, reversible="no"),
        "vault user grant": PERMISSION, "vault user revoke": PERMISSION,
        "vault group grant": PERMISSION, "vault group revoke": PERMISSION,
        "user delete": Verb("delete", kind="user", reversible="no"), "user suspend": PERMISSION,
        "user confirm": PERMISSION, "user provision": PERMISSION, "user edit": PERMISSION,
        "group delete": Verb("delete", kind="group", reversible="no"), "group create": PERMISSION,
        "group user grant": PERMISSION, "group user revoke": PERMISSION,
        "connect token create": Verb("permission", kind="token", also="secret_read"),
        "service-account create": Verb("permission", kind="service account", also="secret_read"),
    }
