"""gosu and su-exec: `gosu USER[:GROUP] COMMAND [ARGS]` — the user comes first, then the command."""

from __future__ import annotations

from changegate.understand.commands.shell.sudo import Elevating


class Gosu(Elevating):
    """Neither has options of its own (beyond help and version, alone)."""

    NAMES = ("gosu", "su-exec")
    LEADING = 1
    READ_ONLY = ("--help", "--version", "-h")
