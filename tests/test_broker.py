"""`changegate run`: allow runs, deny exits 20, ask files and waits, an approval is for exactly one action
once, the audit log has the result, and the child gets the gate's credentials and none of the agent's."""

from __future__ import annotations

import hashlib
import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from changegate.broker.credentials import Vault
from changegate.service.audit import verify
from changegate.service.store import open_store
from tests.brokering import Gate


def make_tree(root: Path) -> Path:
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "file.txt").write_text("data\n")
    return root


def test_an_allowed_command_runs_and_its_result_is_in_the_audit_log(gate: Gate, tmp_path: Path) -> None:
    script = "import sys; sys.stdout.write('out' * 2000); sys.stderr.write('problem'); sys.exit(3)"
    script_file = tmp_path / "talk.py"
    script_file.write_text(script)
    ran = gate.run([sys.executable, str(script_file)], tmp_path, policy=False)
    assert ran.code == 3  # the command's own exit code
    assert ran.stdout == "out" * 2000 and ran.stderr.endswith("problem")
    finished = gate.records("execution.finished")[-1].data
    assert finished["exit_code"] == 3 and finished["duration_s"] >= 0
    assert finished["stdout"]["bytes"] == 6000
    assert finished["stdout"]["sha256"] == hashlib.sha256(b"out" * 2000).hexdigest()
    assert finished["stdout"]["truncated"] and len(finished["stdout"]["head"]) == 2048
    assert finished["stderr"] == {"bytes": 7, "sha256": hashlib.sha256(b"problem").hexdigest(), "head": "problem"}
    started = gate.records("execution.started")[-1].data
    assert started["argv"] == [sys.executable, str(script_file)] and started["cwd"] == str(tmp_path)
    store = open_store()
    try:
        assert verify(store).ok
    finally:
        store.dispose()


def test_a_denied_command_exits_20_and_nothing_runs(gate: Gate, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    ran = gate.run(["bash", "-c", f"touch {marker}; rm -rf /"], tmp_path)
    assert ran.code == 20
    assert "denied" in ran.stderr and "why:" in ran.stderr
    assert not marker.exists()
    assert not gate.records("execution.started")
    assert gate.records("decision")[-1].data["decision"] == "deny"


def test_ask_files_a_request_and_waits_for_the_approval(gate: Gate, tmp_path: Path) -> None:
    target = make_tree(tmp_path / "data")
    first = gate.run(["rm", "-rf", str(target)], tmp_path)
    assert first.code == 10 and "needs approval" in first.stderr
    assert target.exists()
    request = gate.request(first.request)
    assert request.status == "pending" and request.action["argv"] == ["rm", "-rf", str(target)]

    results: list[int] = []
    waiting = threading.Thread(target=lambda: results.append(gate.run(["rm", "-rf", str(target)], tmp_path,
                                                                       wait=30).code))
    waiting.start()
    time.sleep(0.5)
    assert waiting.is_alive() and target.exists()  # still waiting: nothing ran
    gate.approve(first.request)
    waiting.join(timeout=30)
    assert results == [0]
    assert not target.exists()
    assert gate.request(first.request).status == "executed"


def test_an_action_changed_by_one_byte_after_approval_is_refused(gate: Gate, tmp_path: Path) -> None:
    approved, other = make_tree(tmp_path / "dataA"), make_tree(tmp_path / "dataB")
    first = gate.run(["rm", "-rf", str(approved)], tmp_path)
    gate.approve(first.request)
    changed = gate.run(["rm", "-rf", str(other)], tmp_path)  # "dataA" -> "dataB": one byte
    assert changed.code == 10 and changed.request != first.request
    assert other.exists() and approved.exists()
    assert gate.request(first.request).status == "approved"  # still unused: it was not for this action
    moved = gate.run(["rm", "-rf", str(approved)], tmp_path / "dataB")  # the same argv in another cwd
    assert moved.code == 10 and moved.request != first.request
    assert gate.run(["rm", "-rf", str(approved)], tmp_path).code == 0
    assert not approved.exists()


def test_a_single_use_approval_cannot_run_twice(gate: Gate, tmp_path: Path) -> None:
    target = make_tree(tmp_path / "data")
    ran = gate.approved_run(["rm", "-rf", str(target)], tmp_path)
    assert ran.code == 0 and not target.exists()
    make_tree(target)
    again = gate.run(["rm", "-rf", str(target)], tmp_path)
    assert again.code == 10  # asked again: a new request
    assert target.exists()
    assert len(gate.records("execution.finished")) == 1


def test_the_child_gets_the_gates_credentials_and_none_of_the_agents(gate: Gate, tmp_path: Path) -> None:
    Vault().add("local-deploy", kind="static", environments=["local", "dev"], tools=["python3"],
                env={"DEPLOY_TOKEN": "gate-secret-token", "GIT_SSH_COMMAND": "ssh -i {dir}/deploy_key"},
                files={"KUBECONFIG": "apiVersion: v1\nkind: Config\ncurrent-context: gate\n",
                       "DEPLOY_KEY": "-----BEGIN KEY-----\n"})
    dump = tmp_path / "dump.py"
    out = tmp_path / "child.json"
    dump.write_text("import json, os, sys\n"
                    "env = dict(os.environ)\n"
                    "files = {k: open(env[k]).read() for k in ('KUBECONFIG', 'AWS_CONFIG_FILE', 'DEPLOY_KEY')}\n"
                    "json.dump({'env': env, 'files': files}, open(sys.argv[1], 'w'))\n")
    agent_env = gate.env(AWS_ACCESS_KEY_ID="AKIAAGENTAGENTAGENT1", AWS_SECRET_ACCESS_KEY="agent-aws-secret",
                         AWS_PROFILE="dev", AWS_REGION="eu-west-1", GITHUB_TOKEN="ghp_agentagentagentagentagent",
                         OPENAI_API_KEY="sk-agent", KUBECONFIG="/home/agent/.kube/config",
                         SSH_AUTH_SOCK="/tmp/agent.sock", DATABASE_URL="postgres://app:agentpw@db.internal/app",
                         GIT_AUTHOR_NAME="Agent Smith", DEPLOY_TOKEN="agent-deploy-token")
    ran = gate.run(["python3", str(dump), str(out)], tmp_path, env=agent_env, policy=False)
    assert ran.code == 0, ran.stderr
    child = json.loads(out.read_text())
    env = child["env"]
    assert env["DEPLOY_TOKEN"] == "gate-secret-token"  # the gate's, not the agent's
    assert child["files"]["KUBECONFIG"].endswith("current-context: gate\n")
    assert child["files"]["DEPLOY_KEY"] == "-----BEGIN KEY-----\n"
    assert env["GIT_SSH_COMMAND"] == f"ssh -i {Path(env['DEPLOY_KEY']).parent}/deploy_key"
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "GITHUB_TOKEN", "OPENAI_API_KEY",
                 "SSH_AUTH_SOCK"):
        assert name not in env, name
    assert env["DATABASE_URL"] == "postgres://app@db.internal/app"  # the target stays, the password goes
    assert child["files"]["AWS_CONFIG_FILE"] == ""  # no falling back to ~/.aws
    assert env["AWS_REGION"] == "eu-west-1" and env["GIT_AUTHOR_NAME"] == "Agent Smith"
    everything = json.dumps(child)
    for secret in ("agent-aws-secret", "AKIAAGENT", "agentpw", "ghp_agent", "sk-agent", "agent-deploy-token",
                   "/home/agent/.kube/config", "/tmp/agent.sock"):
        assert secret not in everything, secret
    assert not Path(env["KUBECONFIG"]).exists()  # the private copy is gone once the child is done
    started = gate.records("execution.started")[-1].data["credentials"]
    assert started["profile"] == "local-deploy" and "DEPLOY_TOKEN" in started["injected"]
    assert "AWS_SECRET_ACCESS_KEY" in started["scrubbed"]
    assert "gate-secret-token" not in gate.audit_text() and "current-context: gate" not in gate.audit_text()


