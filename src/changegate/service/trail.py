"""A request's trail on the audit chain, and what the rows must agree with.

The `requests` and `votes` tables are what the service reads to decide quickly; the chain is what cannot be
changed unnoticed. So an approval is only used (`Approvals.consume`) when its trail says it was made:
the `request.created` record names the action, the agent, the operator, how many approvals it needs and
whether it is under peer review; the `request.vote` records, each by its person, are enough by those
rules; a `request.approved` record closes it; nothing used, denied, cancelled or expired it since. Rows
edited with a database client (status `approved`, votes inserted) have no such trail and approve nothing.

`verify_requests` holds every row against its trail (`changegate audit verify` and GET /v1/audit/verify
report each mismatch). Each trail record is checked against its own hash and its link to the record
before it, so a record inserted in place of another is found too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import msgspec
import sqlalchemy as sa

from changegate.service.audit import Verification, chain_hash, verify
from changegate.service.store import Store
from changegate.service.store.tables import audit, requests, votes

TRAIL_KINDS = ("request.created", "request.vote", "request.approved", "request.denied", "request.cancelled",
               "request.expired", "request.used")
CLOSING = {"approved": "request.approved", "denied": "request.denied", "cancelled": "request.cancelled",
           "expired": "request.expired", "executed": "request.used"}
MAX_REPORTED = 50
PAGE = 2000


@dataclass(frozen=True, slots=True)
class Step:
    """One record of a request's trail."""

    seq: int
    kind: str
    actor: str
    data: dict[str, Any]
    sound: bool  # its hash covers its content and it links to the record before it


def enough(approvers: set[str], required: int, operator: str, peer_review: bool) -> bool:
    """Enough distinct approvers: under peer review, other than the operator; otherwise, where more than
    one is needed, not only the operator."""
    if peer_review:
        return len(approvers - {operator}) >= required
    return len(approvers) >= required and (required < 2 or bool(approvers - {operator}))


def trail_of(conn: sa.Connection, request_id: str) -> list[Step]:
    """The trail of one request, oldest first."""
    pattern = f'%"request":{msgspec.json.encode(request_id).decode()}%'
    rows = conn.execute(sa.select(audit).where(audit.c.kind.in_(TRAIL_KINDS), audit.c.record.like(pattern))
                        .order_by(audit.c.seq)).all()
    return [step for step in _steps(conn, rows) if step.data.get("request") == request_id]


def approval_problem(row: Any, table_votes: Iterable[tuple[str, str]], trail: Sequence[Step], now: float) -> str:
    """Why an `approved` row is not an approval the chain made ("" when it is)."""
    created, problem = _against_chain(row, table_votes, trail)
    if problem or created is None:
        return problem
    cast = chain_votes(trail)
    approvers = {user for user, vote in cast.items() if vote == "approve"}
    if "deny" in cast.values() or not enough(approvers, int(created.data.get("required", 1)), str(row.operator),
                                              bool(created.data.get("peer_review", False))):
        return "the votes on the chain do not approve it"
    kinds = {s.kind for s in trail}
    if "request.approved" not in kinds:
        return "the chain has no request.approved record for it"
    closed = kinds & {"request.used", "request.denied", "request.cancelled", "request.expired"}
    if closed:
        return f"the chain says it was already closed ({', '.join(sorted(closed))})"
    if _expires(created) <= now:
        return "the request.created record says it has expired"
    return ""


def chain_votes(trail: Sequence[Step]) -> dict[str, str]:
    """person -> vote, from the trail's request.vote records."""
    return {s.actor.removeprefix("user:"): str(s.data.get("vote")) for s in trail if s.kind == "request.vote"}


def verify_all(store: Store) -> Verification:
    """The chain walked (service/audit.py `verify`), then every request row and vote held against it."""
    chain = verify(store)
    mismatches = tuple(verify_requests(store))
    return replace(chain, ok=chain.ok and not mismatches, mismatches=mismatches)


