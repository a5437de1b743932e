"""The warm path: the per-user daemon and the light hook client answer exactly what `changegate hook` does."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from changegate import state, version
from changegate.integrations import daemon, hook, hookclient

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
    """The command `install` writes (the light client)."""
    return hookclient.launcher_argv(agent)


def script(agent: str) -> list[str]:
    """The light client run as a script."""
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
    # started as `changegate daemon` starts it (without -P): it re-executes itself as the process hooks believe
    process = subprocess.Popen([PYTHON, "-m", "changegate.integrations.daemon", "--idle", "60"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    path = daemon.socket_path()
    try:
        assert wait_for(lambda: daemon.answers(path)), "the daemon did not start"
        yield path
    finally:
        process.terminate()
        process.wait(timeout=10)


def answered_by_the_daemon(agent: str, payload: bytes, cwd: Path) -> tuple[int, str] | None:
    """What the daemon itself answers (None: no daemon answered, or not one the client believes)."""
    answer = hookclient.ask_daemon(agent, payload, 10.0, os.environb, os.fsencode(cwd))
    return None if answer is None else (answer[0], answer[1].decode())


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
    expected = run(cold(agent), payload, tmp_path, COLD)
    assert run(warm(agent), payload, tmp_path) == expected
    assert run(script(agent), payload, tmp_path) == expected
    assert run(warm(agent), payload, tmp_path, COLD) == expected  # the client deciding without the daemon
    # and the answer did come from the daemon: the client believes it (it runs as the client expects)
    assert answered_by_the_daemon(agent, payload, tmp_path) == expected


def test_bad_input_gets_the_same_refusal_both_ways(running_daemon: Path, tmp_path: Path) -> None:
    for payload in (b"", b"not json", b"[1, 2]", b"\xff\xfe{}"):
        code_warm, out_warm = run(warm("claude-code"), payload, tmp_path)
        assert (code_warm, out_warm) == run(cold("claude-code"), payload, tmp_path, COLD)
        assert "allow" not in out_warm


def test_an_unknown_agent_is_refused_both_ways(running_daemon: Path, tmp_path: Path) -> None:
    code, out = run(warm("nobody"), claude("ls", tmp_path), tmp_path)
    assert (code, out) == run(cold("nobody"), claude("ls", tmp_path), tmp_path, COLD) == (2, "")


def test_a_payload_larger_than_a_pipe_reaches_the_fallback_whole(tmp_path: Path, own_state: Path) -> None:
    """Without a daemon the client hands the payload it read to the in-process hook: all of it."""
    big = json.dumps({"session_id": "s1", "hook_event_name": "PreToolUse", "tool_name": "Bash",
                      "tool_input": {"command": "rm -rf ~", "description": "x" * 300_000},
                      "cwd": str(tmp_path)}).encode()
    expected = run(cold("claude-code"), big, tmp_path, COLD)
    assert json.loads(expected[1])["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert run(warm("claude-code"), big, tmp_path, COLD) == expected
    too_big = b" " * (hookclient.MAX_INPUT_BYTES + 10) + b"{}"
    refused = run(warm("claude-code"), too_big, tmp_path, COLD)
    assert refused == run(cold("claude-code"), too_big, tmp_path, COLD)
    assert refused[0] == 2  # (Claude Code: exit 2 blocks, the reason on stderr)


def test_the_fallback_takes_no_changegate_from_the_working_directory(tmp_path: Path, own_state: Path) -> None:
    """The agent controls its working directory: a `changegate` package there is never what decides."""
    fake = tmp_path / "changegate"
    fake.mkdir()
    allow = {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "allow"}}
    for name in ("__init__.py", "__main__.py"):
        (fake / name).write_text(f"import json, os\nos.write(1, json.dumps({allow!r}).encode())\nos._exit(0)\n")
    code, out = run(warm("claude-code"), claude("rm -rf ~", tmp_path), tmp_path, COLD)
    assert code == 0 and json.loads(out)["hookSpecificOutput"]["permissionDecision"] == "deny"


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


def test_a_daemon_started_by_hand_becomes_the_one_hooks_believe(running_daemon: Path) -> None:
    pid = daemon.ping(running_daemon)["pid"]  # type: ignore[index]
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    assert argv[1:4] == [b"-P", b"-m", b"changegate.integrations.daemon"]


def test_a_daemon_is_not_started_twice_at_once(own_state: Path) -> None:
    path = daemon.socket_path()
    with daemon.starting_alone(path) as alone:
        assert alone
        started = time.monotonic()
        assert daemon.serve(path, idle_s=5) == 0  # another is starting: this one leaves at once
        assert time.monotonic() - started < 2 and not path.exists()


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
                json.dumps({"agent": "nobody", "cwd": "/", "env": {}, "payload": "{}"}).encode(),
                b"changegate-hook 1 11 1 0 2\nclaude-code/{}x",  # lengths that do not add up
                b"changegate-hook 1 11 1 5 2\nclaude-code/NOEQ{}",  # an environment item without `=`
                hookclient.request_bytes("nobody", b"{}", {b"HOME": b"/"}, b"/")):
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


# --- the light client's pieces --------------------------------------------------------------------------------

@pytest.mark.parametrize("env", [
    {}, {"HOME": "/home/dev"}, {"HOME": "/home/dev/"}, {"HOME": "/"}, {"XDG_STATE_HOME": "/x/state"},
    {"XDG_STATE_HOME": "/x/state/"}, {"CHANGEGATE_STATE_DIR": "~/cg"}, {"CHANGEGATE_STATE_DIR": "/srv/cg"},
    {"CHANGEGATE_STATE_DIR": "~"}, {"CHANGEGATE_STATE_DIR": "~root/cg"},
], ids=str)
def test_the_client_finds_the_state_directory_as_changegate_does(env: dict[str, str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HOME", "XDG_STATE_HOME", "CHANGEGATE_STATE_DIR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert hookclient.state_dir(os.environb) == os.fsencode(state.state_dir_name())
    assert hookclient.socket_name(os.environb) == os.fsencode(daemon.socket_path())
    assert hookclient.version() == version.__version__.encode()


def test_requests_and_answers_are_read_back_exactly() -> None:
    env = {b"HOME": b"/home/d\xffv", b"EMPTY": b"", b"EQ": b"a=b=c"}
    raw = hookclient.request_bytes("claude-code", b'{"x": "\xc3\xa9"}', env, b"/tmp/w\xe9rk")
    agent, cwd, block, payload = daemon.parse_request(raw)
    assert (agent, os.fsencode(cwd), payload) == ("claude-code", b"/tmp/w\xe9rk", b'{"x": "\xc3\xa9"}')
    assert {os.fsencode(k): os.fsencode(v) for k, v in daemon.parse_environment(block).items()} == env
    answer = hookclient.ANSWER_MAGIC + b" 2 3 4\n" + b"out" + b"errs"
    assert hookclient.parse_answer(answer) == (2, b"out", b"errs")
    for bad in (b"", b"{\"stdout\": \"x\", \"exit\": 0}", answer[:-1], answer + b"x",
                answer.replace(b" 2 3 4", b" 256 3 4"), answer.replace(b" 2 3 4", b" -1 3 4"),
                answer.replace(b" 2 3 4", b" 2 3"), answer.replace(b"changegate-answer 1", b"changegate-answer 2")):
        assert hookclient.parse_answer(bad) is None, bad


def serve_once(path: Path, chunks: list[bytes], pause: float) -> threading.Thread:
    """A listener that answers one connection with `chunks`, `pause` seconds apart."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)

    def answer() -> None:
        conn, _ = server.accept()
        try:
            conn.recv(1 << 20)
            for chunk in chunks:
                time.sleep(pause)
                conn.sendall(chunk)
        except OSError:
            pass
        finally:
            conn.close()
            server.close()

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    return thread


