"""awk: prints, unless its program runs commands (`system()`, `print … | "cmd"`, `"cmd" | getline`) or writes
files (`print > "file"`). Text printed into a shell (`print "rm -rf " $1 | "sh"`) is that shell's script."""

from __future__ import annotations

import re
from typing import ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import UNKNOWN_PART, Invocation, Stream, Word
from changegate.understand.cli import Cli
from changegate.understand.commands.interpreters.programs import read_program
from changegate.understand.commands.shell.common import opaque
from changegate.understand.sensitive import secret_kind

STRING = r'"((?:\\.|[^"\\])*)"'
AWK_SYSTEM = re.compile(r"\bsystem\s*\(\s*" + STRING + r"\s*\)")
# `print EXPR | "cmd"`, `printf … | "cmd"`: the printed text goes to cmd's stdin
AWK_PRINT_PIPE = re.compile(r"\b(print|printf)\b([^;{}|]*)\|\s*" + STRING)
AWK_PIPE = re.compile(r"\|\s*" + STRING)
AWK_GETLINE = re.compile(STRING + r"\s*\|\s*getline")
AWK_DYNAMIC_PIPE = re.compile(r"(?<!\|)\|&?(?!\|)\s*(?!getline)(?!\s*\")[A-Za-z_($]")
AWK_REDIRECT = re.compile(r">>?\s*" + STRING)
AWK_DYNAMIC_REDIRECT = re.compile(r"\bprintf?\b[^;{}]*[^<>=!]>>?\s*(?!\")[A-Za-z_($]")
SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "ash", "fish"})


class Awk(Cli):
    NAMES = ("awk", "gawk", "mawk", "nawk")
    FAMILY = "interpreter"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-F", "-v", "-f", "--field-separator", "--assign", "--file",
                                                       "-e", "--source", "-i", "--include", "-l", "--load"})
    ENV_VARIABLES = ("AWKPATH", "AWKLIBPATH")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if opts.has("-l", "--load"):
            return [opaque(inv, "a gawk extension (native code) it loads")]
        sources = [*opts.values("-e", "--source")]
        effects: list[Effect] = []
        for name in [*opts.values("-f", "--file"), *opts.values("-i", "--include")]:
            program = read_program(inv, Word(name, text=name), f"{inv.name} -f {name}")
            if program.effect is not None:
                effects.append(program.effect)
            elif program.text is not None:
                sources.append(program.text)
        # without -f or -e, the first operand is the program
        inline = opts.positional_words[0] if opts.positional_words and not (
            opts.has("-f", "--file", "-e", "--source")) else None
        files = opts.positional_words[1:] if inline is not None else opts.positional_words
        if inline is not None:
            if not inline.known:
                return [opaque(inv, "an awk program only known at run time")]
            sources.append(inline.value)
        for text in sources:
            effects.extend(self.program(inv, text))
        effects.extend(inv.fs("secret_read", w.value, kind="secret", reversible="yes") for w in files
                       if (path := inv.ctx.resolve(w.value)) and secret_kind(path, inv.ctx.home))
        if inv.stdin is not None and inv.stdin.opaque:
            inv.stdout = Stream(origin=inv.stdin.origin, opaque=True)
        return effects or [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "awk prints"), reversible="yes",
                                      summary=f"{inv.name} (prints)")]

    @staticmethod
    def program(inv: Invocation, text: str) -> list[Effect]:
        effects: list[Effect] = []
        for match in AWK_SYSTEM.finditer(text):
            inv.run_script(unescape(match.group(1)), origin="awk system()")
        if "system(" in text and len(re.findall(r"\bsystem\s*\(", text)) > len(AWK_SYSTEM.findall(text)):
            effects.append(opaque(inv, "awk system() of a command built at run time"))
        piped_into_shell = set()
        for match in AWK_PRINT_PIPE.finditer(text):
            command = unescape(match.group(3))
            if command.split()[:1] and command.split()[0].rsplit("/", 1)[-1] in SHELLS:
                piped_into_shell.add(match.start(3))
                script = printed_script(inv, text, match.group(2).strip())
                if script is not None:
                    inv.run_script(script, origin="text awk prints into a shell")
                else:
                    effects.append(opaque(inv, f"text awk builds from its input and prints into {command}"))
        for match in AWK_PIPE.finditer(text):
            if match.start(1) not in piped_into_shell and not text[match.end():].lstrip().startswith("getline"):
                inv.run_script(unescape(match.group(1)), origin="a command awk prints into")
        for match in AWK_GETLINE.finditer(text):
            inv.run_script(unescape(match.group(1)), origin="a command awk reads from")
        if AWK_DYNAMIC_PIPE.search(text):
            effects.append(opaque(inv, "awk pipes into a command built at run time"))
        effects.extend(inv.fs("modify", unescape(match.group(1)), tags=("overwrite",))
                       for match in AWK_REDIRECT.finditer(text))
        if AWK_DYNAMIC_REDIRECT.search(text):
            effects.append(inv.effect("modify", "fs:?", inv.ctx.place_path(None), scope="many", kind="file",
                                      tags=("dynamic",), summary="awk writes to files named at run time"))
        return effects


PRINTED_PART = re.compile(r'\s*(?:"((?:\\.|[^"\\])*)"|(\$(?:\d+|NF|\([^)]*\)))|([A-Za-z_]\w*))\s*(,?)')


def printed_script(inv: Invocation, program: str, printed: str) -> str | None:
    """The text `print "rm -rf " $1 | "sh"` hands the shell: its literal parts, and a run-time part for
    each field — every entry of a directory when awk reads a whole listing of it line by line (`ls DIR |
    awk '{print … $0 | "sh"}'`). None when the printed expression is more than strings and fields."""
    every = inv.stdin is not None and inv.stdin.every_path and program.strip().startswith("{")
    parts: list[str] = []
    position = 0
    while position < len(printed):
        match = PRINTED_PART.match(printed, position)
        if match is None or match.end() == position:
            return None
        literal, field, name, comma = match.groups()
        if literal is not None:
            parts.append(unescape(literal))
        elif field is not None or name is not None:
            parts.append("*" if every and field in ("$0", "$1", "$NF") else UNKNOWN_PART)
        if comma:
            parts.append(" ")
        position = match.end()
    return "".join(parts) if parts else None


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)
