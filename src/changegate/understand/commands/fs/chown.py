"""chown and chgrp: `chown [OPTION]... OWNER[:GROUP] FILE...`. Handing the root, a home or a system
directory to someone else takes it from whoever needs it (root for the system, the user for a home)."""

from __future__ import annotations

import re
from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.fs.permissions import RECURSIVE, PermissionTool

ROOT_OWNERS = frozenset({"root", "0"})


class Chown(PermissionTool):
    NAMES = ("chown", "chgrp")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--reference", "--from"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        files = opts.positional_words
        reference = opts.value("--reference")
        if reference is not None:
            spec = f"--reference={reference}"
        else:
            spec, files = (files[0].value if files else ""), files[1:]
        return self.changed(inv, spec, files, recursive=opts.has(*RECURSIVE),
                            removes_access=lambda others_matter: self.hands_away(inv, spec, others_matter))

    @staticmethod
    def hands_away(inv: Invocation, spec: str, others_matter: bool) -> bool:
        """A new owner other than root for the system's paths, or other than root or the user for a home."""
        if inv.name == "chgrp":
            return False
        if spec.startswith("--reference="):
            return True
        owner = re.split(r"[:.]", spec, maxsplit=1)[0]
        if not owner:
            return False  # `:group` changes only the group
        user = inv.ctx.env.get("USER")
        keepers = ROOT_OWNERS if others_matter or not user else ROOT_OWNERS | {user}
        return owner not in keepers
