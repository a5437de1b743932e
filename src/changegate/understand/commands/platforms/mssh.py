"""mssh (EC2 Instance Connect's ssh): `mssh [USER@]INSTANCE_ID [COMMAND]`, the grammar of ssh, which
judges it (ssh's class is not subclassed: its NAMES table is typed for its own three names)."""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli
from changegate.understand.commands.shell.ssh import Ssh


class Mssh(Cli):
    NAMES = ("mssh",)
    FAMILY = "remote"

    def analyze(self, inv: Invocation) -> list[Effect]:
        return Ssh().analyze(inv)
