"""What the remote-execution tools share (pdsh, clush, dsh, parallel-ssh, salt, fabric, knife ssh, mussh):
a command run on many hosts at once.

Where it lands is the host list: hosts and host-list expressions (`web[01-12].prod`), files of hosts, named
groups (`-g prod`, `@prod`), or "all of them" — placed by their names, the most severe first (an unnamed
host counts as prod). The command is handed back to the walker to run on those hosts (in a context whose
paths are theirs), and what it changes is widened to the fleet: its scope is the fleet's and its count the
number of hosts where known, tagged `fleet` (a path's scope stays about the path: `many` at most).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import msgspec

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect, Scope
from changegate.understand.base import Context, Invocation
from changegate.understand.facts import read_config
from changegate.understand.placement import place_host, place_name, worst_of

MAX_HOSTS = 64  # hosts placed one by one; a longer list is judged by its first ones
BRACKET = re.compile(r"\[([^\]]*)\]")
SCOPES: dict[str, int] = {"one": 0, "many": 1, "all": 2}
FLEET_TAG = "fleet"


@dataclass(frozen=True, slots=True)
class Fleet:
    """The hosts a command runs on: a label for resources, where they are, how many (None: not known)."""

    label: str
    placement: Placement
    scope: Scope
    count: int | None = None


def split_hostlist(expression: str) -> list[str]:
    """`a,b[1-3,5],c` -> [a, b[1-3,5], c]: commas inside brackets belong to the range."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in expression:
        depth += (char == "[") - (char == "]")
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def range_size(body: str) -> int:
    """`01-12,15` -> 13."""
    size = 0
    for piece in body.split(","):
        low, dash, high = piece.partition("-")
        if dash and low.isdigit() and high.isdigit():
            size += max(int(high) - int(low) + 1, 1)
        else:
            size += 1
    return size


def expand_hostlist(expression: str) -> tuple[list[str], int]:
    """A host-list expression's representative hosts (each range's first member) and how many it names."""
    hosts: list[str] = []
    count = 0
    for part in split_hostlist(expression):
        part = part.split("@", 1)[-1]
        size = 1
        for body in BRACKET.findall(part):
            size *= range_size(body)
        first = BRACKET.sub(lambda m: m.group(1).split(",")[0].split("-")[0], part)
        hosts.append(first)
        count += size
    return hosts, count


def hosts_in_file(ctx: Context, raw: str) -> list[str] | None:
    """The hosts a file lists, one a line (`user@host:port`, comments); None when it cannot be read."""
    path = ctx.resolve(raw.lstrip("^"))
    text = read_config(path) if path else None
    if text is None:
        return None
    hosts = []
    for line in text.splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry and not entry.startswith("["):
            hosts.append(entry.split()[0].split("@", 1)[-1].split(":", 1)[0])
    return hosts


def place_fleet(inv: Invocation, *, hosts: Iterable[str] = (), groups: Iterable[str] = (),
                files: Iterable[str] = (), every: bool = False, what: str = "hosts") -> Fleet:
    """The fleet named by host lists, groups and host files (and `every`: all the tool knows)."""
    environments = inv.ctx.environments
    placements: list[Placement] = []
    names: list[str] = []
    count: int | None = 0
    for expression in hosts:
        listed, size = expand_hostlist(expression)
        names.extend(listed)
        count = None if count is None else count + size
    for raw in files:
        listed_in_file = hosts_in_file(inv.ctx, raw)
        if listed_in_file is None:
            placements.append(Placement(UNKNOWN, f"the host file {raw} cannot be read"))
            count = None
            continue
        names.extend(listed_in_file)
        count = None if count is None else count + len(listed_in_file)
    placements.extend(place_host(environments, name, f"{what} {name}") for name in names[:MAX_HOSTS])
    for group in groups:
        placements.append(place_name(environments, group.lstrip("@"), "the host group"))
        count = None
    if every:
        placements.append(Placement(UNKNOWN, f"every host {inv.name} knows (unknown is treated as prod)"))
        count = None
    label = ",".join([*hosts, *(f"@{g.lstrip('@')}" for g in groups), *(f"file:{f}" for f in files)]) or "*"
    if not placements:
        return Fleet(label, Placement(UNKNOWN, f"nothing says which hosts {inv.name} runs on"), "many")
    placement = worst_of(placements, "")
    if all(p.environment == LOCAL for p in placements):
        placement = placements[0]
    scope: Scope = "all" if every else ("one" if count == 1 else "many")
    return Fleet(label, placement, scope, count or None)


def remote_context(inv: Invocation, fleet: Fleet, user: str | None = None, *, elevated: bool = False) -> Context:
    """Where the command runs: the fleet's hosts, as `user` (root when elevated), in that user's home."""
    home = "/root" if user == "root" else f"/home/{user or 'remote'}"
    return inv.ctx.clone(remote=fleet.label, remote_placement=fleet.placement, cwd=home, home=home, env={},
                         workspace=None, elevated=elevated or inv.ctx.elevated)


def run_on_fleet(inv: Invocation, fleet: Fleet, script: str, *, user: str | None = None, elevated: bool = False,
                 origin: str = "") -> None:
    """Walk `script` as run on every host of the fleet, and widen what it changes to the fleet."""
    start = len(inv.walker.effects)
    inv.run_script(script, ctx=remote_context(inv, fleet, user, elevated=elevated), origin=origin or inv.name)
    widen(inv.walker.effects, start, fleet)


def widen(effects: list[Effect], start: int, fleet: Fleet) -> None:
    """Every change the command makes happens on each host. (The walker records payload effects as it
    goes; these are the ones this command added.)"""
    for index in range(start, len(effects)):
        effects[index] = on_fleet(effects[index], fleet)


def on_fleet(effect: Effect, fleet: Fleet) -> Effect:
    """A change made on every host of the fleet: its scope and count, tagged `fleet`."""
    if effect.operation == "read" or fleet.scope == "one":
        return effect
    # on a path, scope `all` means every entry of a directory: a fleet widens it to `many` hosts, no more
    widest: Scope = "many" if effect.resource.startswith("fs:") else fleet.scope
    scope = effect.scope if SCOPES[effect.scope] >= SCOPES[widest] else widest
    count = (effect.count or 1) * fleet.count if fleet.count else effect.count
    return msgspec.structs.replace(effect, scope=scope, count=count,
                                   tags=tuple(dict.fromkeys((*effect.tags, FLEET_TAG))))


def on_hosts(inv: Invocation, fleet: Fleet, user: str | None = None) -> Invocation:
    """The invocation as seen on the fleet's hosts: its paths are theirs (`remote.fs(...)`)."""
    return Invocation(inv.name, inv.words, remote_context(inv, fleet, user), inv.walker, text=inv.text)


def interactive(inv: Invocation, fleet: Fleet) -> Effect:
    """No command: an interactive session on every host, where nothing typed can be seen."""
    return inv.effect("host_control", f"hosts:{fleet.label}", fleet.placement, scope=fleet.scope, kind="shell",
                      tags=(FLEET_TAG,), summary=f"{inv.name} opens an interactive session on {fleet.label}: "
                                                 "nothing typed there can be seen")
