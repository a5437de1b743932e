"""kubectl: verbs, the cluster from flags and kubeconfigs, objects from names, selectors, files and kustomize."""

from __future__ import annotations

from pathlib import Path

import pytest

from changegate.model import Verdict
from tests.conftest import HOME, effects, shell

K8S = str(Path(__file__).parent / "fixtures" / "k8s")


def kube_home(tmp_path: Path, context: str = "prod-eu", namespace: str | None = None,
              server: str = "https://10.0.0.1:6443") -> str:
    home = tmp_path / "home"
    (home / ".kube").mkdir(parents=True, exist_ok=True)
    ns = f", namespace: {namespace}" if namespace else ""
    (home / ".kube" / "config").write_text(
        "apiVersion: v1\nkind: Config\n"
        f"current-context: {context}\n"
        f"contexts:\n- name: {context}\n  context: {{cluster: c1{ns}}}\n"
        f"clusters:\n- name: c1\n  cluster: {{server: '{server}'}}\n")
    return str(home)


def in_cluster(command: str, tmp_path: Path, context: str = "prod-eu", **kw: str) -> Verdict:
    return shell(command, cwd=K8S, env={"HOME": kube_home(tmp_path, context, **kw)})


# --- reads -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    "kubectl get pods", "kubectl get pods -o yaml", "kubectl describe pod nginx", "kubectl logs nginx -f",
    "kubectl port-forward svc/nginx 8080:80", "kubectl diff -f app.yaml", "kubectl auth can-i create pods",
    "kubectl config view", "kubectl api-resources", "kubectl explain pods", "kubectl top pods",
    "kubectl get secrets", "kubectl rollout status deployment nginx", "kubectl --context prod-eu get ns",
    "kubectl get pods -l app=$APP -n $NS", "kubectl events", "kubectl kustomize ./", "kubectl version",
    "oc get pods", "kubecolor get pods -A",
])
def test_reads_are_allowed_in_any_cluster(command: str) -> None:
    verdict = shell(command, cwd=K8S, env={"KUBECONFIG": "/nonexistent"})
    assert verdict.decision == "allow", verdict.reasons


