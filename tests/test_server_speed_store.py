"""What the server's hot path leans on, kept honest: a retried ask answered from one read, the audit writer's
batching (records scrubbed before the write lock, what waited during the lock joining the transaction, large
batches split into several INSERTs), and a worker's process settings — on SQLite and on PostgreSQL where the
store is involved."""

from __future__ import annotations

import gc
import sys
import threading
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from changegate.gate.checkpoint import Checkpoint
from changegate.server import Services, Settings, create_app, services
from changegate.server.app import tune_worker
from changegate.service.approvals import Approvals
from changegate.service.audit import REDACTED, AuditWriter, Entry, verify
from changegate.service.identity import Identity
from changegate.service.store import StoreError
from changegate.service.store.tables import audit

ENV = {"HOME": "/home/dev"}
DANGER = {"type": "shell", "command": "rm -rf /srv/data", "cwd": "/home/dev/app", "env": ENV}
AGENT = Identity("agent", "claude", "agent", operator="alice")
ALICE = Identity("user", "alice", "approver")
BOB = Identity("user", "bob", "approver")
VERDICT = {"summary": "delete /srv/data", "risk": "high", "effects": [{"environment": "unknown"}]}


def file_request(approvals: Approvals, action_hash: str = "a" * 64, required: int = 2) -> Any:
    return approvals.file(action={"type": "shell", "command": "rm -rf /srv/data"}, action_hash=action_hash,
                          verdict=VERDICT, agent="claude", operator="alice", required=required)[0]


# --- a retried ask ---------------------------------------------------------------------------------------

def test_pending_only_finds_the_pending_request_with_its_votes(store: Any) -> None:
    approvals = Approvals(store)
    assert approvals.pending_only("a" * 64, "claude", "alice") is None  # nothing filed yet
    filed = file_request(approvals)
    approvals.approve(filed.id, BOB, "fine by me")
    found = approvals.pending_only("a" * 64, "claude", "alice")
    assert found is not None and found.id == filed.id and found.status == "pending"
    assert [(v.user, v.vote, v.comment) for v in found.votes] == [("bob", "approve", "fine by me")]
    assert found.approvals == 1 and found.required == 2
    assert found == approvals.get(filed.id)  # the same request the full read gives
    assert approvals.pending_only("a" * 64, "claude", "someone-else") is None  # another operator's
    assert approvals.pending_only("b" * 64, "claude", "alice") is None  # another action


def test_pending_only_steps_aside_when_an_approval_waits_to_be_used(store: Any) -> None:
    approvals = Approvals(store)
    approved = file_request(approvals, required=1)
    approvals.approve(approved.id, BOB)
    assert approvals.get(approved.id).status == "approved"
    assert approvals.pending_only("a" * 64, "claude", "alice") is None  # consume() must use it
    used = approvals.consume("a" * 64, "claude", "alice")
    assert used is not None and used.id == approved.id
    again = file_request(approvals)  # the next ask of the same action: a new request
    found = approvals.pending_only("a" * 64, "claude", "alice")
    assert found is not None and found.id == again.id


