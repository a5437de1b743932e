"""The guardrails' state in the store: what every server process shares (and local `run`/`check --wait`
through their Checkpoint when a server installed it; see gate/guardrails.py).

    StoreGuard   kill switches and breakers (read through a cache of at most FREEZE_CACHE_S, so a kill switch
                 turned on through one process stops every other within that), usage counted per agent
    BreakGlass   a person lets one pending or denied request through at once, with a reason; it is used by
                 the next check of exactly that action (gate/checkpoint.py), and a second person reviews it

Every change here is written with its audit record in one transaction, and announced by webhook.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import msgspec
import sqlalchemy as sa

from changegate.policy import parse_duration
from changegate.policy.schema import Budget, ScopeSettings
from changegate.service.approvals import ApprovalError, Approvals
from changegate.service.audit import Entry, append, scrub
from changegate.service.guardrails import (
    MAX_ROWS,
    Announce,
    Breaker,
    GuardUnavailable,
    InstantFreeze,
    Scope,
    ScopeRefused,
    Spent,
    Usage,
    already_counted,
    breach,
    granted,
    iso,
    longest_window_s,
    new_scope,
    silent,
)
from changegate.service.identity import Identity
from changegate.service.store import Store, StoreError
from changegate.service.store.tables import (
    breakglass,
    guard_breakers,
    guard_freezes,
    guard_scopes,
    guard_usage,
)

FREEZE_CACHE_S = 1.0  # how stale a process's view of the kill switches and breakers may be
OPEN_GLASS_CACHE_S = 1.0  # how stale its view that no break-glass is open may be
PRUNE_EVERY = 64  # spends between sweeps of usage older than the longest budget window
MAX_REASON = 2000


class GuardrailError(Exception):
    """A refused guardrail operation; `code` as ApprovalError's (the server maps it to 403/404/409/422)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def require_approver(who: Identity, what: str) -> None:
    """Only a person with the approver or admin role; never an agent token."""
    if not who.is_person:
        raise GuardrailError(f"only a person can {what}; {who.actor} is not one", "forbidden")
    if not who.may_approve():
        raise GuardrailError(f"{what} needs the approver or admin role; {who.name} is a {who.role}", "forbidden")