@pytest.mark.parametrize("command", [
    "kubectl get secret db -o yaml",
    "kubectl get secrets -o jsonpath='{.data.password}'",
    "kubectl get secret/db -o go-template='{{.data}}'",
    "kubectl describe secret deployer-token",
    "kubectl create token deployer",
    "kubectl config view --raw",
    "kubectl get --raw /api/v1/namespaces/default/secrets",
])
def test_printing_secrets_asks(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "ask"
    assert effects(verdict, "secret_read")


# --- deletes and blast radius ----------------------------------------------------------------------------

def test_deleting_a_namespace_in_prod_needs_two_approvals() -> None:
    verdict = shell("kubectl delete namespace payments --context prod-us")
    assert verdict.decision == "ask" and verdict.approvals_required == 2
    (effect,) = effects(verdict, "delete")
    assert effect.resource == "k8s:prod-us/namespace/payments"
    assert effect.whole_environment and effect.data_loss
    assert any("instead" in s for s in verdict.suggestions)


@pytest.mark.parametrize(("command", "marked"), [
    ("kubectl delete pvc ledger-data --context prod", "data_loss"),
    ("kubectl delete pv pvc-123 --context prod", "data_loss"),
    ("kubectl delete crd databases.example.com --context prod", "data_loss"),
    ("kubectl delete pods --all -A --context prod", "whole_environment"),
    ("kubectl delete clusterrole cluster-admin --context prod", "whole_environment"),
])
def test_deletes_that_take_data_or_everything_need_two_approvals(command: str, marked: str) -> None:
    verdict = shell(command)
    assert verdict.approvals_required == 2 or verdict.decision == "deny"
    assert any(getattr(e, marked) for e in verdict.effects)


def test_deleting_five_pods_counts_five() -> None:
    verdict = shell("kubectl delete pod a b c d e --context prod")
    (effect,) = effects(verdict, "delete")
    assert effect.count == 5 and effect.scope == "many"
    assert verdict.approvals_required == 2 and "two-approvals-many" in verdict.rules


def test_deleting_one_pod_asks_once_in_prod_and_flows_in_kind() -> None:
    assert shell("kubectl delete pod web-1 --context prod").approvals_required == 1
    assert shell("kubectl delete pod web-1 --context kind-dev").decision == "allow"


def test_delete_all_workloads_with_all_is_every_one() -> None:
    verdict = shell("kubectl delete all --all -n shop --context prod")
    (effect,) = effects(verdict, "delete")
    assert effect.scope == "all" and "every workload" in effect.summary
    assert verdict.approvals_required == 2


def test_forced_deletes_are_tagged_and_say_how_to_be_gentler() -> None:
    verdict = shell("kubectl delete pod stuck --force --grace-period=0 --context prod")
    assert "force" in effects(verdict, "delete")[0].tags
    assert any("gracefully" in s for s in verdict.suggestions)


def test_names_only_known_at_run_time_are_every_one_the_listing_gives() -> None:
    verdict = shell("kubectl delete $(kubectl get pods -o name) --context prod")
    (effect,) = effects(verdict, "delete")
    assert effect.scope == "all"
    assert verdict.approvals_required == 2


@pytest.mark.parametrize(("command", "decision"), [
    ("kubectl delete pod nginx --dry-run=server", "allow"),
    ("kubectl delete pod nginx --dry-run client", "allow"),
    ("kubectl apply -f app.yaml --dry-run", "allow"),
    ("kubectl delete pod nginx --dry-run=none", "ask"),
])
def test_dry_runs_change_nothing(command: str, decision: str) -> None:
    assert shell(command, cwd=K8S).decision == decision


def test_delete_without_a_name_selector_or_all_is_refused_by_kubectl() -> None:
    verdict = shell("kubectl delete pods --context prod")
    assert verdict.decision == "allow" and not effects(verdict, "delete")


# --- files, stdin, kustomize ---------------------------------------------------------------------------------

def test_delete_f_reads_the_objects_from_the_file(tmp_path: Path) -> None:
    verdict = in_cluster("kubectl delete -f app.yaml", tmp_path)
    deleted = {e.kind: e for e in effects(verdict, "delete")}
    assert set(deleted) == {"namespace", "deployment", "service", "persistentvolumeclaim", "secret"}
    assert deleted["namespace"].whole_environment and deleted["persistentvolumeclaim"].data_loss
    assert all(e.environment == "prod" for e in verdict.effects)
    assert verdict.approvals_required == 2


def test_apply_f_is_a_change_to_each_object(tmp_path: Path) -> None:
    verdict = in_cluster("kubectl apply -f app.yaml", tmp_path)
    assert {e.operation for e in verdict.effects} == {"modify"}
    assert "k8s:prod-eu/payments/persistentvolumeclaim/ledger-data" in {e.resource for e in verdict.effects}
    assert verdict.decision == "ask" and verdict.approvals_required == 1


def test_a_directory_is_read_only_for_manifests_and_recursively_with_r(tmp_path: Path) -> None:
    flat = in_cluster("kubectl apply -f dir", tmp_path)
    assert {e.kind for e in flat.effects} == {"configmap"}
    deep = in_cluster("kubectl delete -f dir -R", tmp_path)
    assert {e.kind for e in deep.effects} == {"configmap", "persistentvolumeclaim"}


def test_kustomize_overlay_sets_the_namespace_and_adds_its_objects(tmp_path: Path) -> None:
    verdict = in_cluster("kubectl delete -k kustomize/overlays/prod", tmp_path, context="acme-main")
    resources = {e.resource for e in verdict.effects}
    assert "k8s:acme-main/shop-prod/deployment/shop" in resources
    assert "k8s:acme-main/shop-prod/configmap/shop-settings" in resources
    assert "k8s:acme-main/shop-prod/persistentvolumeclaim/shop-uploads" in resources
    # the cluster names nothing, the namespace says prod: prod
    assert {e.environment for e in verdict.effects} == {"prod"}
    assert verdict.approvals_required == 2


def test_a_heredoc_manifest_is_read_from_stdin(tmp_path: Path) -> None:
    command = "kubectl delete -f - <<'EOF'\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: billing\nEOF"
    verdict = in_cluster(command, tmp_path)
    (effect,) = effects(verdict, "delete")
    assert effect.resource == "k8s:prod-eu/namespace/billing" and effect.whole_environment


def test_a_file_written_earlier_in_the_same_command_is_read(tmp_path: Path) -> None:
    command = ("cat > /tmp/ns.yaml <<'EOF'\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: billing\nEOF\n"
               "kubectl delete -f /tmp/ns.yaml")
    verdict = in_cluster(command, tmp_path)
    assert "k8s:prod-eu/namespace/billing" in {e.resource for e in effects(verdict, "delete")}


def test_a_manifest_that_cannot_be_seen_is_a_change_to_unknown_objects() -> None:
    verdict = shell("kubectl apply -f https://example.com/manifest.yaml --context prod")
    (effect,) = verdict.effects
    assert "unseen-manifest" in effect.tags and effect.operation == "modify"
    assert verdict.decision == "ask"
    dev = shell("kubectl apply -f https://example.com/manifest.yaml --context kind-dev")
    assert dev.decision == "allow"


def test_a_broken_manifest_fails_closed_naming_the_file(tmp_path: Path) -> None:
    verdict = in_cluster("kubectl apply -f broken.yaml", tmp_path, context="kind-dev")
    assert verdict.decision != "allow"
    assert any("broken.yaml" in r and "does not parse" in r for r in verdict.reasons)


def test_prune_deletes_what_the_files_do_not_list(tmp_path: Path) -> None:
    verdict = in_cluster("kubectl apply -f dir --prune -l app=shop", tmp_path)
    (pruned,) = [e for e in verdict.effects if "prune" in e.tags]
    assert pruned.operation == "delete" and pruned.scope == "many"
    assert any("--dry-run=server" in s for s in verdict.suggestions)


def test_privileged_workloads_and_rbac_from_files(tmp_path: Path) -> None:
    verdict = in_cluster("kubectl apply -f privileged.yaml -f rbac.yaml", tmp_path)
    operations = {e.operation for e in verdict.effects}
    assert {"host_control", "permission", "modify"} <= operations


# --- where: kubeconfig, context, namespace ----------------------------------------------------------------------

def test_the_current_context_is_read_from_the_kubeconfig_and_binds_the_hash(tmp_path: Path) -> None:
    prod = in_cluster("kubectl delete pod web-1", tmp_path / "a", context="prod-eu")
    dev = in_cluster("kubectl delete pod web-1", tmp_path / "b", context="kind-dev")
    assert effects(prod, "delete")[0].environment == "prod" and prod.decision == "ask"
    assert dev.decision == "allow"
    assert prod.action_hash != dev.action_hash


def test_kubeconfig_lists_take_the_first_current_context(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("apiVersion: v1\nkind: Config\n")
    named = Path(kube_home(tmp_path, context="staging-eu")) / ".kube" / "config"
    verdict = shell("kubectl delete pod web-1", env={"KUBECONFIG": f"{empty}:{named}"})
    assert effects(verdict, "delete")[0].environment == "staging"


def test_the_kubeconfig_flag_is_read(tmp_path: Path) -> None:
    config = Path(kube_home(tmp_path, context="kind-local")) / ".kube" / "config"
    verdict = shell(f"kubectl --kubeconfig {config} delete pod web-1")
    assert verdict.decision == "allow"


def test_an_unnamed_context_is_placed_by_its_server(tmp_path: Path) -> None:
    verdict = in_cluster("kubectl delete pod web-1", tmp_path, context="admin@c1",
                         server="https://k8s.prod.example.com:6443")
    assert effects(verdict, "delete")[0].environment == "prod"


def test_the_contexts_namespace_is_the_default(tmp_path: Path) -> None:
    verdict = in_cluster("kubectl delete pod web-1", tmp_path, context="acme-main", namespace="payments-prod")
    (effect,) = effects(verdict, "delete")
    assert effect.resource == "k8s:acme-main/payments-prod/pod/web-1" and effect.environment == "prod"


@pytest.mark.parametrize(("command", "environment"), [
    ("kubectl delete pod x --context acme-main -n production", "prod"),  # a namespace makes it stricter
    ("kubectl delete pod x --context acme-main -n dev", "unknown"),  # ... never milder
    ("kubectl delete pod x --context kind-dev -n production", "dev"),  # a local cluster is throwaway
    ("kubectl delete pod x --context staging-eu -n prod-mirror", "prod"),
])
def test_namespaces_only_make_the_answer_stricter(command: str, environment: str) -> None:
    assert effects(shell(command), "delete")[0].environment == environment


def test_no_kubeconfig_at_all_is_an_unknown_cluster() -> None:
    verdict = shell("kubectl delete pod web-1", env={"HOME": HOME})
    assert effects(verdict, "delete")[0].environment == "unknown"
    assert verdict.decision == "ask"


# --- other changes ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    "kubectl create -f pod.yaml", "kubectl scale deployment nginx --replicas=3", "kubectl edit deployment nginx",
    "kubectl patch svc nginx -p '{\"spec\":{\"type\":\"NodePort\"}}'", "kubectl label pod nginx app=web",
    "kubectl annotate pods nginx description='my nginx'", "kubectl rollout restart deployment nginx",
    "kubectl set image deployment/nginx nginx=nginx:latest", "kubectl taint nodes node1 key=value:NoSchedule",
    "kubectl run nginx --image=nginx", "kubectl cordon node1", "kubectl drain node1", "kubectl expose deploy web",
    "kubectl certificate approve csr-12345", "kubectl create serviceaccount jenkins", "kubectl attach mypod -i",
    "kubectl create rolebinding admin --clusterrole=admin --user=user1 --namespace=default",
    "kubectl autoscale deployment web --max=5", "kubectl some-plugin do-things",
])
def test_changes_in_an_unknown_cluster_ask(command: str) -> None:
    assert shell(command).decision == "ask"


