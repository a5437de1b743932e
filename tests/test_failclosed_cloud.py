"""Fail closed for clouds and infrastructure as code (issue 11): every dangerous phrasing next to its harmless
twin, decided by the policy as it is once `unknown` is never allowed (the strict policy below)."""

from __future__ import annotations

from pathlib import Path

import pytest

from changegate.environments import Environments
from changegate.model import Verdict
from changegate.policy import Policy, load_policy
from changegate.understand.base import Context
from changegate.understand.lex.bash import parse
from changegate.understand.shell import Walker
from tests.conftest import HOME, WORKSPACE, effects, shell

# the default policy once issue 11 lands: `unknown` is never allowed, not even in dev
STRICT = """
extends: default
disable: [allow-local-dev, ask-staging-destructive]
rules:
  - id: ask-unknown-operation
    match: {operation: unknown}
    decide: ask
    reason: changegate does not know what this program, verb or option does.
  - id: allow-local-dev
    match:
      environment: [local, dev]
      operation: [create, modify, delete, replace, permission, host_control]
    decide: allow
    reason: ordinary work
  - id: ask-staging-destructive
    match:
      environment: staging
      operation: [delete, replace, permission, host_control]
    decide: ask
    reason: staging deletes ask
"""

AWS_CONFIG = """[default]
region = eu-west-1

[profile dev]
sso_account_id = 222222222222
sso_role_name = Developer

[profile prod]
role_arn = arn:aws:iam::111111111111:role/Admin
source_profile = default

[profile d\u0435v]
role_arn = arn:aws:iam::111111111111:role/Admin
source_profile = default
"""

MAIN_TF = """resource "aws_s3_bucket" "assets" {
  bucket = "shop-assets"
}

resource "aws_db_instance" "orders" {
  identifier = "orders"
}
"""


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Policy:
    path = tmp_path_factory.mktemp("policy") / "strict.yaml"
    path.write_text(STRICT)
    return load_policy(str(path))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home under /tmp with an AWS config: dev (222…), prod (111…) and a look-alike `dеv` in prod's account."""
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".aws" / "config").write_text(AWS_CONFIG)
    return tmp_path


def decided(verdict: Verdict) -> tuple[str, int]:
    return verdict.decision, verdict.approvals_required


def stopped(verdict: Verdict) -> bool:
    return verdict.decision != "allow"


def escalated(verdict: Verdict) -> bool:
    return verdict.decision == "deny" or (verdict.decision == "ask" and verdict.approvals_required >= 2)


# --- understood, not unknown: deploys whose changes are not visible -------------------------------------------

@pytest.mark.parametrize(("command", "env"), [
    ("pulumi up --stack dev", {}),
    ("pulumi up --stack dev --yes", {}),
    ("pulumi watch --stack dev", {}),
    ("cdk deploy ApiStack-dev", {}),
    ("cdk deploy Api", {"AWS_PROFILE": "shop-dev"}),
    ("serverless deploy --stage dev", {}),
    ("sls deploy -s dev", {}),
    ("sam deploy --stack-name orders-dev", {}),
    ("terraform apply -auto-approve", {"TF_WORKSPACE": "dev"}),
    ("tofu apply", {"TF_WORKSPACE": "dev"}),
    ("terragrunt run-all apply --terragrunt-non-interactive", {"TF_WORKSPACE": "dev"}),
    ("terraform test", {"TF_WORKSPACE": "dev"}),
])
def test_deploys_with_unseen_changes_flow_in_dev(strict: Policy, command: str, env: dict[str, str]) -> None:
    verdict = shell(command, env=env, policy=strict)
    assert verdict.decision == "allow", verdict.reasons
    assert not effects(verdict, "unknown")
    assert any("unseen-changes" in e.tags for e in verdict.effects)


@pytest.mark.parametrize(("command", "env"), [
    ("pulumi up --stack prod --yes", {}),
    ("pulumi up --yes", {}),  # the selected stack is not known
    ("cdk deploy ApiStack-prod", {}),
    ("cdk deploy Api", {}),
    ("serverless deploy --stage prod", {}),
    ("sam deploy --stack-name orders-staging", {}),  # an update may delete: staging asks too
    ("terraform apply -auto-approve", {"TF_WORKSPACE": "prod"}),
    ("terraform apply -auto-approve", {}),
])
def test_deploys_with_unseen_changes_ask_in_prod_and_unknown(strict: Policy, command: str,
                                                             env: dict[str, str]) -> None:
    verdict = shell(command, env=env, policy=strict)
    assert decided(verdict) == ("ask", 1), verdict.reasons
    assert not effects(verdict, "unknown")


def test_an_unknown_verb_stays_unknown(strict: Policy) -> None:
    verdict = shell("terraform frobnicate", env={"TF_WORKSPACE": "dev"}, policy=strict)
    assert effects(verdict, "unknown") and verdict.decision == "ask"


