"""The Python SDK: `Gate.check`, `Gate.require` (Denied / PendingApproval) and `@gate.guard`, local and remote —
the remote end-to-end test runs against the real changegate server (approve, then the retry is allowed)."""

from __future__ import annotations

import asyncio
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from changegate import Denied, Gate, PendingApproval
from changegate.sdk import Check, call_action
from tests.fake_server import FakeServer

ENV = {"HOME": "/home/dev"}
WORKSPACE = "/home/dev/app"


@pytest.fixture
def gate() -> Gate:
    return Gate(cwd=WORKSPACE, env=ENV, agent="my-agent")


# --- local ------------------------------------------------------------------------------------------------

def test_check_answers_like_the_cli(gate: Gate) -> None:
    allowed = gate.check("git status")
    assert allowed.allowed and allowed.decision == "allow" and allowed.rules == ["allow-reads"]
    asked = gate.check("cat ~/.ssh/id_rsa")
    assert asked.decision == "ask" and asked.approvals_required == 1 and asked.request_id is None
    denied = gate.check({"type": "shell", "command": "rm -rf /"})
    assert denied.decision == "deny" and "deny-root-home-system" in denied.rules
    assert "Safer:" in denied.message


def test_require_raises_with_the_reasons(gate: Gate) -> None:
    assert gate.require("ls -la").allowed
    with pytest.raises(Denied) as denied:
        gate.require("rm -rf /")
    assert any("root" in r for r in denied.value.reasons)
    assert denied.value.check.decision == "deny"
    with pytest.raises(PendingApproval) as pending:
        gate.require("cat ~/.aws/credentials")
    assert pending.value.approvals_required == 1 and pending.value.request_id is None
    assert "secrets" in str(pending.value)


def test_actions_carry_where_and_who(gate: Gate) -> None:
    doc = gate.action("make")
    assert doc == {"type": "shell", "command": "make", "cwd": WORKSPACE, "env": ENV, "agent": "my-agent"}
    assert gate.action({"type": "shell", "command": "make", "cwd": "/srv"})["cwd"] == "/srv"


