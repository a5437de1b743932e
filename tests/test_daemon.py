"""The warm path: the per-user daemon and the light hook client answer exactly what `changegate hook` does."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from changegate.integrations import daemon

PYTHON = sys.executable
CLIENT = str(Path(daemon.__file__).with_name("hookclient.py"))


def claude(command: str, cwd: Path) -> bytes:
    return json.dumps({"session_id": "s1", "hook_event_name": "PreToolUse", "tool_name": "Bash",
                       "tool_input": {"command": command}, "cwd": str(cwd), "permission_mode": "default"}).encode()


def gemini(command: str, cwd: Path) -> bytes:
    return json.dumps({"session_id": "s1", "hook_event_name": "BeforeTool", "tool_name": "run_shell_command",
                       "tool_input": {"command": command}, "cwd": str(cwd)}).encode()


def run(argv: list[str], payload: bytes, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    done = subprocess.run(argv, input=payload, capture_output=True, cwd=cwd, timeout=60,
                          env={**os.environ, "CHANGEGATE_DAEMON": "on", "CHANGEGATE_DAEMON_IDLE": "20",
                               **(env or {})})
    return done.returncode, done.stdout.decode()


def warm(agent: str) -> list[str]:
    return [PYTHON, "-I", "-S", CLIENT, agent]


def cold(agent: str) -> list[str]:
    return [PYTHON, "-m", "changegate", "hook", agent]


COLD = {"CHANGEGATE_DAEMON": "off"}  # `changegate hook` deciding in its own process


def wait_for(predicate: object, timeout: float = 20.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def running_daemon(own_state: Path) -> Iterator[Path]:
    process = subprocess.Popen([PYTHON, "-m", "changegate.integrations.daemon", "--idle", "60"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    path = daemon.socket_path()
    try:
        assert wait_for(lambda: daemon.answers(path)), "the daemon did not start"
        yield path
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize(("agent", "make", "command"), [
    ("claude-code", claude, "ls -la"),
    ("claude-code", claude, "rm -rf ~"),
    ("claude-code", claude, "kubectl --context prod delete namespace payments"),
    ("gemini", gemini, "git status"),
    ("gemini", gemini, "rm -rf /"),
], ids=str)
def test_the_daemon_answers_what_the_hook_answers(running_daemon: Path, tmp_path: Path, agent: str,
                                                  make: object, command: str) -> None:
    payload = make(command, tmp_path)  # type: ignore[operator]
    assert run(warm(agent), payload, tmp_path) == run(cold(agent), payload, tmp_path, COLD)


def test_bad_input_gets_the_same_refusal_both_ways(running_daemon: Path, tmp_path: Path) -> None:
    for payload in (b"", b"not json", b"[1, 2]"):
        code_warm, out_warm = run(warm("claude-code"), payload, tmp_path)
        assert (code_warm, out_warm) == run(cold("claude-code"), payload, tmp_path, COLD)
        assert "allow" not in out_warm


def test_without_a_daemon_the_client_decides_itself_and_starts_one(tmp_path: Path, own_state: Path) -> None:
    path = daemon.socket_path()
    assert not path.exists()
    code, out = run(warm("claude-code"), claude("rm -rf ~", tmp_path), tmp_path)
    assert code == 0
    assert json.loads(out)["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert wait_for(lambda: daemon.answers(path)), "no daemon was started for the next call"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    stop(path)


def stop(path: Path) -> None:
    """The test's daemon ends when its socket is gone (it checks while idle)."""
    path.unlink()


def test_the_daemon_can_be_switched_off(tmp_path: Path, own_state: Path) -> None:
    code, out = run(warm("claude-code"), claude("ls", tmp_path), tmp_path, {"CHANGEGATE_DAEMON": "off"})
    assert code == 0
    assert json.loads(out)["hookSpecificOutput"]["permissionDecision"] == "allow"