def test_scaling_to_zero_says_so_and_flows_in_dev() -> None:
    verdict = shell("kubectl scale deploy/api --replicas=0 --context prod")
    assert "scale-to-zero" in verdict.effects[0].tags and "stops every pod" in verdict.summary
    assert shell("kubectl scale deploy/api --replicas=0 --context kind-dev").decision == "allow"


def test_rbac_changes_are_permissions() -> None:
    assert effects(shell("kubectl create clusterrolebinding x --clusterrole=cluster-admin --user=a"), "permission")
    assert effects(shell("kubectl set subject rolebinding admin --user=eve"), "permission")
    assert effects(shell("kubectl certificate approve csr-1"), "permission")


def test_drain_evicts_every_pod_and_may_delete_emptydir_data() -> None:
    verdict = shell("kubectl drain node1 --delete-emptydir-data --context prod")
    (effect,) = verdict.effects
    assert effect.operation == "host_control" and effect.data_loss


def test_config_changes_are_local() -> None:
    for command in ("kubectl config use-context production", "kubectl config set-context my-context",
                    "kubectl config set-credentials admin --token=x"):
        assert shell(command).decision == "allow", command


# --- commands run inside the cluster -----------------------------------------------------------------------------

def test_exec_hands_the_command_to_the_walker_placed_in_the_cluster() -> None:
    verdict = shell("kubectl exec -n shop db-0 --context prod-eu -- rm -rf /var/lib/data")
    (effect,) = effects(verdict, "delete")
    assert effect.resource == "fs://pod:db-0/var/lib/data" and effect.environment == "prod"
    assert verdict.decision == "ask"


