"""The guardrails, applied: the last step of every decision (`judge()` calls `apply`, after `decide()`).

For an action that changes anything (reads pass untouched):

1. a kill switch that covers the agent and an environment the action changes → deny;
2. a deny stays a deny (nothing below can widen it);
3. an ask whose every asking effect is a change inside a task scope a person granted → allow;
4. the agent's circuit breaker is open → an allow becomes an ask, an ask says why as well;
5. an allow is counted against the policy's budgets (what will run); the one that goes over opens the
   breaker and asks instead of running.

The state is kept by the guard in force: the state directory's files (service/guardrails/files.py) unless a
server set its store for the request (`guarding()`; gate/checkpoint.py does for a Checkpoint with a guard).
State that cannot be read is a deny for changes, saying so: the gate cannot tell whether a kill switch is on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import msgspec

from changegate.decide import decide_effect
from changegate.environments import workspace_of
from changegate.model import CHANGES, Action, Effect, Verdict
from changegate.policy import Counts, Policy
from changegate.service.guardrails import (
    Announce,
    Breaker,
    Guard,
    GuardUnavailable,
    InstantFreeze,
    Scope,
    Usage,
    announcer,
    approval_usage,
    counts_in,
    iso_minute,
    silent,
    usage_of,
)
from changegate.service.guardrails.files import LocalGuard

if TYPE_CHECKING:
    from changegate.policy.schema import Budget, Webhook

UNNAMED = "unnamed"  # the agent name budgets and breakers use for an action that names none
KILL_SWITCH, BREAKER, UNAVAILABLE = "guardrail:kill-switch", "guardrail:circuit-breaker", "guardrail:unavailable"
SCOPE = "guardrail:scope"
LOCAL_SEND_TIMEOUT_S = 2.0

_guard: ContextVar[Guard | None] = ContextVar("changegate_guard", default=None)
_counting: ContextVar[bool] = ContextVar("changegate_counting", default=True)


@contextlib.contextmanager
def uncounted() -> Iterator[None]:
    """Within this block decisions are only shown, not acted on (a policy simulation, `explain`): kill
    switches and breakers still apply, but nothing is counted against a budget."""
    token = _counting.set(False)
    try:
        yield
    finally:
        _counting.reset(token)


@contextlib.contextmanager
def guarding(guard: Guard) -> Iterator[None]:
    """Within this block (a server's request), guardrail state is kept by `guard`."""
    token = _guard.set(guard)
    try:
        yield
    finally:
        _guard.reset(token)


def in_force(policy: Policy) -> Guard:
    """The guard of this request, else the state directory's (announcing to the policy's webhooks)."""
    return _guard.get() or LocalGuard(announce=local_announcer(policy.doc.notifications))


def local_announcer(webhooks: list[Webhook]) -> Announce:
    if not webhooks:
        return silent

    def send(url: str, body: bytes) -> None:
        # a hook has no background thread to send from later: this is rare (a breaker opening), so it waits
        from changegate.service.notify import post_json

        post_json(url, body, LOCAL_SEND_TIMEOUT_S)

    return announcer(webhooks, send)


def agent_of(action: Action) -> str:
    return action.agent or UNNAMED


def changes_of(verdict: Verdict) -> list[Effect]:
    return [e for e in verdict.effects if e.operation in CHANGES]


def apply(action: Action, verdict: Verdict, policy: Policy, now: float, guard: Guard | None = None) -> Verdict:
    """The verdict with the guardrails applied (see the module's docstring). Never raises."""
    changes = changes_of(verdict)
    if not changes:
        return verdict
    keeper = guard or in_force(policy)
    agent = agent_of(action)
    try:
        freeze = covering(keeper.freezes(now), agent, changes)
        if freeze is not None:
            return frozen(verdict, freeze)
        if verdict.decision == "deny":
            return verdict
        if verdict.decision == "ask":
            scope = inside_scope(keeper.scopes(now), action, verdict, policy, now)
            if scope is not None:
                verdict = scoped(verdict, scope)
        breaker = keeper.breaker(agent, now)
        if breaker is not None:
            return circuit_open(verdict, breaker)
        if verdict.decision == "allow" and _counting.get() and any_counted(changes, policy.budgets):
            budgets = policy.budgets
            usage = counted(usage_of(changes, agent, action.session or "", verdict.action_hash), budgets)
            tripped = keeper.spend(usage, budgets, now) if not usage.empty else None
            if tripped is not None:
                return circuit_open(verdict, tripped)
    except Exception as exc:  # GuardUnavailable, StoreError, or a bug: never an allow by accident
        return unavailable(verdict, exc)
    return verdict


def count_approval(action: Action, verdict: Verdict, policy: Policy, now: float, guard: Guard | None = None) -> None:
    """An approval a person gave is used: count it (and what it changes) against the agent's budgets. It
    runs even when that goes over; the breaker then opens for what comes next."""
    agent = agent_of(action)
    keeper = guard or in_force(policy)
    usage = usage_of(changes_of(verdict), agent, action.session or "", verdict.action_hash)
    extra = approval_usage(agent, action.session or "", verdict.action_hash)
    with contextlib.suppress(Exception):  # the approval was given and recorded; counting is best effort
        keeper.spend(Usage(agent, usage.session, usage.action_hash, usage.amounts + extra.amounts),
                     policy.budgets, now, over_ok=True)


def any_counted(changes: list[Effect], budgets: list[Budget]) -> bool:
    """Whether some budget counts a change in any of these environments (most changes are the agent's own
    workspace work, which none does): the cheap question before the amounts are worked out."""
    environments = {e.environment for e in changes}
    return any(counts_in(b, environment) for b in budgets if b.count != "approval" for environment in environments)


def counted(usage: Usage, budgets: list[Budget]) -> Usage:
    """Only the amounts some budget counts: work in the agent's own workspace touches no file or row."""
    kept = tuple(s for s in usage.amounts if any(b.count == s.kind and counts_in(b, s.environment) for b in budgets))
    return Usage(usage.agent, usage.session, usage.action_hash, kept)


def inside_scope(scopes: list[Scope], action: Action, verdict: Verdict, policy: Policy, now: float) -> Scope | None:
    """The task scope that answers every ask of this verdict: each effect the policy asks for is a change the
    scope covers, granted by as many people as the policy asks for. None otherwise (the ask stands)."""
    agent, session = agent_of(action), action.session or ""
    mine = [s for s in scopes if s.applies_to(agent, session)]
    if not mine:
        return None
    home = (action.env or {}).get("HOME", "")
    workspace = workspace_of(action.cwd, home) or ""
    counts = Counts.of(verdict.effects)
    freezes = policy.active_freezes(datetime.fromtimestamp(now, UTC)) if policy.doc.freezes else []
    used: Scope | None = None
    for effect in verdict.effects:
        decided = decide_effect(effect, action, counts, home, workspace, policy, freezes)
        if decided.decision == "allow":
            continue
        if decided.decision == "deny" or effect.operation not in CHANGES:
            return None  # a scope never widens a deny, and it is about changes
        covering_scope = next((s for s in mine if s.covers(effect, home, workspace)
                               and len(s.granted_by) >= decided.approvals), None)
        if covering_scope is None:
            return None
        used = used or covering_scope
    return used


def covering(freezes: list[InstantFreeze], agent: str, changes: list[Effect]) -> InstantFreeze | None:
    return next((f for f in freezes for e in changes if f.covers(agent, e.environment)), None)


# --- the verdicts --------------------------------------------------------------------------------------

def frozen(verdict: Verdict, freeze: InstantFreeze) -> Verdict:
    return msgspec.structs.replace(
        verdict, decision="deny", approvals_required=0, risk="critical" if verdict.risk == "critical" else "high",
        rules=[KILL_SWITCH, *verdict.rules],
        reasons=[f"{freeze.describe()}. Every change by agents is denied until a person lifts it "
                 f"(`changegate freeze lift`)", *verdict.reasons],
        suggestions=["wait until the kill switch is lifted; reads still work"])


def scoped(verdict: Verdict, scope: Scope) -> Verdict:
    people = ", ".join(g.split(":", 1)[-1] for g in scope.granted_by)
    return msgspec.structs.replace(
        verdict, decision="allow", approvals_required=0, rules=[SCOPE, *verdict.rules], suggestions=[],
        reasons=[f"inside task scope {scope.id} granted by {people} until {iso_minute(scope.expires_at)}: "
                 f"{scope.reason}", *verdict.reasons])


def circuit_open(verdict: Verdict, breaker: Breaker) -> Verdict:
    return msgspec.structs.replace(
        verdict, decision="ask", approvals_required=max(1, verdict.approvals_required), rules=[BREAKER, *verdict.rules],
        reasons=[f"{breaker.reason}: every change by {breaker.agent} needs a person until someone closes the "
                 f"breaker (`changegate breaker close {breaker.agent}`)", *verdict.reasons])


def unavailable(verdict: Verdict, exc: Exception) -> Verdict:
    what = str(exc) if isinstance(exc, GuardUnavailable) else f"{type(exc).__name__}: {exc}"
    return msgspec.structs.replace(
        verdict, decision="deny", approvals_required=0, rules=[UNAVAILABLE, *verdict.rules],
        error=f"guardrails unavailable: {what}",
        reasons=[f"the guardrails' state (kill switch, budgets) cannot be read ({what}); changes are denied "
                 "until it can", *verdict.reasons])
