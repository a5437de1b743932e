"""Effects + policy + runtime state (time, agent, freezes) -> Verdict.

Every rule that matches an effect counts; deny beats ask beats allow; an effect no rule covers gets the
policy's fallback (ask by default). A freeze turns every change in its environments into a deny unless a
matching rule says `freeze: exempt`. The verdict names the deciding rules and the evidence in plain words,
and carries the safer actions that the rules and the families suggested.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from changegate.environments import workspace_of
from changegate.model import (
    RISK_ORDER,
    SEVERITY,
    Action,
    Decision,
    Effect,
    Risk,
    Verdict,
    action_hash,
    hash_canonical,
)
from changegate.policy import CompiledRule, Counts, Policy, now_utc
from changegate.policy.schema import Freeze
from changegate.understand import Understanding

MAX_REASONS = 6
MAX_SUGGESTIONS = 4


class EffectDecision(msgspec.Struct):
    effect: Effect
    decision: Decision
    approvals: int
    rules: list[CompiledRule] = msgspec.field(default_factory=list)
    reason: str = ""
    risk: Risk = "low"


def decide(action: Action, understanding: Understanding, policy: Policy, *, now: datetime | None = None,
           canonical: dict[str, Any] | None = None) -> Verdict:
    """`canonical`: the action's canonical form, where the caller already built it (the hash is over it)."""
    effects = understanding.effects
    counts = Counts.of(effects)
    env = action.env or {}
    home = env.get("HOME", "")
    workspace = workspace_of(action.cwd, home) or ""
    freezes = policy.active_freezes(now or now_utc()) if policy.doc.freezes else []
    decided = [decide_effect(e, action, counts, home, workspace, policy, freezes) for e in effects]
    digest = hash_canonical(canonical) if canonical is not None else action_hash(action, understanding.consulted)
    return assemble(digest, decided)


def decide_effect(effect: Effect, action: Action, counts: Counts, home: str, workspace: str, policy: Policy,
                  freezes: list[Freeze]) -> EffectDecision:
    candidates = policy.candidates(action.agent, effect, action.type)
    # (plain loops, not generators and key functions: this runs for every effect of every decision)
    matched = [r for r in candidates
               if r.unconditional or r.matches(effect, action.type, action.agent, home, workspace, counts)]
    if not matched:
        decision: Decision = "deny" if policy.fallback == "deny" else "allow" if policy.fallback == "allow" else "ask"
        result = EffectDecision(effect, decision, 1 if decision == "ask" else 0,
                                reason=f"no rule covers {effect.operation} in {effect.environment}; "
                                       f"the policy's fallback is {decision}")
    else:
        deciding = most_severe_rules(matched)
        decision = deciding[0].rule.decide
        # the reason comes from the rule that sets the bar (most approvals, then risk), not the first that
        # matched: the first such rule in the policy's order
        lead = deciding[0]
        for r in deciding:
            if r.bar > lead.bar:
                lead = r
        approvals = lead.rule.approvals if decision == "ask" else 0
        result = EffectDecision(effect, decision, approvals, deciding, lead.rule.reason)
    if freezes and effect.operation != "read" and result.decision != "deny":
        exempt = any(r.rule.freeze == "exempt" for r in matched)
        for freeze in freezes:
            if effect.environment in freeze.environments and not exempt:
                why = freeze.reason or f"changes to {', '.join(freeze.environments)} are frozen"
                result = EffectDecision(effect, "deny", 0, [], f"Freeze {freeze.name!r} until "
                                        f"{freeze.end.isoformat()}: {why}", "high")
                break
    result.risk = risk_of(result)
    return result


def most_severe_rules(matched: list[CompiledRule]) -> list[CompiledRule]:
    """The matched rules whose decision is the most severe (deny over ask over allow), in policy order."""
    top = 0
    for r in matched:
        if r.severity > top:
            top = r.severity
    return [r for r in matched if r.severity == top]


