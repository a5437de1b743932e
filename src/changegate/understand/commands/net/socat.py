"""socat: two addresses joined. A program joined to the network is a remote shell; a file joined to the
network is sent (or created); two network ends forward a port; otherwise a connection or a listener."""

from __future__ import annotations

from dataclasses import dataclass

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import UNKNOWN_PART, Invocation
from changegate.understand.commands.net.common import (
    NetTool,
    binds_loopback_only,
    fails,
    record_tunnel,
    written_file,
)
from changegate.understand.commands.net.connections import connection, listener, remote_shell
from changegate.understand.commands.net.payloads import carried_off, file_payload
from changegate.understand.placement import place_host

NETWORK_ADDRESSES = ("tcp", "tcp4", "tcp6", "tcp-connect", "tcp4-connect", "tcp6-connect", "udp", "udp4", "udp6",
                     "udp-connect", "ssl", "openssl", "openssl-connect", "socks", "socks4", "socks4a", "socks5",
                     "proxy", "sctp", "sctp-connect", "dccp", "vsock-connect")
STDIO_ADDRESSES = ("-", "stdio", "stdin", "stdout", "pty", "readline")
PROGRAM_ADDRESSES = ("exec", "system")
FILE_ADDRESSES = ("file", "open", "gopen", "create")
SOCKET_ADDRESSES = ("unix-connect", "unix-client", "unix", "local", "abstract-connect", "abstract-client")
ENGINE_SOCKETS = ("docker.sock", "podman.sock", "containerd.sock", "crio.sock")


@dataclass(frozen=True, slots=True)
class SocatAddress:
    kind: str
    rest: str
    host: str = ""
    port: str = ""
    listening: bool = False

    @property
    def network(self) -> bool:
        return bool(self.port) or self.listening

    @property
    def loopback_only(self) -> bool:
        """A listener bound to this machine's loopback (`TCP-LISTEN:5432,bind=127.0.0.1`)."""
        options = dict(part.partition("=")[::2] for part in self.rest.split(",")[1:])
        return self.listening and binds_loopback_only(options.get("bind", "") or options.get("range", "").split("/")[0])


def socat_address(value: str) -> SocatAddress:
    head, _, rest = value.partition(":")
    kind = head.split(",", 1)[0].lower()
    if kind in STDIO_ADDRESSES:
        return SocatAddress("stdio", "")
    if kind in PROGRAM_ADDRESSES:
        return SocatAddress(kind, rest.split(",", 1)[0] if kind == "exec" else rest)
    if kind.endswith("-listen") or kind.endswith("-l"):
        return SocatAddress("listen", rest, port=rest.split(",", 1)[0], listening=True)
    if kind in NETWORK_ADDRESSES:
        address = rest.split(",", 1)[0]
        host, _, port = address.rpartition(":")
        return SocatAddress("network", rest, host=host or address, port=port or "?")
    if kind in FILE_ADDRESSES or kind in SOCKET_ADDRESSES:
        return SocatAddress(kind, rest.split(",", 1)[0])
    if "/" in value and ":" not in value:
        return SocatAddress("gopen", value)
    return SocatAddress(kind, rest)