# --- one line, several steps ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("command", "twin"), [
    ("terraform workspace select prod && terraform destroy -auto-approve",
     "terraform workspace select dev && terraform destroy -auto-approve"),
    ("terraform workspace new prod && terraform apply -destroy -auto-approve",
     "terraform workspace new dev-sandbox && terraform apply -destroy -auto-approve"),
    ("terraform workspace select -or-create prod; terraform destroy",
     "terraform workspace select -or-create dev; terraform destroy"),
    ("export TF_WORKSPACE=prod; terraform apply -destroy -auto-approve",
     "export TF_WORKSPACE=dev; terraform apply -destroy -auto-approve"),
    ("export AWS_PROFILE=prod && aws s3 rb s3://shop-assets --force",
     "export AWS_PROFILE=dev && aws s3 rb s3://shop-assets --force"),
    ("az account set --subscription Prod && az group delete -n shop-rg --yes",
     "az account set --subscription dev-subscription && az group delete -n shop-rg --yes"),
    ("az account set -s prod-subscription; az storage account delete -n assets -g shop-rg --yes",
     "az account set -s dev-subscription; az storage account delete -n assets -g shop-rg --yes"),
    ("gcloud config set project shop-prod && gcloud sql instances delete orders-db --quiet",
     "gcloud config set project shop-dev && gcloud sql instances delete orders-db --quiet"),
    ("gcloud config set core/project prod-123 && gcloud projects delete prod-123 -q",
     "gcloud config set core/project dev-123 && gcloud projects delete dev-123 -q"),
    ("pulumi stack select prod && pulumi destroy --yes", "pulumi stack select dev && pulumi destroy --yes"),
    ("pulumi stack init prod; pulumi destroy --yes", "pulumi stack init dev; pulumi destroy --yes"),
    ("cd infra/prod && terraform destroy", "cd infra/dev && terraform destroy"),
    ("terraform -chdir=envs/prod destroy", "terraform -chdir=envs/dev destroy"),
    ("cd infra/prod 2>/dev/null || terraform workspace select prod; terraform destroy -auto-approve",
     "cd infra/dev 2>/dev/null || terraform workspace select dev; terraform destroy -auto-approve"),
])
def test_an_earlier_step_decides_where_a_later_one_lands(strict: Policy, home: Path, command: str,
                                                        twin: str) -> None:
    env = {"HOME": str(home)}  # a home under /tmp: gcloud's and az's own settings are local there
    workspace = str(home / "app")
    assert escalated(shell(command, cwd=workspace, env=env, policy=strict)), command
    in_dev = shell(twin, cwd=workspace, env=env, policy=strict)
    # gcloud's and az's own settings live in the home directory, which asks on its own account
    asking = [e for e in in_dev.effects if e.operation != "read" and e.environment not in ("local", "dev")]
    assert not escalated(in_dev) and all(e.kind in ("gcloud-config", "azure-config") for e in asking), twin


def test_a_workspace_selected_in_another_directory_does_not_carry_over(strict: Policy) -> None:
    verdict = shell("terraform workspace select dev && terraform -chdir=../billing destroy -auto-approve",
                    policy=strict)
    (deleted,) = effects(verdict, "delete")
    assert deleted.environment == "unknown" and escalated(verdict)


def test_tf_workspace_wins_over_an_earlier_selection(strict: Policy) -> None:
    verdict = shell("terraform workspace select prod; TF_WORKSPACE=dev terraform destroy -auto-approve", policy=strict)
    assert effects(verdict, "delete")[0].environment == "dev"


def test_aws_configure_set_points_a_profile_at_another_account(strict: Policy, home: Path) -> None:
    env = {"HOME": str(home)}
    for command in ("aws configure set profile.dev.role_arn arn:aws:iam::111111111111:role/Admin && "
                    "aws --profile dev s3 rb s3://shop-assets --force",
                    "aws configure set sso_account_id 111111111111 --profile dev; "
                    "aws --profile dev dynamodb delete-table --table-name orders"):
        verdict = shell(command, cwd=str(home / "app"), env=env, policy=strict)
        assert escalated(verdict) and {e.environment for e in effects(verdict, "delete")} == {"prod"}, command
    twin = shell("aws configure set region eu-west-1 --profile dev && aws --profile dev s3 rb s3://shop-assets "
                 "--force", cwd=str(home / "app"), env=env, policy=strict)
    assert effects(twin, "delete")[0].environment == "dev"


def test_gcloud_configuration_activated_earlier_is_the_one_read(strict: Policy, home: Path) -> None:
    configurations = home / ".config" / "gcloud" / "configurations"
    configurations.mkdir(parents=True)
    (configurations / "config_live").write_text("[core]\nproject = shop-prod\n")
    (configurations / "config_sandbox").write_text("[core]\nproject = shop-dev\n")
    env = {"HOME": str(home)}
    verdict = shell("gcloud config configurations activate live && gcloud sql instances delete orders --quiet",
                    cwd=str(home / "app"), env=env, policy=strict)
    assert escalated(verdict) and effects(verdict, "delete")[0].environment == "prod"
    twin = shell("gcloud config configurations activate sandbox && gcloud sql instances delete orders --quiet",
                 cwd=str(home / "app"), env=env, policy=strict)
    assert twin.decision == "allow"


