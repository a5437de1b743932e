"""man: formats a manual page and shows it through a pager — `-P PAGER`, else `MANPAGER`, else `PAGER`
(run with `sh -c`, so a pager can be any shell command); `-H[BROWSER]` shows HTML in a browser command.
`MANOPT` holds options given on every run."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation, lit
from changegate.understand.cli import Options
from changegate.understand.commands.shell.common import safe_split
from changegate.understand.commands.shell.readonly import ReadOnly

PAGER_VARIABLES = ("MANPAGER", "PAGER")


class Man(ReadOnly):
    NAMES = ("man",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "-P", "--pager", "-M", "--manpath", "-S", "-s", "--sections", "-L", "--locale", "-m", "--systems",
        "-E", "--encoding", "-p", "--preprocessor", "-C", "--config-file", "-R", "--recode", "-r", "--prompt",
        "-e", "--extension", "--warnings"})
    ENV_VARIABLES = ("MANPAGER", "PAGER", "MANOPT", "BROWSER", "MANPATH")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk([lit(part) for part in safe_split(inv.ctx.getenv("MANOPT") or "")] + list(inv.words))
        pager = self.pager(inv, opts)
        if pager:
            inv.run_script(pager, origin="man's pager")
        browser = self.browser(inv, opts)
        if browser:
            inv.run_script(f"{browser} /tmp/man.html", origin="man's browser")
        return super().analyze(inv)

    @staticmethod
    def pager(inv: Invocation, opts: Options) -> str | None:
        if opts.has("-P", "--pager"):
            return opts.value("-P", "--pager")
        return next((value for name in PAGER_VARIABLES if (value := inv.ctx.getenv(name))), None)

    @staticmethod
    def browser(inv: Invocation, opts: Options) -> str | None:
        """`-H BROWSER`/`--html=BROWSER` (inline only), else `BROWSER`, when HTML is asked for."""
        html = next((item for item in opts.items if item.option is not None and item.option.startswith(("-H", "--html"))),
                    None)
        if html is None:
            return None
        word = html.word.value
        written = word.partition("=")[2] if word.startswith("--") else word[2:]
        return written or inv.ctx.getenv("BROWSER") or None
