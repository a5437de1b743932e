"""telnet: an interactive connection to a host's port (23 unless given), or what its input sends there."""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.net.common import NetTool
from changegate.understand.commands.net.connections import connection

TELNET_PORT = "23"


class Telnet(NetTool):
    NAMES = ("telnet",)
    PROMPTS = True
    VALUE_OPTIONS = frozenset({"-l", "-n", "-b", "-e", "-k", "-X"})

    def effects(self, inv: Invocation) -> list[Effect]:
        positionals = self.walked(inv.words).positionals
        if not positionals:
            return [inv.unknown("telnet without a host")]
        port = positionals[1].value if len(positionals) > 1 else TELNET_PORT
        return connection(inv, positionals[0].value, port)
