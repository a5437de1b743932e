"""Splitting a client command's line into words, the way the clients' own command parsers quote them."""

from __future__ import annotations

import shlex


def client_words(line: str) -> list[str]:
    """Shell-like words of a line (`\\copy t to 'a file'`, `source "x.sql"`); plain whitespace splitting
    when its quotes do not close."""
    try:
        return shlex.split(line, posix=True)
    except ValueError:
        return line.split()
