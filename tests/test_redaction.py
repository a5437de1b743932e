"""Secrets written inside commands never reach requests or the audit log in clear (issue 13, item 4): the
families know which options and stdin carry passwords; the canonical action, the effects and the log hold a
keyed digest (HMAC-SHA256 with the state directory's key) that still binds the value. Through `check`, the
hook and `changegate run`."""

from __future__ import annotations

import importlib
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from changegate.gate import check_line, judge
from changegate.integrations import hook
from changegate.model import DIGEST_PREFIX
from changegate.state import state_dir
from tests.brokering import Gate
from tests.conftest import HOME, WORKSPACE

# (command, the secret written in it)
WRITTEN = [
    ("mysql -pHunter2pass -h db.prod.example.com -e 'DROP TABLE users'", "Hunter2pass"),
    ("mysql --password=Hunter2pass -h db.prod.example.com -e 'DROP TABLE users'", "Hunter2pass"),
    ("mysqldump -pHunter2pass -h db.prod.example.com app", "Hunter2pass"),
    ("redis-cli -a s3cretRedisPw -h redis.prod.example.com FLUSHALL", "s3cretRedisPw"),
    ("redis-cli --pass s3cretRedisPw -h redis.prod.example.com FLUSHALL", "s3cretRedisPw"),
    ("sshpass -p 'pa55w0rd!' ssh -p 2222 root@web1.prod.example.com reboot", "pa55w0rd!"),
    ("echo MyRootPassw0rd | sudo -S rm -rf /srv/data", "MyRootPassw0rd"),
    ("PGPASSWORD=topsecret1 psql -h db.prod.example.com -c 'DROP TABLE t'", "topsecret1"),
    ("export MYSQL_PWD=topsecret2; mysql -h db.prod.example.com -e 'DROP TABLE t'", "topsecret2"),
    ("psql postgres://app:urlpass99@db.prod.example.com/app -c 'DROP TABLE t'", "urlpass99"),
    ("curl -u admin:adminpw77 -X DELETE https://api.prod.example.com/things/1", "adminpw77"),
    ("curl -H 'Authorization: Bearer tok_abcdef123456' -X POST https://api.prod.example.com/x", "tok_abcdef123456"),
    ("curl --header 'X-Api-Key: key_zyx987654' -X DELETE https://api.prod.example.com/x", "key_zyx987654"),
    ("http -a admin:httpiepw1 DELETE https://api.prod.example.com/x", "httpiepw1"),
    ("wget --password=wgetpw123 https://files.prod.example.com/dump.sql", "wgetpw123"),
    ("mongosh -u admin -p mongopw42 --host mongo.prod.example.com --eval 'db.dropDatabase()'", "mongopw42"),
    ("echo dockerpw55 | docker login --username bot --password-stdin registry.example.com", "dockerpw55"),
    ("vault login --token=hvs.vaulttoken1", "hvs.vaulttoken1"),
]


def judged(command: str, env: dict[str, str] | None = None) -> tuple[str, dict[str, object]]:
    answer = judge({"type": "shell", "command": command, "cwd": WORKSPACE, "env": {"HOME": HOME, **(env or {})}})
    everything = json.dumps([answer.canonical, __import__("msgspec").to_builtins(answer.verdict)])
    return everything, answer.canonical or {}


@pytest.mark.parametrize(("command", "secret"), WRITTEN)
def test_a_password_written_in_the_command_is_stored_as_a_keyed_digest(command: str, secret: str) -> None:
    everything, canonical = judged(command)
    assert secret not in everything
    assert DIGEST_PREFIX in json.dumps(canonical)


@pytest.mark.parametrize(("command", "secret"), WRITTEN[:8])
def test_the_hash_still_binds_the_password(command: str, secret: str) -> None:
    other = command.replace(secret, secret[::-1] + "x")
    assert judge({"type": "shell", "command": command, "cwd": WORKSPACE}).verdict.action_hash != \
        judge({"type": "shell", "command": other, "cwd": WORKSPACE}).verdict.action_hash
    assert judge({"type": "shell", "command": command, "cwd": WORKSPACE}).verdict.action_hash == \
        judge({"type": "shell", "command": command, "cwd": WORKSPACE}).verdict.action_hash


def test_what_is_not_a_password_stays_readable() -> None:
    _, canonical = judged("ssh -p 2222 deploy@web1.prod.example.com uptime")
    assert canonical["command"] == "ssh -p 2222 deploy@web1.prod.example.com uptime"
    _, canonical = judged("mysql -p -h db.prod.example.com app")  # -p alone prompts: `app` is the database
    assert canonical["command"] == "mysql -p -h db.prod.example.com app"
    _, canonical = judged("curl -H 'Accept: application/json' https://api.example.com/x")
    assert "application/json" in str(canonical["command"])
    for prompts in ("curl -u admin https://api.example.com/admin/x", "mongosh -u admin -p --host mongo.example.com"):
        assert judged(prompts)[1]["command"] == prompts  # a user name alone, `-p` alone: the tool prompts


