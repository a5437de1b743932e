"""Decisions made without the store (local hooks, the SDK) reach the hash chain."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from changegate.answer import Answer
from changegate.gate import judge
from changegate.service.audit import AuditLog, verify
from changegate.service.spool import spool_decision, spool_path
from changegate.service.store import open_store

HOOK_INPUT = {"session_id": "s", "cwd": "/home/dev/app", "hook_event_name": "PreToolUse", "tool_name": "Bash",
              "tool_input": {"command": "rm -rf /srv/data"}, "tool_use_id": "t1"}


def test_a_local_hook_decision_joins_the_chain(tmp_path: Path) -> None:
    env = {**os.environ, "CHANGEGATE_STATE_DIR": str(tmp_path)}
    env.pop("CHANGEGATE_URL", None)
    done = subprocess.run([sys.executable, "-m", "changegate", "hook", "claude-code"], input=json.dumps(HOOK_INPUT),
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    assert json.loads(done.stdout)["hookSpecificOutput"]["permissionDecision"] == "ask"
    spooled = (tmp_path / "audit-spool.jsonl").read_text().splitlines()
    assert len(spooled) == 1 and json.loads(spooled[0])["data"]["via"] == "hook:claude-code"
    tail = subprocess.run([sys.executable, "-m", "changegate", "audit", "tail"], capture_output=True, text=True,
                          env=env, timeout=60, check=False)
    assert "deletes recursively /srv/data" in tail.stdout
    assert not (tmp_path / "audit-spool.jsonl").exists()


def test_spooled_decisions_keep_order_and_the_chain_verifies(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CHANGEGATE_STATE_DIR", str(tmp_path))
    for command in ("ls", "rm -rf /srv/a", "git push --force origin main"):
        judgement = judge({"type": "shell", "command": command, "cwd": "/home/dev/app", "agent": "bot"})
        assert spool_decision(Answer.of(judgement.verdict), judgement, via="sdk")
    with spool_path().open("ab") as torn:
        torn.write(b'{"kind": "decision", "actor"')  # a process killed mid-write
    store = open_store(f"sqlite:///{tmp_path / 'c.db'}")
    log = AuditLog(store)
    assert log.records(limit=10) == []  # opening the log moves nothing: the readers drain
    assert log.drain_spool() == 4
    records = log.records(limit=10)
    kinds = [r.kind for r in records]
    assert kinds.count("decision") == 3 and "decision.unreadable" in kinds
    decided = [r.data["summary"] for r in records if r.kind == "decision"]
    assert decided[1].startswith("deletes recursively /srv/a")
    assert verify(store).ok
    store.dispose()


def test_the_readers_drain_the_spool_and_only_they(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CHANGEGATE_STATE_DIR", str(tmp_path))
    judgement = judge({"type": "shell", "command": "rm -rf /srv/a", "cwd": "/home/dev/app", "agent": "bot"})
    assert spool_decision(Answer.of(judgement.verdict), judgement, via="sdk")
    store = open_store()  # the state directory's own store, as the CLI opens it
    AuditLog(store).record("test.written", "system", {})  # a writer does not drain
    store.dispose()
    assert spool_path().exists()
    done = subprocess.run([sys.executable, "-m", "changegate", "audit", "verify"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0 and "intact: 2 records" in done.stdout  # the written one and the spooled one
    assert not spool_path().exists()


def test_the_server_drains_the_spool_when_it_starts(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from changegate.server import Services, Settings

    monkeypatch.setenv("CHANGEGATE_STATE_DIR", str(tmp_path))
    judgement = judge({"type": "shell", "command": "ls", "cwd": "/home/dev/app", "agent": "bot"})
    assert spool_decision(Answer.of(judgement.verdict), judgement, via="hook:claude-code")
    services = Services.open(Settings(database_url=f"sqlite:///{tmp_path / 'server.db'}"))
    try:
        spooled = [r for r in services.audit.records(limit=10) if r.kind == "decision"]
        assert [r.data["via"] for r in spooled] == ["hook:claude-code"] and not spool_path().exists()
    finally:
        services.close()
