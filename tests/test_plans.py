"""Plans and manifests: terraform/OpenTofu JSON plans, CloudFormation change sets, Kubernetes manifests."""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changegate.gate import evaluate
from changegate.model import Verdict

FIXTURES = Path(__file__).parent / "fixtures" / "plans"
K8S = Path(__file__).parent / "fixtures" / "k8s"
HOME = "/home/dev"
OPERATION_OF = {"create": "create", "update": "modify", "delete": "delete", "replace": "replace"}


def plan_verdict(*, plan: dict[str, Any] | None = None, path: str | None = None, cwd: str = "/home/dev/app",
                 env: dict[str, str] | None = None) -> Verdict:
    action: dict[str, Any] = {"type": "terraform_plan", "cwd": cwd, "env": {"HOME": HOME, **(env or {})}}
    if plan is not None:
        action["plan"] = plan
    if path is not None:
        action["path"] = path
    return evaluate(action)


def load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return doc


def counted(verdict: Verdict, operation: str) -> int:
    return sum(e.count or 1 for e in verdict.effects if e.operation == operation and e.family == "plan")


def corpus() -> list[dict[str, Any]]:
    with gzip.open(FIXTURES / "plans.jsonl.gz", "rt") as fh:
        return [json.loads(line) for line in fh]


# --- the real plans ---------------------------------------------------------------------------------------

def test_every_corpus_plan_decides_consistently_with_its_counted_actions() -> None:
    """189 real plans: the counts changegate sees are the index's; a destroy or replace is never allowed (none of
    these plans names a dev environment); creates and updates are allowed only where the plan places itself in
    dev or staging (by its tags); a plan that changes nothing is allowed unless changegate flagged it as unreadable (an
    unknown format, an errored run) — which must then not allow."""
    plans = corpus()
    assert len(plans) == 189
    for entry in plans:
        verdict = plan_verdict(plan=entry["plan"])
        counts = entry["action_counts"]
        flagged = any("not-understood" in e.tags for e in verdict.effects)
        name = entry["plan_file"]
        if flagged:
            assert verdict.decision != "allow", name
            continue
        for change, operation in OPERATION_OF.items():
            assert counted(verdict, operation) == counts.get(change, 0), (name, change)
        if counts.get("delete") or counts.get("replace"):
            assert verdict.decision != "allow", name
        elif counts.get("create") or counts.get("update"):
            ordinary = all(e.environment in ("dev", "local", "staging") for e in verdict.effects)
            assert verdict.decision == ("allow" if ordinary else "ask"), name
        elif any(e.kind == "provider-action" for e in verdict.effects):
            assert verdict.decision == "ask", name  # terraform 1.14 actions: side effects the index does not count
        else:
            assert verdict.decision == "allow", name


def test_corpus_plans_flagged_as_unreadable_are_the_odd_ones() -> None:
    """Only plans with something genuinely odd fail closed: an invented format_version, an errored run."""
    flagged = []
    for entry in corpus():
        verdict = plan_verdict(plan=entry["plan"])
        if any("not-understood" in e.tags for e in verdict.effects):
            flagged.append(entry["plan_file"].rsplit("/", 3)[-3:])
    assert len(flagged) <= 3, flagged
    assert ["artificial", "full.json"] in [f[-2:] for f in flagged]


# --- the whole environment replaced ------------------------------------------------------------------------

def test_everything_replaced_in_prod_is_denied_with_the_summary_a_human_approves_from() -> None:
    verdict = plan_verdict(plan=load("replace_everything.json"), env={"TF_WORKSPACE": "prod"})
    assert verdict.decision == "deny"
    assert "deny-most-of-prod" in verdict.rules
    assert verdict.summary == ("replaces 14 of 14 resources in prod (3 hold data: aws_db_instance.main, "
                               "aws_s3_bucket.assets, aws_efs_file_system.shared)")
    replaced = [e for e in verdict.effects if e.operation == "replace"]
    assert sum(e.count or 0 for e in replaced) == 14
    assert all(e.total == 14 and e.whole_environment and e.scope == "all" for e in replaced)
    assert {e.kind for e in replaced if e.data_loss} == {"aws_db_instance", "aws_s3_bucket", "aws_efs_file_system"}
    assert any("in pieces" in s for s in verdict.suggestions)


