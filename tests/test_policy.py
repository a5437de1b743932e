"""The policy file: loading, validation messages with lines, extends/disable, environments, freezes, agents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from changegate.gate import evaluate
from changegate.model import OPERATIONS, Effect
from changegate.policy import Counts, Policy, PolicyError, default_text, load_policy
from tests.conftest import shell


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        load_policy(write(tmp_path, text))
    return caught.value.problems


def test_default_policy_is_readable_yaml_with_every_rule_explained() -> None:
    policy = load_policy(None)
    assert "rules:" in default_text()
    assert len(policy.rules) >= 20
    assert all(r.rule.reason.strip() for r in policy.rules)
    assert len({r.id for r in policy.rules}) == len(policy.rules)


def test_unknown_field_names_file_line_and_field(tmp_path: Path) -> None:
    found = problems(tmp_path, "rules:\n  - id: x\n    decide: ask\n    reason: r\n    matc: {}\n")
    assert len(found) == 1
    assert "policy.yaml:2" in found[0] and "matc" in found[0]


def test_wrong_value_says_what_is_expected(tmp_path: Path) -> None:
    found = problems(tmp_path, "rules:\n  - id: x\n    decide: maybe\n    reason: r\n")
    assert "policy.yaml:3" in found[0]
    assert "allow" in found[0] and "deny" in found[0]


def test_unknown_operation_and_environment_are_reported_with_lines(tmp_path: Path) -> None:
    found = problems(tmp_path, "rules:\n  - id: x\n    decide: ask\n    reason: r\n    match:\n"
                               "      operation: [remove]\n      environment: prd\n")
    assert any(":6:" in p and "remove" in p for p in found)
    assert any(":7:" in p and "prd" in p for p in found)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    found = problems(tmp_path, "rules:\n  - id: x\n   decide: [\n")
    assert "policy.yaml:" in found[0] and "YAML" in found[0]


def test_bad_comparison_and_duplicate_ids(tmp_path: Path) -> None:
    found = problems(tmp_path, "rules:\n  - {id: a, decide: ask, reason: r, match: {deletes: 'lots'}}\n"
                               "  - {id: a, decide: ask, reason: r}\n")
    assert any("comparison" in p for p in found)
    assert any("used twice" in p for p in found)


def test_freeze_without_zone_or_backwards(tmp_path: Path) -> None:
    found = problems(tmp_path, "freezes:\n  - name: f\n    start: 2026-12-20T00:00:00\n"
                               "    end: 2026-12-19T00:00:00Z\n")
    assert any("zone" in p for p in found) or any("ends before" in p for p in found)


def test_extends_default_and_disable(tmp_path: Path) -> None:
    path = write(tmp_path, "extends: default\ndisable: [ask-unrecoverable-work]\n")
    assert shell("git reset --hard", policy=load_policy(path)).decision == "allow"
    assert shell("git reset --hard").decision == "ask"


def test_disable_of_an_unknown_rule_is_an_error(tmp_path: Path) -> None:
    found = problems(tmp_path, "extends: default\ndisable: [no-such-rule]\n")
    assert "no-such-rule" in found[0]


def test_explicit_environment_mapping_beats_names(tmp_path: Path) -> None:
    path = write(tmp_path, "extends: default\nenvironments:\n  dev:\n    paths: ['/srv/scratch/**']\n")
    policy = load_policy(path)
    assert shell("rm -rf /srv/scratch/run1", policy=policy).decision == "allow"
    assert shell("rm -rf /srv/other", policy=policy).decision == "ask"


def test_a_rule_can_tighten_with_approvals_and_resources(tmp_path: Path) -> None:
    path = write(tmp_path, "extends: default\nrules:\n  - id: billing-two\n    match:\n"
                           "      operation: delete\n      resource: ['fs:/srv/billing/**']\n"
                           "    decide: ask\n    approvals: 2\n    reason: Billing data needs two people.\n")
    verdict = shell("rm -rf /srv/billing/2026", policy=load_policy(path))
    assert verdict.approvals_required == 2
    assert any("Billing data" in r for r in verdict.reasons)


def test_per_agent_override(tmp_path: Path) -> None:
    path = write(tmp_path, "extends: default\nagents:\n  ci-*:\n    disable: [ask-unrecoverable-work]\n")
    policy = load_policy(path)
    assert shell("git clean -fdx", policy=policy, agent="ci-runner").decision == "allow"
    assert shell("git clean -fdx", policy=policy, agent="claude-code").decision == "ask"


def test_freeze_denies_changes_unless_exempt(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    text = (f"extends: default\nfreezes:\n  - name: holiday\n    start: {(now - timedelta(hours=1)).isoformat()}\n"
            f"    end: {(now + timedelta(hours=1)).isoformat()}\n    environments: [prod, unknown]\n"
            "rules:\n  - id: hotfix-path\n    match: {resource: ['fs:/srv/hotfix/**']}\n    decide: ask\n"
            "    freeze: exempt\n    reason: Hotfixes may go out during a freeze, with approval.\n")
    policy = load_policy(write(tmp_path, text))
    assert shell("rm -rf /srv/data", policy=policy).decision == "deny"
    assert shell("rm -rf /srv/hotfix/x", policy=policy).decision == "ask"
    assert shell("rm -rf build", policy=policy).decision == "allow"
    assert shell("cat /srv/data/x", policy=policy).decision == "allow"


def test_fallback_applies_when_no_rule_matches(tmp_path: Path) -> None:
    path = write(tmp_path, "fallback: deny\nrules:\n  - {id: reads, match: {operation: read}, decide: allow, "
                           "reason: reads are fine}\n")
    policy = load_policy(path)
    assert shell("cat x", policy=policy).decision == "allow"
    verdict = shell("rm x", policy=policy)
    assert verdict.decision == "deny"
    assert any("no rule covers" in r for r in verdict.reasons)


def test_missing_policy_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(tmp_path / "nope.yaml")
    assert "cannot read" in caught.value.problems[0]


def test_naming_can_be_changed(tmp_path: Path) -> None:
    path = write(tmp_path, "extends: default\nnaming:\n  prod: [prod, prd, live, main-site]\n"
                           "  staging: [staging]\n  dev: [dev]\n")
    verdict = evaluate({"type": "shell", "command": "ssh web.main-site.example 'rm -rf /srv/x'", "cwd": "/w",
                        "env": {"HOME": "/h"}}, load_policy(path))
    assert verdict.effects[-1].environment == "prod"


ROUTED = ("version: 1\nextends: default\nrules:\n"
          "  - id: dba-review\n    match: {operation: delete, resource: ['fs:/srv/db/**']}\n"
          "    decide: ask\n    team: dba\n    reason: the DBAs decide what happens to the database files.\n"
          "  - id: billing-two\n    match: {operation: delete, resource: ['fs:/srv/db/billing/**']}\n"
          "    decide: ask\n    approvals: 2\n    team: finance\n    reason: billing data needs finance.\n")


def test_a_rule_routes_its_asks_to_a_team(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, ROUTED))
    verdict = shell("rm -rf /srv/db/orders", policy=policy)
    assert (verdict.decision, verdict.team) == ("ask", "dba")
    # two rules name a team: the one setting the bar (two approvals) routes it
    assert shell("rm -rf /srv/db/billing/2026", policy=policy).team == "finance"
    # an ask no routed rule decides goes to whoever it went to before (the agent's team)
    assert shell("rm -rf /srv/web/cache", policy=policy).team is None
    assert shell("ls /srv/db", policy=policy).team is None


def test_a_team_on_an_allow_or_a_bad_team_name_is_an_error(tmp_path: Path) -> None:
    found = problems(tmp_path, "version: 1\nrules:\n  - id: r\n    decide: allow\n    team: dba\n    reason: x\n"
                               "  - id: s\n    decide: ask\n    team: 'two words'\n    reason: y\n")
    assert any(":5: rules[0].team" in p and "only an ask" in p for p in found), found
    assert any(":9: rules[1].team" in p and "team name" in p for p in found), found


def _vocabulary(policy: Policy, field: str, extra: tuple[str, ...]) -> list[str]:
    found = {value for r in policy.rules for value in (getattr(r, field) or ())}
    return sorted(found | set(extra))


INDEXED = """extends: default
rules:
  - {id: git-anywhere, decide: ask, reason: r, match: {family: [git]}}
  - {id: sql-deletes, decide: deny, reason: r, match: {action: sql, operation: delete}}
  - {id: forced-local, decide: ask, reason: r, match: {tags: [force], environment: local}}
  - {id: rm-files, decide: allow, reason: r, match: {family: rm, kind: file, operation: delete}}
  - {id: http-prod, decide: deny, reason: r, match: {action: [http, mcp_tool], environment: prod}}
