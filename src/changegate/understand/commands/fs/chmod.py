"""chmod: `chmod [OPTION]... MODE FILE...`, where a MODE may begin with a dash (`chmod -R -x /usr/bin`:
`-x` is the mode, not an option), or `--reference=RFILE` gives it."""

from __future__ import annotations

import re
from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.fs.permissions import (
    RECURSIVE,
    PermissionTool,
    mode_removes_access,
    options_end,
)

# a word that is a mode although it starts with a dash: chmod's own options are -c -f -v -R and long ones
DASH_MODE = re.compile(r"-[rwxXstugoa0-7=+,][rwxXstugoa0-7=+,-]*")
SETUID_MODES = ("s", "4755", "2755", "6755", "4777")
WORLD_WRITABLE_MODES = ("777", "o+w", "a+w")


class Chmod(PermissionTool):
    NAMES = ("chmod",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--reference"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        words = list(inv.words)
        end = options_end(words)
        dash_modes = [w for w in words[:end] if DASH_MODE.fullmatch(w.value)]
        opts = self.walk([w for w in words if not any(w is m for m in dash_modes)])
        files = opts.positional_words
        reference = opts.value("--reference")
        if dash_modes:
            mode = ",".join(w.value for w in dash_modes)
        elif reference is not None:
            mode = f"--reference={reference}"
        else:
            mode, files = (files[0].value if files else ""), files[1:]
        return self.changed(inv, mode, files, recursive=opts.has(*RECURSIVE), tags=self.tags(mode),
                            removes_access=lambda others_matter: mode_removes_access(mode, others_matter))

    @staticmethod
    def tags(mode: str) -> list[str]:
        tags: list[str] = []
        if any(t in mode for t in SETUID_MODES):
            tags.append("setuid")
        if any(t in mode for t in WORLD_WRITABLE_MODES):
            tags.append("world-writable")
        return tags