def test_the_same_plan_in_a_dev_workspace_is_ordinary_work() -> None:
    verdict = plan_verdict(plan=load("replace_everything.json"), env={"TF_WORKSPACE": "dev"})
    assert verdict.decision == "allow"


def test_the_same_plan_with_nothing_naming_its_environment_is_treated_as_prod() -> None:
    verdict = plan_verdict(plan=load("replace_everything.json"))
    assert verdict.decision == "deny"
    assert all(e.environment == "unknown" for e in verdict.effects)


def test_the_workspace_file_under_cwd_places_the_plan(tmp_path: Path) -> None:
    (tmp_path / ".terraform").mkdir()
    (tmp_path / ".terraform" / "environment").write_text("staging\n")
    verdict = plan_verdict(plan=load("replace_everything.json"), cwd=str(tmp_path))
    assert {e.environment for e in verdict.effects} == {"staging"}
    assert verdict.decision == "ask"  # staging: delete and replace ask


def test_kiro_shaped_incident_needs_two_approvals_or_is_denied() -> None:
    """The incident this project exists for (incidents.jsonl `kiro-2025-12-plan`), as a plan."""
    doc = json.loads((FIXTURES / "kiro_incident.json").read_text())
    verdict = plan_verdict(plan=doc)
    assert verdict.decision == "deny" or (verdict.decision == "ask" and verdict.approvals_required >= 2)
    assert verdict.summary.startswith("replaces 9 of 9 resources in prod (6 hold data: aws_vpc.core,")
    assert "variable env = 'production'" in verdict.effects[0].why_environment


def test_a_few_replaced_among_many_asks_with_two_approvals_when_one_holds_data() -> None:
    doc = load("replace_everything.json")
    # keep 2 replaced (one database), make the other 12 no-ops: 2 of 14, not most of prod
    for rc in doc["resource_changes"][2:]:
        rc["change"]["actions"] = ["no-op"]
    verdict = plan_verdict(plan=doc, env={"TF_WORKSPACE": "prod"})
    assert verdict.decision == "ask" and verdict.approvals_required == 2
    assert "two-approvals-data-loss" in verdict.rules
    assert verdict.summary.startswith("replaces 2 of 14 resources in prod (2 hold data:")


# --- findings and environment signals ------------------------------------------------------------------------

def test_deletion_protection_turned_off_is_a_finding_and_the_state_is_counted_with_its_modules() -> None:
    verdict = plan_verdict(plan=load("protection_off.json"))
    by_op = {(e.operation, e.kind): e for e in verdict.effects}
    finding = next(e for e in verdict.effects if "protection-removed" in e.tags)
    assert finding.resource == "plan:module.db.aws_db_instance.orders"
    assert "deletion_protection: True -> False" in finding.summary
    deleted = by_op[("delete", "aws_s3_bucket")]
    assert deleted.data_loss and "no-safety-net" in deleted.tags
    assert deleted.total == 3  # managed resources of the state, child module included, data sources not
    assert by_op[("create", "aws_sqs_queue")].count == 1
    assert {e.environment for e in verdict.effects} == {"staging"}
    assert verdict.decision == "ask"


def test_provider_profile_and_tags_place_a_plan() -> None:
    doc = load("replace_everything.json")
    doc["configuration"]["provider_config"]["aws"]["expressions"]["profile"] = {"constant_value": "acme-production"}
    verdict = plan_verdict(plan=doc)
    assert verdict.effects[0].environment == "prod"
    assert "provider aws AWS profile" in verdict.effects[0].why_environment
    tagged = load("replace_everything.json")
    for rc in tagged["resource_changes"]:
        rc["change"]["before"]["tags"] = {"Environment": "stage"}
    assert plan_verdict(plan=tagged).effects[0].environment == "staging"


def test_a_stricter_signal_wins_over_a_milder_one() -> None:
    doc = load("replace_everything.json")
    doc["variables"]["env"] = {"value": "production"}
    verdict = plan_verdict(plan=doc, env={"TF_WORKSPACE": "dev"})
    assert verdict.effects[0].environment == "prod"


