"""Running a program file the way the kernel would: a script through the interpreter its first line names
(so that interpreter's family reads it), a text file with no first line through sh (execve's ENOEXEC
fallback, as bash and git do), a binary as itself. Used by the walker for `./x.sh` and by the tools that
start programs (git hooks, helm post-renderers, kubectl plugins)."""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

from changegate.model import Effect
from changegate.understand.base import UNKNOWN_PART, Context, Invocation, Word, lit
from changegate.understand.facts import Unreadable, is_file, read_config_bytes
from changegate.understand.facts import which as facts_which

SHEBANG_BYTES = 256
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "ash", "mksh"})


def interpreter_of(first_line: str) -> list[str]:
    """`#!/usr/bin/env -S python3 -u` -> ['python3', '-u']; no shebang -> ['sh'] (what execve's ENOEXEC
    fallback in git and helm runs)."""
    if not first_line.startswith("#!"):
        return ["sh"]
    words = first_line[2:].split()
    if not words:
        return ["sh"]
    program, *args = words
    if posixpath.basename(program) == "env":
        args = [a for a in args if not a.startswith("-")]
        return args or ["sh"]
    return [posixpath.basename(program), *args]


def which(ctx: Context, program: str) -> str | None:
    """Where the PATH of the command finds `program` (an executable regular file), or None."""
    return facts_which(program, ctx.env.get("PATH") or "") if "/" not in program else None


def program_exists(ctx: Context, path: str) -> bool:
    return path in ctx.files or is_file(path)


def run_file(inv: Invocation, raw: str, args: Sequence[Word] = (), *, ctx: Context | None = None) -> list[Effect]:
    """Run the program at `raw` the way the kernel would: a script through the interpreter its first line
    names (so the family of that interpreter reads it), a binary as itself. The caller checks that it
    exists (`program_exists`); what cannot be read is the walker's to judge."""
    ctx = ctx or inv.ctx
    path = ctx.resolve(raw)
    if path is None or UNKNOWN_PART in path or ctx.remote is not None:
        return inv.run_argv([lit(raw), *args], ctx=ctx)
    head = first_line(ctx, path)
    if head is None:
        return inv.run_argv([lit(path), *args], ctx=ctx)  # a binary, or a file that cannot be read
    interpreter = interpreter_of(head)
    if interpreter[0] in SHELLS:
        interpreter = interpreter[:1]  # `#!/bin/bash -e`: the options change nothing that is read
    return inv.run_argv([*(lit(w) for w in interpreter), lit(path), *args], ctx=ctx)


def first_line(ctx: Context, path: str) -> str | None:
    """A script's first line (written earlier in this line, or on disk); None for a binary or a file that
    cannot be read."""
    if path in ctx.files:
        return ctx.files[path].split("\n", 1)[0].strip()
    try:
        data = read_config_bytes(path)
    except Unreadable:
        return None
    if data is None or b"\x00" in data[:SHEBANG_BYTES]:
        return None
    return data[:SHEBANG_BYTES].decode("utf-8", "replace").split("\n", 1)[0].strip()
