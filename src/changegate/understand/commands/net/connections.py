"""Raw connections (telnet, nc, socat): what is sent to a port, what a listener serves, remote shells.

What a service does with the bytes it is sent cannot be seen: a session or a message changes it (`modify`,
tagged `unseen-changes`), ordinary on this machine and in dev, asked about elsewhere."""

from __future__ import annotations

import re

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.net.common import (
    data_store,
    forwarded_port,
    parse_target,
    tunnel_placement,
)
from changegate.understand.commands.net.payloads import carried_off, stdin_payload
from changegate.understand.commands.net.requests import DELETE_WORDS, MAX_BODY
from changegate.understand.placement import place_host

CLEARING_WORDS = ("flushall", "flushdb")


def listener(inv: Invocation, port: str) -> list[Effect]:
    """A port this machine listens on: it receives, or serves its input to whoever connects."""
    anyone = Placement(UNKNOWN, f"anyone who can reach port {port} of this machine")
    if inv.stdin is None:
        return [inv.effect("read", f"net:listen:{port}", Placement(LOCAL, "it only receives"), reversible="yes",
                           summary=f"{inv.name} listens on port {port} and prints what arrives")]
    payload = stdin_payload(inv)
    if payload.secret or payload.unseen:
        return carried_off(inv, [payload], "", anyone, f"net:listen:{port}")
    return [inv.effect("read", f"net:listen:{port}", Placement(LOCAL, "it serves known text"), reversible="yes",
                       summary=f"{inv.name} serves a known text on port {port}")]


def connection(inv: Invocation, host: str, port: str) -> list[Effect]:
    """A connection to `host:port`: interactive, or sending its input (a data store's delete words delete).
    What a service does with the bytes it is sent is not visible, so a session or a message changes it,
    tagged `unseen-changes`: ordinary on this machine and in dev, asked about elsewhere."""
    target = parse_target(f"{host}:{port}" if port.isdigit() else host)
    placement = (tunnel_placement(inv.ctx, target.host or host, port)
                 or place_host(inv.ctx.environments, target.host or host, f"{inv.name} host"))
    resource = f"net:{target.shown or host}"
    if inv.stdin is None:
        return [inv.effect("modify", resource, placement, kind="session", tags=("unseen-changes",),
                           summary=f"opens an interactive connection to {target.shown}: what is sent cannot be "
                                   "seen")]
    payload = stdin_payload(inv)
    leaving = carried_off(inv, [payload], target.host, placement, resource)
    if leaving:
        return leaving
    text = inv.stdin.text or ""
    deleting = [w for w in re.findall(r"[A-Za-z_]+", text[:MAX_BODY]) if w.lower() in DELETE_WORDS]
    if deleting:
        store = data_store(target)
        return [inv.effect("delete", resource, forwarded_port(target, placement, inv.ctx),
                           kind=store[1] if store else "data", reversible="no", data_loss=store is not None,
                           scope="all" if any(w.lower() in CLEARING_WORDS for w in deleting) else "one",
                           summary=f"{inv.name} sends {deleting[0]!r} to {target.shown}")]
    return [inv.effect("modify", resource, placement, kind="session", tags=("unseen-changes",),
                       summary=f"{inv.name} sends {payload.what} to {target.shown}; what the service does with "
                               "it is not visible")]


def remote_shell(inv: Invocation, host: str, port: str, listening: bool, program: str) -> Effect:
    """`nc -e /bin/sh`, `socat TCP:… EXEC:bash`: whoever is at the other end types commands that run here."""
    if listening:
        where = f"anyone who connects to port {port or '?'}"
        what = "a bind shell"
    else:
        where = f"{host or 'a host only known at run time'}:{port or '?'}"
        what = "a reverse shell"
    return inv.effect(
        "execute_opaque",
        f"code:network-shell/{host or 'listen'}:{port or '?'}",
        Placement(UNKNOWN, "commands typed on the other end run on this machine, unseen"),
        kind="shell",
        reversible="no",
        tags=("remote-shell",),
        summary=f"{inv.name} opens {what}: {program} runs commands sent by {where}",
        suggestions=("run the commands you need directly, where they can be checked",),
    )