def test_an_unnamed_signal_does_not_override_a_named_one() -> None:
    doc = load("replace_everything.json")
    doc["configuration"]["provider_config"]["aws"]["expressions"]["profile"] = {"constant_value": "acme-main"}
    verdict = plan_verdict(plan=doc, env={"TF_WORKSPACE": "dev"})
    assert verdict.effects[0].environment == "dev"


def test_provider_actions_are_unknown_effects_in_the_plans_environment() -> None:
    doc = {"format_version": "1.2", "resource_changes": [], "variables": {"env": {"value": "prod"}},
           "action_invocations": [{"address": "action.aws_lambda_invoke.migrate", "type": "aws_lambda_invoke"}]}
    verdict = plan_verdict(plan=doc)
    effect = next(e for e in verdict.effects if e.kind == "provider-action")
    assert effect.operation == "unknown" and effect.environment == "prod"
    assert verdict.decision == "ask"


def test_a_plan_that_changes_nothing_is_a_read() -> None:
    doc = {"format_version": "1.2", "resource_changes": [
        {"address": "aws_instance.a", "mode": "managed", "type": "aws_instance", "change": {"actions": ["no-op"]}}]}
    verdict = plan_verdict(plan=doc)
    assert verdict.decision == "allow"
    assert verdict.summary.startswith("changes nothing (1 resources unchanged)")


def test_many_distinct_types_and_modules_are_merged_but_still_counted() -> None:
    changes = [{"address": f"module.m{i}.aws_x{i % 300}.r", "mode": "managed", "type": f"aws_x{i % 300}",
                "module_address": f"module.m{i}", "change": {"actions": ["delete"]}} for i in range(1000)]
    verdict = plan_verdict(plan={"format_version": "1.2", "resource_changes": changes})
    assert len(verdict.effects) <= 200
    assert counted(verdict, "delete") == 1000


# --- CloudFormation change sets -------------------------------------------------------------------------------

def test_a_change_set_replacing_a_database_in_prod_needs_two_approvals() -> None:
    verdict = plan_verdict(path=str(FIXTURES / "changeset_replace.json"))
    assert verdict.decision == "ask" and verdict.approvals_required == 2
    effects = {(e.operation, e.kind): e for e in verdict.effects}
    assert effects[("replace", "AWS::RDS::DBInstance")].data_loss
    assert "may-replace" in effects[("replace", "AWS::EC2::Instance")].tags
    assert effects[("modify", "AWS::Lambda::Function")].count == 1
    removed = [e for e in verdict.effects if e.operation == "delete"]
    assert {(e.kind, e.data_loss) for e in removed} == {("AWS::S3::Bucket", False), ("AWS::DynamoDB::Table", True)}
    assert all(e.environment == "prod" for e in verdict.effects)
    assert verdict.summary.startswith("deletes 2 and replaces 2 resources of stack orders-prod, creates 1, "
                                      "updates 1 in prod (2 hold data: OrdersDatabase, SessionsTable)")


def test_change_set_paging_is_incomplete_and_fails_closed() -> None:
    doc = load("changeset_replace.json")
    doc["Changes"] = doc["Changes"][3:4]  # just the queue being added
    doc["Parameters"] = [{"ParameterKey": "Environment", "ParameterValue": "dev"}]
    doc["StackName"] = doc["StackId"] = "orders-dev"
    assert plan_verdict(plan=doc).decision == "allow"
    doc["NextToken"] = "page-2"
    verdict = plan_verdict(plan=doc)
    assert verdict.decision == "ask"
    assert any("NextToken" in r for r in verdict.reasons)


# --- bad input fails closed, naming the file and the problem ---------------------------------------------------

@pytest.mark.parametrize(("name", "problem"), [
    ("truncated.json", "is not valid JSON"),
    ("not_a_plan.json", "neither a `terraform show -json` plan nor a CloudFormation change set"),
    ("future_format.json", "format_version '2.0'"),
    ("missing.json", "cannot be read"),
])
def test_bad_plans_fail_closed_with_a_reason_naming_the_file(name: str, problem: str) -> None:
    verdict = plan_verdict(path=name, cwd=str(FIXTURES))
    assert verdict.decision != "allow"
    assert any(name in r and problem in r for r in verdict.reasons), verdict.reasons


