"""The one entry point every face uses (CLI, hooks, MCP proxy, SDK, server): check an action.

`evaluate()` is the pure decision path: understand -> decide. It never raises: input it cannot read becomes
a deny verdict with an `error` that says what was wrong.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import msgspec

from changegate.decide import decide
from changegate.model import Action, Effect, Verdict, canonical_action
from changegate.policy import Policy, load_policy
from changegate.understand import understand

MAX_LINE_BYTES = 1024 * 1024


def to_action(doc: Any) -> Action:
    """An Action from an Action or parsed JSON; raises ValueError with a readable message."""
    if isinstance(doc, Action):
        return doc
    if not isinstance(doc, dict):
        raise ValueError(f"an action must be a JSON object, not {type(doc).__name__}")
    try:
        action = msgspec.convert(doc, Action)
    except msgspec.ValidationError as exc:
        raise ValueError(f"not a valid action: {exc}") from exc
    if action.type == "shell" and action.command is None and action.argv is None:
        raise ValueError("a shell action needs `command` (or `argv`)")
    if action.type == "sql" and action.statement is None and action.path is None:
        raise ValueError("a sql action needs `statement` (or `path`)")
    return action


def refused(error: str, raw: Any = None) -> Verdict:
    """The verdict for input that cannot be read: deny, saying why."""
    digest = hashlib.sha256(repr(raw).encode("utf-8", "replace")).hexdigest()
    return Verdict(decision="deny", risk="high", reasons=[f"the action could not be read: {error}"],
                   suggestions=[], effects=[], approvals_required=0, action_hash=digest, error=error,
                   summary="unreadable action")


@dataclass(frozen=True, slots=True)
class Judgement:
    """A verdict with what approvals bind to: the action as read and its canonical form (None when the
    action could not be read)."""

    verdict: Verdict
    action: Action | None = None
    canonical: dict[str, Any] | None = None


def judge(action: Action | dict[str, Any], policy: Policy | None = None, *, now: datetime | None = None) -> Judgement:
    """Decide one action by the policy, keeping the canonical action an approval request stores."""
    try:
        checked = to_action(action)
    except ValueError as exc:
        return Judgement(refused(str(exc), action))
    policy = policy or load_policy(None)
    understanding = understand(checked, policy.environments)
    canonical = canonical_action(checked, understanding.consulted)
    verdict = decide(checked, understanding, policy, now=now, canonical=canonical)
    return Judgement(verdict, checked, canonical)


def decision_data(answer: dict[str, Any], judgement: Judgement, agent: str | None, operator: str | None
                  ) -> dict[str, Any]:
    """A decision as the audit log keeps it: what was decided, why, and the canonical action (no secrets)."""
    verdict, action = judgement.verdict, judgement.action
    data: dict[str, Any] = {
        "decision": answer["decision"], "verdict": verdict.decision, "risk": verdict.risk,
        "rules": verdict.rules, "summary": verdict.summary, "reasons": list(answer.get("reasons", []))[:8],
        "action_hash": verdict.action_hash,
        "effects": [[e.operation, e.resource, e.environment] for e in verdict.effects[:50]],
        "agent": action.agent if action and action.agent else agent,
        "operator": action.operator if action and action.operator else operator,
    }
    if judgement.canonical is not None:
        data["action"] = judgement.canonical
    if verdict.error or answer.get("error"):
        data["error"] = answer.get("error") or verdict.error
    if "request" in answer:
        data["request"] = answer["request"]["id"]
    return data


def evaluate(action: Action | dict[str, Any], policy: Policy | None = None, *, now: datetime | None = None) -> Verdict:
    """Decide one action by the policy (the built-in default when none is given)."""
    return judge(action, policy, now=now).verdict


def contract(verdict: Verdict, line_id: Any = None) -> dict[str, Any]:
    """A verdict in the `check --batch` / HTTP shape."""
    out: dict[str, Any] = {"id": line_id} if line_id is not None else {}
    out.update({
        "decision": verdict.decision,
        "approvals_required": verdict.approvals_required,
        "risk": verdict.risk,
        "reasons": verdict.reasons,
        "suggestions": verdict.suggestions,
        "summary": verdict.summary,
        "effects": [effect_dict(e) for e in verdict.effects],
        "rules": verdict.rules,
        "action_hash": verdict.action_hash,
    })
    if verdict.error:
        out["error"] = verdict.error
    return out


REQUIRED_EFFECT_FIELDS = ("operation", "resource", "environment", "scope", "reversible")


def effect_dict(effect: Effect) -> dict[str, Any]:
    """An effect for output: the contract's fields always, the rest where they say something."""
    out: dict[str, Any] = {name: getattr(effect, name) for name in REQUIRED_EFFECT_FIELDS}
    for name in effect.__struct_fields__:
        if name not in out:
            value = getattr(effect, name)
            if value not in (None, "", False, ()):
                out[name] = list(value) if isinstance(value, tuple) else value
    return out


_decoder = msgspec.json.Decoder()


