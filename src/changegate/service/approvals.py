"""Approval requests: where an `ask` becomes a person, bound to the exact action.

A request holds the canonical action (secrets redacted), its `action_hash`, the verdict, the agent and its
operator, how many approvals it needs, and when it expires. The rules that cannot be bent:

1. an agent credential can never approve (or deny) — only a person with the approver or admin role;
2. nobody votes twice on one request (the votes table's key is (request, person));
3. peer review: where the action touches an environment under peer review (`approvals.peer_review` in the
   policy; prod and unknown by default), the requesting agent's operator's own vote does not count — the
   approvals must come from other people. Elsewhere (local, dev) the operator may approve where one
   approval is required; where two or more are, at least one approver must be someone else. Whether a
   request is under peer review is fixed when it is filed, and written in its `request.created` record;
4. any deny ends the request;
5. an approval is valid for exactly that `action_hash`, for the agent and operator that asked, once,
   before the request expires. A changed action (one byte) has another hash, so it is another request;
6. an approval is used only when its trail on the audit chain bears it out (service/trail.py): rows edited
   outside the service approve nothing (`approval.refused` is logged instead).

Every change happens in one transaction that locks the request row and appends its audit record, so two
approvers racing on a request that needs one cannot both win, and nothing is ever half-written.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from changegate.policy.schema import PEER_REVIEW
from changegate.service.audit import Entry, append, iso, scrub
from changegate.service.identity import Identity
from changegate.service.store import Store
from changegate.service.store.tables import requests, team_members, tokens, votes
from changegate.service.trail import approval_problem, enough, trail_of

STATUSES = ("pending", "approved", "denied", "expired", "cancelled", "executed")
OPEN = ("pending", "approved")  # statuses that can still change
DEFAULT_TTL_S = 3600.0
MAX_COMMENT = 2000
MAX_LIST = 500
MAX_CANDIDATES = 8  # approved rows for one action looked at when using an approval (normally one)

ErrorCode = Literal["forbidden", "not_found", "conflict", "invalid"]
Notify = Callable[[str, "Request"], None]  # (event, request): "request" on new, "decision" on an outcome


class ApprovalError(Exception):
    """A refused approval operation; `code` says which kind (the server maps it to 403/404/409/422)."""

    def __init__(self, message: str, code: ErrorCode) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Vote:
    user: str
    vote: str
    comment: str
    at: float


@dataclass(frozen=True, slots=True)
class Request:
    id: str
    action_hash: str
    action: dict[str, Any]
    verdict: dict[str, Any]
    summary: str
    risk: str
    agent: str
    operator: str
    reason: str
    required: int
    status: str
    created_at: float
    expires_at: float
    decided_at: float | None = None
    decided_by: str | None = None
    used_at: float | None = None
    votes: tuple[Vote, ...] = field(default=())
    peer_review: bool = False  # the operator's own vote does not count
    team: str | None = None  # who sees and decides it (None: every person)

    @property
    def counted_approvals(self) -> int:
        """Approvals that count towards `required` (under peer review, not the operator's)."""
        return sum(1 for v in self.votes if v.vote == "approve" and not (self.peer_review and v.user == self.operator))

    @property
    def approvals(self) -> int:
        return sum(1 for v in self.votes if v.vote == "approve")

    def brief(self, base_url: str = "") -> dict[str, Any]:
        """The short form /v1/check answers with."""
        return {"id": self.id, "status": self.status, "approvals": self.approvals, "required": self.required,
                "expires_at": iso(self.expires_at), "url": request_url(base_url, self.id)}

    def as_dict(self, base_url: str = "") -> dict[str, Any]:
        return {
            **self.brief(base_url),
            "action_hash": self.action_hash, "action": self.action, "verdict": self.verdict,
            "summary": self.summary, "risk": self.risk, "agent": self.agent, "operator": self.operator,
            "reason": self.reason, "created_at": iso(self.created_at),
            "decided_at": iso(self.decided_at) if self.decided_at else None, "decided_by": self.decided_by,
            "used_at": iso(self.used_at) if self.used_at else None, "peer_review": self.peer_review,
            "team": self.team,
            "votes": [{"user": v.user, "vote": v.vote, "comment": v.comment, "at": iso(v.at)} for v in self.votes],
        }


def request_url(base_url: str, request_id: str) -> str:
    """Where a person decides the request: the approver's page (the JSON is at /v1/requests/ID)."""
    return f"{base_url.rstrip('/')}/requests/{request_id}"


def new_request_id() -> str:
    return "req_" + secrets.token_hex(8)


# A retried ask (`Approvals.pending_only`): its requests that are pending or approved and unused, approved first,
# each with its votes. Built once: composing a statement costs more than running it on SQLite.
_RETRIED = (
    sa.select(requests, votes.c.user.label("vote_user"), votes.c.vote.label("vote_vote"),
              votes.c.comment.label("vote_comment"), votes.c.at.label("vote_at"))
    .outerjoin(votes, votes.c.request_id == requests.c.id)
    .where(requests.c.action_hash == sa.bindparam("action_hash"), requests.c.agent == sa.bindparam("agent"),
           requests.c.operator == sa.bindparam("operator"), requests.c.expires_at > sa.bindparam("now"),
           sa.or_(requests.c.status == "pending",
                  sa.and_(requests.c.status == "approved", requests.c.used_at.is_(None))))
    .order_by((requests.c.status == "approved").desc(), requests.c.created_at.desc(), requests.c.id, votes.c.at)
    .limit(64))


class Approvals:
    """The approval service: file, read, vote on, cancel, use and wait for requests. The CLI, the server's
    routes and the web pages all call this; none of them re-implements a rule."""

    def __init__(self, store: Store, *, notify: Notify | None = None, clock: Callable[[], float] = time.time,
                 base_url: str = "", peer_review: Iterable[str] | Callable[[], Iterable[str]] = PEER_REVIEW) -> None:
        """`peer_review`: the environments under peer review, or a function giving the policy's current
        `approvals.peer_review` (the server's, so that a reloaded policy applies to the next request)."""
        self.store = store
        self.notify = notify
        self.clock = clock
        self.base_url = base_url
        self.peer_review = peer_review

    def needs_peer_review(self, verdict: Mapping[str, Any]) -> tuple[bool, list[str]]:
        """Whether a request for this verdict is under peer review, and the environments it touches (an
        effect without one, or a verdict without effects, is `unknown`)."""
        effects = verdict.get("effects")
        found = {str(e.get("environment") or "unknown") if isinstance(e, Mapping) else "unknown"
                 for e in effects} if isinstance(effects, list) and effects else {"unknown"}
        reviewed = self.peer_review() if callable(self.peer_review) else self.peer_review
        return bool(found & set(reviewed)), sorted(found)

    # --- filing and using ------------------------------------------------------------------------------

    def file(self, *, action: dict[str, Any], action_hash: str, verdict: dict[str, Any], agent: str,
             operator: str, required: int, ttl_s: float = DEFAULT_TTL_S, reason: str = "") -> tuple[Request, bool]:
        """The pending request for this action by this agent, or a new one. Returns (request, created)."""
        if required < 1:
            raise ApprovalError("a request needs at least one approval", "invalid")
        now = self.clock()
        pending = (sa.select(requests).where(requests.c.action_hash == action_hash, requests.c.agent == agent,
                                             requests.c.operator == operator, requests.c.status == "pending",
                                             requests.c.expires_at > now)
                   .order_by(requests.c.created_at.desc()).limit(1))
        with self.store.read() as conn:  # a retried ask finds its request without taking the write lock
            existing = conn.execute(pending).one_or_none()
            if existing is not None:
                return self._load(conn, existing), False
        with self.store.write() as conn:
            existing = conn.execute(pending).one_or_none()  # again, under the lock: it may have just been filed
            if existing is not None:
                return self._load(conn, existing), False
            peer_review, environments = self.needs_peer_review(verdict)
            routed = verdict.get("team")
            # the policy may route the rule that asks to a team (`team:`); else the agent's own team
            team = routed if isinstance(routed, str) and routed else agent_team(conn, agent, operator)
            row = {
                "id": new_request_id(), "action_hash": action_hash, "peer_review": peer_review, "team": team,
                "action": _json(scrub(action)), "verdict": _json(scrub(verdict)),
                "summary": scrub(str(verdict.get("summary") or "")), "risk": str(verdict.get("risk") or "high"),
                "agent": agent, "operator": operator, "reason": scrub(reason[:MAX_COMMENT]),
                "required": required, "status": "pending", "created_at": now, "expires_at": now + ttl_s,
            }
            conn.execute(requests.insert().values(**row))
            request = self._load(conn, row)
            append(conn, self.store, [Entry("request.created", f"agent:{agent}", {
                "request": request.id, "action_hash": action_hash, "agent": agent, "operator": operator,
                "required": required, "summary": request.summary, "risk": request.risk,
                "expires_at": iso(request.expires_at), "peer_review": peer_review,
                "environments": environments, "team": team})])
        self._notify("request", request)
        return request, True

    def consume(self, action_hash: str, agent: str, operator: str, *, peek: bool = False) -> Request | None:
        """The approved, unused, unexpired request for exactly this action, agent and operator — marked used
        (status `executed`) unless `peek` — that the audit chain bears out (rows it does not are passed over,
        each with an `approval.refused` record). Two callers racing for one approval: one gets it."""
        now = self.clock()
        usable = (sa.select(requests).where(requests.c.action_hash == action_hash, requests.c.agent == agent,
                                            requests.c.operator == operator, requests.c.status == "approved",
                                            requests.c.used_at.is_(None), requests.c.expires_at > now)
                  .order_by(requests.c.decided_at).limit(MAX_CANDIDATES))
        with self.store.read() as conn:  # most asks have no approval waiting: find out without the write lock
            if conn.execute(usable).first() is None:
                return None
        with self.store.write() as conn:
            row = self._proven(conn, conn.execute(self.store.lock_row(usable)).all(), now)
            if row is None:
                return None
            if peek:
                return self._load(conn, row)
            used = conn.execute(requests.update()
                                .where(requests.c.id == row.id, requests.c.status == "approved",
                                       requests.c.used_at.is_(None))
                                .values(status="executed", used_at=now))
            if used.rowcount != 1:
                return None
            append(conn, self.store, [Entry("request.used", f"agent:{agent}", {
                "request": row.id, "action_hash": action_hash, "agent": agent, "operator": operator})])
            return self._load(conn, {**row._mapping, "status": "executed", "used_at": now})

    def pending_only(self, action_hash: str, agent: str, operator: str) -> Request | None:
        """The pending request for exactly this action, agent and operator when no approval for it waits to be
        used: what an ask retried while people decide finds, with one query (no write lock). None otherwise;
        `consume` and `file` then do the rest (they may write)."""
        with self.store.read() as conn:
            rows = conn.execute(_RETRIED, {"action_hash": action_hash, "agent": agent, "operator": operator,
                                           "now": self.clock()}).all()
        if not rows or rows[0].status != "pending":
            return None  # nothing filed yet, or an approval to use (ordered first)
        newest = [row for row in rows if row.id == rows[0].id]
        cast = tuple(Vote(r.vote_user, r.vote_vote, r.vote_comment, float(r.vote_at)) for r in newest
                     if r.vote_user is not None)
        return self._build(newest[0]._mapping, cast)

    def _proven(self, conn: sa.Connection, rows: Sequence[Any], now: float) -> Any:
        """The first row the chain bears out; the others are logged as refused (a forged row must not hide a
        real approval, nor be used)."""
        for row in rows:
            problem = self._unproven(conn, row, now)
            if not problem:
                return row
            append(conn, self.store, [Entry("approval.refused", "system", {
                "request": row.id, "action_hash": row.action_hash, "agent": row.agent, "operator": row.operator,
                "problem": problem})])
        return None

    @staticmethod
    def _unproven(conn: sa.Connection, row: Any, now: float) -> str:
        """Why the chain does not bear out this approved row ("" when it does): see service/trail.py."""
        cast = [(v.user, v.vote) for v in conn.execute(sa.select(votes.c.user, votes.c.vote)
                                                       .where(votes.c.request_id == row.id)).all()]
        return approval_problem(row, cast, trail_of(conn, row.id), now)

    # --- reading ---------------------------------------------------------------------------------------

    def get(self, request_id: str) -> Request:
        with self.store.read() as conn:
            row = conn.execute(sa.select(requests).where(requests.c.id == request_id)).one_or_none()
            if row is None:
                raise ApprovalError(f"no request {request_id!r}", "not_found")
            return self._effective(self._load(conn, row))

    def find(self, status: str | None = None, limit: int = 100, who: Identity | None = None) -> list[Request]:
        """The newest requests (of a status); with `who`, only those of their teams (admins: all)."""
        if status is not None and status not in STATUSES:
            raise ApprovalError(f"status must be one of {', '.join(STATUSES)}", "invalid")
        self.expire_due()
        query = sa.select(requests).order_by(requests.c.created_at.desc()).limit(max(1, min(limit, MAX_LIST)))
        if status is not None:
            query = query.where(requests.c.status == status)
        if who is not None and not (who.kind == "user" and who.role == "admin"):
            query = query.where(sa.or_(requests.c.team.is_(None), requests.c.team.in_(list(who.teams))))
        with self.store.read() as conn:
            rows = conn.execute(query).all()
            cast = _votes_by_request(conn, [row.id for row in rows])
        return [self._build(row._mapping, cast.get(row.id, ())) for row in rows]

    def wait(self, request_id: str, timeout_s: float, poll_s: float = 0.25) -> Request:
        """The request once it is no longer pending, or as it is when `timeout_s` has passed."""
        deadline = time.monotonic() + max(0.0, timeout_s)
        while True:
            request = self.get(request_id)
            remaining = deadline - time.monotonic()
            if request.status != "pending" or remaining <= 0:
                return request
            time.sleep(min(poll_s, remaining))

    # --- votes -----------------------------------------------------------------------------------------

    def approve(self, request_id: str, who: Identity, comment: str = "") -> Request:
        return self._vote(request_id, who, "approve", comment)

    def deny(self, request_id: str, who: Identity, comment: str = "") -> Request:
        return self._vote(request_id, who, "deny", comment)

    def _vote(self, request_id: str, who: Identity, vote: str, comment: str) -> Request:
        if not who.may_approve():
            if who.kind == "agent":
                raise ApprovalError("an agent credential can never approve or deny a request", "forbidden")
            raise ApprovalError(f"{who.name} has the role {who.role}; approving and denying need the approver "
                                "or admin role", "forbidden")
        comment = scrub(comment[:MAX_COMMENT])
        now = self.clock()
        expired: Request | None = None
        result: Request | None = None
        try:
            with self.store.write() as conn:
                row = self._locked(conn, request_id, who)
                if row.status == "pending" and row.expires_at <= now:
                    expired = self._expire(conn, row, now)
                    if expired is None:
                        raise ApprovalError(f"{request_id} is already closed", "conflict")
                else:
                    result = self._apply_vote(conn, row, who, vote, comment, now)
        except sa_exc.IntegrityError as exc:  # the votes key: a racing second vote by the same person
            raise ApprovalError(f"{who.name} has already voted on {request_id}", "conflict") from exc
        if expired is not None:
            self._notify("decision", expired)
            raise ApprovalError(f"{request_id} expired at {iso(expired.expires_at)}; the agent must ask again",
                                "conflict")
        assert result is not None
        if result.status != "pending":
            self._notify("decision", result)
        return result

    def _apply_vote(self, conn: sa.Connection, row: Any, who: Identity, vote: str, comment: str,
                    now: float) -> Request:
        if row.status != "pending":
            raise ApprovalError(f"{row.id} is already {row.status}", "conflict")
        already = conn.execute(sa.select(votes.c.vote).where(votes.c.request_id == row.id,
                                                            votes.c.user == who.name)).scalar()
        if already is not None:
            raise ApprovalError(f"{who.name} has already voted on {row.id} ({already})", "conflict")
        conn.execute(votes.insert().values(request_id=row.id, user=who.name, vote=vote, comment=comment, at=now))
        events = [Entry("request.vote", who.actor, {"request": row.id, "vote": vote, "comment": comment,
                                                    "action_hash": row.action_hash})]
        status = "denied" if vote == "deny" else "approved" if self._complete(conn, row) else "pending"
        if status != "pending":
            done = conn.execute(requests.update().where(requests.c.id == row.id, requests.c.status == "pending")
                                .values(status=status, decided_at=now, decided_by=who.actor))
            if done.rowcount != 1:  # cannot happen under the row lock; refuse rather than guess
                raise ApprovalError(f"{row.id} changed while it was being decided; try again", "conflict")
            events.append(Entry(f"request.{status}", who.actor, {"request": row.id, "action_hash": row.action_hash,
                                                                 "agent": row.agent, "operator": row.operator}))
        append(conn, self.store, events)
        fresh = conn.execute(sa.select(requests).where(requests.c.id == row.id)).one()
        return self._load(conn, fresh)

    def _complete(self, conn: sa.Connection, row: Any) -> bool:
        approvers = set(conn.execute(sa.select(votes.c.user).where(votes.c.request_id == row.id,
                                                                 votes.c.vote == "approve")).scalars())
        return enough(approvers, int(row.required), str(row.operator), bool(row.peer_review))

    # --- cancelling and expiry -------------------------------------------------------------------------

    def cancel(self, request_id: str, who: Identity, comment: str = "") -> Request:
        """Withdraw a pending (or approved, unused) request: the agent that asked, its operator, or an
        approver/admin may."""
        now = self.clock()
        with self.store.write() as conn:
            row = self._locked(conn, request_id, who)
            if not self._may_cancel(row, who):
                raise ApprovalError(f"{who.actor} may not cancel {request_id}: only the agent that asked, its "
                                    "operator, or an approver can", "forbidden")
            if row.status not in OPEN or row.expires_at <= now:
                raise ApprovalError(f"{request_id} is already {self._effective_status(row, now)}", "conflict")
            conn.execute(requests.update().where(requests.c.id == row.id)
                         .values(status="cancelled", decided_at=now, decided_by=who.actor))
            append(conn, self.store, [Entry("request.cancelled", who.actor, {
                "request": row.id, "action_hash": row.action_hash, "comment": scrub(comment[:MAX_COMMENT])})])
            result = self._load(conn, conn.execute(sa.select(requests).where(requests.c.id == row.id)).one())
        self._notify("decision", result)
        return result

    @staticmethod
    def _may_cancel(row: Any, who: Identity) -> bool:
        if who.kind == "agent":
            return bool(who.name == row.agent and who.operator == row.operator)
        if who.kind == "user":
            return bool(who.name == row.operator) or who.may_approve()
        return who.kind == "system"

    def expire_due(self) -> list[Request]:
        """Mark every open request past its expiry as expired (each with its audit record)."""
        now = self.clock()
        with self.store.write() as conn:
            due = conn.execute(self.store.lock_row(sa.select(requests).where(
                requests.c.status.in_(OPEN), requests.c.expires_at <= now).limit(MAX_LIST))).all()
            expired = [request for row in due if (request := self._expire(conn, row, now)) is not None]
        for request in expired:
            self._notify("decision", request)
        return expired

    def _expire(self, conn: sa.Connection, row: Any, now: float) -> Request | None:
        """Mark one request expired; None when another process already closed it."""
        done = conn.execute(requests.update().where(requests.c.id == row.id, requests.c.status.in_(OPEN))
                            .values(status="expired", decided_at=now, decided_by="system"))
        if done.rowcount != 1:
            return None
        append(conn, self.store, [Entry("request.expired", "system", {"request": row.id,
                                                                      "action_hash": row.action_hash})])
        return self._load(conn, {**row._mapping, "status": "expired", "decided_at": now, "decided_by": "system"})

    # --- helpers ---------------------------------------------------------------------------------------

    def _locked(self, conn: sa.Connection, request_id: str, who: Identity | None = None) -> Any:
        """The request row, locked; a person of another team finds none (as if it did not exist)."""
        row = conn.execute(self.store.lock_row(sa.select(requests).where(requests.c.id == request_id))).one_or_none()
        if row is None or (who is not None and who.kind == "user" and not who.sees_team(row.team)):
            raise ApprovalError(f"no request {request_id!r}", "not_found")
        return row

    def _effective(self, request: Request) -> Request:
        """A request past its expiry reads as expired even before expire_due() has written it."""
        if request.status in OPEN and request.expires_at <= self.clock():
            return _replace(request, status="expired")
        return request

    def _effective_status(self, row: Any, now: float) -> str:
        return "expired" if row.status in OPEN and row.expires_at <= now else str(row.status)

    def _load(self, conn: sa.Connection, row: Any) -> Request:
        data = row._mapping if hasattr(row, "_mapping") else row
        return self._build(data, _votes_by_request(conn, [data["id"]]).get(data["id"], ()))

    @staticmethod
    def _build(data: Any, cast: tuple[Vote, ...]) -> Request:
        return Request(
            id=data["id"], action_hash=data["action_hash"], action=_unjson(data["action"]),
            verdict=_unjson(data["verdict"]), summary=data["summary"], risk=data["risk"], agent=data["agent"],
            operator=data["operator"], reason=data["reason"], required=int(data["required"]),
            status=data["status"], created_at=float(data["created_at"]), expires_at=float(data["expires_at"]),
            decided_at=data.get("decided_at"), decided_by=data.get("decided_by"), used_at=data.get("used_at"),
            votes=cast, peer_review=bool(data.get("peer_review")), team=data.get("team"))

    def _notify(self, event: str, request: Request) -> None:
        if self.notify is not None:
            with contextlib.suppress(Exception):  # a notification can never undo or delay a decision
                self.notify(event, request)


def agent_team(conn: sa.Connection, agent: str, operator: str) -> str | None:
    """The team a request of this agent belongs to: its active tokens' team when they agree on one, else
    its operator's team when they have exactly one, else none."""
    found = set(conn.execute(sa.select(tokens.c.team).where(
        tokens.c.kind == "agent", tokens.c.agent == agent, tokens.c.user == operator,
        tokens.c.revoked_at.is_(None), tokens.c.team.is_not(None))).scalars())
    if len(found) == 1:
        return str(found.pop())
    if found:
        return None
    own = list(conn.execute(sa.select(team_members.c.team).where(team_members.c.user == operator)).scalars())
    return str(own[0]) if len(own) == 1 else None


def _votes_by_request(conn: sa.Connection, ids: list[str]) -> dict[str, tuple[Vote, ...]]:
    if not ids:
        return {}
    found: dict[str, list[Vote]] = {}
    for v in conn.execute(sa.select(votes).where(votes.c.request_id.in_(ids)).order_by(votes.c.at)).all():
        found.setdefault(v.request_id, []).append(Vote(v.user, v.vote, v.comment, float(v.at)))
    return {key: tuple(value) for key, value in found.items()}


def _replace(request: Request, **changes: Any) -> Request:
    from dataclasses import replace

    return replace(request, **changes)


def _json(doc: Any) -> str:
    return msgspec.json.encode(doc).decode("utf-8")


def _unjson(text: str) -> dict[str, Any]:
    value = msgspec.json.decode(text)
    return value if isinstance(value, dict) else {}
