"""Reading the files understanding depends on: kubeconfig, `~/.aws/config`, `.git/HEAD`, scripts, plans.

Every read for understanding goes through `read_config()`: regular files only (a FIFO, a device or
`/dev/stdin` could block the gate or swallow its own input), bounded in size, and bounded in wall-clock
time — opening is non-blocking, so the CPU-clock budget of the walker is never waiting on `open()`.
"""

from __future__ import annotations

import os
import stat
import time

CONFIG_LIMIT = 1024 * 1024  # bytes: a config file larger than this is not one to trust
READ_SECONDS = 0.5  # wall-clock bound on one read (a slow network filesystem must not hold the decision)
CHUNK = 64 * 1024


class Unreadable(Exception):
    """A file that exists but is not one understanding may read: says why (not regular, too large, slow)."""


def read_config_bytes(path: str, *, limit: int = CONFIG_LIMIT, seconds: float = READ_SECONDS) -> bytes | None:
    """The bytes of a regular file of at most `limit` bytes; None when it does not exist or cannot be
    opened; `Unreadable` when it exists but is not a regular file, is too large or too slow to read."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(info.st_mode):
        raise Unreadable(f"{path} is not a regular file")
    if info.st_size > limit:
        raise Unreadable(f"{path} is larger than {limit} bytes")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError):
        return None
    try:
        # the path may have been swapped for a FIFO between stat and open: check what was opened
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise Unreadable(f"{path} is not a regular file")
        deadline = time.perf_counter() + seconds
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise Unreadable(f"{path} is larger than {limit} bytes")
            chunks.append(chunk)
            if time.perf_counter() > deadline:
                raise Unreadable(f"reading {path} took longer than {seconds:g} s")
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def read_config(path: str, *, limit: int = CONFIG_LIMIT, seconds: float = READ_SECONDS,
                encoding: str = "utf-8-sig") -> str | None:
    """A config file's text (see `read_config_bytes`); None for a file that is missing or unreadable for
    any reason. Callers that must tell "absent" from "refused" use `read_config_bytes`."""
    try:
        data = read_config_bytes(path, limit=limit, seconds=seconds)
    except Unreadable:
        return None
    return None if data is None else data.decode(encoding, "replace")