# --- an emptied configuration, then apply --------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    ": > main.tf && terraform apply -auto-approve",
    "rm -f *.tf && terraform apply -auto-approve",
    "rm -rf *.tf; terraform apply",
    "echo '' > main.tf; terraform apply",
    "printf '' > main.tf && tofu apply -auto-approve",
    "truncate -s 0 main.tf && terraform apply",
    "git checkout empty-branch -- . && terraform apply",
    "git restore --source=HEAD~40 main.tf && terraform apply -auto-approve",
    "find . -name '*.tf' -delete && terraform apply",
    "terraform apply -destroy",
    "TF_CLI_ARGS='-destroy' terraform apply -auto-approve",
    "TF_CLI_ARGS_apply=-destroy terraform apply",
])
def test_an_emptied_configuration_then_apply_destroys_everything(strict: Policy, command: str) -> None:
    verdict = shell(command, env={"TF_WORKSPACE": "prod"}, policy=strict)
    assert escalated(verdict), verdict.reasons
    destroyed = [e for e in verdict.effects if e.resource.startswith("tf:") and e.operation in ("delete", "replace")]
    assert destroyed and destroyed[0].whole_environment and destroyed[0].scope == "all"
    in_dev = shell(command, env={"TF_WORKSPACE": "dev"}, policy=strict)
    # `git checkout -- .` asks on its own account (it loses uncommitted work), and so, for now, does `:`
    assert in_dev.decision == "allow" or command.startswith(("git ", ": "))
    assert {e.environment for e in in_dev.effects if e.resource.startswith("tf:")} == {"dev"}


@pytest.mark.parametrize("command", [
    "terraform plan -destroy",
    ": > out/plan.txt; terraform plan -no-color",
    "rm -f out/*.tfplan && terraform plan -out=out/current.tfplan",
    "TF_CLI_ARGS='-no-color' terraform plan",
    "grep -n prevent_destroy main.tf",
    "git show HEAD~40:main.tf",
])
def test_their_twins_read(strict: Policy, command: str) -> None:
    verdict = shell(command, env={"TF_WORKSPACE": "prod"}, policy=strict)
    assert not [e for e in verdict.effects if e.resource.startswith("tf:") and e.operation != "read"]


def test_removing_one_file_destroys_what_it_declared(strict: Policy, tmp_path: Path) -> None:
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "main.tf").write_text(MAIN_TF)
    (infra / "network.tf").write_text('resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/16"\n}\n')
    (infra / "versions.tf").write_text('terraform {\n  required_version = ">= 1.6"\n}\n')
    verdict = shell("rm main.tf && terraform apply -auto-approve", cwd=str(infra), env={"TF_WORKSPACE": "prod"},
                    policy=strict)
    (destroyed,) = [e for e in effects(verdict, "delete") if e.resource.startswith("tf:")]
    assert destroyed.count == 2 and destroyed.scope == "many" and not destroyed.whole_environment
    assert destroyed.data_loss and "aws_db_instance.orders" in destroyed.summary  # a database goes: two people
    assert escalated(verdict)
    everything = shell("rm *.tf && terraform apply -auto-approve", cwd=str(infra), env={"TF_WORKSPACE": "prod"},
                       policy=strict)
    (all_of_it,) = [e for e in effects(everything, "delete") if e.resource.startswith("tf:")]
    assert all_of_it.whole_environment and all_of_it.count == 3
    # only the version constraints go: nothing the configuration manages is lost
    kept = shell("rm versions.tf && terraform apply -auto-approve", cwd=str(infra), env={"TF_WORKSPACE": "prod"},
                 policy=strict)
    assert decided(kept) == ("ask", 1)


@pytest.mark.parametrize("command", [
    "sed -i 's/t3.micro/t3.small/' main.tf && terraform apply",  # a visible edit: the plan shows the rest
    "rm -f *.tf && terraform apply -target=aws_instance.web",  # -target narrows it
    "terraform apply -target=aws_instance.web",
])
def test_ordinary_applies_stay_one_approval(strict: Policy, command: str) -> None:
    assert decided(shell(command, env={"TF_WORKSPACE": "prod"}, policy=strict)) == ("ask", 1)


@pytest.mark.parametrize(("command", "approvals"), [
    ("terraform state rm $(terraform state list)", 2),  # forgets everything: the whole environment
    ("tofu state rm `tofu state list`", 2),
    ("terraform state rm $(terraform state list module.old)", 1),
    ("terraform state list | xargs -n1 terraform state rm", 2),  # every address the listing prints
    ("terraform state rm aws_s3_bucket.assets", 1),
    ("terraform import aws_s3_bucket.logs acme-logs", 1),
    ("terraform state mv aws_instance.a aws_instance.b", 1),
    ("tofu apply -auto-approve -destroy -target=module.vpc", 2),  # every resource of the module
    ("terraform destroy -target=module.network", 2),
    ("terraform destroy -target=aws_instance.web", 1),
    ("pulumi destroy --yes", 2),
    ("pulumi stack rm --force", 2),
    ("pulumi state delete --all", 2),
    ("pulumi state delete urn:pulumi:prod::api::aws:s3/bucket:Bucket::logs", 1),
    ("cdk destroy --all --force", 2),
    ("sam delete --no-prompts", 2),
    ("serverless remove", 2),
    ("eksctl delete cluster --name shop", 2),
])
def test_state_and_stack_deletes(strict: Policy, command: str, approvals: int) -> None:
    verdict = shell(command, env={"TF_WORKSPACE": "prod"}, policy=strict)
    assert decided(verdict) == ("ask", approvals), verdict.reasons


