"""fzf: picks lines from its input, and runs what its options say — `--preview CMD` for the line in
focus, `--bind KEY:execute(CMD)` (and `become`, `reload`, `preview`, …) on a key, `FZF_DEFAULT_COMMAND`
for its list when nothing is piped in, and the options in `FZF_DEFAULT_OPTS`. `{}` and its kin stand for
the line picked, known only when it runs."""

from __future__ import annotations

import re
from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import UNKNOWN_PART, Invocation, lit
from changegate.understand.cli import Options
from changegate.understand.commands.shell.common import safe_split
from changegate.understand.commands.shell.readonly import ReadOnly

PLACEHOLDER = re.compile(r"\{[+sfqn]*-?\d*(?:\.\.-?\d*)?\}")
# actions whose argument is a shell command: `execute(…)`, `execute-silent:…`, `become[…]`, …
BOUND_COMMAND = re.compile(r"(?:execute(?:-silent|-multi)?|become|reload(?:-sync)?|preview|change-preview|"
                           r"transform(?:-\w+)?|bg-transform(?:-\w+)?)"
                           r"(?:\((.*?)\)|\[(.*?)\]|\{(.*?)\}|<(.*?)>|:(.*))(?:\+|$)")
COMMAND_OPTIONS = ("--preview",)


class Fzf(ReadOnly):
    NAMES = ("fzf", "fzf-tmux", "sk")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "--preview", "--bind", "-q", "--query", "-f", "--filter", "-d", "--delimiter", "-n", "--nth",
        "--with-nth", "--preview-window", "--height", "--layout", "--prompt", "--pointer", "--marker", "--header",
        "--header-lines", "--color", "--tiebreak", "-e", "--expect", "--border", "--margin", "--padding",
        "--info", "--separator", "--scrollbar", "--history", "--history-size", "--tabstop", "--jump-labels",
        "--listen", "--walker", "--walker-root", "--walker-skip", "--preview-label", "--border-label"})
    ENV_VARIABLES = ("FZF_DEFAULT_COMMAND", "FZF_DEFAULT_OPTS", "FZF_DEFAULT_OPTS_FILE")

    def analyze(self, inv: Invocation) -> list[Effect]:
        defaults = [lit(part) for part in safe_split(inv.ctx.getenv("FZF_DEFAULT_OPTS") or "")]
        opts = self.walk([*defaults, *inv.words])
        for command in self.commands(inv, opts):
            inv.run_script(PLACEHOLDER.sub(UNKNOWN_PART, command), origin="fzf")
        return super().analyze(inv)

    @staticmethod
    def commands(inv: Invocation, opts: Options) -> list[str]:
        out = list(opts.values(*COMMAND_OPTIONS))
        for binding in opts.values("--bind"):
            for match in BOUND_COMMAND.finditer(binding):
                out.append(next(group for group in match.groups() if group is not None))
        default = inv.ctx.getenv("FZF_DEFAULT_COMMAND")
        if default and inv.stdin is None:
            out.append(default)
        return [command for command in out if command.strip()]