def reason_of(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise GuardrailError(f"{what} needs a reason (-m REASON): it is recorded and sent to everyone notified",
                             "invalid")
    return reason[:MAX_REASON]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a server process last read of the kill switches, breakers and scopes (at: time.monotonic())."""

    at: float
    freezes: list[InstantFreeze]
    breakers: dict[str, Breaker]
    scopes: list[Scope]


class StoreGuard:
    """Guardrail state in the store (the `Guard` protocol), plus what people do to it."""

    def __init__(self, store: Store, *, announce: Announce = silent, clock: Callable[[], float] = time.time,
                 cache_s: float = FREEZE_CACHE_S) -> None:
        self.store = store
        self.announce = announce
        self.clock = clock
        self.cache_s = cache_s
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._spends = 0

    # --- reading (cached) ------------------------------------------------------------------------------

    def freezes(self, now: float) -> list[InstantFreeze]:
        return self._current().freezes

    def breaker(self, agent: str, now: float) -> Breaker | None:
        return self._current().breakers.get(agent)

    def scopes(self, now: float) -> list[Scope]:
        return [scope for scope in self._current().scopes if scope.active(now)]

    def _current(self) -> Snapshot:
        with self._lock:
            snapshot = self._snapshot
            if snapshot is not None and time.monotonic() - snapshot.at < self.cache_s:
                return snapshot
        try:
            now = self.clock()
            snapshot = Snapshot(time.monotonic(), self.active_freezes(), {b.agent: b for b in self.open_breakers()},
                                [s for s in self.all_scopes(since=now) if s.active(now)])
        except StoreError as exc:
            raise GuardUnavailable(f"store unavailable: {exc}") from exc
        with self._lock:
            self._snapshot = snapshot
        return snapshot

    # --- task scopes -----------------------------------------------------------------------------------

    def all_scopes(self, since: float | None = None, limit: int = 500) -> list[Scope]:
        """Scopes, newest first (`since`: only those not expired by then)."""
        query = sa.select(guard_scopes.c.raw).order_by(guard_scopes.c.expires_at.desc()).limit(limit)
        if since is not None:
            query = query.where(guard_scopes.c.expires_at > since, guard_scopes.c.revoked_at.is_(None))
        with self.store.read() as conn:
            return [Scope.from_raw(json.loads(raw)) for raw in conn.execute(query).scalars()]

    def add_scope(self, scope: Scope, kind: str, actor: str) -> Scope:
        with self.store.write() as conn:
            conn.execute(guard_scopes.insert().values(id=scope.id, agent=scope.agent, session=scope.session,
                                                      raw=json.dumps(scope.raw()), expires_at=scope.expires_at,
                                                      revoked_at=scope.revoked_at))
            append(conn, self.store, [Entry(kind, actor, scope.as_dict())])
        self.forget()
        return scope

    def change_scope(self, scope_id: str, change: Callable[[Scope], Scope], kind: str, actor: str) -> Scope:
        with self.store.write() as conn:
            raw = conn.execute(self.store.lock_row(sa.select(guard_scopes.c.raw)
                                                   .where(guard_scopes.c.id == scope_id))).scalar()
            if raw is None:
                raise ScopeRefused(f"no task scope {scope_id!r}")
            changed = change(Scope.from_raw(json.loads(raw)))
            conn.execute(guard_scopes.update().where(guard_scopes.c.id == scope_id).values(
                raw=json.dumps(changed.raw()), expires_at=changed.expires_at, revoked_at=changed.revoked_at))
            append(conn, self.store, [Entry(kind, actor, changed.as_dict())])
        self.forget()
        return changed

    def forget(self) -> None:
        with self._lock:
            self._snapshot = None

    def active_freezes(self) -> list[InstantFreeze]:
        with self.store.read() as conn:
            rows = conn.execute(sa.select(guard_freezes).where(guard_freezes.c.lifted_at.is_(None))
                                .order_by(guard_freezes.c.at)).all()
        return [InstantFreeze(r.id, r.by, r.reason, r.at, tuple(json.loads(r.environments)), r.agents) for r in rows]

    def open_breakers(self) -> list[Breaker]:
        with self.store.read() as conn:
            rows = conn.execute(sa.select(guard_breakers).where(guard_breakers.c.closed_at.is_(None))
                                .order_by(guard_breakers.c.opened_at)).all()
        return [Breaker(r.agent, r.reason, r.opened_at, r.budget) for r in rows]

    # --- counting --------------------------------------------------------------------------------------

    def spend(self, usage: Usage, budgets: Sequence[Budget], now: float, *, over_ok: bool = False) -> Breaker | None:
        if usage.empty or not budgets:
            return None
        try:
            return self._spend(usage, budgets, now, over_ok)
        except StoreError as exc:
            raise GuardUnavailable(f"store unavailable: {exc}") from exc

    def _spend(self, usage: Usage, budgets: Sequence[Budget], now: float, over_ok: bool) -> Breaker | None:
        since = now - longest_window_s(budgets)
        opened = None
        with self.store.write() as conn:
            rows = [Spent(r.kind, r.environment, r.amount, r.at, r.session, r.action_hash) for r in conn.execute(
                sa.select(guard_usage).where(guard_usage.c.agent == usage.agent, guard_usage.c.at >= since)
                .order_by(guard_usage.c.at.desc()).limit(MAX_ROWS))]
            if already_counted(usage, rows, now):
                return None
            tripped = breach(budgets, usage, rows, now)
            if tripped is None or over_ok:
                conn.execute(guard_usage.insert(), [
                    {"agent": usage.agent, "session": s.session, "kind": s.kind, "environment": s.environment,
                     "amount": s.amount, "action_hash": s.action_hash, "at": now} for s in usage.amounts])
            if tripped is not None:
                opened = self._open(conn, tripped)
            self._spends += 1
            if self._spends % PRUNE_EVERY == 1:
                conn.execute(guard_usage.delete().where(guard_usage.c.at < since))
        if opened is not None:
            self.forget()
            self.announce("breaker.opened", f"changegate: {opened.agent}'s {opened.reason}; every change it asks "
                          f"for needs a person until someone closes it (`changegate breaker close {opened.agent}`)",
                          opened.as_dict())
        return tripped

    def _open(self, conn: sa.Connection, breaker: Breaker) -> Breaker | None:
        """Open the breaker in this transaction; None when it is open already (nothing to announce)."""
        row = conn.execute(self.store.lock_row(sa.select(guard_breakers)
                                               .where(guard_breakers.c.agent == breaker.agent))).first()
        values = {"reason": breaker.reason, "budget": breaker.budget, "opened_at": breaker.opened_at,
                  "closed_at": None, "closed_by": None}
        if row is not None and row.closed_at is None:
            return None
        if row is None:
            conn.execute(guard_breakers.insert().values(agent=breaker.agent, **values))
        else:
            conn.execute(guard_breakers.update().where(guard_breakers.c.agent == breaker.agent).values(**values))
        append(conn, self.store, [Entry("breaker.opened", "system", breaker.as_dict())])
        return breaker

    # --- what people do --------------------------------------------------------------------------------

    def freeze(self, who: Identity, reason: str, environments: Sequence[str] = (), agents: str = "*") -> InstantFreeze:
        """Turn a kill switch on. Any person who may approve can; it is recorded and announced."""
        require_approver(who, "turn the kill switch on")
        freeze = InstantFreeze.new(who.actor, reason_of(reason, "the kill switch"), self.clock(), environments, agents)
        with self.store.write() as conn:
            conn.execute(guard_freezes.insert().values(
                id=freeze.id, environments=json.dumps(list(freeze.environments)), agents=freeze.agents,
                reason=freeze.reason, by=freeze.by, at=freeze.at))
            append(conn, self.store, [Entry("freeze.on", who.actor, freeze.as_dict())])
        self.forget()
        self.announce("freeze.on", f"changegate: {freeze.describe()} — every change by these agents is denied",
                      freeze.as_dict())
        return freeze

    def lift(self, who: Identity, freeze_id: str | None = None, comment: str = "") -> list[InstantFreeze]:
        """Lift one kill switch, or every one (no id). Only a person, never an agent token."""
        require_approver(who, "lift the kill switch")
        now = self.clock()
        with self.store.write() as conn:
            query = sa.select(guard_freezes).where(guard_freezes.c.lifted_at.is_(None))
            if freeze_id:
                query = query.where(guard_freezes.c.id == freeze_id)
            rows = conn.execute(self.store.lock_row(query)).all()
            if freeze_id and not rows:
                raise GuardrailError(f"no kill switch {freeze_id!r} is on", "not_found")
            lifted = [InstantFreeze(r.id, r.by, r.reason, r.at, tuple(json.loads(r.environments)), r.agents)
                      for r in rows]
            if lifted:
                conn.execute(guard_freezes.update().where(guard_freezes.c.id.in_([f.id for f in lifted]))
                             .values(lifted_at=now, lifted_by=who.actor))
                append(conn, self.store, [Entry("freeze.lifted", who.actor, {
                    **f.as_dict(), "comment": scrub(comment[:MAX_REASON])}) for f in lifted])
        self.forget()
        for freeze in lifted:
            self.announce("freeze.lifted", f"changegate: {who.name} lifted the kill switch {freeze.id} "
                          f"({freeze.reason})", {**freeze.as_dict(), "lifted_by": who.actor})
        return lifted

    def close(self, who: Identity, agent: str, comment: str = "") -> Breaker:
        """Close an agent's breaker (a person looked at what it did)."""
        require_approver(who, "close a circuit breaker")
        now = self.clock()
        with self.store.write() as conn:
            row = conn.execute(self.store.lock_row(sa.select(guard_breakers).where(
                guard_breakers.c.agent == agent, guard_breakers.c.closed_at.is_(None)))).first()
            if row is None:
                raise GuardrailError(f"{agent}'s circuit breaker is not open", "not_found")
            closed = Breaker(row.agent, row.reason, row.opened_at, row.budget)
            conn.execute(guard_breakers.update().where(guard_breakers.c.agent == agent)
                         .values(closed_at=now, closed_by=who.actor))
            # what was counted before stays behind the person's look: the agent starts from zero
            conn.execute(guard_usage.delete().where(guard_usage.c.agent == agent))
            append(conn, self.store, [Entry("breaker.closed", who.actor, {
                **closed.as_dict(), "comment": scrub(comment[:MAX_REASON])})])
        self.forget()
        self.announce("breaker.closed", f"changegate: {who.name} closed {agent}'s circuit breaker ({closed.reason})",
                      {**closed.as_dict(), "closed_by": who.actor})
        return closed


# --- task scopes: what people (and agents) do ------------------------------------------------------------

class ScopeKeeper(Protocol):
    """Where scopes are kept: StoreGuard (a server) or files.LocalGuard (the state directory)."""

    def add_scope(self, scope: Scope, kind: str, actor: str) -> Scope: ...

    def change_scope(self, scope_id: str, change: Callable[[Scope], Scope], kind: str, actor: str) -> Scope: ...

    def all_scopes(self) -> list[Scope]: ...


@dataclass(frozen=True, slots=True)
class ScopeAsk:
    """What a scope is to cover, as a person or an agent wrote it."""

    agent: str
    resources: dict[str, list[str]]
    operations: tuple[str, ...]
    duration_s: float
    reason: str
    session: str = ""


def _new(ask: ScopeAsk, who: Identity, settings: ScopeSettings, now: float) -> Scope:
    try:
        return new_scope(agent=ask.agent, session=ask.session, resources=ask.resources, operations=ask.operations,
                         reason=ask.reason, requested_by=who.actor, duration_s=ask.duration_s,
                         max_duration_s=parse_duration(settings.max_duration).total_seconds(),
                         two_people=settings.two_people, now=now)
    except ScopeRefused as exc:
        raise GuardrailError(str(exc), "invalid") from exc


def request_scope(keeper: ScopeKeeper, who: Identity, ask: ScopeAsk, settings: ScopeSettings, now: float) -> Scope:
    """An agent (for itself only) or a person asks for a scope; it is in force once people grant it."""
    if who.kind == "agent" and ask.agent != who.name:
        raise GuardrailError(f"{who.name} can ask for a scope for itself, not for {ask.agent}", "forbidden")
    reason_of(ask.reason, "a scope request")
    return keeper.add_scope(_new(ask, who, settings, now), "scope.requested", who.actor)


def grant_scope(keeper: ScopeKeeper, who: Identity, now: float, *, scope_id: str | None = None,
                ask: ScopeAsk | None = None, settings: ScopeSettings | None = None) -> Scope:
    """A person grants a requested scope (`scope_id`), or a new one (`ask`) with their grant. A scope that
    reaches prod (`scopes.two_people`) is in force only when a second person grants it too."""
    require_approver(who, "grant a task scope")

    def grant(scope: Scope) -> Scope:
        try:
            return granted(scope, who.actor, now)
        except ScopeRefused as exc:
            raise GuardrailError(str(exc), "conflict") from exc

    if scope_id:
        return keeper.change_scope(scope_id, grant, "scope.granted", who.actor)
    if ask is None or settings is None:
        raise GuardrailError("name the scope to grant (scp_…) or what it covers", "invalid")
    reason_of(ask.reason, "a scope")
    return keeper.add_scope(grant(_new(ask, who, settings, now)), "scope.granted", who.actor)


def revoke_scope(keeper: ScopeKeeper, who: Identity, scope_id: str, now: float) -> Scope:
    require_approver(who, "revoke a task scope")
    return keeper.change_scope(scope_id, lambda scope: msgspec.structs.replace(scope, revoked_at=now),
                               "scope.revoked", who.actor)


# --- break-glass ---------------------------------------------------------------------------------------

BREAKABLE = ("pending", "denied", "expired")  # an approved request is simply used; executed is done
USE_WITHIN_S = 3600.0  # a break-glass not used within this lets nothing through
REVIEW_DUE_S = 24 * 3600.0  # the review is overdue (escalated by webhook) after this


@dataclass(frozen=True, slots=True)
class Glass:
    """One break-glass: who let which request through, and its review."""

    id: str
    request_id: str
    action_hash: str
    agent: str
    operator: str
    by: str
    reason: str
    at: float
    expires_at: float
    review_due: float
    used_at: float | None = None
    reviewed_by: str | None = None
    reviewed_at: float | None = None
    review_comment: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "request": self.request_id, "action_hash": self.action_hash, "agent": self.agent,
                "operator": self.operator, "by": self.by, "reason": self.reason, "at": iso(self.at),
                "expires_at": iso(self.expires_at), "review_due": iso(self.review_due),
                "used_at": iso(self.used_at) if self.used_at else None, "reviewed_by": self.reviewed_by,
                "reviewed_at": iso(self.reviewed_at) if self.reviewed_at else None,
                "review_comment": self.review_comment}