def test_the_client_gives_up_on_a_slow_or_malformed_daemon(own_state: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Within its wait, whatever the peer does; None means the hook decides itself."""
    monkeypatch.setattr(hookclient, "is_our_daemon", lambda conn: True)  # (this test's listener is believed)
    path = Path(os.fsdecode(hookclient.socket_name(os.environb)))
    path.parent.mkdir(parents=True, exist_ok=True)
    good = hookclient.ANSWER_MAGIC + b" 0 2 0\n{}"
    serve_once(path, [good], 0)
    assert hookclient.ask_daemon("claude-code", b"{}", 5, os.environb, b"/") == (0, b"{}", b"")
    path.unlink()
    serve_once(path, [good[:5], good[5:10], good[10:]], 0.4)  # trickled past the wait
    started = time.monotonic()
    assert hookclient.ask_daemon("claude-code", b"{}", 0.6, os.environb, b"/") is None
    assert time.monotonic() - started < 1.0
    path.unlink()
    serve_once(path, [b'{"stdout": "{}", "stderr": "", "exit": 0}'], 0)  # the old protocol, or anyone's JSON
    assert hookclient.ask_daemon("claude-code", b"{}", 5, os.environb, b"/") is None


def test_a_fallback_hook_does_not_ask_the_daemon_again(running_daemon: Path, tmp_path: Path) -> None:
    """The client hands a call over only when the daemon did not answer: that hook decides in-process (it
    imports the engine) and the client's marker is not in the environment it judges with."""
    payload = claude("rm -rf ~", tmp_path)
    done = subprocess.run([PYTHON, "-X", "importtime", "-m", "changegate", "hook", "claude-code"], input=payload,
                          capture_output=True, cwd=tmp_path, timeout=60,
                          env={**os.environ, "CHANGEGATE_DAEMON": "on", hookclient.FALLBACK_VARIABLE: "0.2"})
    assert "changegate.understand" in done.stderr.decode()
    assert (done.returncode, done.stdout.decode()) == run(cold("claude-code"), payload, tmp_path, COLD)
    assert hook.fallback_spent(None) is None and hook.fallback_spent("0.25") == 0.25
    assert hook.fallback_spent("soon") == 0.0 and hook.fallback_spent("1e9") == hook.MAX_TIMEOUT_S


def test_the_policy_is_kept_while_its_file_is_unchanged(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\nextends: default\n")
    first = hook.current_policy(str(policy))
    assert hook.current_policy(str(policy)) is first
    policy.write_text("version: 1\nextends: default\nrules:\n  - id: no-reads\n    match: {operation: read}\n"
                      "    decide: deny\n    reason: no reads today\n")
    second = hook.current_policy(str(policy))
    assert second is not first and any(rule.id == "no-reads" for rule in second.rules)
    assert hook.current_policy(None) is hook.current_policy(None)


def test_a_changegate_an_isolated_start_cannot_import_is_started_normally(tmp_path: Path, own_state: Path) -> None:
    """(A --user install is not on an isolated interpreter's path.) The call is still decided, in-process."""
    driver = ("import sys; sys.path.append(sys.argv[1]); import hookclient\n"
              "def missing(): raise ImportError('no changegate here')\n"
              "hookclient.load_hook = missing\n"
              "hookclient.run(sys.argv[2:])\n")
    payload = claude("rm -rf ~", tmp_path)
    argv = [PYTHON, "-I", "-S", "-c", driver, str(Path(CLIENT).parent), "claude-code"]
    assert run(argv, payload, tmp_path, COLD) == run(cold("claude-code"), payload, tmp_path, COLD)
