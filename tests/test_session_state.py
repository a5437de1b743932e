"""Session state (issue 12, item 3): what an earlier action of the same agent session did — a tunnel opened, a
context switched, a variable exported, a directory changed — counts in a later one. Through the real entry
points: the Claude Code hook (local, a session file) and the server's /v1/check (the store)."""

from __future__ import annotations

import importlib
import io
import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from changegate.gate import judge
from changegate.gate.session import SessionFiles, session_key
from changegate.integrations import hook
from changegate.state import state_dir
from changegate.understand import MAX_SESSION_ENTRIES, SESSION_TTL_S, SessionState, outgoing_action
from tests.test_server import Api, api, quick_argon2  # noqa: F401  (fixtures)

WORKSPACE = "/home/dev/app"
ENV = {"HOME": "/home/dev"}
FORWARD = "kubectl port-forward svc/db 5432:5432 -n payments --context prod-eu &"
DROP = 'psql -h localhost -p 5432 -U app -c "DROP TABLE users"'


def claude_code(command: str, session: str = "s-1") -> dict[str, Any]:
    """The Claude Code hook (local mode), as the agent calls it."""
    payload = {"session_id": session, "cwd": WORKSPACE, "permission_mode": "default",
               "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": command},
               "transcript_path": "/home/dev/.claude/projects/app/t.jsonl", "tool_use_id": "toolu_1"}
    module = importlib.import_module("changegate.integrations.claude_code")
    reply = hook.run(module, io.BytesIO(json.dumps(payload).encode()), time.monotonic() + 20)  # type: ignore[arg-type]
    doc: dict[str, Any] = json.loads(reply.stdout)["hookSpecificOutput"]
    return doc


@pytest.fixture
def developer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/dev")
    for name in ("KUBECONFIG", "AWS_PROFILE", "CHANGEGATE_URL", "CHANGEGATE_TOKEN", "PGHOST"):
        monkeypatch.delenv(name, raising=False)


def shell(command: str, session: str | None = "s-1", agent: str = "claude", *,
          now: datetime | None = None, env: dict[str, str] | None = None) -> Any:
    action: dict[str, Any] = {"type": "shell", "command": command, "cwd": WORKSPACE, "env": {**ENV, **(env or {})},
                              "agent": agent}
    if session:
        action["session"] = session
    return judge(action, now=now).verdict


# --- the hook, locally ---------------------------------------------------------------------------------------

@pytest.mark.usefixtures("developer")
def test_a_tunnel_opened_earlier_in_the_session_places_later_traffic() -> None:
    assert claude_code(FORWARD)["permissionDecision"] == "allow"  # a port-forward itself changes nothing
    later = claude_code(DROP)
    assert later["permissionDecision"] != "allow"
    assert "earlier action of this agent session" in later["permissionDecisionReason"]
    assert "prod" in later["permissionDecisionReason"]
    # another session of the agent has no such tunnel: localhost is this machine there
    assert claude_code(DROP, session="s-2")["permissionDecision"] == "allow"


@pytest.mark.usefixtures("developer")
def test_the_session_file_is_private_and_bounded() -> None:
    claude_code(FORWARD)
    files = list((state_dir() / "sessions").iterdir())
    assert len(files) == 1 and oct(files[0].stat().st_mode & 0o777) == "0o600"
    state = json.loads(files[0].read_text())
    assert state["tunnels"]["5432"][0] == "prod"
    opened = " ; ".join(f"ssh -N -L {7000 + i}:db.prod.internal:5432 bastion &" for i in range(MAX_SESSION_ENTRIES + 20))
    shell(opened, session="abc")
    (kept,) = [p for p in (state_dir() / "sessions").iterdir() if p != files[0]]
    assert len(json.loads(kept.read_text())["tunnels"]) == MAX_SESSION_ENTRIES


@pytest.mark.usefixtures("developer")
def test_a_damaged_session_file_is_no_state_and_a_reason_never_a_crash() -> None:
    shell(FORWARD)
    (path,) = (state_dir() / "sessions").iterdir()
    path.write_text("{not json")
    verdict = shell(DROP)
    assert verdict.decision == "allow"  # no state: localhost is this machine
    (said,) = [e for e in verdict.effects if e.resource == "session:state"]
    assert "damaged" in said.summary and said.operation == "read"
    os.unlink(path)
    os.mkfifo(path)  # a FIFO where the file was: not read, not waited on
    fifo = shell(DROP)
    assert any("not a regular file" in e.summary for e in fifo.effects if e.resource == "session:state")


@pytest.mark.usefixtures("developer")
def test_session_state_expires() -> None:
    start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    shell(FORWARD, now=start)
    assert shell(DROP, now=start + timedelta(hours=1)).decision != "allow"
    later = start + timedelta(seconds=SESSION_TTL_S + 3600)
    assert shell(DROP, now=later).decision == "allow"


