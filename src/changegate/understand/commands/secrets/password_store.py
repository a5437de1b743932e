"""pass, the standard Unix password store: `pass NAME` shows NAME; the store is a local directory."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from changegate.environments import Placement
from changegate.model import Effect
from changegate.understand.cli import Call
from changegate.understand.commands.secrets.base import (
    CREATE,
    DESTROY,
    LOCAL_READ,
    READ,
    SECRET,
    WRITE,
    SecretTool,
)


class Pass(SecretTool):
    NAMES = ("pass",)
    ENV_VARIABLES: ClassVar[tuple[str, ...]] = ("PASSWORD_STORE_DIR", "PASSWORD_STORE_KEY",
                                                "PASSWORD_STORE_GPG_OPTS")
    VERBS = {
        **SecretTool.VERBS,
        "": READ,  # `pass` alone lists the store
        "ls": READ, "list": READ, "find": READ, "search": READ, "show": SECRET, "grep": SECRET,
        "otp": SECRET, "insert": WRITE, "add": WRITE, "edit": WRITE, "generate": WRITE,
        "rm": DESTROY, "remove": DESTROY, "delete": DESTROY, "mv": WRITE, "rename": WRITE,
        "cp": WRITE, "copy": WRITE, "git": WRITE, "init": CREATE, "version": LOCAL_READ,
        "help": LOCAL_READ,
    }

    def unknown_verb(self, call: Call) -> list[Effect]:
        return SECRET(self, dataclasses.replace(call, verb="show"))  # `pass NAME` shows NAME

    def placement(self, call: Call) -> Placement:
        store = call.inv.ctx.getenv("PASSWORD_STORE_DIR") or "~/.password-store"
        return call.inv.ctx.place_path(call.inv.ctx.resolve(store))