def verify_requests(store: Store) -> list[str]:
    """Every request row and vote held against its trail; one line per mismatch (at most MAX_REPORTED)."""
    trails: dict[str, list[Step]] = {}
    after = 0
    while True:
        with store.read() as conn:
            rows = conn.execute(sa.select(audit).where(audit.c.kind.in_(TRAIL_KINDS), audit.c.seq > after)
                                .order_by(audit.c.seq).limit(PAGE)).all()
            for step in _steps(conn, rows):
                trails.setdefault(str(step.data.get("request")), []).append(step)
        if len(rows) < PAGE:
            break
        after = int(rows[-1].seq)
    problems: list[str] = []
    with store.read() as conn:
        cast: dict[str, set[tuple[str, str]]] = {}
        for v in conn.execute(sa.select(votes.c.request_id, votes.c.user, votes.c.vote)).all():
            cast.setdefault(v.request_id, set()).add((v.user, v.vote))
        for row in conn.execute(sa.select(requests).order_by(requests.c.created_at)).all():
            problem = _row_problem(row, cast.get(row.id, set()), trails.pop(row.id, []))
            if problem:
                problems.append(f"request {row.id}: {problem}")
    problems.extend(f"request {rid}: on the chain, but not in the requests table" for rid in trails)
    return problems[:MAX_REPORTED]


def _against_chain(row: Any, table_votes: Iterable[tuple[str, str]],
                   trail: Sequence[Step]) -> tuple[Step | None, str]:
    """The request's request.created record, and why the row, its records or its votes disagree with the
    chain ("" when they agree)."""
    created = next((s for s in trail if s.kind == "request.created"), None)
    if created is None:
        return None, "the chain has no request.created record for it"
    problem = _created_problem(row, created) or _unsound(trail)
    if not problem and set(chain_votes(trail).items()) != set(table_votes):
        problem = "its votes differ from the request.vote records on the chain"
    return created, problem


def _row_problem(row: Any, table_votes: set[tuple[str, str]], trail: list[Step]) -> str:
    _, problem = _against_chain(row, table_votes, trail)
    if problem:
        return problem
    closing = CLOSING.get(str(row.status))
    kinds = {s.kind for s in trail}
    if closing is not None and closing not in kinds:
        return f"its status is {row.status}, but the chain has no {closing} record"
    if row.status == "executed" and "request.approved" not in kinds:
        return "it was used, but the chain has no request.approved record"
    if row.status == "pending" and kinds & set(CLOSING.values()):
        return "it is pending, but the chain closed it"
    return ""


def _created_problem(row: Any, created: Step) -> str:
    data = created.data
    expected = {"action_hash": row.action_hash, "agent": row.agent, "operator": row.operator,
                "required": int(row.required)}
    differs = [key for key, value in expected.items() if data.get(key) != value]
    if row.peer_review is not None and bool(data.get("peer_review", False)) != bool(row.peer_review):
        differs.append("peer_review")
    if ("team" in data or row.team is not None) and data.get("team") != row.team:
        differs.append("team")
    return f"its {', '.join(differs)} differ from its request.created record" if differs else ""


def _unsound(trail: Sequence[Step]) -> str:
    broken = next((s for s in trail if not s.sound), None)
    return f"its record {broken.seq} ({broken.kind}) does not match its hash or link" if broken else ""


def _expires(created: Step) -> float:
    try:
        return datetime.fromisoformat(str(created.data.get("expires_at", "")).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def _steps(conn: sa.Connection, rows: Sequence[Any]) -> list[Step]:
    """Rows as steps, each checked against its hash and the hash of the record before it."""
    if not rows:
        return []
    wanted = sorted({int(r.seq) - 1 for r in rows} - {0})
    links: dict[int, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        links.update({int(seq): str(h) for seq, h in conn.execute(
            sa.select(audit.c.seq, audit.c.hash).where(audit.c.seq.in_(chunk))).all()})
    links[0] = "0" * 64
    steps = []
    for row in rows:
        try:
            document: Mapping[str, Any] = msgspec.json.decode(row.record)
            data = dict(document.get("data") or {})
        except (msgspec.DecodeError, TypeError, ValueError, AttributeError):
            document, data = {}, {}
        sound = (chain_hash(row.prev_hash, row.record.encode("utf-8")) == row.hash
                 and links.get(int(row.seq) - 1) == row.prev_hash
                 and document.get("kind") == row.kind and document.get("actor") == row.actor)
        steps.append(Step(int(row.seq), str(row.kind), str(row.actor), data, sound))
    return steps
