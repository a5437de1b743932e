"""What the gate answers for one action, and the one place that answer becomes JSON.

`judge()` (gate) gives a `Judgement`: the verdict, the action as read and its canonical form. The caller is
told an `Answer`: the verdict plus what the approvals and the audit log made of it — an approval that turned
an ask into an allow, a request still waiting, a request denied, a store that was down, a record that could
not be written. Every face carries the `Answer` (Checkpoint, the server's services, the hooks, the SDK, the
broker); `Answer.contract()` is the one function that writes the `check --batch` / HTTP shape (DESIGN.md).

Only model.py below it: the hooks import this module on every tool call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from msgspec.structs import replace

from changegate.model import DECISIONS, RISKS, Action, Decision, Effect, Verdict

REQUIRED_EFFECT_FIELDS = ("operation", "resource", "environment", "scope", "reversible")
MAX_LOGGED_REASONS = 8
MAX_LOGGED_EFFECTS = 50


class Judgement(msgspec.Struct, frozen=True):
    """A verdict with what approvals bind to: the action as read and its canonical form (None when the
    action could not be read)."""

    verdict: Verdict
    action: Action | None = None
    canonical: dict[str, Any] | None = None


class Answer(msgspec.Struct, frozen=True):
    """The verdict, and where it stands now. `decision`, `approvals_required`, `reasons` and `suggestions`
    start as the verdict's; an approval, a closed request, a store that is down or an audit record that could
    not be written change them."""

    verdict: Verdict
    decision: Decision
    approvals_required: int
    reasons: list[str]
    suggestions: list[str]
    error: str | None = None
    request: dict[str, Any] | None = None  # the approval request that waits or that decided: its brief
    warning: str | None = None  # allowed although its audit record could not be written
    line_id: Any = None  # the caller's id (`check --batch`, HTTP), echoed back first

    @classmethod
    def of(cls, verdict: Verdict, line_id: Any = None) -> Answer:
        return cls(verdict, verdict.decision, verdict.approvals_required, verdict.reasons, verdict.suggestions,
                   verdict.error, line_id=line_id)

    @property
    def changes_nothing(self) -> bool:
        """Every effect is a read: what may still pass when its record cannot be written."""
        effects = self.verdict.effects
        return bool(effects) and all(e.operation == "read" for e in effects)

    def contract(self) -> dict[str, Any]:
        """The answer in the `check --batch` / HTTP shape (DESIGN.md): the one place that shape is made."""
        verdict = self.verdict
        out: dict[str, Any] = {"id": self.line_id} if self.line_id is not None else {}
        out.update({
            "decision": self.decision,
            "approvals_required": self.approvals_required,
            "risk": verdict.risk,
            "reasons": self.reasons,
            "suggestions": self.suggestions,
            "summary": verdict.summary,
            "effects": [effect_dict(e) for e in verdict.effects],
            "rules": verdict.rules,
            "action_hash": verdict.action_hash,
        })
        if verdict.team and self.decision == "ask":
            out["team"] = verdict.team  # who will see and decide the request
        if self.request is not None:
            out["request"] = self.request
        if self.error:
            out["error"] = self.error
        if self.warning is not None:
            out["warning"] = self.warning
        return out

    @classmethod
    def from_contract(cls, doc: Mapping[str, Any]) -> Answer:
        """An answer read back from its JSON (a server's): a field it cannot read takes the cautious value, an
        effect it cannot read is left out (nothing on this side decides by the server's effects)."""
        decision = doc.get("decision")
        risk = doc.get("risk")
        error = doc.get("error")
        request = doc.get("request")
        warning = doc.get("warning")
        verdict = Verdict(
            decision=decision if decision in DECISIONS else "deny",
            risk=risk if risk in RISKS else "high",
            reasons=strings(doc.get("reasons")), suggestions=strings(doc.get("suggestions")),
            effects=readable_effects(doc.get("effects")), approvals_required=count(doc.get("approvals_required")),
            action_hash=str(doc.get("action_hash") or ""), rules=strings(doc.get("rules")),
            summary=str(doc.get("summary") or ""), error=str(error) if error else None)
        return replace(cls.of(verdict, doc.get("id")), request=request if isinstance(request, dict) else None,
                       warning=str(warning) if warning else None)


def unreadable_line(line_id: Any, error: str) -> dict[str, Any]:
    """The answer to a `check --batch` line that is not an action to judge (not JSON, too large, no
    `action`): deny, saying why; there is no verdict to show."""
    return {"id": line_id, "decision": "deny", "approvals_required": 0, "error": error}


def effect_dict(effect: Effect) -> dict[str, Any]:
    """An effect for output: the contract's fields always, the rest where they say something."""
    out: dict[str, Any] = {name: getattr(effect, name) for name in REQUIRED_EFFECT_FIELDS}
    for name in effect.__struct_fields__:
        if name not in out:
            value = getattr(effect, name)
            if value not in (None, "", False, ()):
                out[name] = list(value) if isinstance(value, tuple) else value
    return out


def decision_data(answer: Answer, judgement: Judgement, agent: str | None, operator: str | None) -> dict[str, Any]:
    """A decision as the audit log keeps it: what was decided, why, and the canonical action (no secrets)."""
    verdict, action = judgement.verdict, judgement.action
    data: dict[str, Any] = {
        "decision": answer.decision, "verdict": verdict.decision, "risk": verdict.risk,
        "rules": verdict.rules, "summary": verdict.summary, "reasons": answer.reasons[:MAX_LOGGED_REASONS],
        "action_hash": verdict.action_hash,
        "effects": [[e.operation, e.resource, e.environment] for e in verdict.effects[:MAX_LOGGED_EFFECTS]],
        "agent": action.agent if action and action.agent else agent,
        "operator": action.operator if action and action.operator else operator,
    }
    if judgement.canonical is not None:
        data["action"] = judgement.canonical
    if answer.error or verdict.error:
        data["error"] = answer.error or verdict.error
    if answer.request is not None:
        data["request"] = answer.request["id"]
    return data


def strings(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def readable_effects(value: Any) -> list[Effect]:
    readable: list[Effect] = []
    for item in value if isinstance(value, list) else []:
        try:
            readable.append(msgspec.convert(item, Effect, strict=False))
        except msgspec.ValidationError:
            continue
    return readable
