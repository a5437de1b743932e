"""trap: `trap [-lp] [[ACTION] SIGNAL…]` — ACTION is shell code run when a signal arrives or the shell
exits (`trap 'rm -rf ~' EXIT` runs it at the end of the very command line). `-`, an empty action, `-p`
and `-l` run nothing."""

from __future__ import annotations

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli


class Trap(Cli):
    """trap's words are not walked: its action is a word that may begin with a dash (`trap -- '…' EXIT`)."""

    NAMES = ("trap",)
    FAMILY = "shell"

    def analyze(self, inv: Invocation) -> list[Effect]:
        words = list(inv.words)
        if words and words[0].value == "--":
            words = words[1:]
        elif words and words[0].value.startswith("-") and words[0].value != "-":
            words = []  # -l lists signals, -p prints the traps
        action = words[0] if len(words) >= 2 else None
        if action is not None and action.value not in ("-", "") and not action.value.isdigit():
            if not action.known:
                return [inv.effect("execute_opaque", "code:trap", inv.arguments_placement(),
                                   summary="trap runs an action only known at run time")]
            inv.run_script(action.value, origin="trap")
            return []
        return [inv.effect("read", "cmd:trap", Placement(LOCAL, "it sets no action"), reversible="yes",
                           summary="trap (no action to run)")]
