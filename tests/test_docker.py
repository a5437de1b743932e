"""Containers: the local daemon is local, every container/image/volume at once is machine-wide, a volume holds
data, escapes from the sandbox control the machine, payloads run inside the container."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import changegate.understand.commands.containers.docker  # noqa: F401  (compiled before the first timed analysis)
from changegate.gate import evaluate
from changegate.model import Verdict
from tests.conftest import effects, shell


def tagged(verdict: Verdict, tag: str) -> bool:
    return any(tag in e.tags for e in verdict.effects)


@pytest.mark.parametrize("command", [
    "docker ps", "docker ps -a", "docker images", "docker logs web", "docker inspect web", "docker compose ps",
    "docker volume ls", "podman ps", "docker version", "docker system df",
])
def test_reads_are_allowed(command: str) -> None:
    v = shell(command)
    assert v.decision == "allow"
    assert {e.operation for e in v.effects} == {"read"}


@pytest.mark.parametrize("command", [
    "docker build -t myapp:latest .",
    "docker run -d --name pg -p 5432:5432 -v pgdata:/var/lib/postgresql/data postgres:16",
    "docker rm -f web",
    "docker rmi myapp:old",
    "docker network rm app_net",
    "docker compose up -d",
    "docker compose down",
    "docker image prune",
    "docker stop $(docker ps -q)",
    "docker run --rm --network host alpine ping -c1 localhost",
])
def test_ordinary_local_work_is_allowed(command: str) -> None:
    assert shell(command).decision == "allow"


def test_a_container_running_the_tests_on_the_workspace_is_allowed() -> None:
    v = shell('docker run --rm -v "$PWD":/w -w /w node:20 ls /w')
    assert v.decision == "allow"
    assert not any(e.operation in ("host_control", "secret_read") for e in v.effects)


@pytest.mark.parametrize("command", [
    "docker system prune -af --volumes",
    "docker system prune",
    "docker container prune -f",
    "docker volume prune -f",
    "docker image prune -a",
    "docker rm -f $(docker ps -aq)",
    "docker ps -aq | xargs docker rm -f",
    "docker rmi $(docker images -q)",
])
def test_machine_wide_deletes_ask(command: str) -> None:
    v = shell(command)
    assert v.decision == "ask"
    assert tagged(v, "machine-wide")
    assert any(e.scope == "all" for e in effects(v, "delete"))


def test_a_filtered_listing_is_not_every_container() -> None:
    v = shell("docker rm $(docker ps -aq -f status=exited)")
    assert not tagged(v, "machine-wide")


def test_volumes_hold_data_that_exists_nowhere_else() -> None:
    v = shell("docker volume rm app_data")
    assert v.decision == "ask"
    delete = effects(v, "delete")[0]
    assert delete.data_loss and "unrecoverable" in delete.tags
    assert v.suggestions


def test_compose_down_with_volumes_asks_and_without_does_not() -> None:
    assert shell("docker compose down -v").decision == "ask"
    assert shell("docker-compose down --volumes").decision == "ask"
    assert shell("docker-compose down").decision == "allow"


def test_a_remote_daemon_is_placed_by_its_host() -> None:
    v = shell("DOCKER_HOST=ssh://deploy@web1.prod.example.com docker rm -f api")
    assert v.decision == "ask"
    assert effects(v, "delete")[0].environment == "prod"
    v2 = shell("docker -H tcp://10.0.0.5:2376 stop api")
    assert effects(v2, "modify")[0].environment == "unknown"


def test_kind_and_local_contexts_are_not_prod() -> None:
    assert effects(shell("docker --context kind-dev rm -f x"), "delete")[0].environment == "dev"
    assert shell("docker --context desktop-linux rm -f x").decision == "allow"


def test_the_context_saved_in_the_agents_docker_config(tmp_path: Path) -> None:
    home = tmp_path / "home"
    meta = home / ".docker" / "contexts" / "meta" / hashlib.sha256(b"shared").hexdigest()
    meta.mkdir(parents=True)
    (home / ".docker" / "config.json").write_text(json.dumps({"currentContext": "shared"}))
    (meta / "meta.json").write_text(json.dumps({"Endpoints": {"docker": {"Host": "ssh://ops@db.prod.example.com"}}}))
    v = evaluate({"type": "shell", "command": "docker volume rm pgdata", "cwd": "/home/dev/app",
                  "env": {"HOME": str(home)}})
    delete = effects(v, "delete")[0]
    assert delete.environment == "prod" and "db.prod.example.com" in delete.resource
    assert v.approvals_required == 2  # a volume in prod holds data


@pytest.mark.parametrize(("command", "tag"), [
    ("docker run --privileged -it ubuntu bash", "privileged"),
    ("docker run -v /:/host alpine chroot /host", "host-mount"),
    ("docker run -v /var/run/docker.sock:/var/run/docker.sock docker:cli ps", "daemon-socket"),
    ("docker run --pid=host alpine kill 1", "host-namespace"),
    ("docker run --cap-add SYS_ADMIN alpine mount", "capability"),
    ("docker run --security-opt seccomp=unconfined alpine", "unconfined"),
    ("docker run -v $HOME:/h alpine ls /h", "host-mount"),
    ("docker run --mount type=bind,source=/etc,target=/e alpine", "host-mount"),
])
def test_escapes_from_the_sandbox_control_the_machine(command: str, tag: str) -> None:
    v = shell(command)
    assert v.decision == "ask"
    control = [e for e in effects(v, "host_control") if tag in e.tags]
    assert control and control[0].environment == "unknown"


def test_mounting_credentials_reads_them() -> None:
    v = shell("docker run --rm -v ~/.aws:/root/.aws amazon/aws-cli s3 ls")
    assert v.decision == "ask"
    assert effects(v, "secret_read")


def test_read_only_mount_outside_the_workspace_is_a_read() -> None:
    assert shell("docker run --rm -v /data:/data:ro alpine ls /data").decision == "allow"


def test_the_payload_runs_inside_the_container() -> None:
    v = shell("docker exec web rm -rf /")
    assert v.decision == "deny"
    assert any(e.resource.startswith("fs://container:web/") for e in v.effects)
    inside = shell("docker exec -it web rm -rf /tmp/cache")
    assert inside.decision == "allow"


def test_push_publishes_except_to_a_local_registry() -> None:
    v = shell("docker push myorg/app:1.0")
    assert v.decision == "ask" and effects(v, "publish")
    assert shell("docker push localhost:5000/app:dev").decision == "allow"
    built = shell("docker buildx build --push -t ghcr.io/org/app:1 .")
    assert effects(built, "publish")


def test_login_grants_access() -> None:
    v = shell("docker login -u bot -p hunter2 registry.example.com")
    assert v.decision == "ask"
    assert effects(v, "permission")[0].resource == "registry:registry.example.com"


def test_podman_reset_and_machine_removal_are_machine_wide() -> None:
    assert tagged(shell("podman system reset -f"), "machine-wide")
    assert shell("podman machine rm -f").decision == "ask"


def test_an_unknown_verb_on_a_remote_daemon_asks() -> None:
    v = shell("DOCKER_HOST=tcp://docker.prod.example.com:2376 docker frobnicate web")
    assert v.decision == "ask"
    assert v.effects[0].environment == "prod"
