"""setfacl: `setfacl [-bkndRLPvh] [{-m|-x} ACL_SPEC] [{-M|-X} ACL_FILE] FILE...`. Removing entries
(`-b`, `-k`, `-x`, `--set`) or setting the owner's or everyone else's entry without read and search takes
access away."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.fs.permissions import RECURSIVE, PermissionTool

MODIFY = ("-m", "--modify", "-M", "--modify-file")
REMOVING = ("-b", "--remove-all", "-k", "--remove-default", "-x", "--remove", "-X", "--remove-file", "--set",
            "--set-file", "--restore")


class Setfacl(PermissionTool):
    NAMES = ("setfacl",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-m", "--modify", "-M", "--modify-file", "-x", "--remove",
                                                       "-X", "--remove-file", "--set", "--set-file", "--restore"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        spec = " ".join(f"{item.option} {item.value}" if item.value is not None else str(item.option)
                        for item in opts.items if item.option is not None)
        removing = self.takes_away(opts)
        return self.changed(inv, spec, opts.positional_words, recursive=opts.has(*RECURSIVE),
                            removes_access=lambda _others_matter: removing)

    @staticmethod
    def takes_away(opts: Options) -> bool:
        if opts.has(*REMOVING):
            return True
        for entry in (e for value in opts.values("-m", "--modify") for e in value.split(",")):
            parts = entry.strip().split(":")
            # `u::PERMS` (the owner), `o::PERMS` (everyone else), `m::PERMS` (the mask caps every grant)
            if (len(parts) >= 3 and parts[0] in ("u", "user", "o", "other", "m", "mask") and not parts[1]
                    and not set("rx") <= set(parts[-1])):
                return True
        return False
