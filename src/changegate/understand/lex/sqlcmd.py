"""sqlcmd scripts: T-SQL batches and sqlcmd's own commands, told apart the way sqlcmd reads them.

A line whose first word is `GO` ends a batch (`GO 5` sends it five times); a line starting with `:` is a
sqlcmd command (`:r file`, `:setvar`, `:connect`, `:out`, `:on error`, `:exit(…)`); `!!` runs the rest of the
line in the operating system's shell; `ED`, `RESET`, `EXIT` and `QUIT` are commands too. `$(name)` is
replaced by a scripting variable (-v, :setvar) or an environment variable before a line is read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from changegate.understand.lex.words import client_words

MAX_LINES = 100_000
VARIABLE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
GO = re.compile(r"\s*go(?:\s+\d+)?\s*(?:--.*)?", re.I)
BARE_COMMANDS = frozenset({"ed", "reset", "exit", "quit"})


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a script: a batch of T-SQL (`sql`), or a command (`name` and its words; `line` as
    written). `!!` is the command `!!`, with the rest of the line as its only word."""

    sql: str = ""
    name: str = ""
    args: tuple[str, ...] = ()
    line: str = ""


def split_sqlcmd(text: str, lookup: Callable[[str], str | None], *, substitute: bool = True) -> list[Step]:
    """A sqlcmd script as batches and commands, in order; `lookup` gives a variable's value (None when it is
    not set). `:setvar` is applied as it is met, so later lines see it."""
    steps: list[Step] = []
    batch: list[str] = []
    assigned: dict[str, str] = {}

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        found = assigned.get(name.lower())
        return found if found is not None else (lookup(name) or match.group(0))

    def send() -> None:
        if "".join(batch).strip():
            steps.append(Step(sql="\n".join(batch)))
        batch.clear()

    for raw in text.splitlines()[:MAX_LINES]:
        line = VARIABLE.sub(value, raw) if substitute else raw
        stripped = line.strip()
        if GO.fullmatch(stripped):
            send()
            continue
        if stripped.lstrip(":").startswith("!!"):
            send()
            steps.append(Step(name="!!", args=(stripped.lstrip(":")[2:].strip(),), line=stripped))
            continue
        if stripped.startswith(":") or stripped.split("(", 1)[0].lower() in BARE_COMMANDS:
            words = client_words(stripped.lstrip(":"))
            name = re.split(r"[\s(]", stripped.lstrip(":"), maxsplit=1)[0].lower()
            if name == "setvar" and len(words) > 1:
                assigned[words[1].lower()] = words[2] if len(words) > 2 else ""
            if name != "connect":  # the statements typed before :connect go to the new server
                send()
            steps.append(Step(name=name, args=tuple(words[1:]), line=stripped))
            continue
        batch.append(line)
    send()
    return steps
