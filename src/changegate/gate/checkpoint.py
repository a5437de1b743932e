"""`Checkpoint`: checking with the store behind it. Every decision is recorded in the audit log; an ask uses
the approval given for exactly that action, or files its request and waits for it.

What the server's /v1/check and the local `check --wait` and `changegate run` use. It imports SQLAlchemy
(through the store): the hooks and plain `check` decide with `gate.judge` and never import this module.
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
import time
from collections.abc import Callable
from typing import Any

import msgspec
from msgspec.structs import replace

from changegate.answer import Answer, Judgement, decision_data
from changegate.gate import judge
from changegate.gate.guardrails import count_approval, guarding
from changegate.model import Action
from changegate.policy import Policy, PolicyError, load_policy
from changegate.service.approvals import Approvals, Request
from changegate.service.audit import AuditLog, AuditWriter, Entry
from changegate.service.guardrails import Guard
from changegate.service.guardrails.store import BreakGlass
from changegate.service.identity import Identity
from changegate.service.store import Store, StoreError

MAX_WAIT_S = 600.0
POLICY_RECHECK_S = 1.0  # a changed policy file is in force within this long
BREAK_GLASS = "guardrail:break-glass"


class Checkpoint:
    """Checks actions with the store behind them. Identity comes from the caller's credential, never from
    the action: an agent cannot claim another agent's name or operator."""

    def __init__(self, store: Store, *, policy_path: str | None = None, approvals: Approvals | None = None,
                 writer: AuditWriter | None = None, base_url: str = "",
                 clock: Callable[[], float] | None = None, guard: Guard | None = None) -> None:
        """`guard`: where kill switches, breakers and budgets are kept (a server's store: every process shares
        it); None, the state directory's files, as for local hooks."""
        self.store = store
        self.clock = clock or time.time
        self.approvals = approvals or Approvals(store, clock=self.clock, base_url=base_url)
        self.guard = guard
        self.breakglass = BreakGlass(store, self.approvals, clock=self.clock)
        self.writer = writer
        self.base_url = base_url
        self.policy_path = policy_path
        self._policy: Policy | None = None
        self._policy_checked = -POLICY_RECHECK_S
        self._logged_policy_digest: str | None = None

    # --- policy ----------------------------------------------------------------------------------------

    def policy(self) -> Policy:
        """The policy file as it is now (a changed file is picked up and logged; a broken one keeps the
        last good policy and is logged once)."""
        now = time.monotonic()
        if self._policy is not None and now - self._policy_checked < POLICY_RECHECK_S:
            return self._policy  # looking at the file on every decision would cost more than deciding
        self._policy_checked = now
        try:
            current = load_policy(self.policy_path)
        except PolicyError as exc:
            if self._policy is None:
                raise
            self._log_policy("policy.rejected", {"source": self.policy_path, "problems": exc.problems[:10]},
                             digest=hashlib.sha256("\n".join(exc.problems).encode()).hexdigest())
            return self._policy
        if current is not self._policy:
            self._policy = current
            text = current.text or ""
            self._log_policy("policy.loaded", {"source": current.source, "rules": len(current.rules)},
                             digest=hashlib.sha256(text.encode()).hexdigest())
        return current

    def _log_policy(self, kind: str, data: dict[str, Any], digest: str) -> None:
        if digest == self._logged_policy_digest:
            return
        try:
            log = AuditLog(self.store)
            last = log.last_of_kind("policy.loaded") if kind == "policy.loaded" else None
            if last is None or last.data.get("sha256") != digest:
                log.record(kind, "system", {**data, "sha256": digest})
            self._logged_policy_digest = digest
        except StoreError:
            pass  # the next decision's own record will fail closed; nothing to add here

    # --- checking --------------------------------------------------------------------------------------

    def judge_as(self, action: Any, who: Identity) -> Judgement:
        """Decide an action as `who`: the credential's agent name and operator replace the action's."""
        if isinstance(action, dict):
            agent, operator = self.parties(action.get("agent"), who)
            action = {**action, "agent": agent, "operator": operator}
        elif isinstance(action, Action):
            agent, operator = self.parties(action.agent, who)
            action = msgspec.structs.replace(action, agent=agent, operator=operator)
        with guarding(self.guard) if self.guard is not None else contextlib.nullcontext():
            judgement = judge(action, self.policy())
        return self.broken_glass(judgement)

    def broken_glass(self, judgement: Judgement) -> Judgement:
        """A denied or asking action a person let through with break-glass: allowed, once, saying so."""
        verdict, action = judgement.verdict, judgement.action
        if verdict.decision == "allow" or action is None or not action.agent or not action.operator:
            return judgement
        try:
            glass = self.breakglass.take(verdict.action_hash, action.agent, action.operator)
        except StoreError:
            return judgement  # the decision stands; its own record fails closed if the store is down
        if glass is None:
            return judgement
        return replace(judgement, verdict=msgspec.structs.replace(
            verdict, decision="allow", approvals_required=0, rules=[BREAK_GLASS, *verdict.rules],
            reasons=[f"break-glass {glass.id} by {glass.by.split(':', 1)[-1]}: {glass.reason} (used now, once; a "
                     f"second person reviews it)", *verdict.reasons], suggestions=[]))

    @staticmethod
    def parties(claimed_agent: Any, who: Identity) -> tuple[str, str]:
        """(agent, operator): an agent credential names both; a person checks as the operator, for the
        agent the action names (or as themselves)."""
        if who.kind == "agent":
            return who.name, who.operator or who.name
        return (claimed_agent if isinstance(claimed_agent, str) and claimed_agent else who.name), who.name

    def check(self, action: Any, who: Identity, *, wait: float = 0.0, peek: bool = False, line_id: Any = None,
              on_pending: Callable[[Request], None] | None = None) -> Answer:
        """The whole check, synchronously: decide; for an ask use an approval or file a request and wait up
        to `wait` seconds (telling `on_pending` first); record the decision. Never raises for a bad action or
        a failing store."""
        judgement = self.judge_as(action, who)
        if judgement.verdict.decision != "ask":
            return self.record(Answer.of(judgement.verdict, line_id), judgement, who)
        try:
            answer, request = self.ask(judgement, who, peek=peek, line_id=line_id)
            if request is not None and request.status == "pending" and wait > 0:
                if on_pending is not None:
                    on_pending(request)
                request = self.approvals.wait(request.id, min(wait, MAX_WAIT_S))
                answer = self.after_wait(judgement, who, request, peek=peek, line_id=line_id)
        except StoreError as exc:
            answer = self.store_down(judgement, exc, line_id)
        return self.record(answer, judgement, who)

    def ask(self, judgement: Judgement, who: Identity, *, peek: bool = False, line_id: Any = None,
            look_first: bool = True) -> tuple[Answer, Request | None]:
        """An ask: the approved request for exactly this action if there is one (used now unless `peek`),
        else its pending request, new or already filed. May raise StoreError. `look_first=False`: the caller
        has just looked with `retried()` and found nothing."""
        verdict, action = judgement.verdict, judgement.action
        if action is None or judgement.canonical is None:
            return Answer.of(verdict, line_id), None
        found = self.retried(judgement, who, line_id) if look_first else None
        if found is not None:
            return found
        agent, operator = action.agent or who.name, action.operator or who.name
        approved = self.approvals.consume(verdict.action_hash, agent, operator, peek=peek)
        if approved is not None:
            if not peek:
                count_approval(action, verdict, self.policy(), self.clock(), self.guard)
            return self.approved_answer(Answer.of(verdict, line_id), approved, peek), approved
        policy = self.policy()
        request, _created = self.approvals.file(
            action=judgement.canonical, action_hash=verdict.action_hash, verdict=Answer.of(verdict).contract(),
            agent=agent, operator=operator, required=max(1, verdict.approvals_required),
            ttl_s=policy.approval_ttl.total_seconds(), reason=action.reason or "")
        return self.pending_answer(Answer.of(verdict, line_id), request), request

    def retried(self, judgement: Judgement, who: Identity, line_id: Any = None) -> tuple[Answer, Request] | None:
        """An ask retried while its request is pending and no approval waits to be used (most asks): its
        answer, from one read of the store. None otherwise (`ask` uses the approval or files the request).
        May raise StoreError."""
        verdict, action = judgement.verdict, judgement.action
        if action is None or judgement.canonical is None:
            return None
        request = self.approvals.pending_only(verdict.action_hash, action.agent or who.name,
                                              action.operator or who.name)
        if request is None:
            return None
        return self.pending_answer(Answer.of(verdict, line_id), request), request

    def after_wait(self, judgement: Judgement, who: Identity, request: Request, *, peek: bool = False,
                   line_id: Any = None) -> Answer:
        """The answer once a wait ends: allow (using the approval), deny (denied, cancelled, expired), or
        still ask (pending)."""
        if request.status == "approved":
            return self.ask(judgement, who, peek=peek, line_id=line_id)[0]
        asked = Answer.of(judgement.verdict, line_id)
        if request.status == "pending":
            return self.pending_answer(asked, request)
        return self.closed_answer(asked, request)

    # --- answers ---------------------------------------------------------------------------------------

    def pending_answer(self, asked: Answer, request: Request) -> Answer:
        return replace(asked, request=request.brief(self.base_url), reasons=[
            *asked.reasons, f"approval request {request.id}: {request.approvals} of {request.required} approvals; "
            f"a person can approve it with `changegate approvals approve {request.id}`, then retry the same action"])

    def approved_answer(self, asked: Answer, request: Request, peek: bool) -> Answer:
        approvers = ", ".join(v.user for v in request.votes if v.vote == "approve") or "?"
        use = "it is still unused (peek)" if peek else "the approval is now used"
        return replace(asked, decision="allow", approvals_required=0, request=request.brief(self.base_url),
                       reasons=[f"request {request.id} was approved by {approvers} for exactly this action; {use}",
                                *asked.reasons], suggestions=[])

    def closed_answer(self, asked: Answer, request: Request) -> Answer:
        why = f"request {request.id} was {request.status}"
        if request.decided_by:
            why += f" by {request.decided_by.split(':', 1)[-1]}"
        comments = [v.comment for v in request.votes if v.vote == "deny" and v.comment]
        if comments:
            why += f": {comments[0]}"
        return replace(asked, decision="deny", approvals_required=0, request=request.brief(self.base_url),
                       reasons=[why, *asked.reasons])

    @staticmethod
    def store_down(judgement: Judgement, exc: Exception, line_id: Any) -> Answer:
        asked = Answer.of(judgement.verdict, line_id)
        return replace(asked, decision="deny", approvals_required=0, error=f"store unavailable: {exc}", reasons=[
            f"this action needs an approval, and approvals need the store, which is unavailable ({exc}); denied "
            "until it is back", *asked.reasons])

    # --- the record ------------------------------------------------------------------------------------

    @staticmethod
    def decision_entry(answer: Answer, judgement: Judgement, who: Identity) -> Entry:
        return Entry("decision", who.actor, decision_data(answer, judgement, who.name, who.operator))

    def record(self, answer: Answer, judgement: Judgement, who: Identity) -> Answer:
        """Append the decision to the audit log; if that fails, fail closed (see `unrecorded`)."""
        entry = self.decision_entry(answer, judgement, who)
        try:
            if self.writer is not None:
                self.writer.write(entry)
            else:
                AuditLog(self.store).record(entry.kind, entry.actor, entry.data)
        except StoreError as exc:
            return unrecorded(answer, exc)
        return answer


def unrecorded(answer: Answer, exc: Exception) -> Answer:
    """The answer when its audit record could not be written: a change is denied (nothing changes without a
    record); a read the policy allows still passes, so people can look around while the store is down."""
    print(f"changegate: could not record a decision in the audit log: {exc}", file=sys.stderr)
    if answer.decision != "allow":
        return answer
    if answer.changes_nothing and answer.request is None:
        return replace(answer, warning=f"this decision could not be recorded in the audit log: {exc}")
    return replace(answer, decision="deny", approvals_required=0, error=f"store unavailable: {exc}",
                   reasons=[f"the audit log cannot be written ({exc}); changes are denied until it can",
                            *answer.reasons])
