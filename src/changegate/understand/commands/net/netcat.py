"""nc, ncat, netcat: a connection to `host port` (or a listener with `-l`); `-z` only checks a port;
`-e`/`-c` hand a program's input and output to the other end — a remote shell."""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.net.common import NetTool, fails
from changegate.understand.commands.net.connections import connection, listener, remote_shell
from changegate.understand.placement import place_host

EXEC_OPTIONS = ("-e", "-c", "--exec", "--sh-exec", "--lua-exec")


class Netcat(NetTool):
    NAMES = ("nc", "ncat", "netcat")
    VALUE_OPTIONS = frozenset({
        "-e", "-c", "-p", "-s", "-w", "-i", "-q", "-x", "-X", "-I", "-O", "-T", "-V", "-M", "-m", "-g", "-G", "-P",
        "--exec", "--sh-exec", "--lua-exec", "--source", "--source-port", "--wait", "--idle-timeout", "--proxy",
        "--proxy-type", "--proxy-auth", "-o", "--output", "--allow", "--allowfile", "--deny", "--denyfile",
        "--max-conns", "--hex-dump", "--append-output-x",
    })

    def effects(self, inv: Invocation) -> list[Effect]:
        walked = self.walked(inv.words)
        positionals = walked.positionals
        listening = walked.has("-l", "--listen")
        program = next(iter(walked.values(*EXEC_OPTIONS)), None)
        host = ""
        port = next((w.value for w in walked.values("-p", "--source-port")), "") if listening else ""
        if positionals and not listening:
            host = positionals[0].value
            port = positionals[1].value if len(positionals) > 1 else port
        elif positionals and listening:
            port = positionals[-1].value
        if walked.has("-U", "--unixsock"):
            host = "localhost"
        if program is not None:
            return [remote_shell(inv, host, port, listening, program.shown())]
        if walked.has("-z"):
            return [inv.effect("read", f"net:{host}:{port}", place_host(inv.ctx.environments, host, "nc host"),
                               reversible="yes", summary=f"nc checks whether {host}:{port} is open")]
        if listening:
            return listener(inv, port)
        if not host:
            return [fails(inv, "no host is given")]
        return connection(inv, host, port)