def test_a_policy_file(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\nextends: default\nrules:\n  - id: plans-stay-closed\n    match: {operation: "
                      "read, resource: ['fs:{workspace}/plans/**']}\n    decide: deny\n    reason: not for agents\n")
    local = Gate(policy=str(policy), cwd=WORKSPACE, env=ENV)
    assert local.check("cat plans/q3.md").rules == ["plans-stay-closed"]
    assert Gate(cwd=WORKSPACE, env=ENV).check("cat plans/q3.md").decision == "allow"


def test_guard_a_shell_tool(gate: Gate) -> None:
    ran: list[str] = []

    @gate.guard(shell="command")
    def run(command: str, timeout: int = 30) -> str:
        ran.append(command)
        return "done"

    assert run("pytest -q") == "done"
    with pytest.raises(Denied):
        run("rm -rf /")
    with pytest.raises(PendingApproval):
        run(command="cat ~/.ssh/id_rsa")
    assert ran == ["pytest -q"]


def test_guard_maps_a_plain_tool_like_an_mcp_tool(gate: Gate) -> None:
    calls: list[tuple[str, str]] = []

    @gate.guard(server="github")
    def delete_repository(owner: str, repo: str) -> None:
        calls.append((owner, repo))

    @gate.guard(server="github")
    def list_issues(owner: str, repo: str, state: str = "open") -> list[str]:
        return [f"{owner}/{repo}#{state}"]

    with pytest.raises(PendingApproval) as pending:
        delete_repository("octo", "app")
    assert calls == [] and pending.value.check.effects[0]["resource"] == "mcp:github/delete_repository/octo/app"
    assert list_issues("octo", "app") == ["octo/app#open"]
    assert delete_repository.__name__ == "delete_repository"  # still the same tool to a framework


def test_guard_can_return_the_reason_instead_of_raising(gate: Gate) -> None:
    @gate.guard(shell="command", on_block="return")
    def run(command: str) -> str:
        return "ran"

    answer = run("rm -rf /")
    assert answer.startswith("changegate denied this:") and "deny-root-home-system" in answer


def test_guard_with_a_mapper_and_other_action_types(gate: Gate) -> None:
    @gate.guard(lambda table: {"type": "shell", "command": f"psql -h db.prod.internal -c 'DROP TABLE {table}'"})
    def drop(table: str) -> None:
        raise AssertionError("must not run")

    with pytest.raises((Denied, PendingApproval)):
        drop("users")
    assert call_action({"q": "DELETE FROM t", "dsn": "postgresql://h/db"}, "x", "y", sql="q", database="dsn") == {
        "type": "sql", "statement": "DELETE FROM t", "database": "postgresql://h/db"}
    assert call_action({"cmd": ["rm", "-rf", "x"]}, "x", "y", shell="cmd") == {"type": "shell",
                                                                               "argv": ["rm", "-rf", "x"]}
    assert call_action({"p": Path("/tmp/x"), "obj": object()}, "t", "s")["arguments"]["p"] == "/tmp/x"


def test_guard_async_tools(gate: Gate) -> None:
    @gate.guard(shell="command")
    async def run(command: str) -> str:
        return f"ran {command}"

    assert asyncio.run(run("ls")) == "ran ls"
    with pytest.raises(Denied):
        asyncio.run(run("rm -rf /"))


def test_bad_configurations_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHANGEGATE_TOKEN", raising=False)
    with pytest.raises(ValueError, match="token"):
        Gate(url="http://127.0.0.1:1")
    with pytest.raises(ValueError, match="not both"):
        Gate("policy.yaml", url="http://127.0.0.1:1", token="t")


# --- remote (a fake server speaking the contract) ---------------------------------------------------------

@pytest.fixture
def fake() -> Iterator[FakeServer]:
    server = FakeServer()
    yield server
    server.close()


def test_remote_ask_names_the_request_and_the_retry_passes(fake: FakeServer) -> None:
    remote = Gate(url=fake.url, token="cg_test", cwd=WORKSPACE, env=ENV)
    with pytest.raises(PendingApproval) as pending:
        remote.require("cat ~/.ssh/id_rsa")
    request_id = pending.value.request_id
    assert request_id == fake.requests["cat ~/.ssh/id_rsa"]
    assert f"Approval request {request_id} is waiting" in str(pending.value)
    fake.approved.add(request_id)
    assert remote.require("cat ~/.ssh/id_rsa").allowed


def test_remote_unreachable_is_a_deny() -> None:
    remote = Gate(url="http://127.0.0.1:9", token="t", cwd=WORKSPACE, env=ENV, timeout=1)
    result = remote.check("ls")
    assert result.decision == "deny" and result.error and "127.0.0.1:9" in result.error


def test_check_from_a_contract_without_a_decision_is_a_deny() -> None:
    assert Check.from_contract({"reasons": ["?"]}).decision == "deny"


# --- remote, end to end: the real server, a real approval ---------------------------------------------------

@pytest.fixture
def real_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    server_module = pytest.importorskip("changegate.server")
    uvicorn = pytest.importorskip("uvicorn")
    from argon2 import PasswordHasher

    monkeypatch.setattr("changegate.service.accounts._hasher",
                        lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    services = server_module.Services.open(server_module.Settings(
        database_url=f"sqlite:///{tmp_path / 'gate.db'}", public_url="http://gate.test", token_cache_s=0))
    services.accounts.add_user("alice", "approver", "alice-password", "test")
    services.accounts.add_user("bob", "approver", "bob-password", "test")
    token = services.accounts.create_agent_token("my-agent", "alice", "test")[1]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(server_module.create_app(services=services), host="127.0.0.1",
                                           port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield {"url": f"http://127.0.0.1:{port}", "token": token}
    server.should_exit = True
    thread.join(timeout=10)
    services.close()


def approve(url: str, request_id: str, user: str, password: str) -> dict[str, Any]:
    import base64
    import urllib.request

    request = urllib.request.Request(f"{url}/v1/requests/{request_id}/approve", data=b'{"comment": "ok"}',
                                     method="POST", headers={"Content-Type": "application/json",
                                                             "Authorization": "Basic " + base64.b64encode(
                                                                 f"{user}:{password}".encode()).decode()})
    with urllib.request.urlopen(request, timeout=10) as response:
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def test_end_to_end_against_the_real_server(real_server: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    remote = Gate(url=real_server["url"], token=real_server["token"], cwd=WORKSPACE, env=ENV)
    assert remote.check("git status").allowed
    with pytest.raises(PendingApproval) as pending:
        remote.require("cat ~/.ssh/id_rsa")
    request_id = pending.value.request_id
    assert request_id
    approve(real_server["url"], request_id, "bob", "bob-password")
    again = remote.require("cat ~/.ssh/id_rsa")
    assert again.allowed

    # a hook in remote mode: the ask files a request, and the approved retry is allowed
    from changegate.integrations import codex, hook

    monkeypatch.setenv("CHANGEGATE_URL", real_server["url"])
    monkeypatch.setenv("CHANGEGATE_TOKEN", real_server["token"])
    monkeypatch.setenv("HOME", "/home/dev")
    payload = json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": WORKSPACE,
                          "tool_input": {"command": "cat ~/.aws/credentials"}}).encode()
    first = json.loads(hook.run(codex, io.BytesIO(payload), time.monotonic() + 5).stdout)  # type: ignore[arg-type]
    reason = first["hookSpecificOutput"]["permissionDecisionReason"]
    hook_request = reason.split("request ", 1)[1].split(" ", 1)[0]
    assert hook_request.startswith("req_") and hook_request != request_id
    approve(real_server["url"], hook_request, "bob", "bob-password")
    retried = hook.run(codex, io.BytesIO(payload), time.monotonic() + 5)  # type: ignore[arg-type]
    assert retried.stdout == ""  # Codex: a silent allow
