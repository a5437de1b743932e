"""Guardrails across a session: what the gate keeps between an agent's actions, over time.

    the kill switch     an instant freeze a person turns on (`changegate freeze now`): every change by the
                        agents it covers is denied, everywhere, until a person lifts it
    budgets, breaker    what each agent (or session) did in a window — deletes, prod changes, resources
                        changed, approvals used — against the policy's `budgets:`; over budget, the agent's
                        circuit breaker opens and every change it asks for needs a person, until a person
                        closes the breaker (`changegate breaker close AGENT`)
    break-glass         (store.py) a person lets one pending or denied request through at once, with a
                        reason; a second person reviews it afterwards

Where the state lives: `files.py` keeps it in the state directory (local hooks, `check`, the SDK), `store.py`
in the store (every server process shares it). Both answer the `Guard` protocol; gate/guardrails.py applies
it to verdicts. This module holds what both share and imports no SQLAlchemy: hooks load it.
"""

from __future__ import annotations

import fnmatch
import json
import math
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import msgspec
from msgspec.structs import asdict, replace

from changegate.model import CHANGES, Effect
from changegate.policy import parse_duration
from changegate.policy.schema import Budget, Webhook

DEDUPE_S = 10.0  # the same action judged again this soon (a retry, a plan then a run) is counted once
MAX_WINDOW_S = 7 * 86400.0  # usage older than the longest window a budget may have is dropped
MAX_ROWS = 100_000  # usage rows read for one decision (bounded memory and time)
NOUNS = {"delete": "deletes", "prod_change": "prod changes", "resource": "resources changed",
         "change": "changes", "approval": "approvals used"}
PROD_LIKE = ("prod", "unknown")  # the default policy treats unknown as prod; so do freezes and budgets


class GuardUnavailable(Exception):
    """The guardrails' state cannot be read or kept; the message says where and why (callers fail closed)."""


class InstantFreeze(msgspec.Struct, frozen=True):
    """The kill switch: on until a person lifts it."""

    id: str
    by: str  # the person who turned it on (an actor: user:alice, cli:alice)
    reason: str
    at: float
    environments: tuple[str, ...] = ()  # empty: every environment
    agents: str = "*"  # a glob over agent names

    def covers(self, agent: str, environment: str) -> bool:
        envs = set(self.environments)
        if "prod" in envs:
            envs.add("unknown")  # what cannot be placed is treated as prod, here as everywhere
        return (not envs or environment in envs) and fnmatch.fnmatchcase(agent, self.agents)

    def describe(self) -> str:
        where = ", ".join(self.environments) or "every environment"
        agents = "" if self.agents == "*" else f", agents {self.agents}"
        who = self.by.split(":", 1)[-1]
        return f"kill switch on since {iso_minute(self.at)} by {who} ({where}{agents}): {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "environments": list(self.environments), "at": iso(self.at)}

    @classmethod
    def new(cls, by: str, reason: str, now: float, environments: Iterable[str] = (), agents: str = "*") -> InstantFreeze:
        return cls(new_id("frz_"), by, reason, now, tuple(environments), agents or "*")


class Breaker(msgspec.Struct, frozen=True):
    """An agent's open circuit breaker: every change it asks for needs a person."""

    agent: str
    reason: str  # "circuit open: 9 deletes in 2 min (budget 8/10 min)"
    opened_at: float
    budget: str = ""  # which budget: "delete 8/10m"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "opened_at": iso(self.opened_at)}


class Spent(msgspec.Struct, frozen=True):
    """One counted amount: `amount` of `kind` in `environment`, by an agent's session, for an action."""

    kind: str
    environment: str
    amount: int
    at: float = 0.0
    session: str = ""
    action_hash: str = ""


