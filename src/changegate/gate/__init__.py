"""The one entry point every face uses (CLI, hooks, MCP proxy, SDK, server, broker): decide an action.

    gate/__init__.py    judge(): understand -> decide, nothing else (what the hooks and `check` import)
    gate/checkpoint.py  the same with the store behind it: an ask files, waits for or uses its approval, and
                        every decision is recorded
    gate/remote.py      the same answers, from a changegate server
    gate/session.py     where an agent session's state lives between its actions (a file here, the store
                        on a server): tunnels, switched contexts, exports, directory
    gate/cache.py       verdicts kept for repeated actions, used while what they read is unchanged
    gate/guardrails.py  the last step: kill switches, circuit breakers and budgets across an agent's actions

`judge()` never raises: input it cannot read becomes a deny verdict with an `error` that says what was wrong.
"""

from __future__ import annotations

import hashlib
import time
from datetime import datetime
from typing import Any

import msgspec

from changegate.answer import Answer, Judgement, unreadable_line
from changegate.decide import decide
from changegate.gate import cache, guardrails
from changegate.gate.session import SessionKeeper, keeper, session_key
from changegate.model import Action, Effect, Verdict
from changegate.policy import Policy, load_policy
from changegate.understand import SessionState, Understanding

MAX_LINE_BYTES = 1024 * 1024
NOT_A_LINE = 'each line must be an object like {"id": "c1", "action": {"type": "shell", ...}}'


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


def judge(action: Action | dict[str, Any], policy: Policy | None = None, *, now: datetime | None = None,
          sessions: SessionKeeper | None = None) -> Judgement:
    """Decide one action by the policy, keeping the canonical action an approval request stores. An action
    that names its session is judged with the state earlier actions of that session left (`sessions`, else
    the keeper in force), and what it adds is kept for the next. A repeated action is answered from the
    verdict cache while everything its decision read is unchanged (gate/cache.py)."""
    try:
        checked = to_action(action)
    except ValueError as exc:
        return Judgement(refused(str(exc), action))
    policy = policy or load_policy(None)
    moment = now.timestamp() if now is not None else time.time()
    session = AgentSession.load(checked, sessions or keeper(), moment) if checked.session else None
    kept = cache.remembered(checked, policy, session.state if session else None)
    problem = session.keep(kept.understanding.session, moment) if session else None
    if problem:
        understanding = kept.understanding
        understanding = Understanding([*understanding.effects, unkept_session(problem)], understanding.consulted,
                                      understanding.session)
        verdict = decide(checked, understanding, policy, now=now, canonical=kept.canonical)
    elif kept.verdict is not None:
        verdict = kept.verdict
    else:
        verdict = decide(checked, kept.understanding, policy, now=now, canonical=kept.canonical)
        if not policy.doc.freezes:
            kept.verdict = verdict  # no freeze window: the same action, policy and disk decide the same
    verdict = guardrails.apply(checked, verdict, policy, moment)
    return Judgement(verdict, checked, kept.canonical)


class AgentSession(msgspec.Struct):
    """The state an agent session's earlier actions left, where it is kept, and what went wrong reading it."""

    store: SessionKeeper
    key: str
    state: SessionState
    problem: str | None

    @classmethod
    def load(cls, action: Action, store: SessionKeeper, moment: float) -> AgentSession:
        assert action.session is not None
        key = session_key(action.agent, action.operator, action.session)
        state, problem = store.load(key, moment)
        return cls(store, key, state, problem)

    def keep(self, after: SessionState | None, moment: float) -> str | None:
        """Keep the state this action leaves (when it changed); what could not be read or kept, if anything."""
        if after is not None and not after.same(self.state):
            return self.store.save(self.key, msgspec.structs.replace(after, updated_at=moment)) or self.problem
        return self.problem


def unkept_session(problem: str) -> Effect:
    """A session state that cannot be read or kept: judged without it, and the reason shown (an effect that
    changes nothing); never a crash."""
    return Effect(operation="read", resource="session:state", environment="local", reversible="yes",
                  family="session", why_environment="the gate's own record of the agent session",
                  summary=f"{problem}; judged without the session's earlier state")


def evaluate(action: Action | dict[str, Any], policy: Policy | None = None, *, now: datetime | None = None) -> Verdict:
    """Decide one action by the policy (the built-in default when none is given)."""
    return judge(action, policy, now=now).verdict


_decoder = msgspec.json.Decoder()


def check_line(line: str | bytes, policy: Policy | None = None) -> dict[str, Any]:
    """One `check --batch` line in, one answer out; a malformed line is a deny with an error."""
    if len(line) > MAX_LINE_BYTES:
        return unreadable_line(None, f"the line is larger than {MAX_LINE_BYTES // 1024} KiB")
    try:
        doc = _decoder.decode(line)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        return unreadable_line(None, f"not JSON: {exc}")
    line_id = doc.get("id") if isinstance(doc, dict) else None
    if not isinstance(doc, dict) or "action" not in doc:
        return unreadable_line(line_id, NOT_A_LINE)
    return Answer.of(evaluate(doc["action"], policy), line_id).contract()
