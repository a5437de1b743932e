"""argocd: the worked example of docs/contributing.md — one file, its tables, these tests."""

from __future__ import annotations

import pytest

from tests.conftest import effects, shell

PROD = "--server argocd.prod.example.com"
DEV = "--server argocd.dev.example.com"


@pytest.mark.parametrize("command", [
    f"argocd app list {PROD}", f"argocd app get payments {PROD}", f"argocd app diff payments {PROD}",
    f"argocd app history payments {PROD}", f"argocd cluster list {PROD}", "argocd version",
    f"argocd app sync payments --dry-run {PROD}", f"argocd app sync payments --preview-changes {PROD}",
])
def test_reads_and_previews_are_allowed_anywhere(command: str) -> None:
    assert shell(command).decision == "allow"


def test_deleting_an_app_in_prod_deletes_everything_it_manages_and_needs_two_people() -> None:
    verdict = shell(f"argocd app delete payments {PROD}")
    assert verdict.decision == "ask" and verdict.approvals_required == 2
    (effect,) = effects(verdict, "delete")
    assert effect.resource == "argocd:app/payments" and effect.environment == "prod" and effect.whole_environment


def test_deleting_only_the_app_record_keeps_its_objects_and_needs_one() -> None:
    verdict = shell(f"argocd app delete payments --cascade=false {PROD}")
    assert verdict.decision == "ask" and verdict.approvals_required == 1


def test_the_server_can_come_from_the_environment() -> None:
    verdict = shell("argocd app delete payments", env={"ARGOCD_SERVER": "argocd.prod.example.com"})
    assert effects(verdict, "delete")[0].environment == "prod"


def test_an_app_named_like_prod_is_prod_even_on_an_unnamed_server() -> None:
    verdict = shell("argocd app sync payments-prod --server argocd.example.com")
    assert {e.environment for e in verdict.effects} == {"prod"}


def test_sync_with_prune_also_deletes() -> None:
    verdict = shell(f"argocd app sync payments --prune {PROD}")
    assert {e.operation for e in verdict.effects} == {"modify", "delete"}
    assert shell(f"argocd app sync payments {PROD}").decision == "ask"


def test_dev_server_changes_flow_and_unknown_servers_ask() -> None:
    assert shell(f"argocd app sync payments {DEV}").decision == "allow"
    assert shell("argocd app sync payments").decision == "ask"


@pytest.mark.parametrize("command", [
    f"argocd cluster rm https://k8s.prod.example.com {PROD}", f"argocd proj role create-token default ci {PROD}",
    f"argocd account update-password {PROD}", f"argocd repo rm https://github.com/acme/deploy {PROD}",
])
def test_registrations_and_permissions_ask(command: str) -> None:
    assert shell(command).decision == "ask"


def test_an_unknown_command_is_not_understood_and_asks_outside_dev() -> None:
    assert {e.operation for e in shell(f"argocd app frobnicate payments {DEV}").effects} == {"unknown"}
    assert shell(f"argocd app frobnicate payments {PROD}").decision == "ask"
