"""macOS `security`: the user's keychains; `find-generic-password -w` prints the password."""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.cli import Call
from changegate.understand.commands.secrets.base import (
    CREATE,
    DESTROY,
    MACHINE_SECRETS,
    PERMISSION,
    READ,
    SECRET,
    WRITE,
    SecretTool,
    Verb,
)


class Security(SecretTool):
    NAMES = ("security",)
    VALUE_OPTIONS = frozenset({"-a", "-s", "-l", "-c", "-C", "-D", "-j", "-r", "-t", "-k", "-p", "-P", "-T",
                               "-u", "-f", "-o", "-d", "-e", "-i", "-S"})
    DEFAULT_PLACEMENT = MACHINE_SECRETS

    def find_password(self, call: Call) -> list[Effect]:
        """-w prints the password, -g the whole item with it; without them only the attributes."""
        return (SECRET if call.opts.has("-w", "-g") else READ)(self, call)

    def dump_keychain(self, call: Call) -> list[Effect]:
        return (SECRET if call.opts.has("-d") else READ)(self, call)  # -d decrypts every item

    VERBS = {
        **SecretTool.VERBS,
        "find-generic-password": find_password, "find-internet-password": find_password,
        "find-certificate": READ, "find-identity": READ, "list-keychains": READ, "default-keychain": READ,
        "login-keychain": READ, "show-keychain-info": READ, "dump-keychain": dump_keychain,
        "verify-cert": READ, "dump-trust-settings": READ, "cms": READ, "lock-keychain": READ,
        "unlock-keychain": WRITE, "create-keychain": CREATE, "import": WRITE,
        "export": SECRET, "add-generic-password": WRITE, "add-internet-password": WRITE,
        "add-certificates": WRITE, "delete-generic-password": DESTROY,
        "delete-internet-password": DESTROY, "delete-certificate": DESTROY, "delete-identity": DESTROY,
        "delete-keychain": Verb("delete", kind="keychain", data_loss=True, whole=True, reversible="no"),
        "add-trusted-cert": Verb("permission", kind="trusted certificate"),
        "remove-trusted-cert": Verb("permission", kind="trusted certificate"),
        "trust-settings-import": Verb("permission", kind="trust settings"),
        "set-key-partition-list": PERMISSION, "authorizationdb": PERMISSION,
    }