def check_line(line: str | bytes, policy: Policy | None = None) -> dict[str, Any]:
    """One `check --batch` line in, one answer out; a malformed line is a deny with an error."""
    if len(line) > MAX_LINE_BYTES:
        return {"id": None, "decision": "deny", "approvals_required": 0,
                "error": f"the line is larger than {MAX_LINE_BYTES // 1024} KiB"}
    try:
        doc = _decoder.decode(line)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        return {"id": None, "decision": "deny", "approvals_required": 0, "error": f"not JSON: {exc}"}
    line_id = doc.get("id") if isinstance(doc, dict) else None
    if not isinstance(doc, dict) or "action" not in doc:
        return {"id": line_id, "decision": "deny", "approvals_required": 0,
                "error": 'each line must be an object like {"id": "c1", "action": {"type": "shell", ...}}'}
    verdict = evaluate(doc["action"], policy)
    return contract(verdict, line_id)


# --- with a store: every decision recorded, an ask becomes a request, an approved action passes once -----
#
# `Checkpoint` is what the server's /v1/check and the local `check --wait` run. The store, the audit log
# and the approvals are imported lazily: plain `check` and the hooks never pay for SQLAlchemy.

MAX_WAIT_S = 600.0
POLICY_RECHECK_S = 1.0  # a changed policy file is in force within this long
READ_OPERATIONS = frozenset({"read"})

if TYPE_CHECKING:
    from changegate.service.approvals import Approvals, Identity, Request
    from changegate.service.audit import AuditWriter, Entry
    from changegate.service.store import Store


class Checkpoint:
    """Checks actions with the store behind them. Identity comes from the caller's credential, never from
    the action: an agent cannot claim another agent's name or operator."""

    def __init__(self, store: Store, *, policy_path: str | None = None, approvals: Approvals | None = None,
                 writer: AuditWriter | None = None, base_url: str = "",
                 clock: Callable[[], float] | None = None) -> None:
        import time

        from changegate.service.approvals import Approvals

        self.store = store
        self.clock = clock or time.time
        self.approvals = approvals or Approvals(store, clock=self.clock, base_url=base_url)
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
        import time

        from changegate.policy import PolicyError

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
        from changegate.service.audit import AuditLog
        from changegate.service.store import StoreError

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
        return judge(action, self.policy())

    @staticmethod
    def parties(claimed_agent: Any, who: Identity) -> tuple[str, str]:
        """(agent, operator): an agent credential names both; a person checks as the operator, for the
        agent the action names (or as themselves)."""
        if who.kind == "agent":
            return who.name, who.operator or who.name
        return (claimed_agent if isinstance(claimed_agent, str) and claimed_agent else who.name), who.name

    def check(self, action: Any, who: Identity, *, wait: float = 0.0, peek: bool = False, line_id: Any = None,
              on_pending: Callable[[Request], None] | None = None) -> dict[str, Any]:
        """The whole check, synchronously: decide; for an ask use an approval or file a request and wait up
        to `wait` seconds (telling `on_pending` first); record the decision. Never raises for a bad action or
        a failing store."""
        judgement = self.judge_as(action, who)
        if judgement.verdict.decision != "ask":
            return self.record(contract(judgement.verdict, line_id), judgement, who)
        from changegate.service.store import StoreError

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

    def ask(self, judgement: Judgement, who: Identity, *, peek: bool = False,
            line_id: Any = None) -> tuple[dict[str, Any], Request | None]:
        """An ask: the approved request for exactly this action if there is one (used now unless `peek`),
        else its pending request, new or already filed. May raise StoreError."""
        verdict, action = judgement.verdict, judgement.action
        if action is None or judgement.canonical is None:
            return contract(verdict, line_id), None
        agent, operator = action.agent or who.name, action.operator or who.name
        approved = self.approvals.consume(verdict.action_hash, agent, operator, peek=peek)
        if approved is not None:
            return self.approved_answer(verdict, approved, line_id, peek), approved
        policy = self.policy()
        request, _created = self.approvals.file(
            action=judgement.canonical, action_hash=verdict.action_hash, verdict=contract(verdict),
            agent=agent, operator=operator, required=max(1, verdict.approvals_required),
            ttl_s=policy.approval_ttl.total_seconds(), reason=action.reason or "")
        return self.pending_answer(verdict, request, line_id), request

    def after_wait(self, judgement: Judgement, who: Identity, request: Request, *, peek: bool = False,
                   line_id: Any = None) -> dict[str, Any]:
        """The answer once a wait ends: allow (using the approval), deny (denied, cancelled, expired), or
        still ask (pending)."""
        if request.status == "approved":
            return self.ask(judgement, who, peek=peek, line_id=line_id)[0]
        if request.status == "pending":
            return self.pending_answer(judgement.verdict, request, line_id)
        return self.closed_answer(judgement.verdict, request, line_id)

    # --- answers ---------------------------------------------------------------------------------------

    def pending_answer(self, verdict: Verdict, request: Request, line_id: Any) -> dict[str, Any]:
        answer = contract(verdict, line_id)
        answer["request"] = request.brief(self.base_url)
        answer["reasons"] = [*verdict.reasons,
                             f"approval request {request.id}: {request.approvals} of {request.required} "
                             f"approvals; a person can approve it with `changegate approvals approve "
                             f"{request.id}`, then retry the same action"]
        return answer

    def approved_answer(self, verdict: Verdict, request: Request, line_id: Any, peek: bool) -> dict[str, Any]:
        approvers = ", ".join(v.user for v in request.votes if v.vote == "approve") or "?"
        answer = contract(verdict, line_id)
        use = "it is still unused (peek)" if peek else "the approval is now used"
        answer.update(decision="allow", approvals_required=0, request=request.brief(self.base_url),
                      reasons=[f"request {request.id} was approved by {approvers} for exactly this action; {use}",
                               *verdict.reasons], suggestions=[])
        return answer

    def closed_answer(self, verdict: Verdict, request: Request, line_id: Any) -> dict[str, Any]:
        why = f"request {request.id} was {request.status}"
        if request.decided_by:
            why += f" by {request.decided_by.split(':', 1)[-1]}"
        comments = [v.comment for v in request.votes if v.vote == "deny" and v.comment]
        if comments:
            why += f": {comments[0]}"
        answer = contract(verdict, line_id)
        answer.update(decision="deny", approvals_required=0, request=request.brief(self.base_url),
                      reasons=[why, *verdict.reasons])
        return answer

    def store_down(self, judgement: Judgement, exc: Exception, line_id: Any) -> dict[str, Any]:
        answer = contract(judgement.verdict, line_id)
        answer.update(decision="deny", approvals_required=0, error=f"store unavailable: {exc}",
                      reasons=[f"this action needs an approval, and approvals need the store, which is "
                               f"unavailable ({exc}); denied until it is back", *judgement.verdict.reasons])
        return answer

    # --- the record ------------------------------------------------------------------------------------

    def decision_entry(self, answer: dict[str, Any], judgement: Judgement, who: Identity) -> Entry:
        from changegate.service.audit import Entry

        return Entry("decision", who.actor, decision_data(answer, judgement, who.name, who.operator))

    def record(self, answer: dict[str, Any], judgement: Judgement, who: Identity) -> dict[str, Any]:
        """Append the decision to the audit log; if that fails, fail closed (see `unrecorded`)."""
        from changegate.service.audit import AuditLog
        from changegate.service.store import StoreError

        entry = self.decision_entry(answer, judgement, who)
        try:
            if self.writer is not None:
                self.writer.write(entry)
            else:
                AuditLog(self.store).record(entry.kind, entry.actor, entry.data)
        except StoreError as exc:
            return unrecorded(answer, judgement.verdict, exc)
        return answer