def test_state_rm_fed_by_xargs_is_the_whole_state(strict: Policy) -> None:
    verdict = shell("terraform state list | xargs -n1 terraform state rm", policy=strict)
    (forgotten,) = effects(verdict, "delete")
    assert forgotten.scope == "all" and forgotten.whole_environment and "dynamic" in forgotten.tags
    assert shell("terraform state list | xargs -n1 terraform state show", policy=strict).decision == "allow"


def test_terraform_variables_from_the_environment_place_it(strict: Policy) -> None:
    assert shell("terraform apply", env={"TF_VAR_env": "prod"}, policy=strict).effects[0].environment == "prod"
    assert shell("terraform apply", env={"TF_VAR_environment": "dev"}, policy=strict).decision == "allow"


# --- scope from list output -------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    "aws s3 ls | awk '{print $3}' | xargs -I{} aws s3 rb s3://{} --force",
    "for b in $(aws s3api list-buckets --query 'Buckets[].Name' --output text); do aws s3 rb s3://$b --force; done",
    "for b in $(aws s3 ls | awk '{print $3}'); do aws s3 rm \"s3://$b\" --recursive; done",
    "aws ec2 terminate-instances --instance-ids $(aws ec2 describe-instances --query "
    "'Reservations[].Instances[].InstanceId' --output text)",
    "gcloud compute instances delete $(gcloud compute instances list --format='value(name)') -q",
    "az group delete --yes -n $(az group list --query '[].name' -o tsv)",
    "az group list --query '[].name' -o tsv | xargs -n1 az group delete --yes -n",
])
def test_deletes_fed_by_an_unfiltered_listing_are_every_resource(strict: Policy, command: str) -> None:
    verdict = shell(command, policy=strict)
    assert escalated(verdict), verdict.reasons


@pytest.mark.parametrize("command", [
    "aws ec2 describe-instances --query 'Reservations[].Instances[].InstanceId' --output text | "
    "xargs aws ec2 terminate-instances --instance-ids",
    "aws iam list-users --query 'Users[].UserName' --output text | xargs -n1 aws iam delete-user --user-name",
    "gcloud compute instances list --format='value(name)' | xargs gcloud compute instances delete",
    "gcloud compute instances list --format='value(name,zone)' | while read n z; do "
    "gcloud compute instances delete \"$n\" --zone \"$z\" -q; done",
    "for b in $(aws s3 ls | awk '{print $3}'); do aws s3 rb s3://$b; done",
    "gsutil ls | xargs gsutil rb",
    "aws ec2 terminate-instances --instance-ids $(aws ec2 describe-instances --filters Name=tag:team,Values=old "
    "--query 'Reservations[].Instances[].InstanceId' --output text)",
    "gcloud compute instances delete $(gcloud compute instances list --filter='name~^tmp-' --format='value(name)')",
])
def test_deletes_with_run_time_targets_are_many_and_dynamic(strict: Policy, command: str) -> None:
    verdict = shell(command, policy=strict)
    deletes = effects(verdict, "delete")
    assert deletes and all(e.scope in ("many", "all") and "dynamic" in e.tags for e in deletes), verdict.effects
    assert stopped(verdict)


@pytest.mark.parametrize("command", [
    "aws --profile dev s3 ls | awk '{print $3}' | xargs -I{} aws --profile dev s3 ls s3://{}",
    "for b in $(aws s3 ls | awk '{print $3}'); do aws s3 ls \"s3://$b\" --summarize; done",
    "aws ec2 describe-instances --query 'Reservations[].Instances[].InstanceId' --output text | "
    "xargs aws ec2 describe-instance-status --instance-ids",
    "gcloud compute instances list --format='value(name,zone)' | while read n z; do "
    "gcloud compute instances describe \"$n\" --zone \"$z\"; done",
    "aws iam list-users --query 'Users[].UserName' --output text | xargs -n1 aws iam get-user --user-name",
])
def test_listing_twins_read(strict: Policy, command: str) -> None:
    assert shell(command, policy=strict).decision == "allow"


# --- deletes fed from a listing through a pipe: every resource it lists ------------------------------------------

INSTANCE_IDS = "--query 'Reservations[].Instances[].InstanceId' --output text"