class Usage(msgspec.Struct, frozen=True):
    """What one action (or one approval used) adds to its agent's budgets."""

    agent: str
    session: str
    action_hash: str
    amounts: tuple[Spent, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.amounts


class Scope(msgspec.Struct, frozen=True):
    """A task scope: what a person let an agent (or one of its sessions) change, for a while. Inside it the
    policy's asks for those effects are answered by the grant; it never widens a deny."""

    id: str
    agent: str
    session: str  # "" : every session of the agent
    resources: dict[str, tuple[str, ...]]  # environment -> resource globs (as a rule's `resource:`)
    operations: tuple[str, ...]
    reason: str
    requested_by: str  # an actor: agent:NAME (an agent's request) or user:NAME
    needed: int  # grants it needs: two where it reaches an environment under `scopes.two_people`
    created_at: float
    expires_at: float
    granted_by: tuple[str, ...] = ()
    revoked_at: float | None = None

    def active(self, now: float) -> bool:
        return len(self.granted_by) >= self.needed and self.revoked_at is None and now < self.expires_at

    def applies_to(self, agent: str, session: str) -> bool:
        return self.agent == agent and (not self.session or self.session == session)

    def covers(self, effect: Effect, home: str, workspace: str) -> bool:
        from changegate.policy import resource_matches

        patterns = self.resources.get(effect.environment)
        return (effect.operation in self.operations and bool(patterns)
                and resource_matches(list(patterns or ()), effect.resource, home, workspace))

    def status(self, now: float) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if now >= self.expires_at:
            return "expired"
        return "active" if len(self.granted_by) >= self.needed else "pending"

    def as_dict(self, now: float | None = None) -> dict[str, Any]:
        doc = {**asdict(self), "resources": {k: list(v) for k, v in self.resources.items()},
               "operations": list(self.operations), "granted_by": list(self.granted_by),
               "created_at": iso(self.created_at), "expires_at": iso(self.expires_at),
               "revoked_at": iso(self.revoked_at) if self.revoked_at else None}
        if now is not None:
            doc["status"] = self.status(now)
        return doc

    def raw(self) -> dict[str, Any]:
        """What a file or a row keeps (times as numbers)."""
        return {**asdict(self), "resources": {k: list(v) for k, v in self.resources.items()},
                "operations": list(self.operations), "granted_by": list(self.granted_by)}

    @classmethod
    def from_raw(cls, doc: dict[str, Any]) -> Scope:
        return cls(str(doc["id"]), str(doc["agent"]), str(doc.get("session") or ""),
                   {str(k): tuple(str(p) for p in v) for k, v in dict(doc["resources"]).items()},
                   tuple(str(o) for o in doc["operations"]), str(doc.get("reason", "")), str(doc["requested_by"]),
                   int(doc["needed"]), float(doc["created_at"]), float(doc["expires_at"]),
                   tuple(str(g) for g in doc.get("granted_by") or ()),
                   float(doc["revoked_at"]) if doc.get("revoked_at") is not None else None)


MAX_SCOPE_PATTERNS = 32


class ScopeRefused(Exception):
    """A scope that cannot be asked for or granted as given; the message says why."""


def new_scope(*, agent: str, session: str, resources: dict[str, list[str]], operations: Iterable[str], reason: str,
              requested_by: str, duration_s: float, max_duration_s: float, two_people: Iterable[str],
              now: float) -> Scope:
    """A scope as asked for (no grant yet): bounded in time, size and operations."""
    from changegate.model import OPERATIONS

    ops = tuple(dict.fromkeys(operations))
    unknown = [o for o in ops if o not in OPERATIONS or o == "read"]
    if not agent or not ops or unknown or not resources:
        raise ScopeRefused("a scope names an agent, one or more operations that change things "
                           f"({', '.join(o for o in OPERATIONS if o != 'read')}) and resource patterns per "
                           f"environment{'; not operations: ' + ', '.join(unknown) if unknown else ''}")
    if sum(len(v) for v in resources.values()) > MAX_SCOPE_PATTERNS:
        raise ScopeRefused(f"a scope holds at most {MAX_SCOPE_PATTERNS} resource patterns")
    if any(p.strip() in ("", "*", "**") or p.startswith("**") for v in resources.values() for p in v):
        raise ScopeRefused("a resource pattern must name where (k8s:dev-*/**, fs:{workspace}/**), not everything")
    if not 0 < duration_s <= max_duration_s:
        raise ScopeRefused(f"a scope lasts more than 0 and at most {max_duration_s / 3600:g} h (scopes.max_duration)")
    needy = set(two_people) | ({"unknown"} if "prod" in set(two_people) else set())
    return Scope(new_id("scp_"), agent, session, {k: tuple(v) for k, v in resources.items()}, ops,
                 reason.strip()[:2000], requested_by, 2 if needy & set(resources) else 1, now, now + duration_s)


def granted(scope: Scope, actor: str, now: float) -> Scope:
    """The scope with one more person's grant: distinct people; an expired or revoked one grants nothing."""
    if scope.status(now) in ("revoked", "expired"):
        raise ScopeRefused(f"{scope.id} is {scope.status(now)}")
    if actor in scope.granted_by:
        raise ScopeRefused(f"{actor.split(':', 1)[-1]} already granted {scope.id}: a second person must")
    if len(scope.granted_by) >= scope.needed:
        raise ScopeRefused(f"{scope.id} is already granted")
    return replace(scope, granted_by=(*scope.granted_by, actor))


class Guard(Protocol):
    """Where the guardrails' state lives (files.LocalGuard, store.StoreGuard). Methods raise
    GuardUnavailable when the state cannot be read or kept."""

    def freezes(self, now: float) -> list[InstantFreeze]:
        """The kill switches on now."""

    def breaker(self, agent: str, now: float) -> Breaker | None:
        """The agent's breaker, when it is open."""

    def scopes(self, now: float) -> list[Scope]:
        """The task scopes in force now."""

    def spend(self, usage: Usage, budgets: Sequence[Budget], now: float, *, over_ok: bool = False) -> Breaker | None:
        """Count what an action adds, unless it goes over a budget: then open the agent's breaker (recorded
        and announced) and return it, counting nothing. `over_ok`: count it anyway (an approval a person
        gave is used even when it goes over; the breaker still opens for what comes next)."""


Announce = Callable[[str, str, dict[str, Any]], None]  # (event, text, data): a notification; never raises


# --- what an action adds -------------------------------------------------------------------------------

def new_id(prefix: str) -> str:
    import secrets  # here, not above: every hook imports this module, and few make a freeze or a scope

    return prefix + secrets.token_hex(6)


def usage_of(effects: Sequence[Effect], agent: str, session: str, action_hash: str) -> Usage:
    """The amounts an allowed action adds: per environment, resources changed and deleted, one change, and
    one prod change if it touches prod (or unknown)."""
    amounts: dict[tuple[str, str], int] = {}

    def add(kind: str, environment: str, amount: int) -> None:
        amounts[(kind, environment)] = amounts.get((kind, environment), 0) + amount

    changed = [e for e in effects if e.operation in CHANGES]
    for effect in changed:
        many = max(1, effect.count or 1)
        add("resource", effect.environment, many)
        if effect.operation in ("delete", "replace"):
            add("delete", effect.environment, many)
    for environment in dict.fromkeys(e.environment for e in changed):
        add("change", environment, 1)
    prod = next((e.environment for e in changed if e.environment in PROD_LIKE), None)
    if prod is not None:
        add("prod_change", prod, 1)
    return Usage(agent, session, action_hash, tuple(Spent(k, env, n, session=session, action_hash=action_hash)
                                                    for (k, env), n in amounts.items()))


def approval_usage(agent: str, session: str, action_hash: str) -> Usage:
    return Usage(agent, session, action_hash, (Spent("approval", "", 1, session=session, action_hash=action_hash),))


def counts_in(budget: Budget, environment: str) -> bool:
    """Whether an amount in `environment` counts towards the budget."""
    if budget.environments is not None:
        return environment in budget.environments
    if budget.count == "approval":
        return True
    if budget.count == "prod_change":
        return environment in PROD_LIKE
    return environment != "local"  # work in the agent's own workspace is not what budgets are for


def window_s(budget: Budget) -> float:
    return min(parse_duration(budget.window).total_seconds(), MAX_WINDOW_S)


def longest_window_s(budgets: Sequence[Budget]) -> float:
    return max((window_s(b) for b in budgets), default=0.0)


def already_counted(usage: Usage, rows: Iterable[Spent], now: float) -> bool:
    """The same action of the same agent was counted moments ago (judged twice for one run)."""
    return bool(usage.action_hash) and any(r.action_hash == usage.action_hash and now - r.at < DEDUPE_S
                                           for r in rows)


def breach(budgets: Sequence[Budget], usage: Usage, rows: Sequence[Spent], now: float) -> Breaker | None:
    """The breaker `usage` would open, given the agent's counted `rows`: the first budget it goes over. An
    action alone never opens it (however big: that is the policy's blast radius); it counts towards the next."""
    for budget in budgets:
        adds = sum(s.amount for s in usage.amounts if s.kind == budget.count and counts_in(budget, s.environment))
        if not adds:
            continue
        since = now - window_s(budget)
        inside = [r for r in rows if r.kind == budget.count and r.at >= since and counts_in(budget, r.environment)
                  and (budget.per == "agent" or r.session == usage.session)]
        total = sum(r.amount for r in inside) + adds
        # budgets are about sequences: one action's own size is the policy's business (`deletes: '>= 5'`)
        if total > budget.limit and inside:
            first = min((r.at for r in inside), default=now)
            return Breaker(usage.agent, over_budget_text(budget, total, now - first), now,
                           f"{budget.count} {budget.limit}/{budget.window}" + (" per session" if budget.per == "session"
                                                                               else ""))
    return None


def over_budget_text(budget: Budget, total: int, elapsed_s: float) -> str:
    minutes = max(1, math.ceil(elapsed_s / 60))
    scope = " in this session" if budget.per == "session" else ""
    return (f"circuit open: {total} {NOUNS[budget.count]}{scope} in {minutes} min "
            f"(budget {budget.limit}/{window_text(budget.window)})")


def window_text(window: str) -> str:
    seconds = parse_duration(window).total_seconds()
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)} {unit}"
    return f"{int(seconds)} s"