def unrecorded(answer: dict[str, Any], verdict: Verdict, exc: Exception) -> dict[str, Any]:
    """The answer when its audit record could not be written: a change is denied (nothing changes without a
    record); a read the policy allows still passes, so people can look around while the store is down."""
    import sys

    print(f"changegate: could not record a decision in the audit log: {exc}", file=sys.stderr)
    if answer["decision"] != "allow":
        return answer
    if verdict.effects and all(e.operation in READ_OPERATIONS for e in verdict.effects) and "request" not in answer:
        return {**answer, "warning": f"this decision could not be recorded in the audit log: {exc}"}
    return {**answer, "decision": "deny", "approvals_required": 0, "error": f"store unavailable: {exc}",
            "reasons": [f"the audit log cannot be written ({exc}); changes are denied until it can", *answer["reasons"]]}


# --- remote mode: the same answers, from a changegate server --------------------------------------------

URL_ENV, TOKEN_ENV = "CHANGEGATE_URL", "CHANGEGATE_TOKEN"


def remote_target() -> tuple[str, str] | None:
    """(url, token) when the environment points the CLI at a server."""
    import os

    url = os.environ.get(URL_ENV, "").strip()
    return (url, os.environ.get(TOKEN_ENV, "").strip()) if url else None


def check_remote(action: dict[str, Any], url: str, token: str, *, wait: float = 0.0, line_id: Any = None,
                 timeout: float = 5.0) -> dict[str, Any]:
    """Ask the server; a server that cannot be reached is a deny that names it."""
    from changegate.client import Client, Unreachable

    try:
        answer = Client(url, token, timeout=timeout).check(action, wait=wait)
    except Unreachable as exc:
        answer = unreachable(str(exc))
    if line_id is not None:
        answer = {"id": line_id, **{k: v for k, v in answer.items() if k != "id"}}
    return answer


def unreachable(message: str) -> dict[str, Any]:
    return {"decision": "deny", "approvals_required": 0, "risk": "high", "reasons": [
        f"the changegate server could not be asked, so nothing is allowed: {message}"], "suggestions": [],
            "summary": "changegate server unreachable", "effects": [], "rules": [], "action_hash": "",
            "error": message}
