"""alias and unalias: `alias NAME='WORDS'` makes NAME run WORDS (followed by NAME's own arguments).
The alias is kept as a function of the context, so a later `NAME …` on the line is judged as what it
runs. An alias that begins with its own name (`alias rm='rm -i'`) only adds options to the real program,
which is judged as itself."""

from __future__ import annotations

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Context, Invocation
from changegate.understand.cli import Cli
from changegate.understand.commands.shell.common import safe_split


def define(ctx: Context, name: str, replacement: str) -> None:
    """NAME now runs `REPLACEMENT "$@"` (what bash does with an alias, or a command hashed to a path)."""
    from changegate.understand.lex.bash import parse

    words = safe_split(replacement)
    if not name or not words or words[0] == name:
        return
    ctx.functions[name] = parse(f'{replacement} "$@"').root_node


class Alias(Cli):
    """`alias [-p] [NAME[=VALUE]…]`: no options beyond -p."""

    NAMES = ("alias", "unalias")
    FAMILY = "shell"

    def analyze(self, inv: Invocation) -> list[Effect]:
        for word in inv.words:
            if inv.name == "unalias":
                inv.ctx.functions.pop(word.value, None)
                continue
            name, eq, replacement = word.value.partition("=")
            if eq and word.known:
                define(inv.ctx, name, replacement)
        return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "it changes only this shell"),
                           reversible="yes", summary=f"{inv.name} (names for commands in this shell)")]
