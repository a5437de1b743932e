"""dsh (dancer's shell): `dsh -a|-g GROUP|-m HOST… [-f FILE] [OPTIONS] [--] COMMAND…` runs COMMAND on the
machines; a group (a file in /etc/dsh/group/) is placed by its name."""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli
from changegate.understand.commands.platforms.fleet import interactive, place_fleet, run_on_fleet


class Dsh(Cli):
    NAMES = ("dsh",)
    FAMILY = "remote"
    VALUE_OPTIONS = frozenset({"-m", "--machine", "-g", "--group", "-f", "--file", "-r", "--remoteshell", "-o",
                               "--remoteshellopt", "-F", "--forklimit"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words, stop_at_first_positional=True)
        fleet = place_fleet(inv, hosts=[h for v in opts.values("-m", "--machine") for h in v.split(",")],
                            groups=opts.values("-g", "--group"), files=opts.values("-f", "--file"),
                            every=opts.has("-a", "--all"), what="machine")
        command = opts.positional_words
        if not command:
            return [interactive(inv, fleet)]
        run_on_fleet(inv, fleet, " ".join(w.value for w in command))
        return []
