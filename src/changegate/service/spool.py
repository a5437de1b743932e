"""Decisions made without the store (local hooks, local `check`), kept until they join the audit chain.

A hook runs once per tool call and must start in milliseconds, so it cannot open the database. It appends
one JSON line per decision to a spool file in the state directory instead (O_APPEND, 0600, a few hundred
microseconds). `drain()` moves the spooled decisions into the hash chain, in order, and removes the spool;
the readers of the log call it before they read (`changegate audit verify|tail|export`, the server when it
starts). The records keep the time they were decided (`decided_at`).

What the spool cannot do: in local mode the agent runs as the same user as the gate, so it could edit the
spool before it is drained — exactly as it could edit the SQLite file. docs/server.md says so; a shared
server (remote mode) is the answer where that matters.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from changegate.answer import Answer, Judgement, decision_data
from changegate.model import canonical_json
from changegate.state import state_dir, state_dir_name

if TYPE_CHECKING:
    from pathlib import Path

SPOOL_NAME = "audit-spool.jsonl"
MAX_SPOOLED_BYTES = 256 * 1024 * 1024  # a runaway spool stops growing; the next drain empties it


def spool_path() -> Path:
    return state_dir() / SPOOL_NAME


def spool_file() -> str:
    return os.path.join(state_dir_name(), SPOOL_NAME)  # no pathlib on the hook's path: it costs start-up


def spool_decision(answer: Answer, judgement: Judgement, via: str) -> bool:
    """Append one decision; False where it could not be kept (the caller decides whether that matters)."""
    action = judgement.action
    agent = action.agent if action and action.agent else via
    data = decision_data(answer, judgement, agent, action.operator if action else None)
    data["via"] = via
    return spool_entry("decision", f"agent:{agent}", data)


def spool_entry(kind: str, actor: str, data: dict[str, Any]) -> bool:
    """Append one audit record (kind, actor, data) to the spool; False where it could not be kept."""
    data = {**data, "decided_at": round(time.time(), 6)}
    line = canonical_json({"kind": kind, "actor": actor, "data": data}) + b"\n"
    path = spool_file()
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size > MAX_SPOOLED_BYTES:
                return False
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError:
        return False
    return True


def taken_files() -> list[Path]:
    """The spool files to drain: the spool, renamed aside first so that each line is taken by one drainer
    (several processes may drain at once), after what earlier drainers left (they stopped half-way)."""
    path = spool_path()
    taken = path.with_name(f"{SPOOL_NAME}.{os.getpid()}.{time.time_ns()}.draining")
    leftovers = sorted(path.parent.glob(f"{SPOOL_NAME}.*.draining")) if path.parent.exists() else []
    try:
        os.rename(path, taken)
        leftovers.append(taken)
    except FileNotFoundError:
        pass
    except OSError:
        return []
    return leftovers


def spooled_records(path: Path) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(kind, actor, data) of every line of a spool file, in order."""
    try:
        handle = path.open("rb")
    except OSError:
        return
    with handle:
        for raw in handle:
            try:
                doc = json.loads(raw)
            except ValueError:
                # a torn last line (a process killed mid-write) is kept visibly rather than dropped
                doc = {"kind": "decision.unreadable", "actor": "system",
                       "data": {"spooled": raw[:2000].decode("utf-8", "replace")}}
            if isinstance(doc, dict):
                yield str(doc.get("kind", "decision")), str(doc.get("actor", "agent:?")), dict(doc.get("data") or {})


def discard(path: Path) -> None:
    """A drained spool file is gone (one that cannot be removed is drained again: better twice than never)."""
    with contextlib.suppress(OSError):
        path.unlink()
