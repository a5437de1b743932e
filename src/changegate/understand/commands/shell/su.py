"""su and runuser: a shell (or, with -c, shell code; for runuser, a command) as another user."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Word
from changegate.understand.cli import Options
from changegate.understand.commands.shell.common import CommandRunner, opaque, value_word


class Su(CommandRunner):
    NAMES = ("su", "runuser")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-c", "--command", "-u", "--user", "-g", "--group", "-G",
                                                       "--supp-group", "-s", "--shell", "-w",
                                                       "--whitelist-environment"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        # su's options may follow the user (`su root -c CMD`): every word is walked; after `--`, what
        # follows goes to the user's shell, where `-c CMD` is shell code as well
        opts = self.walk(inv.words)
        code = self.code(inv.words, opts) or (self.code(opts.rest, self.walk(opts.rest)) if opts.dashdash else None)
        ctx = inv.ctx.clone(elevated=True)
        if code is not None:
            if not code.known:
                return [opaque(inv, "a command string only known at run time")]
            inv.run_script(code.value, ctx=ctx, origin=f"{inv.name} -c")
            return []
        if opts.dashdash:
            command = opts.rest
        elif inv.name == "runuser":  # runuser -u USER COMMAND…
            command = self.split(inv.words)[2]
        else:
            command = []
        if command:
            inv.run_argv(command, ctx=ctx, stdin=inv.stdin)
            return []
        # an interactive shell as another user: what is typed into it is not part of the command
        return [inv.effect("unknown", "host:user-shell", inv.ctx.remote_placement or
                           Placement(UNKNOWN, "an interactive shell as another user"), kind="shell",
                           tags=("elevated", "interactive"),
                           summary=f"{inv.name} opens an interactive shell as another user: nothing done in it "
                                   "can be seen")]

    @staticmethod
    def code(words: Sequence[Word], opts: Options) -> Word | None:
        """The shell code of the first `-c CODE` (or `--command=CODE`) among the words walked."""
        item = next((i for i in opts.items if i.option in ("-c", "--command") and i.value is not None), None)
        return value_word(words, opts, item) if item is not None else None