def risk_of(d: EffectDecision) -> Risk:
    explicit: Risk | None = None
    for r in d.rules:
        risk = r.rule.risk
        if risk and (explicit is None or RISK_ORDER[risk] > RISK_ORDER[explicit]):
            explicit = risk
    if explicit is not None:
        return explicit
    if d.risk != "low":
        return d.risk
    if d.decision == "deny":
        return "critical"
    if d.decision == "ask":
        if d.approvals >= 2:
            return "high"
        return "high" if d.effect.environment in ("prod", "unknown") and d.effect.operation in (
            "delete", "replace", "exfiltrate", "execute_opaque") else "medium"
    return "low"


def evidence_sentence(d: EffectDecision) -> str:
    e = d.effect
    rule_ids = ", ".join([r.rule.id for r in d.rules]) or "fallback"
    where = f" [{e.environment}: {e.why_environment}]" if e.why_environment else f" [{e.environment}]"
    return f"{d.reason} — {e.summary or e.operation + ' ' + e.resource}{where} (rule {rule_ids})"


def assemble(digest: str, decided: list[EffectDecision]) -> Verdict:
    if not decided:
        decision: Decision = "ask"
        return Verdict(decision=decision, risk="medium", reasons=["the action has no effects to judge"],
                       suggestions=[], effects=[], approvals_required=1,
                       action_hash=digest)
    # (plain loops rather than generators and key functions: this runs on every decision)
    top, risk = 0, decided[0].risk
    for d in decided:
        if SEVERITY[d.decision] > top:
            top = SEVERITY[d.decision]
        if RISK_ORDER[d.risk] > RISK_ORDER[risk]:
            risk = d.risk
    deciding = [d for d in decided if SEVERITY[d.decision] == top]
    decision = deciding[0].decision
    approvals = 0
    if decision == "ask":
        for d in deciding:
            approvals = max(approvals, d.approvals)
    reasons: list[str] = []
    for d in sorted(deciding, key=lambda d: -d.approvals):  # the most approvals first, else in effect order
        sentence = evidence_sentence(d)
        if sentence not in reasons:
            reasons.append(sentence)
    if len(reasons) > MAX_REASONS:
        reasons = [*reasons[:MAX_REASONS], f"… and {len(reasons) - MAX_REASONS} more"]
    suggestions: list[str] = []
    if decision != "allow":
        for d in deciding:
            for s in d.effect.suggestions:
                if s not in suggestions:
                    suggestions.append(s)
            for r in d.rules:
                for s in r.rule.suggest:
                    if s not in suggestions:
                        suggestions.append(s)
    rules: dict[str, None] = {}
    for d in deciding:
        for r in d.rules:
            rules[r.rule.id] = None
    return Verdict(
        team=routed_team(deciding) if decision == "ask" else None,
        decision=decision,
        risk=risk,
        reasons=reasons,
        suggestions=suggestions[:MAX_SUGGESTIONS],
        effects=[d.effect for d in decided],
        approvals_required=approvals,
        action_hash=digest,
        rules=list(rules),
        summary=summary_of(deciding),
    )


def routed_team(deciding: list[EffectDecision]) -> str | None:
    """The team an ask goes to: that of the rule setting the bar (most approvals, then the highest risk)
    among the deciding rules that name one."""
    routed = [r.rule for d in deciding for r in d.rules if r.rule.team]
    if not routed:
        return None
    return max(routed, key=lambda rule: (rule.approvals, RISK_ORDER.get(rule.risk or "low", 0))).team


def summary_of(deciding: list[EffectDecision]) -> str:
    parts: list[str] = []
    for d in deciding:
        e = d.effect
        text = e.summary or f"{e.operation} {e.resource}"
        if e.environment not in ("local",) and e.environment not in text:
            text += f" in {e.environment}"
        if text not in parts:
            parts.append(text)
    line = "; ".join(parts[:3])
    if len(parts) > 3:
        line += f"; and {len(parts) - 3} more"
    return line