agents:
  ci-*:
    disable: [git-anywhere]
    rules:
      - {id: ci-any, decide: ask, reason: r, match: {operation: modify}}
"""


@pytest.fixture(scope="module")
def indexed_policies(tmp_path_factory: pytest.TempPathFactory) -> list[Policy]:
    return [load_policy(None), load_policy(write(tmp_path_factory.mktemp("indexed"), INDEXED))]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_rule_index_finds_every_rule_that_matches(indexed_policies: list[Policy], data: st.DataObject) -> None:
    """`Policy.candidates` (keyed by operation, environment, family, action type and whether there are tags)
    plus `unconditional` must pick exactly the rules, in the same order, that checking every rule picks."""
    policy = data.draw(st.sampled_from(indexed_policies))
    effect = Effect(
        operation=data.draw(st.sampled_from(OPERATIONS)),
        resource=data.draw(st.sampled_from(["fs:/srv/data", "fs:/home/dev/app/x", "k8s:prod/ns/payments",
                                            "sql:db/main/table/users", "cmd:curl", "url:https://example.com"])),
        environment=data.draw(st.sampled_from(_vocabulary(policy, "environment", ("local", "prod", "unknown")))),
        scope=data.draw(st.sampled_from(["one", "many", "all"])),
        reversible=data.draw(st.sampled_from(["yes", "no", "unknown"])),
        kind=data.draw(st.sampled_from(_vocabulary(policy, "kind", ("", "file")))),
        family=data.draw(st.sampled_from(_vocabulary(policy, "family", ("", "git", "rm")))),
        data_loss=data.draw(st.booleans()),
        whole_environment=data.draw(st.booleans()),
        tags=tuple(data.draw(st.lists(st.sampled_from(_vocabulary(policy, "tags", ("force",))), max_size=3))),
    )
    action_type = data.draw(st.sampled_from(["shell", "sql", "http", "mcp_tool", "terraform_plan"]))
    agent = data.draw(st.sampled_from([None, "claude-code", "ci-bot"]))
    counts = Counts.of([effect])
    every = [r for r in policy.rules_for(agent)
             if r.matches(effect, action_type, agent, "/home/dev", "/home/dev/app", counts)]
    indexed = [r for r in policy.candidates(agent, effect, action_type)
               if r.unconditional or r.matches(effect, action_type, agent, "/home/dev", "/home/dev/app", counts)]
    assert [r.id for r in indexed] == [r.id for r in every]