def test_a_retried_ask_is_answered_from_one_read_on_the_event_loop(store_url: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    opened = Services.open(Settings(database_url=store_url, token_cache_s=0))
    opened.accounts.add_user("alice", "approver", None, "test")
    token = opened.accounts.create_agent_token("claude", "alice", "test")[1]
    hops: list[str] = []
    real = services.to_thread

    async def counted(function: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(function, "__name__", "?"))
        return await real(function, *args, **kwargs)

    monkeypatch.setattr(services, "to_thread", counted)
    try:
        with TestClient(create_app(services=opened)) as client:
            def ask() -> Any:
                answer = client.post("/v1/check", json={"action": DANGER},
                                     headers={"Authorization": f"Bearer {token}"})
                assert answer.status_code == 200 and answer.json()["decision"] == "ask"
                return answer.json()["request"]

            first = ask()
            filed = [hop for hop in hops if hop == "ask"]
            hops.clear()
            again = ask()
            assert again["id"] == first["id"] and again["status"] == "pending"
            retried = [hop for hop in hops if hop == "ask"]
    finally:
        opened.close()
    if opened.store.dialect == "sqlite":
        assert filed == ["ask"] and retried == []  # a local file read: no hop to a thread for it
    else:
        assert filed == ["ask"] and retried == ["ask"]  # a network round trip: off the event loop


def test_checkpoint_ask_answers_a_retry_and_still_uses_an_approval(store: Any) -> None:
    checkpoint = Checkpoint(store)
    first = checkpoint.check(DANGER, AGENT)
    assert first.decision == "ask" and first.request is not None
    judgement = checkpoint.judge_as(DANGER, AGENT)
    retried = checkpoint.retried(judgement, AGENT)
    assert retried is not None and retried[1].id == first.request["id"]
    checkpoint.approvals.approve(first.request["id"], BOB)
    assert checkpoint.retried(judgement, AGENT) is None  # an approval waits: `ask` uses it
    used = checkpoint.check(DANGER, AGENT)
    assert used.decision == "allow" and used.request is not None and used.request["id"] == first.request["id"]
    assert verify(store).ok


# --- the audit writer ------------------------------------------------------------------------------------

def test_records_are_scrubbed_when_submitted_not_under_the_write_lock(store: Any,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    writer = AuditWriter(store)
    locked = threading.Event()
    cleaned_while_locked: list[bool] = []
    from changegate.service import audit as module

    real_scrub = module.scrub

    def watched(doc: Any, depth: int = 0) -> Any:
        if depth == 0:
            cleaned_while_locked.append(locked.is_set())
        return real_scrub(doc, depth)

    real_write = store.write

    def write() -> Any:
        class Locked:
            def __enter__(self) -> Any:
                self.inner = real_write()
                conn = self.inner.__enter__()
                locked.set()
                return conn

            def __exit__(self, *exc: Any) -> Any:
                locked.clear()
                return self.inner.__exit__(*exc)

        return Locked()

    monkeypatch.setattr(module, "scrub", watched)
    monkeypatch.setattr(store, "write", write)
    try:
        record = writer.write(Entry("decision", "agent:claude", {"command": "mysql --password=hunter2 db"}))
    finally:
        writer.close()
    assert "hunter2" not in str(record.data) and REDACTED in str(record.data)
    assert cleaned_while_locked and not any(cleaned_while_locked)
    assert verify(store).ok


def test_a_record_that_cannot_be_prepared_fails_its_waiter_not_the_writer(store: Any,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from changegate.service import audit as module

    writer = AuditWriter(store)

    def broken(entries: Any) -> Any:
        raise ValueError("no")

    try:
        with monkeypatch.context() as patched:
            patched.setattr(module, "scrubbed", broken)
            with pytest.raises(StoreError, match="could not be prepared"):
                writer.write(Entry("decision", "agent:claude", {"n": 1}), timeout=5)
        assert writer.write(Entry("decision", "agent:claude", {"n": 2}), timeout=5).seq == 1
    finally:
        writer.close()


def test_what_waits_while_the_lock_is_held_joins_the_same_transaction(store: Any) -> None:
    writer = AuditWriter(store)
    with store.write():  # another writer holds the lock (on SQLite, the whole database's)
        futures = [writer.submit(Entry("decision", "agent:claude", {"n": i})) for i in range(20)]
        if store.dialect == "sqlite":
            assert not any(f.done() for f in futures)
    try:
        records = [f.result(30) for f in futures]
    finally:
        writer.close()
    assert [r.seq for r in records] == list(range(1, 21))
    if store.dialect == "sqlite":
        assert len({r.at for r in records[1:]}) == 1  # one transaction after the first: one time
    assert verify(store).ok


def test_a_batch_larger_than_one_insert_statement_stays_one_chain(store: Any) -> None:
    writer = AuditWriter(store)
    with store.write():
        futures = [writer.submit(Entry("decision", "agent:claude", {"n": i, "note": "x" * (i % 7)}))
                   for i in range(300)]
    try:
        records = [f.result(30) for f in futures]
    finally:
        writer.close()
    assert [r.seq for r in records] == list(range(1, 301))
    with store.read() as conn:
        stored = conn.execute(sa.select(audit.c.seq, audit.c.hash).order_by(audit.c.seq)).all()
    assert [(s.seq, s.hash) for s in stored] == [(r.seq, r.hash) for r in records]
    assert verify(store).ok and verify(store).records == 300


# --- a worker's process settings ---------------------------------------------------------------------------

def test_a_worker_hands_the_gil_over_quickly_and_freezes_what_start_up_built() -> None:
    interval = sys.getswitchinterval()
    try:
        tune_worker()
        assert sys.getswitchinterval() < 0.001
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        sys.setswitchinterval(interval)