def _glass(row: Any) -> Glass:
    return Glass(row.id, row.request_id, row.action_hash, row.agent, row.operator, row.by, row.reason, row.at,
                 row.expires_at, row.review_due, row.used_at, row.reviewed_by, row.reviewed_at, row.review_comment)


class BreakGlass:
    """Break-glass records in the store."""

    def __init__(self, store: Store, approvals: Approvals | None = None, *, announce: Announce = silent,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self.approvals = approvals or Approvals(store, clock=clock)
        self.announce = announce
        # almost every ask and deny has no break-glass: until then (monotonic), none was open anywhere
        self._none_open_until = 0.0

    def open(self, who: Identity, request_id: str, reason: str) -> Glass:
        """Let the request's exact action through once, now: its next check allows it. A pending request is
        cancelled (so it cannot also be approved and used); the review is due within REVIEW_DUE_S."""
        require_approver(who, "break the glass")
        why = reason_of(reason, "break-glass")
        try:
            request = self.approvals.get(request_id)
            status = request.status if request.status != "pending" or request.expires_at > self.clock() else "expired"
            if status not in BREAKABLE:
                raise GuardrailError(f"{request_id} is {status}: break-glass is for a pending or denied request",
                                     "conflict")
            if status == "pending":
                self.approvals.cancel(request_id, who, f"break-glass: {why}")
        except ApprovalError as exc:
            raise GuardrailError(str(exc), exc.code) from exc
        now = self.clock()
        glass = Glass("bg_" + secrets.token_hex(8), request.id, request.action_hash, request.agent, request.operator,
                      who.actor, why, now, now + USE_WITHIN_S, now + REVIEW_DUE_S)
        with self.store.write() as conn:
            self._none_open_until = 0.0
            conn.execute(breakglass.insert().values(
                id=glass.id, request_id=glass.request_id, action_hash=glass.action_hash, agent=glass.agent,
                operator=glass.operator, by=glass.by, reason=glass.reason, at=glass.at, expires_at=glass.expires_at,
                review_due=glass.review_due))
            append(conn, self.store, [Entry("breakglass.opened", who.actor, {
                **glass.as_dict(), "summary": request.summary, "risk": request.risk})])
        self.announce("breakglass.opened", f"changegate: BREAK-GLASS by {who.name} for {request.agent}: "
                      f"{request.summary} — {why}. A second person must review it "
                      f"(`changegate breakglass review {glass.id}`)", glass.as_dict())
        return glass

    def take(self, action_hash: str, agent: str, operator: str) -> Glass | None:
        """The break-glass for exactly this action of this agent, used now (once); None when there is none."""
        now = self.clock()
        if time.monotonic() < self._none_open_until:
            return None
        query = sa.select(breakglass).where(
            breakglass.c.action_hash == action_hash, breakglass.c.agent == agent, breakglass.c.operator == operator,
            breakglass.c.used_at.is_(None), breakglass.c.expires_at > now).order_by(breakglass.c.at).limit(1)
        any_open = sa.select(breakglass.c.id).where(breakglass.c.used_at.is_(None),
                                                     breakglass.c.expires_at > now).limit(1)
        with self.store.read() as conn:  # most asks and denies have none: no write transaction for them
            if conn.execute(any_open).first() is None:
                # none open anywhere: later checks in this process skip the store for a moment (a glass another
                # process opens is seen within OPEN_GLASS_CACHE_S, as a kill switch is)
                self._none_open_until = time.monotonic() + OPEN_GLASS_CACHE_S
                return None
            if conn.execute(query).first() is None:
                return None
        with self.store.write() as conn:
            row = conn.execute(self.store.lock_row(query)).first()
            if row is None:
                return None
            taken = conn.execute(breakglass.update().where(breakglass.c.id == row.id, breakglass.c.used_at.is_(None))
                                 .values(used_at=now))
            if taken.rowcount != 1:
                return None  # another process took it first: it is used once
            glass = _glass(row)
            append(conn, self.store, [Entry("breakglass.used", f"agent:{agent}", {
                "breakglass": glass.id, "request": glass.request_id, "action_hash": action_hash})])
        return replace(glass, used_at=now)

    def review(self, who: Identity, glass_id: str, comment: str) -> Glass:
        """Close the review: a second person (not the one who broke the glass) who may approve."""
        require_approver(who, "review a break-glass")
        now = self.clock()
        with self.store.write() as conn:
            row = conn.execute(self.store.lock_row(sa.select(breakglass).where(breakglass.c.id == glass_id))).first()
            if row is None:
                raise GuardrailError(f"no break-glass {glass_id!r}", "not_found")
            if row.reviewed_at is not None:
                raise GuardrailError(f"{glass_id} was reviewed by {row.reviewed_by}", "conflict")
            if row.by == who.actor or row.by.split(":", 1)[-1] == who.name:
                raise GuardrailError(f"{who.name} broke this glass: a second person must review it", "forbidden")
            note = scrub(reason_of(comment, "a review")[:MAX_REASON])
            conn.execute(breakglass.update().where(breakglass.c.id == glass_id)
                         .values(reviewed_by=who.actor, reviewed_at=now, review_comment=note))
            append(conn, self.store, [Entry("breakglass.reviewed", who.actor, {"breakglass": glass_id,
                                                                              "comment": note})])
            done = _glass(conn.execute(sa.select(breakglass).where(breakglass.c.id == glass_id)).one())
        self.announce("breakglass.reviewed", f"changegate: {who.name} reviewed break-glass {glass_id}: {note}",
                      done.as_dict())
        return done

    def open_reviews(self, limit: int = 100) -> list[Glass]:
        with self.store.read() as conn:
            rows = conn.execute(sa.select(breakglass).where(breakglass.c.reviewed_at.is_(None))
                                .order_by(breakglass.c.at.desc()).limit(limit)).all()
        return [_glass(r) for r in rows]

    def escalate_overdue(self) -> list[Glass]:
        """Announce each review past its deadline, once (the server calls this now and then)."""
        now = self.clock()
        query = sa.select(breakglass).where(breakglass.c.reviewed_at.is_(None), breakglass.c.escalated_at.is_(None),
                                            breakglass.c.review_due < now)
        with self.store.read() as conn:  # the inbox asks on every poll: a write only when one is due
            if conn.execute(query.limit(1)).first() is None:
                return []
        with self.store.write() as conn:
            rows = conn.execute(self.store.lock_row(query)).all()
            if rows:
                conn.execute(breakglass.update().where(breakglass.c.id.in_([r.id for r in rows]))
                             .values(escalated_at=now))
                append(conn, self.store, [Entry("breakglass.overdue", "system", {"breakglass": r.id}) for r in rows])
        overdue = [_glass(r) for r in rows]
        for glass in overdue:
            self.announce("breakglass.overdue", f"changegate: the review of break-glass {glass.id} by "
                          f"{glass.by.split(':', 1)[-1]} is overdue ({glass.reason})", glass.as_dict())
        return overdue


__all__ = ["BreakGlass", "Glass", "GuardrailError", "StoreError", "StoreGuard"]