@pytest.mark.usefixtures("developer")
def test_a_decision_that_depends_on_session_state_binds_it() -> None:
    plain = shell(DROP, session="fresh")
    shell(FORWARD)
    tunnelled = shell(DROP)
    assert plain.action_hash != tunnelled.action_hash
    again = shell(DROP)
    assert again.action_hash == tunnelled.action_hash  # the same state: the same action


@pytest.mark.usefixtures("developer")
def test_other_ways_to_open_a_tunnel_count_too() -> None:
    shell("ssh -fN -L 6543:db.prod.internal:5432 bastion")
    assert shell('psql -h 127.0.0.1 -p 6543 -c "DELETE FROM orders"').decision != "allow"
    shell("kubectl proxy --port 8001 --context prod-eu &", session="p")
    proxied = judge({"type": "http", "method": "DELETE", "url": "http://localhost:8001/api/v1/namespaces/payments",
                     "cwd": WORKSPACE, "env": ENV, "agent": "claude", "session": "p"}).verdict
    assert proxied.decision != "allow"
    assert any(e.environment == "prod" for e in proxied.effects)


@pytest.mark.usefixtures("developer")
def test_a_switch_counts_later_but_never_makes_a_later_action_looser(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text("apiVersion: v1\ncurrent-context: kind-dev\ncontexts:\n- name: kind-dev\n  context: "
                          "{cluster: kind-dev}\n- name: prod-eu\n  context: {cluster: prod-eu}\nclusters: []\n")
    env = {"KUBECONFIG": str(kubeconfig)}
    assert shell("kubectl delete pod web-1", session="k", env=env).decision == "allow"
    shell("kubectl config use-context prod-eu", session="k", env=env)  # asked; it may or may not have run
    later = shell("kubectl delete pod web-1", session="k", env=env)
    assert later.decision != "allow" and {"prod", "dev"} <= {e.environment for e in later.effects}
    # the other way round: a switch to dev that may not have run does not make prod dev
    kubeconfig.write_text(kubeconfig.read_text().replace("current-context: kind-dev", "current-context: prod-eu"))
    shell("kubectl config use-context kind-dev", session="k2", env=env)
    assert shell("kubectl delete pod web-1", session="k2", env=env).decision != "allow"


@pytest.mark.usefixtures("developer")
def test_exports_and_directory_changes_are_carried() -> None:
    shell("export PGHOST=db.prod.internal", session="e")
    verdict = shell('psql -c "DROP TABLE users"', session="e")
    assert verdict.decision != "allow" and any(e.environment == "prod" for e in verdict.effects)
    shell("cd /srv/data", session="d")
    moved = judge({"type": "shell", "command": "rm -rf cache", "env": ENV, "agent": "claude",
                   "session": "d"}).verdict
    assert any(e.resource == "fs:/srv/data/cache" for e in moved.effects) and moved.decision != "allow"


def test_one_agents_session_is_not_anothers() -> None:
    assert session_key("claude", "dev", "s") != session_key("codex", "dev", "s")
    assert session_key("claude", "dev", "s") != session_key("claude", "eve", "s")
    files = SessionFiles()
    files.save(session_key("claude", "dev", "s"), SessionState(tunnels={"5432": ("prod", "x")}, updated_at=time.time()))
    state, problem = files.load(session_key("codex", "dev", "s"), time.time())
    assert state.empty() and problem is None


# --- the server ------------------------------------------------------------------------------------------------

def test_the_server_keeps_session_state_in_the_store(api: Api) -> None:  # noqa: F811
    def check(command: str, session: str, who: str = "claude") -> dict[str, Any]:
        action = {"type": "shell", "command": command, "cwd": WORKSPACE, "env": ENV, "session": session}
        answer = api.check(outgoing_action(action), who)  # with the facts a client sends (no ~/.psqlrc here)
        assert answer.status_code == 200, answer.text
        doc: dict[str, Any] = answer.json()
        return doc

    assert check(FORWARD, "srv-1")["decision"] == "allow"
    later = check(DROP, "srv-1")
    assert later["decision"] == "ask" and any(e["environment"] == "prod" for e in later["effects"])
    assert check(DROP, "srv-2")["decision"] == "allow"
    import sqlalchemy as sa

    from changegate.service.store.tables import session_state

    with api.services.store.read() as conn:
        rows = conn.execute(sa.select(session_state.c.state, session_state.c.expires_at)).all()
    assert len(rows) == 1 and json.loads(rows[0].state)["tunnels"]["5432"][0] == "prod"
    assert rows[0].expires_at > time.time() + SESSION_TTL_S - 600


@pytest.mark.usefixtures("developer")
def test_an_sdk_gate_is_one_session() -> None:
    from changegate.sdk import Gate

    gate = Gate(cwd=WORKSPACE, env=ENV)
    assert gate.check(FORWARD).decision == "allow"
    assert gate.check(DROP).decision != "allow"
    assert Gate(cwd=WORKSPACE, env=ENV).check(DROP).decision == "allow"  # a new session has no tunnel
