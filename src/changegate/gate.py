"""The one entry point every face uses (CLI, hooks, MCP proxy, SDK, server): check an action.

`evaluate()` is the pure decision path: understand -> decide. It never raises: input it cannot read becomes
a deny verdict with an `error` that says what was wrong.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import msgspec

from changegate.decide import decide
from changegate.model import Action, Effect, Verdict
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


def evaluate(action: Action | dict[str, Any], policy: Policy | None = None, *, now: datetime | None = None) -> Verdict:
    """Decide one action by the policy (the built-in default when none is given)."""
    try:
        checked = to_action(action)
    except ValueError as exc:
        return refused(str(exc), action)
    policy = policy or load_policy(None)
    understanding = understand(checked, policy.environments)
    return decide(checked, understanding, policy, now=now)


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
    except msgspec.DecodeError as exc:
        return {"id": None, "decision": "deny", "approvals_required": 0, "error": f"not JSON: {exc}"}
    line_id = doc.get("id") if isinstance(doc, dict) else None
    if not isinstance(doc, dict) or "action" not in doc:
        return {"id": line_id, "decision": "deny", "approvals_required": 0,
                "error": 'each line must be an object like {"id": "c1", "action": {"type": "shell", ...}}'}
    verdict = evaluate(doc["action"], policy)
    return contract(verdict, line_id)