def test_an_http_action_with_an_authorization_header_is_redacted() -> None:
    import msgspec

    answer = judge({"type": "http", "method": "DELETE", "url": "https://u:urlpw1234@api.prod.example.com/x",
                    "headers": {"Authorization": "Bearer http-token-9876", "Accept": "text/plain"}})
    stored = json.dumps(answer.canonical) + msgspec.json.encode(answer.verdict).decode()
    assert "http-token-9876" not in stored and "urlpw1234" not in stored and "text/plain" in stored


def test_sql_and_mcp_actions_keep_no_password() -> None:
    import msgspec

    for action in ({"type": "sql", "statement": "DROP TABLE x", "database": "postgres://u:sqlpw999@db.prod/app"},
                   {"type": "mcp_tool", "server": "postgres", "tool": "query",
                    "arguments": {"sql": "DROP TABLE x", "dsn": "postgres://u:mcppw777@db.prod/app",
                                  "password": "mcp-arg-pw1"}}):
        answer = judge(action)
        stored = json.dumps(answer.canonical) + msgspec.json.encode(answer.verdict).decode()
        assert not any(s in stored for s in ("sqlpw999", "mcppw777", "mcp-arg-pw1")), action


# --- through `changegate check` -----------------------------------------------------------------------------

def test_check_answers_without_the_secret() -> None:
    for command, secret in WRITTEN:
        line = json.dumps({"id": 1, "action": {"type": "shell", "command": command, "cwd": WORKSPACE}})
        assert secret not in json.dumps(check_line(line)), command


def test_the_check_command_and_its_log_hold_no_secret(tmp_path: Path) -> None:
    command, secret = WRITTEN[0]
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "changegate", "check", "--json", "--", command], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, env=env, check=False)
    assert done.returncode in (10, 20) and json.loads(done.stdout)["decision"] in ("ask", "deny")
    assert secret not in done.stdout + done.stderr
    logged = "".join(p.read_text() for p in state_dir().glob("*spool*"))
    assert secret not in logged


# --- through the hook ---------------------------------------------------------------------------------------

def test_the_hook_answers_and_logs_without_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHANGEGATE_URL", raising=False)
    fixtures = Path(__file__).parent / "fixtures" / "hooks" / "claude-code"
    payload = json.loads((fixtures / "pre_tool_use_bash.json").read_text())
    module = importlib.import_module(f"changegate.integrations.{hook.AGENT_MODULES['claude-code']}")
    for command, secret in WRITTEN[:8]:
        payload["tool_input"] = {"command": command}
        reply = hook.run(module, io.BytesIO(json.dumps(payload).encode()), time.monotonic() + 5)  # type: ignore[arg-type]
        assert "changegate" in reply.stdout and secret not in reply.stdout + reply.stderr, command
    logged = "".join(p.read_text() for p in state_dir().glob("*spool*"))
    assert logged and all(secret not in logged for _, secret in WRITTEN[:8])


# --- through `changegate run` --------------------------------------------------------------------------------

def test_a_run_files_its_request_and_logs_without_the_secret_and_binds_it(gate: Gate, tmp_path: Path) -> None:
    secret = "RunSecretPw7"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "redis-cli"
    fake.write_text(f"#!{sys.executable}\nimport sys\nprint('ran', len(sys.argv))\n")
    fake.chmod(0o755)
    env = gate.env(PATH=f"{bin_dir}:{os.environ['PATH']}")
    argv = ["redis-cli", "-a", secret, "-h", "redis.prod.example.com", "FLUSHALL"]
    first = gate.run(argv, tmp_path, env=env)
    assert first.code == 10, first.stderr
    request = gate.request(first.request)
    assert secret not in json.dumps(request.action) and DIGEST_PREFIX in json.dumps(request.action)
    assert secret not in first.stderr
    gate.approve(first.request)
    other = gate.run([*argv[:2], "AnotherPw8", *argv[3:]], tmp_path, env=env)  # another password: not approved
    assert other.code == 10 and other.request != first.request
    ran = gate.run(argv, tmp_path, env=env)
    assert ran.code == 0, ran.stderr
    assert secret not in gate.audit_text()


def test_undos_note_quotes_the_command_without_its_secret() -> None:
    from changegate.broker.run import without_written_secrets

    argv = ["kubectl", "--token", "kube-token-123", "delete", "ns", "x"]
    shown = ["kubectl", "--token", "redacted:hmac-sha256:ab", "delete", "ns", "x"]
    note = "undo: kept before it runs: Kubernetes --token kube-token-123 get ns x saved as YAML first"
    assert "kube-token-123" not in without_written_secrets(note, argv, shown)
    assert without_written_secrets(note, argv, argv) == note
