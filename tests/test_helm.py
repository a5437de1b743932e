"""helm: releases are whole applications; the cluster comes from --kube-context and the kubeconfig."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import effects, shell


def test_uninstalling_a_release_in_prod_needs_two_approvals_and_says_data_loss_is_unknowable() -> None:
    verdict = shell("helm uninstall payments -n payments --kube-context prod-eu")
    assert verdict.decision == "ask" and verdict.approvals_required == 2
    (effect,) = effects(verdict, "delete")
    assert effect.resource == "k8s:prod-eu/payments/helm-release/payments"
    assert effect.whole_environment and "data-loss-unknown" in effect.tags
    assert "cannot be seen" in effect.summary


@pytest.mark.parametrize("verb", ["delete", "del", "un"])
def test_uninstall_aliases(verb: str) -> None:
    assert effects(shell(f"helm {verb} api --kube-context prod-eu"), "delete")


def test_uninstall_in_a_local_cluster_flows() -> None:
    assert shell("helm uninstall payments -n prod --kube-context kind-dev").decision == "allow"


def test_upgrade_install_in_prod_asks_once_and_suggests_a_diff() -> None:
    verdict = shell("helm upgrade --install api ./chart -f values-prod.yaml --kube-context prod-eu")
    assert verdict.decision == "ask" and verdict.approvals_required == 1
    (effect,) = verdict.effects
    assert effect.operation == "modify" and "installs it if missing" in effect.summary
    assert any("diff" in s for s in verdict.suggestions)


def test_upgrade_force_recreates_objects() -> None:
    verdict = shell("helm upgrade api ./chart --force --kube-context prod-eu")
    (effect,) = verdict.effects
    assert effect.operation == "replace" and "force" in effect.tags
    assert verdict.decision == "ask"


def test_install_with_create_namespace_creates_it() -> None:
    verdict = shell("helm install api ./chart -n shop --create-namespace --kube-context staging-eu")
    assert {e.kind for e in verdict.effects} == {"helm-release", "namespace"}
    assert verdict.decision == "allow"  # staging: creating is ordinary


def test_rollback_and_test_change_the_release() -> None:
    assert shell("helm rollback api 3 --kube-context prod-eu").decision == "ask"
    assert effects(shell("helm test api --kube-context prod-eu"), "modify")


@pytest.mark.parametrize("command", [
    "helm install api ./chart --dry-run --kube-context prod-eu",
    "helm upgrade api ./chart --dry-run=server --kube-context prod-eu",
    "helm uninstall api --dry-run --kube-context prod-eu",
    "helm template api ./chart", "helm lint ./chart", "helm show values bitnami/postgresql",
    "helm list -A", "helm status api", "helm history api", "helm search repo postgres", "helm version",
    "helm repo add bitnami https://charts.bitnami.com/bitnami", "helm repo update", "helm pull bitnami/redis",
    "helm dependency update ./chart", "helm get notes api",
])
def test_reads_dry_runs_and_local_work_flow(command: str) -> None:
    assert shell(command).decision == "allow", shell(command).reasons


@pytest.mark.parametrize("what", ["values", "manifest", "all"])
def test_get_values_and_manifests_print_secrets(what: str) -> None:
    verdict = shell(f"helm get {what} api --kube-context prod-eu")
    assert effects(verdict, "secret_read") and verdict.decision == "ask"


def test_the_kubeconfig_current_context_places_helm(tmp_path: Path) -> None:
    (tmp_path / ".kube").mkdir()
    (tmp_path / ".kube" / "config").write_text("current-context: kind-helm\ncontexts:\n- name: kind-helm\n"
                                               "  context: {cluster: kind}\n")
    verdict = shell("helm uninstall api", env={"HOME": str(tmp_path)})
    assert verdict.decision == "allow"
    assert "kube context (current context) 'kind-helm'" in verdict.effects[0].why_environment


def test_an_unknown_helm_verb_is_placed_in_the_cluster() -> None:
    verdict = shell("helm mapkubeapis api --kube-context prod-eu")
    assert verdict.effects[0].environment == "prod" and verdict.decision == "ask"


def test_push_publishes_a_chart() -> None:
    verdict = shell("helm push chart-1.0.0.tgz oci://registry.example.com/charts")
    assert effects(verdict, "publish") and verdict.decision == "ask"
