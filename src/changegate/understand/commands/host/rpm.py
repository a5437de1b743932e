"""rpm: `-q`/`-V` and `--test` query; `-e` erases; `-i`/`-U`/`-F` install; `--import` trusts a key."""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.host.common import HostTool, option_letters, read
from changegate.understand.commands.host.packages import gate_removal, installed, removed, sources_changed

QUERYING = frozenset({"q", "V", "--test", "--query", "--verify", "--checksig", "--querytags", "--showrc", "--eval",
                      "E", "--version"})
INSTALLING = frozenset({"i", "U", "F", "--install", "--upgrade", "--freshen", "--reinstall"})


class Rpm(HostTool):
    NAMES = ("rpm",)
    VALUE_OPTIONS = frozenset({"--root", "--dbpath", "--define", "-D", "--qf", "--queryformat", "--eval", "-E",
                               "--rcfile", "--macros", "--relocate", "--prefix"})

    def effects(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        letters = option_letters(opts)
        names = opts.positionals
        if letters & QUERYING:
            return [read(inv, "queries packages")]
        if letters & {"e", "--erase"}:
            return [removed(inv, "--erase", names), *gate_removal(inv, "--erase", names)]
        if letters & INSTALLING:
            return [installed(inv, "--install", names)]
        if "--import" in letters:
            return [sources_changed(inv, "--import", names)]
        return [read(inv)]
