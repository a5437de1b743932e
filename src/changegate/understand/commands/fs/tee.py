"""tee: writes (or appends) its input to files, and passes it on."""

from __future__ import annotations

from changegate.environments import Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Stream, is_block_device, is_harmless_path
from changegate.understand.commands.fs.common import FileTool


class Tee(FileTool):
    NAMES = ("tee",)

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        appending = opts.has("-a", "--append")
        inv.stdout = inv.stdin or Stream()
        effects: list[Effect] = []
        for word in opts.positional_words:
            path = inv.ctx.resolve(word.value)
            if path and inv.stdin is not None and inv.stdin.text is not None:
                inv.ctx.files[path] = inv.stdin.text  # what a later `sh FILE` on this line would run
                inv.walker.wrote(path, inv.stdin.text, inv.ctx)  # `>(sh)`, a hook, a crontab: its code, now
            if is_block_device(path):
                effects.append(inv.disk(path or word.value, "writes over"))
            elif path is None or not is_harmless_path(path):
                effects.append(inv.fs("modify", word.value, tags=() if appending else ("overwrite",),
                                      reversible="unknown" if appending else "no",
                                      summary=f"{'appends to' if appending else 'writes'} {path or word.shown()}"))
        return effects or [inv.effect("read", "cmd:tee", Placement("local", "tee to stdout"), summary="tee")]