@pytest.mark.parametrize("command", [
    f"aws ec2 describe-instances {INSTANCE_IDS} | xargs aws ec2 terminate-instances --instance-ids",
    f"aws ec2 describe-instances {INSTANCE_IDS} | xargs -n 50 aws ec2 terminate-instances --instance-ids",
    f"aws ec2 describe-instances {INSTANCE_IDS} | tr '\\t' '\\n' | xargs -I % aws ec2 terminate-instances "
    "--instance-ids %",
    "aws ec2 describe-instances --query 'Reservations[*].Instances[*].[InstanceId]' --output=text | sort -u | "
    "xargs aws ec2 terminate-instances --instance-ids",
    "aws s3 ls | awk '{print $3}' | xargs -I{} aws s3 rb s3://{}",
    "aws s3 ls | awk '{ print $3 }' | xargs -I{} aws s3 rb s3://{} --force",
    "aws s3 ls | cut -d' ' -f3 | xargs -I {} aws s3 rb s3://{} --force",
    "aws s3api list-buckets --query 'Buckets[].Name' --output text | tr '\\t' '\\n' | "
    "xargs -I{} aws s3api delete-bucket --bucket {}",
    "aws s3 ls s3://shop-logs/ | awk '{print $4}' | xargs -I{} aws s3 rm s3://shop-logs/{}",
    "aws iam list-users --query 'Users[].UserName' --output text | xargs -n1 aws iam delete-user --user-name",
    "aws rds describe-db-instances --query 'DBInstances[].DBInstanceIdentifier' --output text | "
    "xargs -n1 aws rds delete-db-instance --skip-final-snapshot --db-instance-identifier",
    "gcloud compute instances list --format='value(name)' | xargs gcloud compute instances delete --quiet",
    "gcloud compute instances list --format='value(name,zone)' | while read n z; do "
    "gcloud compute instances delete \"$n\" --zone \"$z\" -q; done",
    "gcloud projects list --format='value(projectId)' | xargs -n1 gcloud projects delete -q",
    "gsutil ls | xargs gsutil rb",
    "gsutil ls | xargs -I{} gsutil -m rm -r {}",
    "gcloud storage ls | xargs gcloud storage rm -r",
    "az group list --query '[].name' -o tsv | xargs -n1 az group delete --yes -n",
    "az group list --query \"[].name\" --output tsv | xargs -I{} az group delete --name {} --yes --no-wait",
    "az vm list --query '[].id' -o tsv | xargs az vm delete --yes --ids",
    "terraform state list | xargs -n1 terraform state rm",
    "tofu state list | xargs -I{} tofu state rm {}",
    "terraform state list | while read a; do terraform state rm \"$a\"; done",
    "terraform workspace list | tr -d ' *' | xargs -n1 terraform workspace delete",
    "pulumi stack ls | awk '{print $1}' | xargs -I{} pulumi stack rm {} --yes",
    "pulumi stack ls --json | xargs -n1 pulumi stack rm --yes",
])
def test_deletes_fed_through_a_pipe_from_an_unfiltered_listing_are_all(strict: Policy, command: str) -> None:
    verdict = shell(command, policy=strict)
    deletes = effects(verdict, "delete")
    assert deletes and all(e.scope == "all" for e in deletes), verdict.effects
    assert escalated(verdict), verdict.reasons


@pytest.mark.parametrize("command", [
    "aws s3 ls | awk '{print $3}' | xargs -I{} aws s3 rb s3://{}",
    f"aws ec2 describe-instances {INSTANCE_IDS} | xargs aws ec2 terminate-instances --instance-ids",
    "gcloud compute instances list --format='value(name)' | xargs gcloud compute instances delete --quiet",
    "gsutil ls | xargs gsutil rb",
    "az group list --query '[].name' -o tsv | xargs -n1 az group delete --yes -n",
    "terraform state list | xargs -n1 terraform state rm",
    "pulumi stack ls --json | xargs -n1 pulumi stack rm --yes",
])
def test_every_bucket_instance_group_or_state_is_a_whole_environment(strict: Policy, command: str) -> None:
    assert all(e.whole_environment for e in effects(shell(command, policy=strict), "delete"))


@pytest.mark.parametrize("command", [
    f"aws ec2 describe-instances {INSTANCE_IDS} | grep i-0abc | xargs aws ec2 terminate-instances --instance-ids",
    f"aws ec2 describe-instances --filters Name=tag:team,Values=old {INSTANCE_IDS} | "
    "xargs aws ec2 terminate-instances --instance-ids",
    f"aws ec2 describe-instances --instance-ids i-1 i-2 {INSTANCE_IDS} | xargs aws ec2 terminate-instances "
    "--instance-ids",
    "aws ec2 describe-instances --query 'Reservations[].Instances[?State.Name==`stopped`].InstanceId' "
    "--output text | xargs aws ec2 terminate-instances --instance-ids",
    "aws ec2 describe-instances --query 'Reservations[0].Instances[].InstanceId' --output text | "
    "xargs aws ec2 terminate-instances --instance-ids",
    "aws ec2 describe-instances --max-items 3 --query 'Reservations[].Instances[].InstanceId' --output text | "
    "xargs aws ec2 terminate-instances --instance-ids",
    "aws iam list-users --path-prefix /contractors/ --query 'Users[].UserName' --output text | "
    "xargs -n1 aws iam delete-user --user-name",
    "aws s3 ls s3://shop-logs/2023- | awk '{print $4}' | xargs -I{} aws s3 rm s3://shop-logs/{}",
    "gcloud compute instances list --filter='name~^tmp-' --format='value(name)' | "
    "xargs gcloud compute instances delete -q",
    "gcloud compute instances list --format='value(name)' | grep tmp- | xargs gcloud compute instances delete -q",
    "gcloud compute instances list --limit 3 --format='value(name)' | xargs gcloud compute instances delete -q",
    "az vm list --query \"[?starts_with(name, 'tmp')].id\" -o tsv | xargs az vm delete --yes --ids",
    "az vm list --query '[0].id' -o tsv | xargs az vm delete --yes --ids",
    "terraform state list | grep module.old | xargs -n1 terraform state rm",
    "terraform state list module.old | xargs -n1 terraform state rm",
    "gsutil ls | grep tmp- | xargs gsutil rb",
    "cat instances.txt | xargs aws ec2 terminate-instances --instance-ids",
])
def test_a_selection_from_a_listing_is_many_not_all(strict: Policy, command: str) -> None:
    verdict = shell(command, policy=strict)
    deletes = effects(verdict, "delete")
    assert deletes and all(e.scope == "many" and not e.whole_environment for e in deletes), verdict.effects
    assert decided(verdict) == ("ask", 1), verdict.reasons