def test_a_binary_plan_file_says_how_to_give_its_json(tmp_path: Path) -> None:
    (tmp_path / "tf.plan").write_bytes(b"PK\x03\x04binary plan")
    verdict = plan_verdict(path="tf.plan", cwd=str(tmp_path))
    assert verdict.decision != "allow"
    assert any("terraform show -json tf.plan" in r for r in verdict.reasons)


def test_an_errored_plan_is_not_trusted() -> None:
    doc = {"format_version": "1.2", "errored": True, "resource_changes": []}
    verdict = plan_verdict(plan=doc)
    assert verdict.decision == "ask"
    assert any("errored" in r for r in verdict.reasons)


def test_the_action_hash_binds_the_plan_file_contents(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(load("protection_off.json")))
    first = plan_verdict(path="plan.json", cwd=str(tmp_path))
    doc = load("protection_off.json")
    doc["resource_changes"][2]["change"]["actions"] = ["delete"]
    plan.write_text(json.dumps(doc))
    second = plan_verdict(path="plan.json", cwd=str(tmp_path))
    assert first.action_hash != second.action_hash


# --- speed ------------------------------------------------------------------------------------------------------

def generated_plan(changes: int) -> dict[str, Any]:
    kinds = ["aws_instance", "aws_security_group_rule", "aws_route53_record", "aws_iam_role", "aws_db_instance"]
    actions = [["update"], ["delete", "create"], ["create"], ["no-op"], ["delete"]]
    rcs = [{"address": f"module.svc{i % 40}.{kinds[i % 5]}.r{i}", "mode": "managed", "type": kinds[i % 5],
            "module_address": f"module.svc{i % 40}", "name": f"r{i}",
            "change": {"actions": actions[i % 5], "before": {"tags": {"Name": f"r{i}"}, "deletion_protection": False},
                       "after": {"tags": {"Name": f"r{i}"}}}} for i in range(changes)]
    return {"format_version": "1.2", "resource_changes": rcs, "variables": {"env": {"value": "prod"}}}


def test_a_plan_of_5000_changes_decides_quickly() -> None:
    """bench/plans.py measures the figure; this bound is loose enough for a busy CI machine."""
    doc = generated_plan(5000)
    evaluate({"type": "terraform_plan", "plan": doc})
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        verdict = evaluate({"type": "terraform_plan", "plan": doc})
        timings.append(time.perf_counter() - start)
    assert verdict.decision == "ask" and verdict.approvals_required == 2  # 2,000 of 4,000 destroyed: half
    assert sorted(timings)[2] < 0.25


# --- Kubernetes manifests ---------------------------------------------------------------------------------------

def manifest_verdict(tmp_path: Path, *, manifest: str | None = None, path: str | None = None,
                     context: str | None = "prod-eu") -> Verdict:
    home = tmp_path / "home"
    (home / ".kube").mkdir(parents=True, exist_ok=True)
    if context:
        (home / ".kube" / "config").write_text(f"apiVersion: v1\nkind: Config\ncurrent-context: {context}\n"
                                               f"contexts:\n- name: {context}\n  context: {{cluster: c1}}\n")
    action: dict[str, Any] = {"type": "k8s_manifest", "cwd": str(K8S), "env": {"HOME": str(home)}}
    if manifest is not None:
        action["manifest"] = manifest
    if path is not None:
        action["path"] = path
    return evaluate(action)


def test_a_manifest_is_applied_to_the_current_context(tmp_path: Path) -> None:
    verdict = manifest_verdict(tmp_path, path="app.yaml")
    kinds = {e.kind for e in verdict.effects}
    assert kinds == {"namespace", "deployment", "service", "persistentvolumeclaim", "secret"}
    assert all(e.environment == "prod" and e.operation == "modify" for e in verdict.effects)
    assert verdict.decision == "ask"
    assert "k8s:prod-eu/payments/deployment/api" in {e.resource for e in verdict.effects}


