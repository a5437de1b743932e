"""Secret stores: printing a secret asks, deleting one for good needs two people, runners hand their command on."""

from __future__ import annotations

import pytest

from tests.conftest import effects, shell

VAULT = {"VAULT_ADDR": "https://vault.prod.internal:8200"}


@pytest.mark.parametrize("command", [
    "vault kv get secret/app/config",
    "vault read secret/myapp/config",
    "op item get 'Database Password'",
    "op read op://Engineering/db/password",
    "pass show work/db",
    "gopass show work/db",
    "security find-generic-password -s github -w",
    "sops -d secrets.enc.yaml",
    "bw get password github",
    "lpass show --password work/db",
    "aws-vault export prod",
    "chamber read api DB_PASSWORD",
    "doppler secrets get DATABASE_URL --plain",
    "doppler secrets",
    "infisical secrets get DB_PASSWORD --env=prod",
    "keyring get system user",
    "vault token create -policy=admin",
])
def test_printing_a_secret_asks(command: str) -> None:
    verdict = shell(command, env=VAULT)
    assert "secret_read" in {e.operation for e in verdict.effects}, verdict.effects
    assert verdict.decision == "ask"


@pytest.mark.parametrize("command", [
    "vault kv list secret/",
    "vault status",
    "vault policy list",
    "op item list --vault Engineering",
    "op whoami",
    "pass ls",
    "security find-generic-password -s github",
    "doppler secrets --only-names",
    "doppler configs list",
    "chamber list api",
    "bw list folders",
    "kubeseal --format yaml < secret.yaml",
])
def test_listing_names_is_allowed(command: str) -> None:
    verdict = shell(command, env=VAULT)
    assert verdict.decision == "allow", verdict.reasons


@pytest.mark.parametrize("command", [
    "vault kv destroy -versions=1-3 secret/app/config",
    "vault kv metadata delete secret/app/config",
    "vault secrets disable secret/",
    "op vault delete Engineering",
    "doppler configs delete prd --project backend --yes",
    "doppler projects delete payments -y",
    "bw delete item 4f3b --permanent",
    "security delete-keychain login.keychain",
])
def test_secrets_gone_for_good_need_two_approvals(command: str) -> None:
    verdict = shell(command, env=VAULT)
    assert verdict.decision == "ask" and verdict.approvals_required == 2, verdict.reasons
    assert any(e.data_loss for e in verdict.effects)


def test_soft_deletes_are_recoverable_and_ask_once() -> None:
    verdict = shell("vault kv delete secret/app/config", env=VAULT)
    [effect] = effects(verdict, "delete")
    assert effect.reversible == "yes" and not effect.data_loss
    assert verdict.approvals_required == 1
    archived = effects(shell("op item delete --archive 'Legacy Token'"), "delete")[0]
    assert archived.reversible == "yes"


@pytest.mark.parametrize(("command", "operation"), [
    ("vault policy write admin admin.hcl", "permission"),
    ("vault auth enable github", "permission"),
    ("vault write auth/userpass/users/x password=y", "permission"),
    ("vault kv put secret/app/config key=value", "modify"),
    ("vault operator seal", "host_control"),
    ("vault auth disable github", "delete"),
    ("vault token revoke s.abc", "delete"),
])
def test_vault_operations(command: str, operation: str) -> None:
    assert operation in {e.operation for e in shell(command, env=VAULT).effects}


def test_vault_is_placed_by_its_address() -> None:
    local = shell("vault kv put secret/app key=1", env={"VAULT_ADDR": "http://127.0.0.1:8200"})
    assert local.decision == "allow" and local.effects[0].environment == "local"
    assert shell("vault kv put secret/app key=1", env=VAULT).effects[0].environment == "prod"


def test_vault_without_an_address_is_unknown() -> None:
    verdict = shell("vault kv put secret/app key=1")
    assert verdict.effects[0].environment == "unknown" and verdict.decision == "ask"
    assert "VAULT_ADDR" in verdict.effects[0].why_environment


def test_vault_path_names_the_environment_when_the_address_does_not() -> None:
    verdict = shell("vault kv put secret/staging/app key=1")
    assert verdict.effects[0].environment == "staging"


# --- runners ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    "op run -- rm -rf /",
    "doppler run -- rm -rf /",
    "doppler run --command 'rm -rf /'",
    "infisical run --env=prod -- rm -rf /",
    "chamber exec api -- rm -rf /",
    "aws-vault exec prod -- rm -rf /",
    "sops exec-env secrets.yaml 'rm -rf /'",
])
def test_runners_hand_their_command_to_the_walker(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "deny", verdict.reasons


@pytest.mark.parametrize("command", [
    "op run --env-file=.env -- pytest -q",
    "doppler run -- pytest -q",
    "infisical run -- pytest -q",
    "chamber exec api -- pytest -q",
])
def test_injecting_secrets_into_a_process_is_ordinary_use(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "allow", verdict.reasons
    assert "secret_read" not in {e.operation for e in verdict.effects}


def test_aws_vault_exec_places_aws_commands_in_its_profile() -> None:
    verdict = shell("aws-vault exec prod -- aws s3 rm s3://assets --recursive")
    [effect] = effects(verdict, "delete")
    assert effect.environment == "prod" and verdict.approvals_required == 2


def test_aws_vault_exec_with_a_dev_profile_allows_dev_work() -> None:
    verdict = shell("aws-vault exec sandbox -- aws dynamodb create-table --table-name t")
    assert verdict.decision == "allow", verdict.reasons


def test_doppler_config_names_the_environment() -> None:
    prd = shell("doppler secrets set API_KEY=x --config prd")
    assert prd.effects[0].environment == "prod" and prd.decision == "ask"
    dev = shell("doppler secrets set API_KEY=x --config dev")
    assert dev.decision == "allow"


def test_sops_decrypt_in_place_writes_plain_text_to_disk() -> None:
    verdict = shell("sops -d -i secrets.enc.yaml")
    assert {e.operation for e in verdict.effects} == {"secret_read", "modify"}


def test_pass_with_just_a_name_shows_it() -> None:
    assert shell("pass work/github").effects[0].operation == "secret_read"


def test_unknown_subcommand_is_not_understood() -> None:
    verdict = shell("vault frobnicate", env=VAULT)
    assert verdict.decision == "ask"
    assert "not-understood" in verdict.effects[0].tags


def test_disabling_a_secrets_engine_loses_every_secret_in_it() -> None:
    [effect] = shell("vault secrets disable secret/").effects
    assert (effect.scope, effect.whole_environment, effect.data_loss) == ("all", True, True)


@pytest.mark.parametrize("command", ["aws-vault exec prod", "doppler run", "bw serve", "aws-vault proxy"])
def test_shells_and_servers_with_secrets_are_understood(command: str) -> None:
    verdict = shell(command)
    assert verdict.effects and all(e.operation != "unknown" for e in verdict.effects)
    assert verdict.decision == "ask"
