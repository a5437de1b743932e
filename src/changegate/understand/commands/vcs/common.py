"""What the version-control and Kubernetes tools share: finding the repository a command runs in, a program they would start on the PATH (a
`git-VERB`, a `kubectl-VERB` plugin), and running a program file they are told to run (a git hook, helm's
post-renderer, a plugin's hook) the way its first line says, handed back to the walker."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Sequence

from changegate.model import Effect
from changegate.understand.base import UNKNOWN_PART, Context, Invocation, Word, lit
from changegate.understand.facts import Unreadable, read_config, read_config_bytes

SHEBANG_BYTES = 256
MAX_GIT_FILE_BYTES = 4096  # a `.git` file is one line
MAX_PARENTS = 40  # how far up from the cwd a repository is looked for
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
    for directory in (ctx.env.get("PATH") or "").split(":"):
        path = posixpath.join(directory, program)
        if directory and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def program_exists(ctx: Context, path: str) -> bool:
    return path in ctx.files or os.path.isfile(path)


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


def find_git_dir(start: str | None) -> str | None:
    """The .git directory above `start` (a worktree's `.git` file points at it)."""
    found = find_repository(start)
    return found[1] if found else None


def find_toplevel(start: str | None) -> str | None:
    found = find_repository(start)
    return found[0] if found else None


def find_repository(start: str | None) -> tuple[str, str] | None:
    """(the work tree's top, its git directory) above `start`."""
    path = start
    for _ in range(MAX_PARENTS):
        if not path:
            return None
        candidate = os.path.join(path, ".git")
        if os.path.isdir(candidate):
            return path, candidate
        line = (read_config(candidate, limit=MAX_GIT_FILE_BYTES) or "").strip()
        if line.startswith("gitdir:"):
            target = line.split(":", 1)[1].strip()
            return path, target if os.path.isabs(target) else os.path.normpath(os.path.join(path, target))
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent
    return None
