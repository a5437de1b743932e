"""awk: prints, unless its program runs commands (`system()`, `| "cmd"`) or writes files (`> "file"`)."""

from __future__ import annotations

import re
from typing import ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Stream, Word
from changegate.understand.cli import Cli
from changegate.understand.commands.shell.common import opaque
from changegate.understand.sensitive import secret_kind

AWK_SYSTEM = re.compile(r"""\bsystem\s*\(\s*"((?:\\.|[^"\\])*)"\s*\)""")
AWK_PIPE = re.compile(r"""\|\s*"((?:\\.|[^"\\])*)\"""")
AWK_REDIRECT = re.compile(r""">>?\s*"((?:\\.|[^"\\])*)\"""")


class Awk(Cli):
    NAMES = ("awk", "gawk", "mawk", "nawk")
    FAMILY = "interpreter"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-F", "-v", "-f", "--field-separator", "--assign", "--file"})
    ENV_VARIABLES = ("AWKPATH",)

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        # without -f, the first operand is the program
        program = opts.positional_words[0] if opts.positional_words and not opts.has("-f", "--file") else None
        files = opts.positional_words[1:] if program is not None else opts.positional_words
        effects: list[Effect] = []
        if program is not None:
            if not program.known:
                return [opaque(inv, "an awk program only known at run time")]
            effects.extend(self.program(inv, program))
        effects.extend(inv.fs("secret_read", w.value, kind="secret", reversible="yes") for w in files
                       if (path := inv.ctx.resolve(w.value)) and secret_kind(path, inv.ctx.home))
        if inv.stdin is not None and inv.stdin.opaque:
            inv.stdout = Stream(origin=inv.stdin.origin, opaque=True)
        return effects or [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "awk prints"), reversible="yes",
                                      summary=f"{inv.name} (prints)")]

    @staticmethod
    def program(inv: Invocation, program: Word) -> list[Effect]:
        text = program.value
        for match in (*AWK_SYSTEM.finditer(text), *AWK_PIPE.finditer(text)):
            inv.run_script(match.group(1), origin="awk system()")
        effects = [inv.fs("modify", match.group(1), tags=("overwrite",)) for match in AWK_REDIRECT.finditer(text)]
        if "system(" in text and not AWK_SYSTEM.search(text):
            effects.append(opaque(inv, "awk system() of a command built at run time"))
        return effects