def test_exec_of_a_read_is_a_read_and_rm_rf_root_is_denied() -> None:
    assert shell("kubectl exec web-1 --context prod -- ls /app").decision == "allow"
    assert shell("kubectl exec nginx -- rm -rf /").decision == "deny"


def test_exec_of_a_shell_script_is_parsed() -> None:
    verdict = shell("kubectl exec web-1 --context prod -- sh -c 'rm -rf /srv/cache && ls'")
    assert effects(verdict, "delete")[0].resource == "fs://pod:web-1/srv/cache"


def test_an_interactive_shell_in_a_pod_cannot_be_seen() -> None:
    verdict = shell("kubectl exec -it web-1 --context prod -- bash")
    (effect,) = verdict.effects
    assert effect.operation == "host_control" and "interactive" in effect.summary
    assert verdict.decision == "ask"


def test_debugging_a_node_controls_it() -> None:
    verdict = shell("kubectl debug node/worker-1 -it --image=busybox --context prod")
    assert effects(verdict, "host_control") and verdict.decision == "ask"


def test_cp_out_of_a_pod_reads_and_into_a_pod_changes_it() -> None:
    out = shell("kubectl cp mypod:/tmp/report.csv ./report.csv --context prod")
    assert out.decision == "allow" and {e.operation for e in out.effects} == {"read", "create"}
    secret = shell("kubectl cp mypod:/var/run/secrets/kubernetes.io/serviceaccount/token ./t --context prod")
    assert effects(secret, "secret_read")
    into = shell("kubectl cp ./fix.sh mypod:/tmp/fix.sh --context prod")
    assert into.decision == "ask" and effects(into, "modify")


# --- OpenShift -----------------------------------------------------------------------------------------------------

def test_an_openshift_project_is_a_namespace_placed_by_its_name() -> None:
    verdict = shell("oc delete project shop-prod")
    (effect,) = effects(verdict, "delete")
    assert effect.kind == "namespace" and effect.whole_environment and effect.environment == "prod"
    assert verdict.approvals_required == 2


def test_openshift_admin_verbs() -> None:
    assert effects(shell("oc adm policy add-cluster-role-to-user cluster-admin eve"), "permission")
    assert effects(shell("oc adm drain node-1 --force"), "host_control")
    assert effects(shell("oc rsh web-1"), "host_control")
    assert shell("oc login https://api.example.com:6443 --token=x").decision == "allow"
    assert shell("oc new-project demo --context kind-dev").decision == "allow"


def test_kubectl_on_another_host_reads_nothing_local(tmp_path: Path) -> None:
    home = kube_home(tmp_path, context="kind-local")  # this machine's kubeconfig says a local cluster...
    verdict = shell("ssh bastion.prod.example.com kubectl delete -f app.yaml", cwd=K8S, env={"HOME": home})
    (effect,) = verdict.effects  # ... but kubectl runs on the bastion: its files and kubeconfig are not these
    assert "unseen-manifest" in effect.tags and "on bastion.prod.example.com" in effect.summary
    assert effect.environment == "prod" and verdict.decision == "ask"
    named = shell("ssh bastion kubectl --context kind-x delete pod web-1", env={"HOME": home})
    assert named.decision == "allow"  # a context flag still names the cluster
