"""Facts travel with the action (issue 12, item 7): in remote mode the client collects what understanding
reads where the agent runs (bounded, credentials digested) and sends it; the server decides on action + facts
and never opens a path an agent names. Through the real entry points: the client, `changegate check` in
remote mode, the hook's client path, and the server's /v1/check."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from changegate.client import Client
from changegate.integrations import hook
from changegate.service.store.tables import requests
from changegate.understand import facts, outgoing_action
from tests.test_server import Api, api, live, quick_argon2, remote_cli  # noqa: F401  (fixtures)

WORKSPACE = "/home/dev/app"
SECRET_TOKEN = "eyJhbGciOiJSUzI1NiJ9.secret-service-account-token"


def kubeconfig(path: Path, current: str) -> Path:
    path.write_text(f"""apiVersion: v1
kind: Config
current-context: {current}
contexts:
- name: {current}
  context: {{cluster: {current}, user: admin, namespace: payments}}
clusters:
- name: {current}
  cluster: {{server: "https://k8s.example.com:6443"}}
users:
- name: admin
  user:
    token: {SECRET_TOKEN}
    client-key-data: LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t
""")
    return path


def delete_pod(config: Path | str, **extra: Any) -> dict[str, Any]:
    return {"type": "shell", "command": "kubectl delete pod web-1", "cwd": WORKSPACE,
            "env": {"HOME": "/home/dev", "KUBECONFIG": str(config)}, **extra}


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "kubeconfig.fifo"
    os.mkfifo(path)
    yield path


def answered(call: Any) -> Any:
    """Run `call` in a thread and give its result; a call that never returns (a FIFO opened for reading
    blocks until a writer comes) fails the test instead of hanging it."""
    out: list[Any] = []
    worker = threading.Thread(target=lambda: out.append(call()), daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "the call did not return: something opened a FIFO"
    return out[0]


# --- the server ------------------------------------------------------------------------------------------------

def test_the_server_never_opens_a_path_the_agent_names(api: Api, tmp_path: Path, fifo: Path) -> None:  # noqa: F811
    # a kubeconfig on the server's own disk at the path the agent names: not the agent's, never read
    here = kubeconfig(tmp_path / "config", "kind-dev")
    answer = api.check(delete_pod(here)).json()
    assert answer["decision"] == "ask"
    assert all(e["environment"] != "dev" for e in answer["effects"])
    # a FIFO there would block the server's event loop if it were opened
    blocked = answered(lambda: api.check(delete_pod(fifo)))
    assert blocked.status_code == 200 and blocked.json()["decision"] == "ask"


def test_the_server_reads_a_file_only_from_the_facts_sent(api: Api, tmp_path: Path) -> None:  # noqa: F811
    config = str(kubeconfig(tmp_path / "config", "kind-dev"))
    sent = outgoing_action(delete_pod(config))
    assert sent["facts"]["files"][config] is not None
    os.unlink(config)  # gone from the disk: the decision comes from what was sent
    answer = api.check(sent).json()
    assert answer["decision"] == "allow", answer["reasons"]
    assert f"files: {config}" in answer["facts"]


# --- the client ------------------------------------------------------------------------------------------------

def test_the_client_sends_facts_and_the_approver_sees_them_bound(live: tuple[str, Api], tmp_path: Path) -> None:  # noqa: F811
    url, server = live
    config = kubeconfig(tmp_path / "config", "prod-eu")
    client = Client(url, server.tokens["claude"])
    asked = client.check(delete_pod(config))
    assert asked["decision"] == "ask" and asked["effects"][0]["environment"] == "prod"
    assert f"files: {config}" in asked["facts"]
    with server.services.store.read() as conn:
        stored = conn.execute(sa.select(requests.c.action).where(requests.c.id == asked["request"]["id"])).scalar()
    doc = json.loads(stored)
    assert "current-context: prod-eu" in doc["facts"]["files"][str(config)]  # shown with the request
    assert SECRET_TOKEN not in stored and "redacted:sha256:" in stored  # credentials never leave the machine
    # the facts are part of the hash: the same command against another cluster is another action
    kubeconfig(config, "prod-us")
    assert client.check(delete_pod(config))["action_hash"] != asked["action_hash"]


def test_a_fifo_where_the_client_reads_does_not_hang_it(live: tuple[str, Api], fifo: Path) -> None:  # noqa: F811
    url, server = live
    sent = answered(lambda: outgoing_action(delete_pod(fifo)))
    assert "not a regular file" in sent["facts"]["unreadable"][str(fifo)]
    asked = answered(lambda: Client(url, server.tokens["claude"]).check(delete_pod(fifo)))
    assert asked["decision"] == "ask"


def test_the_cli_in_remote_mode_sends_the_package_scripts(live: tuple[str, Api], tmp_path: Path,  # noqa: F811
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    url, server = live
    project = tmp_path / "app"
    project.mkdir()
    (project / "package.json").write_text(json.dumps(
        {"name": "app", "scripts": {"deploy": "kubectl delete namespace payments --context prod-eu",
                                    "lint": "eslint ."}}))
    monkeypatch.chdir(project)
    deploy = remote_cli(url, server.tokens["claude"], "check", "--json", "--", "npm run deploy")
    answer = json.loads(deploy.stdout)
    assert answer["decision"] == "ask", answer
    assert any(e["resource"].endswith("namespace/payments") and e["environment"] == "prod"
               for e in answer["effects"])
    assert any(str(project / "package.json") in fact for fact in answer["facts"])


def test_the_hooks_client_path_sends_facts(live: tuple[str, Api], tmp_path: Path) -> None:  # noqa: F811
    url, server = live
    config = kubeconfig(tmp_path / "config", "prod-eu")
    post = hook.client_poster(url, server.tokens["claude"])
    answer = post(delete_pod(config, agent="claude-code"), 10.0)
    assert answer["decision"] == "ask" and f"files: {config}" in answer["facts"]


# --- the reader ------------------------------------------------------------------------------------------------

def test_the_facts_reader_is_bounded_and_says_what_was_not_sent() -> None:
    reader = facts.FactsReader({"files": {"/a": "x" * 100, "/gone": None}, "unreadable": {"/f": "/f is not a "
                                                                                          "regular file"}})
    with facts.reading(reader):
        assert facts.read_config_bytes("/gone") is None
        with pytest.raises(facts.Unreadable, match="larger than 10 bytes"):
            facts.read_config_bytes("/a", limit=10)
        with pytest.raises(facts.Unreadable, match="not a regular file"):
            facts.read_config_bytes("/f")
        with pytest.raises(facts.Unreadable, match="not among the facts"):
            facts.read_config_bytes("/etc/hostname")
        assert facts.kind("/a") == "file" and facts.kind("/gone") == "absent"


def test_what_a_client_collects_is_bounded(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_text("y" * (facts.FACTS_LIMIT - 10))
    small = tmp_path / "small"
    small.write_text("z" * 100)

    def run() -> None:
        facts.read_config(str(big), limit=facts.FACTS_LIMIT)
        facts.read_config(str(small))

    collected = facts.collect(run)
    assert str(big) in collected["files"] and str(small) not in collected.get("files", {})
    assert "full" in collected["unreadable"][str(small)]


@pytest.mark.parametrize(("line", "kept"), [
    ("    token: abc.def.ghi", "    token: redacted:sha256:"),
    ("    client-key-data: LS0tLS1CRUdJTi", "    client-key-data: redacted:sha256:"),
    ('  "auths": {"ghcr.io": {"auth": "dXNlcjpwYXNz"}}', '"auth": "redacted:sha256:'),
    ("url: postgres://app:hunter2@db.prod.internal/app", "postgres://app:redacted:sha256:"),
    ("PASSWORD=hunter2", "PASSWORD=redacted:sha256:"),
    ("current-context: prod-eu", "current-context: prod-eu"),
])
def test_credentials_are_digested_before_they_leave(line: str, kept: str) -> None:
    redacted = facts.redact_text(line)
    assert kept in redacted
    assert "hunter2" not in redacted and "abc.def.ghi" not in redacted and "dXNlcjpwYXNz" not in redacted


def test_links_globs_and_lookups_travel_as_facts_and_the_server_never_looks_itself(tmp_path: Path) -> None:
    from changegate.gate import judge

    work = tmp_path / "work"
    (work / ".git").mkdir(parents=True)
    (work / "b").symlink_to("/etc")  # ./b/passwd lands in the system's accounts
    action = {"type": "shell", "command": "rm -f ./*/passwd", "cwd": str(work), "env": {"HOME": str(tmp_path)}}
    sent = outgoing_action(action)
    assert sent["facts"]["globs"][f"{work}/*/passwd"] == [f"{work}/b/passwd"]
    assert sent["facts"]["realpaths"][f"{work}/b"] == "/etc"
    with facts.facts_only():  # as the server decides
        assert judge(sent).verdict.decision == "deny"
        bare = {**sent, "facts": {}}  # nothing sent: judged as the pattern, never on the server's disk
        assert facts.FactsReader({}).glob(f"{work}/*/passwd") == []
        judged = judge(bare).verdict
        # the server's own disk has the same link (one machine here): it must not have looked
        assert "/etc/passwd" not in judged.summary and "every match of the pattern" in judged.summary