def test_the_same_manifest_on_a_kind_cluster_is_allowed(tmp_path: Path) -> None:
    assert manifest_verdict(tmp_path, path="app.yaml", context="kind-dev").decision == "allow"


def test_a_privileged_daemonset_controls_its_nodes(tmp_path: Path) -> None:
    verdict = manifest_verdict(tmp_path, path="privileged.yaml")
    control = next(e for e in verdict.effects if e.operation == "host_control")
    assert "hostPID: true" in control.summary and "privileged: true" in control.summary
    assert "mounts the node's /" in control.summary
    assert verdict.decision == "ask"


def test_rbac_in_a_manifest_is_a_permission_change(tmp_path: Path) -> None:
    verdict = manifest_verdict(tmp_path, path="rbac.yaml")
    assert {e.operation for e in verdict.effects} == {"modify", "permission"}


def test_a_manifest_that_does_not_parse_fails_closed_naming_the_file(tmp_path: Path) -> None:
    verdict = manifest_verdict(tmp_path, path="broken.yaml", context="kind-dev")
    assert verdict.decision != "allow"
    assert any("broken.yaml" in r and "does not parse" in r for r in verdict.reasons), verdict.reasons


def test_an_inline_manifest_that_is_not_an_object_fails_closed(tmp_path: Path) -> None:
    verdict = manifest_verdict(tmp_path, manifest="- just\n- a list\n", context="kind-dev")
    assert verdict.decision != "allow"
    assert any("not a Kubernetes object" in r for r in verdict.reasons)


def test_a_list_in_json_is_unpacked(tmp_path: Path) -> None:
    verdict = manifest_verdict(tmp_path, path="list.json")
    assert {e.resource for e in verdict.effects} == {"k8s:prod-eu/web/configmap/settings",
                                                     "k8s:prod-eu/web/service/web"}


def test_no_kubeconfig_means_an_unknown_cluster(tmp_path: Path) -> None:
    verdict = manifest_verdict(tmp_path, path="app.yaml", context=None)
    assert {e.environment for e in verdict.effects} == {"unknown"}  # namespace payments names nothing
    assert verdict.decision == "ask"



# --- any shape of input -------------------------------------------------------------------------------------------

_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
_json = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                     max_leaves=8)
_actions = st.one_of(st.sampled_from([["create"], ["update"], ["delete"], ["delete", "create"], ["no-op"],
                                      ["read"], ["create", "delete"], ["forget"]]),
                     st.lists(st.text(max_size=6), max_size=3), _scalars)
_change = st.fixed_dictionaries({"actions": _actions},
                                optional={"before": st.one_of(st.none(), _json), "after": st.one_of(st.none(), _json)})
_resource_change = st.one_of(
    st.fixed_dictionaries({"address": st.text(max_size=12), "type": st.sampled_from(["aws_db_instance", "x", ""]),
                           "change": _change}, optional={"mode": st.sampled_from(["managed", "data"])}),
    _json)
_plan = st.fixed_dictionaries({}, optional={
    "format_version": st.one_of(st.sampled_from(["1.2", "0.1", "2.0"]), _scalars),
    "resource_changes": st.one_of(st.lists(_resource_change, max_size=6), _json),
    "prior_state": _json, "configuration": _json, "variables": _json, "errored": _scalars,
    "action_invocations": _json, "Changes": _json, "StackName": _scalars})


@settings(max_examples=300, deadline=None)
@given(_plan)
def test_any_plan_shape_decides_without_raising_and_never_allows_a_delete(doc: dict[str, Any]) -> None:
    verdict = plan_verdict(plan=doc)
    assert verdict.decision in ("allow", "ask", "deny")
    changes = doc.get("resource_changes")
    deletes = isinstance(changes, list) and any(
        isinstance(rc, dict) and isinstance(rc.get("change"), dict) and rc["change"].get("actions") in (
            ["delete"], ["delete", "create"], ["create", "delete"]) and rc.get("mode", "managed") == "managed"
        for rc in changes)
    if deletes:  # allowed only where the plan's own tags or variables place it in dev
        assert verdict.decision != "allow" or all(e.environment in ("dev", "local") for e in verdict.effects)