# --- notifications -------------------------------------------------------------------------------------

def payload(event: str, text: str, data: dict[str, Any], form: str) -> dict[str, Any]:
    """A guardrail event for a webhook: `json` ({event, text, guardrail}) or Slack's format."""
    if form == "slack":
        safe = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return {"text": safe, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{safe}*"}}]}
    return {"event": event, "text": text, "guardrail": data}


def announcer(webhooks: Sequence[Webhook], enqueue: Callable[[str, bytes], None]) -> Announce:
    """Guardrail events go to every webhook: they are alarms, not routine (a kill switch, a breaker, a
    break-glass). `enqueue(url, body)` sends or queues one delivery."""
    def announce(event: str, text: str, data: dict[str, Any]) -> None:
        for hook in webhooks:
            try:
                enqueue(hook.url, json.dumps(payload(event, text, data, hook.format)).encode("utf-8"))
            except Exception as exc:  # a notification must never reach the decision path
                print(f"changegate: could not send the {event} notification: {exc}", file=sys.stderr)

    return announce


def silent(_event: str, _text: str, _data: dict[str, Any]) -> None:
    """No webhooks configured."""


# --- times ---------------------------------------------------------------------------------------------

def iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")


def iso_minute(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%MZ")


__all__ = ["Announce", "Breaker", "Guard", "GuardUnavailable", "InstantFreeze", "Scope", "Spent", "Usage", "announcer",
           "approval_usage", "breach", "usage_of"]