def test_credentials_go_only_to_a_program_nobody_else_can_replace(gate: Gate, tmp_path: Path) -> None:
    shared = tmp_path / "shared-bin"
    shared.mkdir()
    shared.chmod(0o777)  # anyone could have put this program here
    tool = shared / "deploytool"
    tool.write_text("#!/bin/sh\necho deployed > \"$1\"\n")  # harmless: the broker's check is what is tested
    tool.chmod(0o755)
    Vault().add("deploy", kind="static", environments=["local"], tools=["deploytool"], env={"DEPLOY_TOKEN": "t0p"})
    out = tmp_path / "env.txt"
    ran = gate.run([str(tool), str(out)], tmp_path, policy=False)
    assert ran.code == 1 and "can be changed by others" in ran.stderr
    assert not out.exists()


# --- remote mode: the server decides and approves, the action runs here ------------------------------------

@pytest.fixture
def server(gate: Gate, tmp_path: Path) -> Iterator[dict[str, Any]]:
    server_module = pytest.importorskip("changegate.server")
    uvicorn = pytest.importorskip("uvicorn")
    services = server_module.Services.open(server_module.Settings(
        database_url=f"sqlite:///{tmp_path / 'server.db'}", policy_path=str(gate.policy), token_cache_s=0))
    services.accounts.add_user("alice", "approver", None, "test")
    token = services.accounts.create_agent_token("claude", "alice", "test")[1]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = uvicorn.Server(uvicorn.Config(server_module.create_app(services=services), host="127.0.0.1", port=port,
                                        log_level="error"))
    thread = threading.Thread(target=app.run, daemon=True)
    thread.start()
    for _ in range(200):
        if app.started:
            break
        time.sleep(0.05)
    yield {"url": f"http://127.0.0.1:{port}", "token": token, "services": services}
    app.should_exit = True
    thread.join(timeout=10)
    services.close()


def test_remote_mode_decides_on_the_server_and_runs_here(gate: Gate, server: dict[str, Any], tmp_path: Path) -> None:
    from changegate.service.identity import Identity

    target = make_tree(tmp_path / "data")
    env = gate.env(CHANGEGATE_URL=server["url"], CHANGEGATE_TOKEN=server["token"])
    argv = ["rm", "-rf", str(target)]
    first = gate.run(argv, tmp_path, env=env)
    assert first.code == 10 and target.exists()
    approvals = server["services"].approvals
    request = approvals.get(first.request)
    assert request.agent == "claude" and "undo: kept before it runs" in request.reason
    approvals.approve(first.request, Identity("user", "bob", "approver"))
    ran = gate.run(argv, tmp_path, env=env)
    assert ran.code == 0 and not target.exists()
    assert approvals.get(first.request).status == "executed"  # used on the server
    assert gate.records("execution.finished")[-1].data["request"] == first.request  # the result, recorded here
    assert gate.run(argv, tmp_path, env=env).code == 10  # a single use: the same command asks again
    from changegate.broker import undo

    undo.restore(ran.snapshot, undo.Tools(env=env))  # the snapshot was taken here, before it ran
    assert (target / "sub" / "file.txt").read_text() == "data\n"
