"""sftp: `sftp host:path [local]` fetches one file; otherwise a session whose batch commands (`-b FILE` or
its input) are read one by one."""

from __future__ import annotations

import posixpath

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.net.common import NetTool, fails, written_file
from changegate.understand.commands.net.transfer import RemoteSpec, remote_spec, script_text, transfer_script
from changegate.understand.placement import place_host


class Sftp(NetTool):
    NAMES = ("sftp",)
    VALUE_OPTIONS = frozenset({"-b", "-B", "-c", "-D", "-F", "-i", "-J", "-l", "-o", "-P", "-R", "-S", "-s", "-X"})

    def effects(self, inv: Invocation) -> list[Effect]:
        walked = self.walked(inv.words)
        positionals = walked.positionals
        if not positionals:
            return [fails(inv, "no host is given")]
        spec = remote_spec(positionals[0].value) or RemoteSpec(None, positionals[0].value, "")
        batch = next(iter(walked.values("-b")), None)
        if spec.path and batch is None and inv.stdin is None:
            local = positionals[1].value if len(positionals) > 1 else posixpath.basename(spec.path) or "."
            placement = place_host(inv.ctx.environments, spec.host, "sftp host")
            return [inv.effect("read", f"ssh:{spec.host}:{spec.path}", placement, reversible="yes",
                               summary=f"sftp fetches {spec.host}:{spec.path}"), written_file(inv, local)]
        return transfer_script(inv, spec, script_text(inv, batch), "ssh")