def test_a_listener_that_is_not_the_daemon_is_not_believed(tmp_path: Path, own_state: Path) -> None:
    """Anything else on the socket (another program answering allow) is ignored: the client decides itself."""
    path = daemon.socket_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fake = subprocess.Popen([PYTHON, "-c", FAKE_DAEMON, str(path)], stdout=subprocess.PIPE)
    assert fake.stdout is not None and fake.stdout.readline() == b"ready\n"
    try:
        code, out = run(warm("claude-code"), claude("rm -rf ~", tmp_path), tmp_path, {"CHANGEGATE_DAEMON": "on"})
        assert code == 0
        assert json.loads(out)["hookSpecificOutput"]["permissionDecision"] == "deny"
    finally:
        fake.kill()
        fake.wait()


FAKE_DAEMON = """
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    allow = {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "allow"}}
    c.sendall(json.dumps({"stdout": json.dumps(allow), "stderr": "", "exit": 0}).encode()); c.close()
"""


def test_a_changed_script_and_policy_are_read_on_the_next_call(running_daemon: Path, tmp_path: Path) -> None:
    script = tmp_path / "x.sh"
    script.write_text("echo hello\n")
    script.chmod(0o755)
    first = json.loads(run(warm("claude-code"), claude("./x.sh", tmp_path), tmp_path)[1])
    assert first["hookSpecificOutput"]["permissionDecision"] == "allow"
    script.write_text("rm -rf ~\n")
    second = json.loads(run(warm("claude-code"), claude("./x.sh", tmp_path), tmp_path)[1])
    assert second["hookSpecificOutput"]["permissionDecision"] == "deny"
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\nextends: default\nrules:\n  - id: no-echo\n    match: {operation: read}\n"
                      "    decide: deny\n    reason: no reads today\n")
    third = json.loads(run(warm("claude-code"), claude("ls", tmp_path), tmp_path,
                           {"CHANGEGATE_POLICY": str(policy)})[1])
    assert third["hookSpecificOutput"]["permissionDecision"] == "deny"
    fourth = json.loads(run(warm("claude-code"), claude("ls", tmp_path), tmp_path)[1])
    assert fourth["hookSpecificOutput"]["permissionDecision"] == "allow"


def test_an_idle_daemon_exits_and_removes_its_socket(own_state: Path) -> None:
    process = subprocess.Popen([PYTHON, "-m", "changegate.integrations.daemon", "--idle", "1"])
    path = daemon.socket_path()
    assert wait_for(path.exists)
    assert process.wait(timeout=30) == 0
    assert not path.exists()


def test_a_second_daemon_leaves_the_first_serving(running_daemon: Path) -> None:
    second = subprocess.run([PYTHON, "-m", "changegate.integrations.daemon", "--idle", "5"], timeout=30)
    assert second.returncode == 0
    assert daemon.answers(running_daemon)


def test_a_request_that_is_not_one_gets_an_error_not_an_answer(running_daemon: Path) -> None:
    for raw in (b"{", b"[]", json.dumps({"agent": "claude-code"}).encode(),
                json.dumps({"agent": "nobody", "cwd": "/", "env": {}, "payload": "{}"}).encode()):
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(10)
        conn.connect(str(running_daemon))
        conn.sendall(raw)
        conn.shutdown(socket.SHUT_WR)
        reply = json.loads(conn.recv(65536))
        conn.close()
        assert "error" in reply and "stdout" not in reply


def test_the_installed_hook_command_asks_the_daemon_without_importing_the_engine(running_daemon: Path,
                                                                                  tmp_path: Path) -> None:
    payload = claude("rm -rf ~", tmp_path)
    done = subprocess.run([PYTHON, "-X", "importtime", "-m", "changegate", "hook", "claude-code"], input=payload,
                          capture_output=True, cwd=tmp_path, timeout=60,
                          env={**os.environ, "CHANGEGATE_DAEMON": "on"})
    assert json.loads(done.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"
    imported = done.stderr.decode()
    assert "changegate.integrations.hookclient" in imported
    assert "changegate.understand" not in imported and "changegate.gate" not in imported
    assert (done.returncode, done.stdout.decode()) == run(cold("claude-code"), payload, tmp_path, COLD)