class Socat(NetTool):
    NAMES = ("socat",)
    VALUE_OPTIONS = frozenset({"-d", "-D", "-L", "-W", "-b", "-t", "-T", "-lf"})

    def effects(self, inv: Invocation) -> list[Effect]:
        positionals = self.walked(inv.words).positionals
        if len(positionals) < 2:
            return [fails(inv, "socat needs two addresses")]
        first, second = (socat_address(w.value) for w in positionals[:2])
        network = next((a for a in (first, second) if a.network), None)
        program = next((a for a in (first, second) if a.kind in PROGRAM_ADDRESSES), None)
        socket = next((a for a in (first, second) if a.kind in SOCKET_ADDRESSES), None)
        if program is not None and network is not None:
            return [remote_shell(inv, network.host, network.port, network.listening, program.rest)]
        if program is not None:
            inv.run_script(program.rest, origin="socat EXEC")
            return []
        if socket is not None and network is None:
            return [unix_socket(inv, socket.rest)]
        if network is None:
            return [inv.unknown("socat between two local addresses")]
        return self.joined(inv, network, second if network is first else first)

    @staticmethod
    def joined(inv: Invocation, network: SocatAddress, other: SocatAddress) -> list[Effect]:
        """A network end joined to a file, to another network end, or to this terminal."""
        host = network.host if not network.listening else ""
        placement = (place_host(inv.ctx.environments, host, "socat host") if host else
                     Placement(UNKNOWN, f"anyone who can reach port {network.port} of this machine"))
        resource = f"net:{host or 'listen'}:{network.port}"
        if other.kind in FILE_ADDRESSES:
            if other.kind == "create":
                return [written_file(inv, other.rest)]
            return carried_off(inv, [file_payload(inv, other.rest)], host, placement, resource) or [
                inv.effect("modify", resource, placement, kind="session", tags=("unseen-changes",),
                           summary=f"socat connects {other.rest} to {resource}; what the service does with it "
                                   "is not visible")]
        if other.network:
            return [forward(inv, network, other)]
        if network.listening:
            return listener(inv, network.port)
        return connection(inv, network.host, network.port)


def forward(inv: Invocation, one: SocatAddress, other: SocatAddress) -> Effect:
    """Two network ends joined: a listener here forwarded to a far end is a tunnel (later traffic to
    localhost:PORT in this command line lands at the far end); two connections are relayed."""
    listener_end = one if one.listening else other if other.listening else None
    far = other if listener_end is one else one
    far_placement = (place_host(inv.ctx.environments, far.host, "socat host") if far.host
                     else Placement(UNKNOWN, f"anyone who can reach port {far.port} of this machine"))
    resource = f"net:{far.host or 'listen'}:{far.port}"
    if listener_end is None:
        return inv.effect("modify", resource, far_placement, kind="forward", tags=("unseen-changes",),
                          summary=f"socat relays between {one.host}:{one.port} and {other.host}:{other.port}")
    record_tunnel(inv.ctx, listener_end.port, far_placement)
    if listener_end.loopback_only:
        return inv.effect("read", resource, far_placement, kind="forward", reversible="yes",
                          summary=f"socat forwards localhost:{listener_end.port} to {far.host}:{far.port}; what "
                                  "goes through it is judged where it is used")
    return inv.effect("modify", resource, far_placement, kind="forward", tags=("exposed-port",),
                      summary=f"socat forwards port {listener_end.port} of this machine, on every interface, to "
                              f"{far.host}:{far.port}: anyone who can reach this machine reaches it",
                      suggestions=(f"listen on the loopback only: TCP-LISTEN:{listener_end.port},bind=127.0.0.1",))


def unix_socket(inv: Invocation, raw: str) -> Effect:
    """A connection to a program's Unix socket: the container engine's is control of the machine."""
    path = inv.ctx.resolve(raw)
    shown = path or raw.replace(UNKNOWN_PART, "…")
    if shown.endswith(ENGINE_SOCKETS):
        return inv.effect("host_control", f"docker:api{shown}", Placement(UNKNOWN, "the container engine's API "
                          "runs containers as root on this machine"), kind="container engine",
                          tags=("daemon-socket", "container-escape"),
                          summary=f"socat talks to the container engine's socket {shown}: it can start "
                                  "privileged containers, which is root on the machine",
                          suggestions=("use the docker CLI, whose commands changegate can read",))
    return inv.effect("modify", f"net:unix:{shown}", inv.ctx.place_path(path), kind="session",
                      tags=("unseen-changes",), summary=f"socat talks to the program listening on {shown}; what "
                                                        "it does with what is sent is not visible")
