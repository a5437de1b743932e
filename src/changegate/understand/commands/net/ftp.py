"""ftp: a session to a host (named on the command line or by an `open` line of its script), whose commands
are read one by one from its input."""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.net.common import NetTool, parse_target
from changegate.understand.commands.net.transfer import (
    MAX_SCRIPT_LINES,
    RemoteSpec,
    remote_spec,
    script_text,
    transfer_script,
)


def opened_host(script: str) -> str:
    """The host of the script's first `open HOST` line."""
    for line in script.splitlines()[:MAX_SCRIPT_LINES]:
        parts = line.split()
        if parts[:1] == ["open"] and len(parts) > 1:
            return parts[1]
    return ""


class Ftp(NetTool):
    NAMES = ("ftp",)
    PROMPTS = True
    VALUE_OPTIONS = frozenset({"-P", "-o", "-s", "-T", "-u", "-r", "-q"})
    ENV_VARIABLES = ("ftp_proxy", "FTP_PROXY", "NETRC")

    def effects(self, inv: Invocation) -> list[Effect]:
        positionals = self.walked(inv.words).positionals
        host = positionals[0].value if positionals else ""
        script = script_text(inv, None)
        if not host and script:
            host = opened_host(script)
        if not host:
            return [inv.unknown("ftp without a host")]
        spec = remote_spec(host) or RemoteSpec(None, parse_target(host).host or host, "")
        return transfer_script(inv, spec, script, "ftp")
