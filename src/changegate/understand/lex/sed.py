"""sed scripts, as far as a gate needs them: the commands that reach outside the text — `e COMMAND` (runs
a shell command), `e` and the `s///e` flag (run the pattern space as one), `w FILE`/`W FILE` and the
`s///w FILE` flag (write files), `r FILE`/`R FILE` (read them).

`actions(script)` yields them; every other command only edits the text flowing through."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# an address: a line number, `$`, `first~step`, `/regex/` or `\cregexc` (with I/M flags), and a second one
ADDRESS = re.compile(r"""\s*(?:\d+(?:~\d+)?|\$|/(?:\\.|[^/\\])*/[IM]*|\\(.)(?:\\.|(?!\1).)*\1[IM]*)""")
SECOND = re.compile(r"""\s*,\s*(?:[+~]?\d+|\$|/(?:\\.|[^/\\])*/[IM]*|\\(.)(?:\\.|(?!\1).)*\1[IM]*)""")
TO_END_OF_LINE = frozenset("aicrRwWe:vL#")  # commands whose argument runs to the end of the line
LABEL = re.compile(r"[^;\n]*")  # `b`, `t`, `T`: a label up to `;` or the line's end
FILE_COMMANDS = {"r": "read", "R": "read", "w": "write", "W": "write"}
SPECIAL_FILES = frozenset({"/dev/stdout", "/dev/stderr", "/dev/stdin"})


@dataclass(frozen=True, slots=True)
class SedAction:
    """`kind`: "exec" (`payload` is a shell command), "exec-text" (the text itself runs; `payload` is the
    replacement written, when known), "write" or "read" (`payload` is the file)."""

    kind: str
    payload: str


def actions(script: str) -> Iterator[SedAction]:
    rest = script
    while rest:
        rest = rest.lstrip(" \t\n;}")
        if not rest:
            return
        head = ADDRESS.match(rest)
        if head and head.end() > 0 and head.group(0).strip():
            rest = rest[head.end():]
            second = SECOND.match(rest)
            if second:
                rest = rest[second.end():]
        rest = rest.lstrip(" \t!")
        if not rest:
            return
        command, rest = rest[0], rest[1:]
        if command == "{":
            continue
        if command in "btT":
            label = LABEL.match(rest)
            rest = rest[label.end() if label else 0:]
            continue
        if command in ("s", "y"):
            action, rest = substitution(command, rest)
            yield from action
            continue
        if command in TO_END_OF_LINE:
            argument, _, rest = rest.partition("\n")
            argument = argument.strip()
            if command == "e":
                yield SedAction("exec", argument) if argument else SedAction("exec-text", "")
            elif command in FILE_COMMANDS and argument and argument not in SPECIAL_FILES:
                yield SedAction(FILE_COMMANDS[command], argument)
            continue


def substitution(command: str, rest: str) -> tuple[list[SedAction], str]:
    """`s/REGEX/REPLACEMENT/FLAGS` (any delimiter) and `y/SRC/DST/`: the flags `e` and `w FILE` act."""
    if not rest:
        return [], ""
    delimiter = rest[0]
    parts: list[str] = []
    i = 1
    current: list[str] = []
    while i < len(rest) and len(parts) < 2:
        c = rest[i]
        if c == "\\" and i + 1 < len(rest):
            current.append(rest[i + 1] if rest[i + 1] == delimiter else rest[i:i + 2])
            i += 2
            continue
        if c == delimiter:
            parts.append("".join(current))
            current = []
        else:
            current.append(c)
        i += 1
    flags_text = rest[i:]
    if command == "y":
        end = re.match(r"[^;\n}]*", flags_text)
        return [], flags_text[end.end() if end else 0:]
    flags = re.match(r"[0-9gpIiMme]*", flags_text)
    flag_letters = flags.group(0) if flags else ""
    after = flags_text[len(flag_letters):]
    out: list[SedAction] = []
    if "e" in flag_letters:
        out.append(SedAction("exec-text", parts[1] if len(parts) > 1 else ""))
    if after.startswith("w"):
        target, _, after = after[1:].partition("\n")
        if target.strip() and target.strip() not in SPECIAL_FILES:
            out.append(SedAction("write", target.strip()))
    return out, after
