"""Every real incident in examples/incidents.jsonl (a copy of ../shared/corpora/incidents.jsonl) gets its
expected decision: the AI-agent incidents first, then the older ones the field learned from."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from changegate.gate import evaluate
from changegate.policy import load_policy

INCIDENTS = [json.loads(line) for line in (Path(__file__).parent.parent / "examples" / "incidents.jsonl").open()
             if line.strip()]


def satisfied(case: dict, decision: str, approvals: int) -> bool:
    cls = case["class"]
    if cls == "must_deny":
        return decision == "deny"
    if cls == "must_escalate":
        return decision == "deny" or (decision == "ask" and approvals >= 2)
    if cls == "must_stop":
        return decision in ("ask", "deny")
    return decision == "allow"


@pytest.mark.parametrize("case", INCIDENTS, ids=[c["id"] for c in INCIDENTS])
def test_incident_gets_its_expected_decision(case: dict) -> None:
    verdict = evaluate(case["action"])
    assert satisfied(case, verdict.decision, verdict.approvals_required), (case["expected"], verdict.reasons)
    assert verdict.reasons, "a stopped action must say why"


@pytest.mark.parametrize("case", [c for c in INCIDENTS if "2 approvals" in c["expected"]
                                  and "or deny" not in c["expected"]], ids=lambda c: c["id"])
def test_incidents_that_need_two_people_ask_for_two(case: dict) -> None:
    verdict = evaluate(case["action"])
    assert verdict.decision == "deny" or verdict.approvals_required >= 2, verdict.reasons


def test_code_freeze_turns_the_replit_push_into_a_deny(tmp_path: Path) -> None:
    case = next(c for c in INCIDENTS if c["id"] == "replit-2025-07")
    now = datetime.now(UTC)
    policy_file = tmp_path / "freeze.yaml"
    policy_file.write_text(
        "extends: default\n"
        "freezes:\n"
        "  - name: launch week\n"
        f"    start: {(now - timedelta(hours=1)).isoformat()}\n"
        f"    end: {(now + timedelta(days=1)).isoformat()}\n"
        "    environments: [prod, unknown]\n"
        "    reason: code freeze before the launch\n")
    verdict = evaluate(case["action"], load_policy(policy_file))
    assert verdict.decision == "deny"
    assert any("launch week" in r for r in verdict.reasons)