@pytest.mark.parametrize("command", [
    "aws s3 ls | awk '{print $3}' | xargs -I{} aws s3 ls s3://{} --summarize",
    "aws s3api list-buckets --query 'Buckets[].Name' --output text | xargs -n1 aws s3api get-bucket-location "
    "--bucket",
    "terraform state list | xargs -n1 terraform state show",
    "gsutil ls | xargs gsutil du -s",
    "gcloud storage ls | xargs gcloud storage ls",
    "az group list --query '[].name' -o tsv | xargs -n1 az group show -n",
    "gcloud projects list --format='value(projectId)' | xargs -n1 gcloud projects describe",
    "pulumi stack ls | awk '{print $1}' | xargs -I{} pulumi stack history --stack {}",
    "terraform workspace list | tr -d ' *' | xargs -n1 terraform workspace show",
])
def test_reads_fed_from_a_listing_flow(strict: Policy, command: str) -> None:
    assert shell(command, policy=strict).decision == "allow"


@pytest.mark.parametrize(("command", "env"), [
    (f"aws --profile dev ec2 describe-instances {INSTANCE_IDS} | xargs aws --profile dev ec2 terminate-instances "
     "--instance-ids", {}),
    (f"aws ec2 describe-instances {INSTANCE_IDS} | xargs aws ec2 terminate-instances --instance-ids",
     {"AWS_PROFILE": "dev"}),
    ("aws s3 ls | awk '{print $3}' | xargs -I{} aws s3 rb s3://{} --force", {"AWS_PROFILE": "dev"}),
    ("gcloud compute instances list --project shop-dev --format='value(name)' | "
     "xargs gcloud compute instances delete --project shop-dev -q", {}),
    ("az group list --subscription dev-subscription --query '[].name' -o tsv | "
     "xargs -n1 az group delete --subscription dev-subscription --yes -n", {}),
    ("terraform state list | xargs -n1 terraform state rm", {"TF_WORKSPACE": "dev"}),
    ("pulumi stack ls | awk '{print $1}' | xargs -I{} pulumi stack rm {} --yes", {"AWS_PROFILE": "dev"}),
])
def test_every_resource_of_a_dev_account_flows(strict: Policy, home: Path, command: str,
                                               env: dict[str, str]) -> None:
    verdict = shell(command, cwd=str(home / "app"), env={"HOME": str(home), **env}, policy=strict)
    assert verdict.decision == "allow", verdict.reasons
    assert all(e.scope == "all" for e in effects(verdict, "delete"))


@pytest.mark.parametrize(("command", "kind"), [
    ("aws s3 ls", "aws s3 bucket"),
    ("aws s3 ls s3://shop-logs", "aws s3 object"),
    ("aws s3 ls s3://shop-logs/2024/ --recursive", "aws s3 object"),
    ("aws s3 ls s3://shop-logs/2024-", ""),
    ("aws s3api list-buckets --query 'Buckets[].Name'", "aws s3 bucket"),
    ("aws s3api list-objects-v2 --bucket shop-logs --query 'Contents[].Key'", "aws s3 object"),
    ("aws s3api list-objects-v2 --bucket shop-logs --prefix 2024/", ""),
    ("aws ec2 describe-instances", "aws ec2 instance"),
    ("aws ec2 describe-instances --no-paginate --query 'Reservations[].Instances[].[InstanceId,Tags]'",
     "aws ec2 instance"),
    ("aws ec2 describe-instances --filters Name=instance-state-name,Values=running", ""),
    ("aws ec2 describe-instances --instance-ids i-1", ""),
    ("aws ec2 describe-instances --query 'Reservations[].Instances[?Tags]'", ""),
    ("aws ecs list-services --cluster shop", "aws ecs service"),
    ("aws rds describe-db-instances --db-instance-identifier orders", ""),
    ("gcloud compute instances list", "gcp compute instance"),
    ("gcloud compute instances list --format='value(name)' --project shop", "gcp compute instance"),
    ("gcloud compute instances list --filter=name~tmp", ""),
    ("gcloud projects list", "gcp project"),
    ("gcloud storage ls", "gcp storage bucket"),
    ("gsutil ls", "gcp storage bucket"),
    ("gsutil ls gs://shop-logs", "gcp storage object"),
    ("gsutil ls gs://shop-logs/2024-*", ""),
    ("az group list --query '[].name' -o tsv", "azure group"),
    ("az vm list -g shop-rg", "azure vm"),
    ("az group list --tag env=tmp", ""),
    ("az group list --query \"[?location=='westeurope'].name\"", ""),
    ("terraform state list", "terraform state"),
    ("terraform state list -id=i-123", ""),
    ("terraform state list module.old", ""),
    ("terraform workspace list", "terraform workspace"),
    ("pulumi stack ls", "pulumi stack"),
    ("pulumi stack ls --tag env=tmp", ""),
    ("aws ec2 terminate-instances --instance-ids i-1", ""),
])
def test_unfiltered_listings_say_what_they_list(command: str, kind: str) -> None:
    ctx = Context(cwd=WORKSPACE, env={"HOME": HOME}, home=HOME, workspace=WORKSPACE, environments=Environments())
    (statement,) = parse(command).root_node.named_children
    assert Walker().statement(statement, ctx, None).lists == kind


