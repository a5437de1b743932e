"""pkexec: `pkexec [--keep-cwd] [--user USER] [--disable-internal-agent] [PROGRAM [ARGS]]`; with no
program it opens a root shell."""

from __future__ import annotations

from typing import ClassVar

from changegate.understand.commands.shell.sudo import Elevating


class Pkexec(Elevating):
    NAMES = ("pkexec",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--user", "-u"})
    READ_ONLY = ("--help", "--version")
