"""Decisions made without the store (local hooks, local `check`), kept until they join the audit chain.

A hook runs once per tool call and must start in milliseconds, so it cannot open the database. It appends
one JSON line per decision to a spool file in the state directory instead (O_APPEND, 0600, a few hundred
microseconds); the next process that opens the audit log (`changegate audit …`, `serve`, `approvals …`)
moves the spooled decisions into the hash chain, in order, and removes the spool. The records keep the time
they were decided (`decided_at`).

What the spool cannot do: in local mode the agent runs as the same user as the gate, so it could edit the
spool before it is drained — exactly as it could edit the SQLite file. docs/server.md says so; a shared
server (remote mode) is the answer where that matters.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from changegate.model import canonical_json
from changegate.state import state_dir, state_dir_name

if TYPE_CHECKING:
    from pathlib import Path

    from changegate.gate import Judgement
    from changegate.service.audit import AuditLog

SPOOL_NAME = "audit-spool.jsonl"
MAX_SPOOLED_BYTES = 256 * 1024 * 1024  # a runaway spool stops growing; the next drain empties it
DRAIN_BATCH = 500


def spool_path() -> Path:
    return state_dir() / SPOOL_NAME


def spool_file() -> str:
    return os.path.join(state_dir_name(), SPOOL_NAME)  # no pathlib on the hook's path: it costs start-up


def spool_decision(answer: dict[str, Any], judgement: Judgement, via: str) -> bool:
    """Append one decision; False where it could not be kept (the caller decides whether that matters)."""
    from changegate.gate import decision_data

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


def drain(log: AuditLog) -> int:
    """Move spooled decisions into the chain; returns how many. Safe to call from several processes: the
    spool is renamed first, so each line is taken by one drainer."""
    from changegate.service.audit import Entry

    path = spool_path()
    taken = path.with_name(f"{SPOOL_NAME}.{os.getpid()}.{time.time_ns()}.draining")
    leftovers = sorted(path.parent.glob(f"{SPOOL_NAME}.*.draining")) if path.parent.exists() else []
    try:
        os.rename(path, taken)
        leftovers.append(taken)
    except FileNotFoundError:
        pass
    except OSError:
        return 0
    moved = 0
    for spooled in leftovers:
        batch: list[Entry] = []
        for doc in _lines(spooled):
            batch.append(Entry(str(doc.get("kind", "decision")), str(doc.get("actor", "agent:?")),
                               dict(doc.get("data") or {})))
            if len(batch) >= DRAIN_BATCH:
                moved += _append(log, batch)
                batch = []
        moved += _append(log, batch)
        with contextlib.suppress(OSError):
            spooled.unlink()
    return moved


def _append(log: AuditLog, batch: list[Any]) -> int:
    from changegate.service.audit import append

    if not batch:
        return 0
    with log.store.write() as conn:
        append(conn, log.store, batch)
    return len(batch)


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    import json

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
                yield doc
