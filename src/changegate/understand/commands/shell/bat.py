"""bat (batcat): cat with colours, through a pager — `--pager CMD`, else `BAT_PAGER`, else `PAGER` —
unless `--paging=never` (or `-P`, `-pp`) says not to page."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.shell.readonly import ReadOnly

PAGER_VARIABLES = ("BAT_PAGER", "PAGER")


class Bat(ReadOnly):
    NAMES = ("bat", "batcat")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "-l", "--language", "-H", "--highlight-line", "--file-name", "--diff-context", "--tabs", "--wrap",
        "--terminal-width", "--color", "--italic-text", "--decorations", "--paging", "--pager", "-m",
        "--map-syntax", "--theme", "--style", "-r", "--line-range", "--ignored-suffix", "--nonprintable-notation"})
    ENV_VARIABLES = ("BAT_PAGER", "PAGER", "BAT_CONFIG_PATH", "BAT_OPTS")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        pager = self.pager(inv, opts)
        if pager:
            inv.run_script(pager, origin="bat's pager")
        return super().analyze(inv)

    @staticmethod
    def pager(inv: Invocation, opts: Options) -> str | None:
        if opts.value("--paging") == "never" or opts.has("-P") or opts.flags.get("-p", []).count("") > 1:
            return None
        if opts.has("--pager"):
            return opts.value("--pager")
        return next((value for name in PAGER_VARIABLES if (value := inv.ctx.getenv(name))), None)
