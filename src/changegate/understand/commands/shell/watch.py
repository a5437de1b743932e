"""watch: runs its command again and again — as shell code, or with -x as a command."""

from __future__ import annotations

from typing import ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.shell.common import CommandRunner


class Watch(CommandRunner):
    NAMES = ("watch",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-n", "--interval", "-q", "--equexit"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts, _, command = self.split(inv.words)
        if not command:
            return [inv.effect("read", "cmd:watch", Placement(LOCAL, "nothing to run"), reversible="yes",
                               summary="watch without a command prints its usage")]
        if opts.has("-x", "--exec"):
            inv.run_argv(command)
        else:
            inv.run_script(" ".join(w.value for w in command), origin="watch")
        return []
