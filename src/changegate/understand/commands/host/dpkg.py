"""dpkg: its action is an option (`-i`, `-r`, `-P`, `--set-selections`, `-x`…); anything else queries."""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.host.common import HostTool, read
from changegate.understand.commands.host.packages import gate_removal, installed, removed, sources_changed

REMOVING = frozenset({"-r", "--remove", "-P", "--purge"})
PURGING = frozenset({"-P", "--purge"})
INSTALLING = frozenset({"-i", "--install", "--unpack", "--configure", "-a"})
SELECTING = frozenset({"--set-selections", "--add-architecture", "--remove-architecture", "--clear-selections"})
UNPACKING = frozenset({"-x", "--extract", "-X", "--vextract", "-b", "--build"})


class Dpkg(HostTool):
    NAMES = ("dpkg",)
    VALUE_OPTIONS = frozenset({"--root", "--admindir", "--instdir", "--force", "--path-include", "--path-exclude"})
    ENV_VARIABLES = ("DPKG_ADMINDIR", "DPKG_ROOT")

    def effects(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        flags = set(opts.flags)
        names = opts.positionals
        if flags & REMOVING:
            return [removed(inv, "--remove", names, purge=bool(flags & PURGING)), *gate_removal(inv, "--remove", names)]
        if flags & INSTALLING:
            return [installed(inv, "--install", names)]
        if flags & SELECTING:
            return [sources_changed(inv, "selections", names)]
        if flags & UNPACKING:
            return [inv.fs("create", names[-1] if len(names) > 1 else ".", reversible="yes",
                           summary=f"dpkg unpacks or builds {' '.join(names[:2])}")]
        return [read(inv, "queries packages")]
