"""Decisions made without the store (local hooks, the SDK) reach the hash chain."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from changegate.gate import contract, judge
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
        assert spool_decision(contract(judgement.verdict), judgement, via="sdk")
    with spool_path().open("ab") as torn:
        torn.write(b'{"kind": "decision", "actor"')  # a process killed mid-write
    store = open_store(f"sqlite:///{tmp_path / 'c.db'}")
    log = AuditLog(store)
    records = log.records(limit=10)
    kinds = [r.kind for r in records]
    assert kinds.count("decision") == 3 and "decision.unreadable" in kinds
    decided = [r.data["summary"] for r in records if r.kind == "decision"]
    assert decided[1].startswith("deletes recursively /srv/a")
    assert verify(store).ok
    store.dispose()
