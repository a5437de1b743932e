"""LastPass's `lpass`: `show` and `export` print secrets; `share` sub-commands change who may read them."""

from __future__ import annotations

from changegate.understand.commands.secrets.base import (
    DESTROY,
    LOCAL_READ,
    PERMISSION,
    READ,
    SECRET,
    WRITE,
    SecretTool,
    Verb,
)


class LastPass(SecretTool):
    NAMES = ("lpass",)
    ENV_VARIABLES = ("LPASS_HOME", "LPASS_AGENT_TIMEOUT")
    VALUE_OPTIONS = frozenset({"--sync", "--color", "--field", "--format", "--basic-regexp", "--fixed-strings"})
    VERBS = {
        **SecretTool.VERBS,
        "show": SECRET, "export": SECRET, "ls": READ, "status": LOCAL_READ, "login": LOCAL_READ,
        "logout": LOCAL_READ, "sync": LOCAL_READ, "rm": DESTROY, "add": WRITE, "edit": WRITE,
        "mv": WRITE, "duplicate": WRITE, "generate": WRITE, "passwd": PERMISSION,
        "import": WRITE, "share userls": READ, "share useradd": PERMISSION,
        "share usermod": PERMISSION, "share userdel": PERMISSION, "share create": PERMISSION,
        "share rm": Verb("delete", kind="shared folder", data_loss=True, reversible="no"),
    }
