"""Programs on disk that an interpreter or a task runner is told to run: `python3 x.py`, `node x.js`,
`perl x.pl`, a package.json, a Makefile, a justfile.

The file is read (bounded, regular files only, through `facts.read_config_bytes`) and what it says is
analysed. A file that is not there runs nothing — the interpreter fails with "No such file" — unless this
command line may have made it before it runs (`curl -o x.py … && python3 x.py`, `git clone … && make`):
then, as for any file that exists but cannot be read (too large, not a regular file, not text), what it
would do is not known.
"""

from __future__ import annotations

from dataclasses import dataclass

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import UNKNOWN_PART, Context, Invocation, Word, absent_before
from changegate.understand.commands.shell.common import opaque
from changegate.understand.facts import Unreadable, read_config_bytes

MAX_PROGRAM_BYTES = 512 * 1024
BINARY_PROBE = 8192  # bytes looked at for a NUL: a compiled program, not source


@dataclass(slots=True)
class Program:
    """A program file: its path and text, or the effect that stands for it when it cannot be read."""

    path: str
    text: str | None = None
    effect: Effect | None = None


def absent(inv: Invocation, path: str, what: str) -> Effect:
    why = f"{path} does not exist, and nothing in this command creates it"
    return inv.effect("read", f"cmd:{path}", Placement(LOCAL, why), reversible="yes", tags=("absent-program",),
                      summary=f"{what} runs nothing: {why}")


def may_be_created(inv: Invocation, path: str) -> bool:
    """Whether something may be at `path` when the command runs though nothing is here now (`base.absent_before`:
    an earlier step may write it, or this is not the machine the command runs on)."""
    return not absent_before(inv.ctx, inv.walker.effects, path)


def read_program(inv: Invocation, raw: Word, what: str, *, ctx: Context | None = None) -> Program:
    """The program at `raw` (relative to the command's directory): its text, or why there is none."""
    ctx = ctx or inv.ctx
    if not raw.known:
        return Program(raw.shown(), effect=opaque(inv, f"{what}: a file only known at run time ({raw.shown()})"))
    path = ctx.resolve(raw.value)
    if path is None:
        return Program(raw.value, effect=inv.unknown(f"{what} {raw.value}: its directory is only known at run time"))
    written = ctx.files.get(path)
    if written is not None:
        if written == UNKNOWN_PART:
            return Program(path, effect=opaque(inv, f"{path}, written earlier in this command with content that "
                                                    "cannot be seen (downloaded or decoded)"))
        return Program(path, text=written)
    if ctx.remote is not None:
        return Program(path, effect=inv.unknown(f"{what} {path} on {ctx.remote}, which cannot be read from here"))
    try:
        data = read_config_bytes(path, limit=MAX_PROGRAM_BYTES)
    except Unreadable as exc:
        return Program(path, effect=inv.unknown(f"{what} {path}, which cannot be read: {exc}"))
    if data is None:
        if absent_before(ctx, inv.walker.effects, path):
            return Program(path, effect=absent(inv, path, what))
        return Program(path, effect=inv.unknown(f"{what} {path}, which cannot be read here"))
    if b"\x00" in data[:BINARY_PROBE]:
        return Program(path, effect=inv.unknown(f"{what} {path}, which is not text (a compiled program?)"))
    text = data.decode("utf-8-sig", "replace")
    inv.ctx.consulted.setdefault(f"file:{path}", "program")
    return Program(path, text=text)
