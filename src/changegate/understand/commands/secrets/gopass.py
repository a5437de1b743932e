"""gopass: pass with more sub-commands, over the same kind of store."""

from __future__ import annotations

from changegate.understand.commands.secrets.base import CREATE, LOCAL_READ, READ, SECRET, WRITE
from changegate.understand.commands.secrets.password_store import Pass


class Gopass(Pass):
    NAMES = ("gopass",)
    ENV_VARIABLES = (*Pass.ENV_VARIABLES, "GOPASS_HOMEDIR", "GOPASS_CONFIG")
    VERBS = {**Pass.VERBS, "cat": SECRET, "create": CREATE, "new": CREATE, "sync": WRITE, "audit": READ,
             "config": LOCAL_READ, "templates": READ, "mounts": READ, "recipients": READ}
