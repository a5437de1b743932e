"""What the version-control tools share: finding the repository a command runs in. Running a program file
(a git hook, helm's post-renderer, a plugin) is `understand/execve.py`'s."""

from __future__ import annotations

import os

from changegate.understand.facts import is_dir, read_config

MAX_GIT_FILE_BYTES = 4096  # a `.git` file is one line
MAX_PARENTS = 40  # how far up from the cwd a repository is looked for


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
        if is_dir(candidate):
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
