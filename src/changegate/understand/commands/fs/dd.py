"""dd: `of=` overwrites a file or a whole disk; `if=` may read a secret."""

from __future__ import annotations

from changegate.environments import Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, is_block_device, is_harmless_path
from changegate.understand.commands.fs.common import FileTool
from changegate.understand.sensitive import secret_kind


class Dd(FileTool):
    """dd's operands are `key=value` words, not options: there is nothing for the walker to walk."""

    NAMES = ("dd",)

    def analyze(self, inv: Invocation) -> list[Effect]:
        effects: list[Effect] = []
        for arg in inv.args:
            key, eq, value = arg.partition("=")
            if not eq:
                continue
            path = inv.ctx.resolve(value)
            if key == "of":
                if is_block_device(path):
                    effects.append(inv.disk(path or value, "overwrites the disk"))
                elif path and not is_harmless_path(path):
                    effects.append(inv.fs("modify", value, tags=("overwrite",), summary=f"dd overwrites {path}"))
            elif key == "if" and path and secret_kind(path, inv.ctx.home):
                effects.append(inv.fs("secret_read", value, kind="secret", reversible="yes"))
        return effects or [inv.effect("read", "cmd:dd", Placement("local", "dd to stdout"), summary="dd to stdout")]
