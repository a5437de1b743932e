"""Infrastructure as code: terraform/tofu/terragrunt, pulumi, cdk, sam, serverless, eksctl."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import effects, shell

PLANS = Path(__file__).parent / "fixtures" / "plans"


def tf_dir(tmp_path: Path, *, state: bool = False, workspace: str | None = None) -> str:
    directory = tmp_path / "infra"
    directory.mkdir(exist_ok=True)
    if state:
        shutil.copy(PLANS / "state" / "terraform.tfstate", directory / "terraform.tfstate")
    if workspace:
        (directory / ".terraform").mkdir(exist_ok=True)
        (directory / ".terraform" / "environment").write_text(workspace)
    return str(directory)


# --- destroy ------------------------------------------------------------------------------------------------

def test_incident_destroy_in_the_prod_workspace_needs_two_approvals() -> None:
    """incidents.jsonl `terraform-destroy-2026-02`: no state to count, so the whole workspace."""
    verdict = shell("terraform destroy -auto-approve", env={"TF_WORKSPACE": "prod"})
    assert verdict.decision == "deny" or verdict.approvals_required >= 2
    (effect,) = effects(verdict, "delete")
    assert effect.whole_environment and effect.scope == "all" and effect.environment == "prod"
    assert {"destroy", "auto-approve"} <= set(effect.tags)


def test_destroy_counts_a_local_state_and_is_denied_in_prod(tmp_path: Path) -> None:
    cwd = tf_dir(tmp_path)
    os.makedirs(Path(cwd) / "terraform.tfstate.d" / "prod")  # where terraform keeps a workspace's local state
    shutil.copy(PLANS / "state" / "terraform.tfstate", Path(cwd) / "terraform.tfstate.d" / "prod" / "terraform.tfstate")
    verdict = shell("terraform destroy", cwd=cwd, env={"TF_WORKSPACE": "prod"})
    assert verdict.decision == "deny" and "deny-most-of-prod" in verdict.rules
    assert verdict.summary == ("terraform destroy deletes 5 of 5 resources in prod (2 hold data: aws_db_instance.main, "
                               "module.logs.aws_s3_bucket.logs)")
    assert sum(e.count or 0 for e in effects(verdict, "delete")) == 5


def test_a_default_workspace_state_is_read_from_the_directory(tmp_path: Path) -> None:
    verdict = shell("terraform destroy", cwd=tf_dir(tmp_path, state=True), env={"AWS_PROFILE": "shop-prod"})
    assert verdict.decision == "deny"
    assert sum(e.count or 0 for e in effects(verdict, "delete")) == 5


def test_destroy_in_a_dev_workspace_file_flows(tmp_path: Path) -> None:
    cwd = tf_dir(tmp_path, workspace="dev")
    os.makedirs(Path(cwd) / "terraform.tfstate.d" / "dev")
    shutil.copy(PLANS / "state" / "terraform.tfstate", Path(cwd) / "terraform.tfstate.d" / "dev" / "terraform.tfstate")
    verdict = shell("terraform destroy -auto-approve", cwd=cwd)
    assert verdict.decision == "allow"
    assert sum(e.count or 0 for e in effects(verdict, "delete")) == 5


def test_targeted_destroy_of_a_database_is_data_loss() -> None:
    verdict = shell("terraform destroy -target=aws_db_instance.main -target module.web.aws_instance.a[0]",
                    env={"TF_WORKSPACE": "prod"})
    deleted = {e.kind: e for e in effects(verdict, "delete")}
    assert deleted["aws_db_instance"].data_loss and not deleted["aws_instance"].data_loss
    assert verdict.approvals_required == 2


def test_apply_destroy_is_destroy() -> None:
    verdict = shell("tofu apply -destroy -auto-approve", env={"TF_WORKSPACE": "production"})
    assert effects(verdict, "delete")[0].whole_environment


# --- apply ------------------------------------------------------------------------------------------------------

def test_apply_without_a_plan_is_unseen_changes_and_says_how_to_give_the_plan() -> None:
    """Understood, not unknown: it changes (and may destroy) what the configuration says, unseen."""
    verdict = shell("terraform apply -auto-approve", env={"TF_WORKSPACE": "prod"})
    assert verdict.decision == "ask" and verdict.approvals_required == 1
    (effect,) = verdict.effects
    assert effect.operation == "replace" and "unseen-changes" in effect.tags
    assert any("terraform show -json tf.plan > tf.plan.json" in s for s in verdict.suggestions)


def test_apply_in_dev_flows() -> None:
    assert shell("terraform apply -auto-approve", env={"TF_WORKSPACE": "dev"}).decision == "allow"


def fake_terraform(directory: Path, monkeypatch: pytest.MonkeyPatch, plan_json: Path) -> None:
    """A `terraform` first on the gate's PATH whose `show -json` prints `plan_json` (the real one needs
    providers to show a plan of AWS resources)."""
    directory.mkdir(exist_ok=True)
    program = directory / "terraform"
    program.write_text(f"#!/bin/sh\n[ \"$1 $2\" = \"show -json\" ] || exit 1\ncat '{plan_json}'\n")
    program.chmod(0o755)
    monkeypatch.setenv("PATH", f"{directory}:{os.environ.get('PATH', '')}")


def test_apply_of_a_saved_plan_decides_on_what_terraform_shows(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    cwd = Path(tf_dir(tmp_path))
    (cwd / "tf.plan").write_bytes(b"PK\x03\x04")
    fake_terraform(tmp_path / "bin", monkeypatch, PLANS / "replace_everything.json")
    verdict = shell("terraform apply tf.plan", cwd=str(cwd), env={"TF_WORKSPACE": "prod"})
    assert verdict.decision == "deny"
    assert verdict.summary.startswith("replaces 14 of 14 resources in prod (3 hold data:")


def test_a_json_beside_the_plan_file_decides_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cwd = Path(tf_dir(tmp_path))
    shutil.copy(PLANS / "protection_off.json", cwd / "tf.plan.json")  # the agent wrote it: it says anything
    (cwd / "tf.plan").write_bytes(b"PK\x03\x04")
    monkeypatch.setenv("PATH", str(tmp_path / "no-terraform-here"))
    verdict = shell("terraform apply tf.plan", cwd=str(cwd), env={"TF_WORKSPACE": "prod"})
    (effect,) = verdict.effects
    assert "unseen-changes" in effect.tags and "plan-unreadable" in effect.tags
    assert "terraform is not installed" in effect.summary and verdict.decision == "ask"


def test_the_plan_binds_the_action_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cwd = Path(tf_dir(tmp_path))
    (cwd / "tf.plan").write_bytes(b"PK")
    shown = tmp_path / "shown.json"
    shutil.copy(PLANS / "protection_off.json", shown)
    fake_terraform(tmp_path / "bin", monkeypatch, shown)
    first = shell("terraform apply tf.plan", cwd=str(cwd))
    doc = json.loads(shown.read_text())
    doc["resource_changes"][3]["change"]["actions"] = ["delete"]
    shown.write_text(json.dumps(doc))
    second = shell("terraform apply tf.plan", cwd=str(cwd))
    assert first.action_hash != second.action_hash


def test_replace_flag_is_a_replace_of_that_address() -> None:
    verdict = shell("terraform apply -replace=aws_db_instance.main", env={"TF_WORKSPACE": "prod"})
    (replaced,) = [e for e in effects(verdict, "replace") if "unseen-changes" not in e.tags]
    assert replaced.resource == "tf:prod/aws_db_instance.main" and replaced.data_loss
    assert verdict.approvals_required == 2


def test_refresh_only_changes_the_state_not_infrastructure() -> None:
    verdict = shell("terraform apply -refresh-only -auto-approve", env={"TF_WORKSPACE": "staging"})
    assert verdict.effects[0].operation == "modify" and verdict.decision == "allow"


# --- where -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("command", "environment"), [
    ("terraform -chdir=envs/prod apply", "prod"),
    ("terraform apply -var-file=prod.tfvars", "prod"),
    ("terraform apply -var-file=vars/staging.tfvars", "staging"),
    ("terraform apply -var 'env=production'", "prod"),
    ("terraform apply --var=environment=dev", "dev"),
    ("terraform apply", "unknown"),
])
def test_the_environment_comes_from_directories_var_files_and_variables(command: str, environment: str) -> None:
    assert shell(command).effects[0].environment == environment


def test_a_dev_workspace_with_a_prod_var_file_is_prod() -> None:
    verdict = shell("terraform apply -var-file=prod.tfvars", env={"TF_WORKSPACE": "dev"})
    assert verdict.effects[0].environment == "prod"


def test_the_aws_profile_is_a_signal() -> None:
    assert shell("terraform apply", env={"AWS_PROFILE": "acme-prod"}).effects[0].environment == "prod"


# --- state and workspaces ----------------------------------------------------------------------------------------

def test_workspace_delete_force_is_the_whole_environment_of_that_workspace() -> None:
    verdict = shell("terraform workspace delete -force prod")
    (effect,) = verdict.effects
    assert effect.environment == "prod" and effect.whole_environment and verdict.approvals_required == 2
    assert shell("terraform workspace delete scratch").decision == "allow"


def test_workspace_select_is_local() -> None:
    assert shell("terraform workspace select prod").decision == "allow"


@pytest.mark.parametrize(("command", "operation", "approvals"), [
    ("terraform state push old.tfstate", "replace", 2),
    ("terraform state rm aws_db_instance.main", "delete", 1),
    ("terraform state mv aws_instance.a aws_instance.b", "modify", 1),
    ("terraform force-unlock 6ee5c1b0", "modify", 1),
    ("terraform import aws_s3_bucket.logs acme-logs", "modify", 1),
    ("terraform taint aws_db_instance.main", "replace", 2),
])
def test_state_surgery_in_prod(command: str, operation: str, approvals: int) -> None:
    verdict = shell(command, env={"TF_WORKSPACE": "prod"})
    assert verdict.effects[0].operation == operation
    assert verdict.decision == "ask" and verdict.approvals_required == approvals


@pytest.mark.parametrize("command", ["terraform state pull", "terraform output -json", "terraform output -raw db_pw"])
def test_printing_state_and_sensitive_outputs_asks(command: str) -> None:
    assert effects(shell(command), "secret_read")


@pytest.mark.parametrize("command", [
    "terraform plan", "terraform plan -destroy -out d.plan", "terraform show -json tf.plan", "terraform validate",
    "terraform fmt -recursive", "terraform init -upgrade", "terraform output", "terraform state list",
    "terraform providers", "terraform version", "terraform workspace list", "terragrunt plan", "tofu validate",
    "terraform graph",
])
def test_reads_and_local_work_flow(command: str) -> None:
    assert shell(command).decision == "allow", shell(command).reasons


def test_an_unknown_subcommand_is_placed_where_terraform_acts() -> None:
    verdict = shell("terraform frobnicate", env={"TF_WORKSPACE": "prod"})
    assert verdict.effects[0].environment == "prod" and verdict.decision == "ask"


# --- terragrunt ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["terragrunt run-all destroy", "terragrunt destroy-all",
                                     "terragrunt run --all destroy"])
def test_terragrunt_destroy_in_every_module(command: str) -> None:
    verdict = shell(command)
    (effect,) = effects(verdict, "delete")
    assert "every-module" in effect.tags and effect.whole_environment
    assert verdict.approvals_required == 2


def test_terragrunt_working_dir_places_it() -> None:
    verdict = shell("terragrunt apply --terragrunt-working-dir live/prod/vpc")
    assert verdict.effects[0].environment == "prod"


# --- pulumi -------------------------------------------------------------------------------------------------------

def test_pulumi_destroy_of_a_prod_stack_needs_two_approvals() -> None:
    verdict = shell("pulumi destroy --stack acme/api/production --yes")
    (effect,) = verdict.effects
    assert effect.whole_environment and effect.environment == "prod" and "auto-approve" in effect.tags
    assert verdict.approvals_required == 2


@pytest.mark.parametrize(("command", "decision"), [
    ("pulumi up --stack dev --yes", "allow"),
    ("pulumi up --yes", "ask"),  # the selected stack is not known
    ("pulumi preview --stack prod", "allow"),
    ("pulumi stack ls", "allow"),
    ("pulumi stack output --show-secrets -s prod", "ask"),
    ("pulumi refresh -s staging -y", "allow"),
    ("pulumi config set --secret dbPassword x", "allow"),
    ("pulumi state unprotect -s prod urn:pulumi:prod::api::aws:rds/instance:Instance::db", "ask"),
])
def test_pulumi_verbs(command: str, decision: str) -> None:
    assert shell(command).decision == decision, shell(command).reasons


def test_pulumi_stack_rm_force_orphans_the_stack() -> None:
    verdict = shell("pulumi stack rm prod --force --yes")
    assert verdict.effects[0].whole_environment and verdict.approvals_required == 2


def test_pulumi_up_replace_is_a_replace() -> None:
    verdict = shell("pulumi up -s prod --replace urn:pulumi:prod::api::aws:rds/instance:Instance::db")
    assert effects(verdict, "replace")


# --- cdk, sam, serverless, eksctl ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("command", "decision", "approvals"), [
    ("cdk destroy --all --force", "ask", 2),
    ("cdk destroy ApiStack-dev", "allow", 0),
    ("cdk deploy ApiStack --profile prod", "ask", 1),
    ("cdk deploy ApiStack-dev --require-approval never", "allow", 0),
    ("cdk diff ApiStack", "allow", 0),
    ("cdk synth", "allow", 0),
    ("cdktf destroy api-prod", "ask", 2),
    ("sam delete --stack-name orders-prod --no-prompts", "ask", 2),
    ("sam deploy --stack-name orders-staging", "ask", 1),  # unknown changes in staging may delete: ask
    ("sam deploy --stack-name orders-prod --no-execute-changeset", "allow", 0),
    ("sam build", "allow", 0),
    ("serverless deploy --stage dev", "allow", 0),
    ("sls remove --stage prod", "ask", 2),
    ("sls deploy -s production", "ask", 1),
    ("sls info --stage prod", "allow", 0),
    ("eksctl delete cluster --name prod-eu", "ask", 2),
    ("eksctl get clusters", "allow", 0),
    ("eksctl create cluster --name dev-sandbox", "allow", 0),
    ("eksctl drain nodegroup --cluster prod-eu --name ng-1", "ask", 1),
])
def test_deployers(command: str, decision: str, approvals: int) -> None:
    verdict = shell(command)
    assert (verdict.decision, verdict.approvals_required) == (decision, approvals), verdict.reasons


def test_cdk_uses_the_aws_profile_from_the_environment() -> None:
    assert shell("cdk deploy Api", env={"AWS_PROFILE": "shop-dev"}).decision == "allow"
    production = shell("cdk deploy Api", env={"AWS_PROFILE": "shop-production"})
    assert production.decision == "ask" and production.effects[0].environment == "prod"


def test_serverless_reads_its_stage_from_serverless_yml(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text("service: orders\nprovider:\n  name: aws\n  stage: prod\n")
    assert shell("serverless deploy", cwd=str(tmp_path)).decision == "ask"
    (tmp_path / "serverless.yml").write_text("service: orders\nprovider:\n  name: aws\n")  # the default stage: dev
    assert shell("serverless deploy", cwd=str(tmp_path)).decision == "allow"
    (tmp_path / "serverless.yml").write_text("provider:\n  stage: ${opt:stage, 'prod'}\n")
    assert shell("serverless deploy", cwd=str(tmp_path)).decision == "ask"
