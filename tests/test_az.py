"""az: verbs, secrets, permissions, and the subscription and resource group a call lands in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from changegate.gate import evaluate
from changegate.policy import load_policy
from tests.conftest import effects, shell


def azure_home(home: Path, subscriptions: list[dict[str, object]]) -> None:
    (home / ".azure").mkdir(parents=True, exist_ok=True)
    # az writes this file with a byte-order mark
    (home / ".azure" / "azureProfile.json").write_text("\ufeff" + json.dumps({"subscriptions": subscriptions}),
                                                       encoding="utf-8")


def in_home(command: str, home: Path, policy_file: Path | None = None):
    action = {"type": "shell", "command": command, "cwd": str(home / "app"), "env": {"HOME": str(home)}}
    return evaluate(action, load_policy(policy_file) if policy_file else None)


def test_azure_incident_sql_server_delete_needs_two_approvals() -> None:
    verdict = shell("az sql server delete -g prod-rg -n acme-prod-sql --yes")
    assert verdict.decision == "ask" and verdict.approvals_required == 2
    [effect] = effects(verdict, "delete")
    assert effect.data_loss and effect.environment == "prod" and "no-prompt" in effect.tags


def test_resource_group_delete_is_a_whole_environment() -> None:
    verdict = shell("az group delete -n payments --yes")
    [effect] = effects(verdict, "delete")
    assert effect.whole_environment and verdict.approvals_required == 2
    assert any("az resource list -g payments" in s for s in verdict.suggestions)


@pytest.mark.parametrize("command", [
    "az vm list -o table",
    "az group show -n prod-rg",
    "az storage blob list --account-name acct -c logs",
    "az login",
    "az account show",
])
def test_reads_are_allowed(command: str) -> None:
    assert shell(command).decision == "allow"


@pytest.mark.parametrize(("command", "operation"), [
    ("az keyvault secret show --vault-name kv -n db-password", "secret_read"),
    ("az storage account keys list -n acct -g rg", "secret_read"),
    ("az storage account show-connection-string -n acct", "secret_read"),
    ("az aks get-credentials -g rg -n cluster", "secret_read"),
    ("az ad sp create-for-rbac --name ci", "permission"),
    ("az role assignment create --assignee x --role Owner --scope /subscriptions/1", "permission"),
    ("az keyvault set-policy -n kv --upn x --secret-permissions get", "permission"),
    ("az network nsg rule create -g rg --nsg-name n -n ssh --destination-port-ranges 22", "permission"),
    ("az vm deallocate -g rg -n vm1", "host_control"),
    ("az webapp create -g rg -p plan -n app", "create"),
    ("az webapp config appsettings set -g rg -n app --settings A=1", "modify"),
])
def test_operations(command: str, operation: str) -> None:
    verdict = shell(command)
    assert operation in {e.operation for e in verdict.effects}, verdict.effects
    assert verdict.decision == "ask"


@pytest.mark.parametrize("command", [
    "az storage account delete -n acct -g rg --yes",
    "az keyvault purge -n kv",
    "az cosmosdb delete -n db -g rg --yes",
    "az aks delete -n cluster -g rg --yes",
    "az disk delete -n data -g rg --yes",
])
def test_data_or_whole_environment(command: str) -> None:
    verdict = shell(command)
    assert verdict.approvals_required == 2, verdict.reasons


def test_keyvault_purge_cannot_be_recovered() -> None:
    [effect] = effects(shell("az keyvault purge -n kv"), "delete")
    assert "no-recovery" in effect.tags and effect.reversible == "no"


def test_deleting_many_ids_counts_them() -> None:
    ids = " ".join(f"/subscriptions/s/resourceGroups/rg/providers/p/x/{i}" for i in range(6))
    verdict = shell(f"az resource delete --ids {ids}")
    [effect] = effects(verdict, "delete")
    assert effect.count == 6 and verdict.approvals_required == 2


def test_resource_group_named_dev_allows_changes() -> None:
    assert shell("az vm create -g dev-rg -n vm1 --image Ubuntu2204").decision == "allow"


def test_default_subscription_mapped_by_policy(tmp_path: Path) -> None:
    azure_home(tmp_path, [{"id": "1111-aaaa", "name": "Contoso Main", "isDefault": True},
                          {"id": "2222-bbbb", "name": "Contoso Sandbox", "isDefault": False}])
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\nextends: default\nenvironments:\n  prod:\n"
                      "    azure_subscriptions: ['Contoso Main']\n")
    verdict = in_home("az vm create -g apps -n vm1 --image Ubuntu2204", tmp_path, policy)
    assert verdict.effects[0].environment == "prod"
    assert verdict.decision == "ask"


def test_subscription_flag_by_name_finds_its_id_mapping(tmp_path: Path) -> None:
    azure_home(tmp_path, [{"id": "2222-bbbb", "name": "Contoso Sandbox", "isDefault": False}])
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\nextends: default\nenvironments:\n  dev:\n    azure_subscriptions: ['2222-*']\n")
    verdict = in_home("az vm delete -g apps -n vm1 --subscription 'Contoso Sandbox' --yes", tmp_path, policy)
    assert verdict.effects[0].environment == "dev"
    assert verdict.decision == "allow"


def test_resource_group_mapping(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\nextends: default\nenvironments:\n  prod:\n"
                      "    azure_resource_groups: ['rg-core-*']\n")
    verdict = in_home("az vm restart -g rg-core-17 -n vm1", tmp_path, policy)
    assert verdict.effects[0].environment == "prod"
