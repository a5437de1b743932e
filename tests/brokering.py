"""Helpers for the broker tests: a gate of the test's own (state directory, store, policy, key), runs of
`changegate run` in this process (the commands themselves are real processes), and approvals by people."""

from __future__ import annotations

import io
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# Every change asks, so the approved path (snapshot, single use, credentials) is what runs.
ASK_POLICY = """\
version: 1
extends: default
rules:
  - id: test-every-change-asks
    decide: ask
    reason: in these tests every change needs an approval
    match:
      operation: [delete, modify, replace, unknown, create]
"""
REQUEST_ID = re.compile(r"req_[0-9a-f]{16}")
SNAPSHOT_ID = re.compile(r"u_[0-9a-f]{12}")
CLEAN_ENV_DROP = ("CHANGEGATE_URL", "CHANGEGATE_TOKEN", "CHANGEGATE_DATABASE_URL", "CHANGEGATE_SECRET_KEY",
                  "CHANGEGATE_POLICY", "CHANGEGATE_AGENT", "CHANGEGATE_RUN_DEPTH", "CHANGEGATE_UNDO_RETENTION")


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str

    @property
    def request(self) -> str:
        found = REQUEST_ID.search(self.stderr)
        assert found, f"no request id in: {self.stderr}"
        return found[0]

    @property
    def snapshot(self) -> str:
        found = SNAPSHOT_ID.search(self.stderr)
        assert found, f"no snapshot id in: {self.stderr}"
        return found[0]


class Gate:
    def __init__(self, root: Path, policy: Path | None) -> None:
        self.root = root
        self.state = root / "state"
        self.policy = policy

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV_DROP}
        env.update({"CHANGEGATE_STATE_DIR": str(self.state), **extra})
        return env

    def run(self, argv: list[str], cwd: Path | str, *, env: dict[str, str] | None = None, wait: float = 0.0,
            keep: bool = False, policy: bool = True) -> Ran:
        from changegate.broker.run import RunRequest, run

        out, err = io.BytesIO(), io.BytesIO()
        code = run(RunRequest(argv=argv, cwd=str(cwd), env=env or self.env(), wait=wait, keep=keep,
                              policy=str(self.policy) if policy and self.policy else None), out=out, err=err)
        return Ran(code, out.getvalue().decode(errors="replace"), err.getvalue().decode(errors="replace"))

    def approve(self, request_id: str, *people: str) -> Any:
        from changegate.service.approvals import Approvals
        from changegate.service.identity import Identity
        from changegate.service.store import open_store

        store = open_store()
        try:
            service = Approvals(store)
            request = service.get(request_id)
            result = request
            for name in people or ("alice", "bob")[:max(1, request.required)]:
                result = service.approve(request_id, Identity("user", name, "approver"))
            return result
        finally:
            store.dispose()

    def request(self, request_id: str) -> Any:
        from changegate.service.approvals import Approvals
        from changegate.service.store import open_store

        store = open_store()
        try:
            return Approvals(store).get(request_id)
        finally:
            store.dispose()

    def records(self, kind: str | None = None) -> list[Any]:
        from changegate.service.audit import AuditLog
        from changegate.service.store import open_store

        store = open_store()
        try:
            log = AuditLog(store)
            log.drain_spool()  # what allowed runs spooled, as `changegate audit` would show it
            found = log.records(limit=10_000)
        finally:
            store.dispose()
        return [r for r in found if kind is None or r.kind == kind]

    def audit_text(self) -> str:
        return "\n".join(json.dumps(r.data) for r in self.records())

    def approved_run(self, argv: list[str], cwd: Path | str, **kw: Any) -> Ran:
        """Run, get asked, approve, run again: the second run's result."""
        first = self.run(argv, cwd, **kw)
        assert first.code == 10, first
        self.approve(first.request)
        second = self.run(argv, cwd, **kw)
        assert second.code != 10, second
        return second


@pytest.fixture
def gate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Gate:
    for name in CLEAN_ENV_DROP:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CHANGEGATE_STATE_DIR", str(tmp_path / "state"))
    policy = tmp_path / "ask-everything.yaml"
    policy.write_text(ASK_POLICY)
    return Gate(tmp_path, policy)
