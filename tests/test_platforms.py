"""Platform and service CLIs: brokers, stores, backups, object stores, hosting, VMs, CI, configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from changegate.gate import evaluate
from tests.conftest import effects, shell


@pytest.mark.parametrize("command", [
    "rabbitmqctl list_queues",
    "rabbitmqctl cluster_status",
    "rabbitmqadmin list exchanges",
    "kafka-topics --bootstrap-server kafka.prod.internal:9092 --describe --topic orders",
    "kafka-consumer-groups --bootstrap-server kafka.prod.internal:9092 --list",
    "etcdctl --endpoints=https://etcd.prod:2379 get /config/app",
    "consul members",
    "nomad job status api",
    "velero backup get",
    "velero get backups",
    "restic snapshots",
    "restic backup /srv/data",
    "borg list repo::archive",
    "s3cmd ls s3://prod-bucket",
    "mc ls prod/bucket",
    "doctl compute droplet list",
    "heroku logs --app acme-prod",
    "fly status -a acme-prod",
    "hcloud server list",
    "oci os bucket list --compartment-id ocid1.compartment.oc1..x",
    "virsh list --all",
    "VBoxManage list vms",
    "circleci config validate .circleci/config.yml",
    "jenkins-cli -s https://ci.prod.example/ list-jobs",
    "nats stream info ORDERS",
    "gitlab-runner list",
    "ansible-playbook -i inventories/prod/hosts site.yml --check --diff",
    "ansible all -i inventories/prod/hosts -m ping",
    "packer validate template.pkr.hcl",
    "vagrant status",
])
def test_reads_are_allowed(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "allow", verdict.reasons


@pytest.mark.parametrize("command", [
    "rabbitmqctl delete_vhost /prod",
    "rabbitmqctl reset",
    "rabbitmqadmin delete queue name=jobs",
    "kafka-topics --bootstrap-server kafka.prod.internal:9092 --delete --topic orders",
    "kafka-delete-records --bootstrap-server kafka-1.acme.net:9092 --offset-json-file offsets.json",
    "etcdctl --endpoints=https://etcd.acme.net:2379 del / --prefix",
    "consul kv delete -recurse app/",
    "velero backup delete --all --confirm",
    "restic forget --keep-last 1 --prune",
    "restic prune",
    "borg delete ssh://backup@backup.acme.net/./repo",
    "borg prune --keep-last 1 ::",
    "s3cmd del --recursive --force s3://acme-assets",
    "mc rm --recursive --force acme/assets",
    "doctl databases delete 9cc10173 --force",
    "heroku apps:destroy --app acme --confirm acme",
    "heroku pg:reset DATABASE --app acme --confirm acme",
    "fly apps destroy acme",
    "fly volumes destroy vol_123 -a acme",
    "netlify sites:delete 123",
    "firebase firestore:delete --all-collections --project acme",
    "wrangler r2 bucket delete assets",
    "linode-cli lke cluster-delete 123",
    "oci os bucket delete --bucket-name assets --force",
    "virsh undefine web --remove-all-storage -c qemu+ssh://hv1.acme.net/system",
    "circleci context delete org/acme context/deploy",
    "nats stream purge ORDERS",
    "gitlab-runner unregister --all-runners",
])
def test_data_and_whole_environments_need_two_approvals(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "ask" and verdict.approvals_required == 2, verdict.reasons


@pytest.mark.parametrize(("command", "operation"), [
    ("rabbitmqctl clear_permissions -p /prod deployer", "permission"),
    ("rabbitmqctl set_permissions -p /prod app '.*' '.*' '.*'", "permission"),
    ("kafka-acls --bootstrap-server kafka.prod:9092 --add --allow-principal User:x --operation All", "permission"),
    ("etcdctl --endpoints=https://etcd.prod:2379 user add root", "permission"),
    ("etcdctl get /registry/secrets/default/token", "secret_read"),
    ("consul acl token create -policy-name admin", "permission"),
    ("nomad job stop api", "host_control"),
    ("nomad job stop -purge api", "delete"),
    ("heroku config --app acme-prod", "secret_read"),
    ("heroku access:add x@acme.com --app acme-prod", "permission"),
    ("heroku run bash --app acme-prod", "host_control"),
    ("vercel env pull .env.local", "secret_read"),
    ("netlify env:get API_KEY", "secret_read"),
    ("firebase auth:export users.json --project acme-prod", "secret_read"),
    ("hcloud server poweroff web-1", "host_control"),
    ("hcloud server rebuild web-1 --image ubuntu-22.04", "replace"),
    ("virsh -c qemu+ssh://hv1.acme.net/system destroy web", "host_control"),
    ("jenkins-cli -s https://ci.acme.net/ groovy = < script.groovy", "execute_opaque"),
    ("jenkins-cli -s https://ci.acme.net/ safe-restart", "host_control"),
    ("mc anonymous set download acme/assets", "permission"),
    ("s3cmd setacl --acl-public s3://acme-assets", "permission"),
])
def test_operations(command: str, operation: str) -> None:
    verdict = shell(command)
    assert operation in {e.operation for e in verdict.effects}, verdict.effects
    assert verdict.decision != "allow"


# --- where they land -------------------------------------------------------------------------------------

def test_kafka_on_localhost_is_local_work() -> None:
    verdict = shell("kafka-topics --bootstrap-server localhost:9092 --delete --topic scratch")
    assert verdict.effects[0].environment == "local" and verdict.decision == "allow"


def test_kafka_without_a_server_is_unknown() -> None:
    verdict = shell("kafka-topics --create --topic x")
    assert verdict.effects[0].environment == "unknown" and verdict.decision == "ask"


def test_vhost_names_the_environment() -> None:
    verdict = shell("rabbitmqctl delete_user ci-bot -p /staging")
    assert verdict.effects[0].environment == "staging"


def test_heroku_app_and_remote_name_the_environment() -> None:
    assert shell("heroku ps:scale web=0 --app acme-staging").decision == "allow"
    assert shell("heroku ps:scale web=0 --remote production").effects[0].environment == "prod"


def test_vercel_preview_is_not_production() -> None:
    assert shell("vercel").decision == "allow"
    prod = shell("vercel --prod")
    assert prod.effects[0].environment == "prod" and prod.decision == "ask"


def test_netlify_draft_and_prod() -> None:
    assert shell("netlify deploy --dir dist").decision == "allow"
    assert shell("netlify deploy --prod --dir dist").decision == "ask"


def test_wrangler_local_is_local() -> None:
    verdict = shell("wrangler d1 execute db --command 'DROP TABLE users' --local")
    assert verdict.decision == "allow"
    remote = shell("wrangler d1 execute db --command 'DROP TABLE users'")
    assert remote.decision == "ask" and effects(remote, "delete")


def test_fly_app_from_fly_toml(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "fly.toml").write_text('app = "acme-prod"\nprimary_region = "ams"\n')
    action = {"type": "shell", "command": "fly deploy", "cwd": str(tmp_path / "app"),
              "env": {"HOME": str(tmp_path)}}
    verdict = evaluate(action)
    assert verdict.effects[0].environment == "prod"
    (tmp_path / "app" / "fly.toml").write_text('app = "acme-dev"\n')
    assert evaluate(action).decision == "allow"


def test_restic_repository_places_it() -> None:
    assert shell("restic -r /tmp/backups forget --keep-last 1 --prune").decision == "allow"
    remote = shell("restic -r sftp:backup@backup.prod.internal:/srv/restic prune")
    assert remote.effects[0].environment == "prod"
    env = shell("restic forget --keep-last 3", env={"RESTIC_REPOSITORY": "s3:s3.amazonaws.com/acme-dev-backups"})
    assert env.effects[0].environment == "dev"


def test_borg_archive_and_repository() -> None:
    one = shell("borg delete /srv/backups::monday")
    assert effects(one, "delete")[0].scope == "one"
    whole = shell("borg delete /srv/backups")
    assert effects(whole, "delete")[0].whole_environment
    cache = shell("borg delete --cache-only")
    assert cache.decision == "allow"


def test_ansible_playbook_is_placed_by_its_inventory() -> None:
    prod = shell("ansible-playbook -i inventories/prod/hosts site.yml")
    assert prod.effects[0].environment == "prod" and prod.decision == "ask"
    assert any("--check" in s for s in prod.suggestions)
    staging = shell("ansible-playbook -i inventories/staging/hosts site.yml")
    assert staging.decision == "allow"
    limited = shell("ansible-playbook -i hosts.ini site.yml -l web-prod-1")
    assert limited.effects[0].environment == "prod"
    local = shell("ansible-playbook -c local -i localhost, setup.yml")
    assert local.decision == "allow"


def test_ansible_ad_hoc_shell_runs_its_command_on_the_hosts() -> None:
    verdict = shell("ansible web -i inventories/prod/hosts -m shell -a 'rm -rf /var/lib/app' -b")
    [effect] = effects(verdict, "delete")
    assert effect.environment == "prod"
    assert shell("ansible all -i inventories/prod/hosts -m shell -a 'rm -rf /'").decision == "deny"


def test_ansible_vault_view_prints_secrets() -> None:
    assert shell("ansible-vault view group_vars/prod/vault.yml").effects[0].operation == "secret_read"


def test_vagrant_and_local_vms_are_this_machine() -> None:
    assert shell("vagrant destroy -f").decision == "allow"
    assert shell("virsh undefine scratch-vm").decision == "allow"
    assert shell("virsh undefine prod-db --remove-all-storage").approvals_required == 2


def test_mc_without_a_minio_command_is_midnight_commander() -> None:
    verdict = shell("mc /srv")
    assert verdict.effects[0].resource == "cmd:mc"


def test_railway_run_hands_its_command_on() -> None:
    assert shell("railway run -- rm -rf /").decision == "deny"
    assert shell("railway run pytest -q").decision == "allow"


def test_unknown_verbs_are_not_understood() -> None:
    verdict = shell("doctl compute droplet frobnicate 1")
    assert verdict.decision == "ask" and "not-understood" in verdict.effects[0].tags


@pytest.mark.parametrize(("command", "decision"), [
    ("rclone lsd prod-s3:", "allow"),
    ("rclone check ./dist prod-s3:web", "allow"),
    ("rclone sync ./dist prod-s3:web --dry-run", "allow"),
    ("rclone copy ./dist prod-s3:web", "ask"),
    ("rclone purge prod-s3:assets", "ask"),
    ("rclone deletefile remote:bucket/file.txt", "ask"),
])
def test_rclone(command: str, decision: str) -> None:
    assert shell(command).decision == decision


@pytest.mark.parametrize("command", [
    "rclone purge prod-s3:shop-prod-backups",
    "rclone purge prod-s3:",
    "restic forget --prune --keep-last 0",
    "restic -r s3:s3.amazonaws.com/backups forget --keep-daily 0 --keep-last 0 --prune",
    "mc rb --force --dangerous prod",
    "mc rb --force prod/backups",
    "consul kv delete -recurse ''",
    "etcdctl del --prefix ''",
    "etcdctl del '' --from-key",
])
def test_deleting_a_whole_store_is_everything_and_needs_two(command: str) -> None:
    verdict = shell(command)
    assert [e.scope for e in effects(verdict, "delete")] == ["all"]
    assert verdict.approvals_required == 2


def test_whole_store_deletes_are_whole_environments() -> None:
    for command in ("consul kv delete -recurse ''", "etcdctl del --prefix ''", "mc rb --force --dangerous prod",
                    "rclone purge prod-s3:"):
        assert all(e.whole_environment for e in effects(shell(command), "delete")), command
    assert not any(e.whole_environment for e in effects(shell("consul kv delete -recurse app/"), "delete"))


def test_purging_a_path_inside_a_bucket_is_not_the_bucket() -> None:
    assert [e.scope for e in effects(shell("rclone purge prod-s3:b/dir"), "delete")] == ["one"]
    assert [e.scope for e in effects(shell("restic forget --keep-last 1 --prune"), "delete")] == ["many"]


def test_heroku_psql_runs_its_sql_on_the_apps_database() -> None:
    verdict = shell("heroku pg:psql -c 'DROP TABLE users' -a shop-prod")
    assert [(e.operation, e.environment, e.kind) for e in verdict.effects] == [("delete", "prod", "table")]
    assert shell("heroku pg:psql -c 'select 1' -a shop-prod").decision == "allow"


@pytest.mark.parametrize("command", ["heroku pg:psql -a shop-dev", "fly postgres connect -a app-dev",
                                     "railway connect -e development"])
def test_an_interactive_session_on_dev_is_ordinary_work(command: str) -> None:
    verdict = shell(command)
    assert [e.tags for e in verdict.effects] == [("interactive", "unseen-changes")]
    assert verdict.decision == "allow"
    assert shell(command.replace("dev", "prod").replace("development", "production")).decision == "ask"


def test_borg_with_lock_runs_its_command() -> None:
    assert shell("borg with-lock /srv/repo rm -rf /").decision == "deny"
    assert shell("borg with-lock /srv/repo ls /srv").decision == "allow"


def test_netlify_api_is_placed_by_its_method() -> None:
    assert [e.operation for e in shell("netlify api listSites").effects] == ["read"]
    assert [e.operation for e in shell("netlify api deleteSite --data '{\"site_id\": \"x\"}'").effects] == ["delete"]
    assert shell("netlify api frobnicate").effects[0].operation == "unknown"


def test_firebase_indexes_are_a_read() -> None:
    assert shell("firebase firestore:indexes --project shop-prod").decision == "allow"