# --- whole things in the clouds ---------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    "aws s3 rm s3://shop-assets --recursive",
    "aws s3 rm s3://shop-assets/ --recursive",
    "aws s3 rb s3://shop-assets --force",
    "aws dynamodb delete-table --table-name orders",
    "aws rds delete-db-instance --db-instance-identifier orders --skip-final-snapshot --delete-automated-backups",
    "aws rds delete-db-cluster --db-cluster-identifier orders --skip-final-snapshot",
    "aws cloudformation delete-stack --stack-name api",
    "aws organizations delete-organization",
    "aws organizations leave-organization",
    "aws eks delete-cluster --name shop",
    "aws s3api delete-bucket --bucket shop-assets",
    "gcloud projects delete shop-app",
    "gcloud sql instances delete orders",
    "gcloud container clusters delete shop --zone europe-west1-b",
    "gsutil -m rm -r gs://shop-assets",
    "gsutil rm 'gs://shop-assets/**'",
    "gcloud storage rm -r gs://shop-assets",
    "bq rm -r -f shop_dataset",
    "bq rm -r -f -d shop:shop_dataset",
    "az group delete -n shop-rg",
    "az storage account delete -n shopassets -g shop-rg",
    "az sql db delete -n orders -s shop-sql -g shop-rg --yes",
])
def test_whole_things_need_two_people(strict: Policy, command: str) -> None:
    verdict = shell(command, policy=strict)
    assert escalated(verdict), verdict.reasons


@pytest.mark.parametrize(("command", "operation"), [
    ("aws iam delete-user --user-name bob", "delete"),
    ("aws iam detach-role-policy --role-name deploy --policy-arn arn:aws:iam::aws:policy/AdministratorAccess",
     "permission"),
    ("aws iam put-user-policy --user-name bob --policy-name p --policy-document file://p.json", "permission"),
    ("aws iam attach-user-policy --user-name bob --policy-arn arn:aws:iam::aws:policy/AdministratorAccess",
     "permission"),
    ("aws ec2 terminate-instances --instance-ids i-0abc", "delete"),
])
def test_single_changes_ask_once(strict: Policy, command: str, operation: str) -> None:
    verdict = shell(command, policy=strict)
    assert decided(verdict) == ("ask", 1) and effects(verdict, operation)


@pytest.mark.parametrize("command", [
    "aws ec2 terminate-instances --instance-ids i-0abc --dry-run",
    "aws rds describe-db-instances --db-instance-identifier orders",
    "aws s3api list-buckets",
    "aws s3api get-bucket-policy --bucket shop-assets",
    "aws s3 rm s3://shop-assets --recursive --dryrun",
    "gcloud sql instances describe orders",
    "gcloud projects list",
    "az group list",
    "az storage account show -n shopassets -g shop-rg",
    "gsutil ls gs://shop-assets",
    "bq show shop_dataset",
    "bq query --nouse_legacy_sql 'SELECT count(*) FROM shop.orders'",
])
def test_reads_flow_anywhere(strict: Policy, command: str) -> None:
    assert shell(command, policy=strict).decision == "allow"


@pytest.mark.parametrize("command", [
    "aws sts get-session-token",
    "aws configure export-credentials",
    "aws configure export-credentials --profile prod --format env",
    "gcloud auth print-access-token",
    "gcloud auth application-default print-access-token",
    "az account get-access-token",
])
def test_credentials_are_secret_reads(strict: Policy, command: str) -> None:
    verdict = shell(command, policy=strict)
    assert effects(verdict, "secret_read") and verdict.decision == "ask"


def test_bq_query_reads_every_statement(strict: Policy) -> None:
    verdict = shell("bq query --nouse_legacy_sql 'SELECT 1; DROP TABLE shop.orders'", policy=strict)
    assert escalated(verdict) and effects(verdict, "delete")[0].data_loss
    piped = shell("echo 'DELETE FROM shop.orders WHERE true' | bq query --nouse_legacy_sql", policy=strict)
    assert escalated(piped)


# --- profiles from files the agent can write ------------------------------------------------------------------

def test_a_look_alike_profile_is_judged_by_its_account(strict: Policy, home: Path) -> None:
    env = {"HOME": str(home)}
    cwd = str(home / "app")
    look_alike = shell("aws --profile d\u0435v s3 rb s3://shop-assets --force", cwd=cwd, env=env, policy=strict)
    assert escalated(look_alike) and look_alike.effects[0].environment == "prod"
    assert "111111111111" in look_alike.effects[0].why_environment
    assert shell("aws --profile dev s3 rb s3://shop-assets --force", cwd=cwd, env=env, policy=strict
                 ).decision == "allow"
    terraform = shell("terraform destroy -auto-approve", cwd=cwd, env={**env, "AWS_PROFILE": "d\u0435v"},
                      policy=strict)
    assert effects(terraform, "delete")[0].environment == "prod"
    cdk = shell("cdk deploy Api", cwd=cwd, env={**env, "AWS_PROFILE": "d\u0435v"}, policy=strict)
    assert cdk.effects[0].environment == "prod"


