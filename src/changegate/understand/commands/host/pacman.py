"""pacman: the operation is a capital letter (`-S`, `-R`, `-Q`, `-U`, `-D`), its modifiers lower-case
letters bundled with it (`-Syu`, `-Rns`, `-Sc`)."""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.host.common import HostTool, option_letters, read
from changegate.understand.commands.host.packages import (
    cache_cleaned,
    gate_removal,
    index_refresh,
    installed,
    removed,
    sources_changed,
)

QUERY_LONGS = frozenset({"--query", "--files", "--deptest", "--version"})
SYNC_QUERY_LONGS = frozenset({"--search", "--info", "--groups", "--list", "--print"})


class Pacman(HostTool):
    NAMES = ("pacman",)
    VALUE_OPTIONS = frozenset({"-r", "--root", "-b", "--dbpath", "--cachedir", "--config", "--arch", "--overwrite",
                               "--assume-installed", "--ignore", "--ignoregroup"})

    def effects(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        letters = option_letters(opts)
        names = opts.positionals
        if letters & set("QFTV") or letters & QUERY_LONGS:
            return [read(inv, "query")]
        if letters & {"R", "--remove"}:
            return [removed(inv, "-R", names, purge="n" in letters), *gate_removal(inv, "-R", names)]
        if letters & {"U", "--upgrade"}:
            return [installed(inv, "-U", names)]
        if letters & {"S", "--sync"}:
            return [self.sync(inv, letters, names)]
        if letters & {"D", "--database"}:
            return [sources_changed(inv, "-D", names)]
        return [read(inv)]

    @staticmethod
    def sync(inv: Invocation, letters: set[str], names: list[str]) -> Effect:
        if letters & set("sigl") or "p" in letters or letters & SYNC_QUERY_LONGS:
            return read(inv, "-S (query)")
        if letters & {"c", "--clean"}:
            return cache_cleaned(inv, "-Sc")
        if not names and "u" not in letters:
            return index_refresh(inv, "-Sy")
        return installed(inv, "-S", names or ["every package"])
