"""gcloud, gsutil and bq: verbs, secrets, data and whole environments, and the project they act on."""

from __future__ import annotations

from pathlib import Path

import pytest

from changegate.gate import evaluate
from changegate.policy import load_policy
from tests.conftest import effects, shell


def gcloud_home(home: Path, project: str, configuration: str = "default") -> None:
    root = home / ".config" / "gcloud"
    (root / "configurations").mkdir(parents=True, exist_ok=True)
    (root / "active_config").write_text(configuration + "\n")
    (root / "configurations" / f"config_{configuration}").write_text(f"[core]\nproject = {project}\n")


def in_home(command: str, home: Path, policy_file: Path | None = None):
    action = {"type": "shell", "command": command, "cwd": str(home / "app"), "env": {"HOME": str(home)}}
    return evaluate(action, load_policy(policy_file) if policy_file else None)


def test_spotify_prod_cluster_delete_needs_two_approvals() -> None:
    verdict = shell("gcloud container clusters delete prod-us --region us-central1 --quiet")
    assert verdict.decision == "ask" and verdict.approvals_required == 2
    [effect] = effects(verdict, "delete")
    assert effect.whole_environment and "no-prompt" in effect.tags and effect.environment == "prod"


@pytest.mark.parametrize("command", [
    "gcloud compute instances list",
    "gcloud container clusters describe prod-us --region us-central1",
    "gcloud projects get-iam-policy acme-prod",
    "gsutil ls gs://acme-prod-assets",
    "gcloud storage ls gs://b",
    "bq ls acme:analytics",
    "bq query --use_legacy_sql=false 'SELECT count(*) FROM ds.t'",
    "gcloud sql instances delete prod-db --dry-run",
    "gcloud auth login",
    "gcloud --version",
])
def test_reads_are_allowed(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "allow", verdict.reasons


@pytest.mark.parametrize(("command", "operation"), [
    ("gcloud secrets versions access latest --secret=db-password", "secret_read"),
    ("gcloud auth print-access-token", "secret_read"),
    ("gcloud projects add-iam-policy-binding acme --member=user:x@y.z --role=roles/owner", "permission"),
    ("gcloud run services add-invoker-policy-binding api --member=allUsers", "permission"),
    ("gcloud compute firewall-rules create open --allow=tcp:22 --source-ranges=0.0.0.0/0", "permission"),
    ("gcloud iam service-accounts keys create key.json --iam-account=ci@acme.iam.gserviceaccount.com",
     "secret_read"),
    ("gcloud run deploy api --image gcr.io/acme/api", "modify"),
    ("gcloud compute instances create vm-1 --zone us-central1-a", "create"),
    ("gcloud compute instances stop vm-1 --zone us-central1-a", "host_control"),
    ("gsutil iam ch allUsers:objectViewer gs://acme-assets", "permission"),
])
def test_operations(command: str, operation: str) -> None:
    verdict = shell(command)
    assert operation in {e.operation for e in verdict.effects}, verdict.effects
    assert verdict.decision == "ask"


@pytest.mark.parametrize("command", [
    "gcloud sql instances delete orders",
    "gcloud projects delete acme-analytics",
    "gcloud compute disks delete data-1 --zone us-central1-a",
    "gsutil -m rm -r gs://acme-assets",
    "gcloud storage rm -r gs://acme-assets",
    "bq rm -r -f -d acme:analytics",
    "gcloud storage rsync ./site gs://acme-site --delete-unmatched-destination-objects",
])
def test_data_and_whole_environments_need_two_approvals(command: str) -> None:
    verdict = shell(command)
    assert verdict.approvals_required == 2, verdict.reasons
    assert any(e.data_loss or e.whole_environment for e in verdict.effects)


def test_deleting_one_vm_is_one_approval() -> None:
    verdict = shell("gcloud compute instances delete vm-1 --zone us-central1-a")
    assert verdict.decision == "ask" and verdict.approvals_required == 1


def test_project_from_the_active_configuration(tmp_path: Path) -> None:
    gcloud_home(tmp_path, "acme-sandbox", "work")
    verdict = in_home("gcloud compute instances delete vm-1", tmp_path)
    assert verdict.effects[0].environment == "dev"
    assert verdict.decision == "allow"
    assert "acme-sandbox" in verdict.effects[0].why_environment


def test_configured_project_mapped_by_policy(tmp_path: Path) -> None:
    gcloud_home(tmp_path, "acme-4821")
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\nextends: default\nenvironments:\n  prod:\n    gcp_projects: ['acme-4821']\n")
    verdict = in_home("gcloud run deploy api --image x", tmp_path, policy)
    assert verdict.effects[0].environment == "prod"
    assert verdict.decision == "ask"


def test_project_flag_wins_over_the_configuration(tmp_path: Path) -> None:
    gcloud_home(tmp_path, "acme-dev")
    verdict = in_home("gcloud --project acme-prod run deploy api --image x", tmp_path)
    assert verdict.effects[0].environment == "prod"


def test_config_set_project_earlier_on_the_line_places_later_commands() -> None:
    verdict = shell("gcloud config set project acme-prod && gcloud storage buckets delete gs://x")
    assert [e.environment for e in effects(verdict, "delete")] == ["prod"]


def test_unknown_verb_is_not_understood_and_placed_in_the_cloud() -> None:
    verdict = shell("gcloud compute instances frobnicate vm-1")
    assert verdict.decision == "ask"
    assert verdict.effects[0].environment == "unknown"


def test_bq_query_that_drops_a_table_loses_data() -> None:
    verdict = shell("bq query --use_legacy_sql=false 'DROP TABLE ds.orders'")
    [effect] = effects(verdict, "delete")
    assert effect.data_loss


def test_words_after_a_double_dash_are_the_remote_command_not_names() -> None:
    [effect] = shell("gcloud compute ssh vm-1 --zone z -- sudo systemctl restart app").effects
    assert effect.operation == "host_control"
    assert effect.resource.endswith("/compute/vm-1") and effect.scope == "one"


def test_short_flags_may_be_bundled() -> None:
    [effect] = effects(shell("gcloud compute instances delete vm-1 -qz us-central1-a"), "delete")
    assert "no-prompt" in effect.tags