def test_an_agent_written_config_naming_a_prod_account_is_prod(strict: Policy, home: Path) -> None:
    workspace = home / "app"
    workspace.mkdir()
    (workspace / "my-config").write_text("[profile dev]\nrole_arn = arn:aws:iam::111111111111:role/Admin\n")
    env = {"HOME": str(home), "AWS_CONFIG_FILE": "./my-config"}
    verdict = shell("aws --profile dev s3 rb s3://shop-assets --force", cwd=str(workspace), env=env, policy=strict)
    assert escalated(verdict) and verdict.effects[0].environment == "prod"
    inline = shell("AWS_CONFIG_FILE=./my-config aws --profile dev dynamodb delete-table --table-name orders",
                   cwd=str(workspace), env={"HOME": str(home)}, policy=strict)
    assert escalated(inline)


def test_an_agent_written_config_vouches_for_no_name(strict: Policy, home: Path) -> None:
    workspace = home / "app"
    workspace.mkdir()
    (workspace / "my-config").write_text("[profile dev]\nrole_arn = arn:aws:iam::999999999999:role/Admin\n")
    env = {"HOME": str(home), "AWS_CONFIG_FILE": "./my-config"}
    verdict = shell("aws --profile dev s3 rb s3://shop-assets --force", cwd=str(workspace), env=env, policy=strict)
    assert verdict.effects[0].environment == "unknown" and escalated(verdict)
    written = shell("printf '[profile dev]\\nrole_arn = arn:aws:iam::111111111111:role/Admin\\n' > cfg && "
                    "AWS_CONFIG_FILE=cfg aws --profile dev s3 rb s3://shop-assets --force",
                    cwd=str(workspace), env={"HOME": str(home)}, policy=strict)
    assert escalated(written) and effects(written, "delete")[0].environment == "prod"


def test_a_credential_process_in_an_agent_written_config_runs(strict: Policy, home: Path) -> None:
    workspace = home / "app"
    workspace.mkdir()
    (workspace / "evil").write_text("[profile dev]\ncredential_process = sh -c 'rm -rf ~; echo {}'\n")
    (workspace / "fine").write_text("[profile dev]\ncredential_process = /usr/bin/true\n")
    for tool in ("aws --profile dev s3 ls", "s5cmd --profile dev ls", "terraform plan"):
        verdict = shell(tool, cwd=str(workspace), env={"HOME": str(home), "AWS_CONFIG_FILE": "evil",
                                                       "AWS_PROFILE": "dev"}, policy=strict)
        assert verdict.decision == "deny", tool
        twin = shell(tool, cwd=str(workspace), env={"HOME": str(home), "AWS_CONFIG_FILE": "fine",
                                                    "AWS_PROFILE": "dev"}, policy=strict)
        assert twin.decision == "allow", tool


# --- s5cmd ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("command", "twin"), [
    ("s5cmd rm 's3://shop-prod-assets/*'", "s5cmd ls 's3://shop-prod-assets/*'"),
    ("s5cmd --profile prod rm 's3://shop-assets/*'", "s5cmd --profile prod du 's3://shop-assets/*'"),
    ("s5cmd sync --delete ./empty/ s3://shop-prod-assets/", "s5cmd --dry-run sync --delete ./empty/ "
                                                            "s3://shop-prod-assets/"),
    ("printf 'rm s3://shop-prod-assets/*\\n' | s5cmd run", "printf 'ls s3://shop-prod-assets/*\\n' | s5cmd run"),
])
def test_s5cmd(strict: Policy, command: str, twin: str) -> None:
    assert escalated(shell(command, policy=strict)), command
    assert shell(twin, policy=strict).decision == "allow", twin


def test_s5cmd_in_dev_flows(strict: Policy) -> None:
    assert shell("s5cmd --profile dev rm 's3://shop-assets/tmp/*'", policy=strict).decision == "allow"


def test_an_agent_written_azure_profile_vouches_for_no_name(strict: Policy, home: Path) -> None:
    (home / ".azure").mkdir()
    (home / ".azure" / "azureProfile.json").write_text(
        '{"subscriptions": [{"id": "1111-aaaa", "name": "Production", "isDefault": false},'
        ' {"id": "2222-bbbb", "name": "dev-sandbox", "isDefault": true}]}')
    workspace = home / "app"
    for folder, subscription in (("az", "1111-aaaa"), ("az2", "3333-cccc")):
        (workspace / folder).mkdir(parents=True)
        (workspace / folder / "azureProfile.json").write_text(
            f'{{"subscriptions": [{{"id": "{subscription}", "name": "dev-sub", "isDefault": true}}]}}')
    env = {"HOME": str(home)}
    assert shell("az group delete -n shop-rg --yes", cwd=str(workspace), env=env, policy=strict).decision == "allow"
    known = shell("AZURE_CONFIG_DIR=./az az group delete -n shop-rg --yes", cwd=str(workspace), env=env,
                  policy=strict)
    assert escalated(known) and effects(known, "delete")[0].environment == "prod"  # the id is Production's
    unplaced = shell("AZURE_CONFIG_DIR=./az2 az group delete -n shop-rg --yes", cwd=str(workspace), env=env,
                     policy=strict)
    assert escalated(unplaced) and effects(unplaced, "delete")[0].environment == "unknown"
