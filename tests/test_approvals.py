"""The approval rules that cannot be bent, and the attacks on them — on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
import sqlalchemy as sa

from changegate.gate import judge
from changegate.gate.checkpoint import Checkpoint
from changegate.service.approvals import ApprovalError, Approvals
from changegate.service.audit import AuditLog, verify
from changegate.service.identity import Identity
from changegate.service.store import StoreError, open_store
from changegate.service.store.tables import chain_head, votes

ENV = {"HOME": "/home/dev", "USER": "dev"}
AGENT = Identity("agent", "claude", "agent", operator="alice", via="token:t1")
ALICE = Identity("user", "alice", "approver")  # the agent's operator
BOB = Identity("user", "bob", "approver")
CAROL = Identity("user", "carol", "admin")
VICTOR = Identity("user", "victor", "viewer")


class Clock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


def action(command: str = "rm -rf /srv/data", **extra: Any) -> dict[str, Any]:
    return {"type": "shell", "command": command, "cwd": "/home/dev/app", "env": dict(ENV), **extra}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def approvals(store: Any, clock: Clock) -> Approvals:
    return Approvals(store, clock=clock)


def file(approvals: Approvals, command: str = "rm -rf /srv/data", required: int = 1, agent: str = "claude",
         operator: str = "alice", ttl_s: float = 3600.0, environment: str | None = "dev") -> Any:
    """A request for `command`, its effects placed in `environment` (None: a verdict that lists none)."""
    judged = judge(action(command, agent=agent, operator=operator))
    assert judged.verdict.decision == "ask", judged.verdict
    verdict: dict[str, Any] = {"summary": judged.verdict.summary, "risk": judged.verdict.risk}
    if environment is not None:
        verdict["effects"] = [{"operation": "delete", "resource": "fs:/srv/data", "environment": environment}]
    request, created = approvals.file(action=judged.canonical or {}, action_hash=judged.verdict.action_hash,
                                      verdict=verdict, agent=agent, operator=operator, required=required,
                                      ttl_s=ttl_s)
    assert created
    return request


def hash_of(command: str) -> str:
    return judge(action(command)).verdict.action_hash


def vote_rows(store: Any, request_id: str) -> list[Any]:
    with store.read() as conn:
        return list(conn.execute(sa.select(votes).where(votes.c.request_id == request_id)).all())


# --- who may approve -----------------------------------------------------------------------------------

def test_an_agent_credential_can_never_approve_or_deny(approvals: Approvals, store: Any) -> None:
    request = file(approvals)
    for attempt in (approvals.approve, approvals.deny):
        with pytest.raises(ApprovalError, match="agent credential can never") as refused:
            attempt(request.id, AGENT)
        assert refused.value.code == "forbidden"
    # an agent identity that carries a person's role is still an agent
    with pytest.raises(ApprovalError, match="agent credential"):
        approvals.approve(request.id, Identity("agent", "alice", "admin", operator="alice"))
    assert approvals.get(request.id).status == "pending"
    assert vote_rows(store, request.id) == []


def test_a_viewer_cannot_approve(approvals: Approvals) -> None:
    request = file(approvals)
    with pytest.raises(ApprovalError, match="role viewer") as refused:
        approvals.approve(request.id, VICTOR)
    assert refused.value.code == "forbidden"
    assert approvals.get(request.id).approvals == 0


def test_nobody_approves_twice(approvals: Approvals, store: Any) -> None:
    request = file(approvals, required=2)
    assert approvals.approve(request.id, BOB).status == "pending"
    with pytest.raises(ApprovalError, match="already voted") as again:
        approvals.approve(request.id, BOB)
    assert again.value.code == "conflict"
    after = approvals.get(request.id)
    assert (after.status, after.approvals) == ("pending", 1)
    assert len(vote_rows(store, request.id)) == 1


@pytest.mark.parametrize("environment", ["prod", "unknown", None])
def test_peer_review_the_operators_own_vote_does_not_count(approvals: Approvals, environment: str | None) -> None:
    request = file(approvals, required=1, environment=environment)
    assert request.peer_review
    own = approvals.approve(request.id, ALICE, "mine, looks fine")
    assert (own.status, own.approvals, own.counted_approvals) == ("pending", 1, 0)
    assert approvals.consume(request.action_hash, "claude", "alice") is None
    done = approvals.approve(request.id, BOB, "second pair of eyes")
    assert (done.status, done.decided_by, done.counted_approvals) == ("approved", "user:bob", 1)


def test_peer_review_two_approvals_need_two_other_people(approvals: Approvals) -> None:
    request = file(approvals, required=2, environment="prod")
    approvals.approve(request.id, ALICE)
    assert approvals.approve(request.id, BOB).status == "pending"  # alice's own vote does not count
    assert approvals.approve(request.id, CAROL).status == "approved"


def test_peer_review_follows_the_configured_environments(store: Any, clock: Clock) -> None:
    approvals = Approvals(store, clock=clock, peer_review=["staging"])
    staging = file(approvals, environment="staging")
    assert staging.peer_review and approvals.approve(staging.id, ALICE).status == "pending"
    prod = file(approvals, "rm -rf /srv/other", environment="prod")  # not listed: the operator may approve
    assert not prod.peer_review and approvals.approve(prod.id, ALICE).status == "approved"
    created = [r for r in AuditLog(store).records(limit=100) if r.kind == "request.created"]
    assert [(r.data["peer_review"], r.data["environments"]) for r in created] == [(True, ["staging"]),
                                                                                  (False, ["prod"])]


def test_the_operator_may_approve_where_one_approval_is_required(approvals: Approvals) -> None:
    request = file(approvals, required=1)
    done = approvals.approve(request.id, ALICE, "looked at it")
    assert done.status == "approved"
    assert done.decided_by == "user:alice"


def test_the_operator_alone_cannot_satisfy_two_approvals(approvals: Approvals) -> None:
    request = file(approvals, required=2)
    assert approvals.approve(request.id, ALICE).status == "pending"
    with pytest.raises(ApprovalError, match="already voted"):
        approvals.approve(request.id, ALICE)  # self-approval twice over
    assert approvals.get(request.id).status == "pending"
    done = approvals.approve(request.id, BOB)  # someone other than the operator
    assert (done.status, done.approvals) == ("approved", 2)
    assert {v.user for v in done.votes} == {"alice", "bob"}


def test_two_people_other_than_the_operator_approve_two(approvals: Approvals) -> None:
    request = file(approvals, required=2)
    approvals.approve(request.id, BOB)
    assert approvals.approve(request.id, CAROL).status == "approved"


def test_any_deny_ends_the_request(approvals: Approvals) -> None:
    request = file(approvals, required=2)
    approvals.approve(request.id, BOB)
    denied = approvals.deny(request.id, ALICE, "not during the freeze")  # the operator may always say no
    assert denied.status == "denied"
    with pytest.raises(ApprovalError, match="already denied"):
        approvals.approve(request.id, CAROL)
    assert approvals.consume(request.action_hash, "claude", "alice") is None


# --- what an approval is good for ----------------------------------------------------------------------

def test_an_approval_is_for_exactly_that_action_hash(approvals: Approvals) -> None:
    request = file(approvals)
    approvals.approve(request.id, BOB)
    changed = hash_of("rm -rf /srv/data2")  # one more byte
    assert changed != request.action_hash
    assert approvals.consume(changed, "claude", "alice") is None
    assert approvals.consume(request.action_hash, "claude", "alice") is not None


def test_an_approval_is_used_once(approvals: Approvals) -> None:
    request = file(approvals)
    approvals.approve(request.id, BOB)
    first = approvals.consume(request.action_hash, "claude", "alice")
    assert first is not None and first.status == "executed"
    assert approvals.consume(request.action_hash, "claude", "alice") is None
    assert approvals.get(request.id).used_at is not None


def test_peeking_does_not_use_the_approval(approvals: Approvals) -> None:
    request = file(approvals)
    approvals.approve(request.id, BOB)
    assert approvals.consume(request.action_hash, "claude", "alice", peek=True) is not None
    assert approvals.get(request.id).status == "approved"
    assert approvals.consume(request.action_hash, "claude", "alice") is not None


def test_another_agent_cannot_use_the_approval(approvals: Approvals) -> None:
    request = file(approvals)
    approvals.approve(request.id, BOB)
    assert approvals.consume(request.action_hash, "mallory-bot", "alice") is None
    assert approvals.consume(request.action_hash, "claude", "mallory") is None
    assert approvals.get(request.id).status == "approved"


def test_approving_after_expiry_fails_and_marks_it_expired(approvals: Approvals, clock: Clock) -> None:
    request = file(approvals, ttl_s=60)
    clock.now += 61
    assert approvals.get(request.id).status == "expired"  # reads as expired before anything writes it
    with pytest.raises(ApprovalError, match="expired"):
        approvals.approve(request.id, BOB)
    assert approvals.get(request.id).status == "expired"
    assert [r.id for r in approvals.find("expired")] == [request.id]


def test_an_approval_cannot_be_used_after_expiry(approvals: Approvals, clock: Clock) -> None:
    request = file(approvals, ttl_s=60)
    approvals.approve(request.id, BOB)
    clock.now += 61
    assert approvals.consume(request.action_hash, "claude", "alice") is None
    assert [r.id for r in approvals.expire_due()] == [request.id]
    assert approvals.get(request.id).status == "expired"


def test_cancel_by_the_asking_agent_but_not_by_another(approvals: Approvals) -> None:
    request = file(approvals)
    with pytest.raises(ApprovalError, match="may not cancel"):
        approvals.cancel(request.id, Identity("agent", "other", "agent", operator="alice"))
    with pytest.raises(ApprovalError, match="may not cancel"):
        approvals.cancel(request.id, VICTOR)
    assert approvals.cancel(request.id, AGENT, "not needed").status == "cancelled"
    with pytest.raises(ApprovalError, match="already cancelled"):
        approvals.approve(request.id, BOB)


def test_a_pending_request_is_reused_not_duplicated(approvals: Approvals) -> None:
    first = file(approvals)
    judged = judge(action(agent="claude", operator="alice"))
    again, created = approvals.file(action=judged.canonical or {}, action_hash=judged.verdict.action_hash,
                                    verdict={}, agent="claude", operator="alice", required=1)
    assert not created and again.id == first.id


# --- races ---------------------------------------------------------------------------------------------

def race(*calls: Any) -> list[Any]:
    """Run the calls at the same moment in threads; each result is a value or the exception raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Any) -> None:
        barrier.wait()
        try:
            results[i] = call()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_approvals_racing_on_a_one_approval_request_exactly_one_wins(approvals: Approvals, store: Any) -> None:
    for _ in range(4):
        request = file(approvals, command=f"rm -rf /srv/data/{_}")
        results = race(lambda r=request: approvals.approve(r.id, BOB), lambda r=request: approvals.approve(r.id, CAROL))
        winners = [r for r in results if not isinstance(r, Exception)]
        losers = [r for r in results if isinstance(r, Exception)]
        assert len(winners) == 1 and winners[0].status == "approved", results
        assert len(losers) == 1 and isinstance(losers[0], ApprovalError) and losers[0].code == "conflict"
        assert len(vote_rows(store, request.id)) == 1
    assert verify(store).ok


def test_two_agents_racing_to_use_one_approval_exactly_one_gets_it(approvals: Approvals) -> None:
    request = file(approvals)
    approvals.approve(request.id, BOB)
    results = race(*(lambda: approvals.consume(request.action_hash, "claude", "alice") for _ in range(3)))
    assert not any(isinstance(r, Exception) for r in results), results
    assert sum(r is not None for r in results) == 1


# --- nothing half-written ------------------------------------------------------------------------------

def test_a_vote_whose_audit_record_fails_is_not_stored(approvals: Approvals, store: Any) -> None:
    request = file(approvals)
    with store.write() as conn:
        conn.execute(sa.delete(chain_head))  # the append inside the vote's transaction will fail
    with pytest.raises(StoreError):
        approvals.approve(request.id, BOB)
    assert vote_rows(store, request.id) == []
    assert approvals.get(request.id).status == "pending"


# --- the gate with a store: ask -> request -> approve -> allow once --------------------------------------

def test_checkpoint_turns_an_ask_into_a_request_and_an_approval_into_one_allow(store: Any) -> None:
    checkpoint = Checkpoint(store)
    first = checkpoint.check(action(), AGENT)
    assert first.decision == "ask" and first.request["status"] == "pending"
    request_id = first.request["id"]
    assert checkpoint.check(action(), AGENT).request["id"] == request_id  # a retry does not file another
    changed = checkpoint.check(action("rm -rf /srv/dat"), AGENT)
    assert changed.request["id"] != request_id  # a changed command is a new request

    checkpoint.approvals.approve(request_id, BOB)
    peeked = checkpoint.check(action(), AGENT, peek=True)
    assert peeked.decision == "allow" and peeked.request["status"] == "approved"
    used = checkpoint.check(action(), AGENT)
    assert used.decision == "allow" and used.request == {**used.request, "id": request_id,
                                                                 "status": "executed"}
    assert request_id in used.reasons[0] and "bob" in used.reasons[0]
    again = checkpoint.check(action(), AGENT)
    assert again.decision == "ask" and again.request["id"] not in (request_id, changed.request["id"])
    assert verify(store).ok


def test_the_credential_names_the_agent_not_the_action(store: Any) -> None:
    checkpoint = Checkpoint(store)
    answer = checkpoint.check(action(agent="someone-else", operator="bob"), AGENT)
    request = checkpoint.approvals.get(answer.request["id"])
    assert (request.agent, request.operator) == ("claude", "alice")


def test_check_wait_returns_allow_once_approved_meanwhile(store: Any) -> None:
    checkpoint = Checkpoint(store)
    pending: list[str] = []

    def approve_soon(request: Any) -> None:
        pending.append(request.id)
        threading.Timer(0.3, checkpoint.approvals.approve, args=(request.id, BOB)).start()

    answer = checkpoint.check(action(), AGENT, wait=10, on_pending=approve_soon)
    assert answer.decision == "allow" and answer.request["id"] == pending[0]
    assert answer.request["status"] == "executed"


def test_check_wait_answers_deny_when_denied_meanwhile(store: Any) -> None:
    checkpoint = Checkpoint(store)

    def deny_soon(request: Any) -> None:
        threading.Timer(0.2, checkpoint.approvals.deny, args=(request.id, BOB, "use a narrower path")).start()

    answer = checkpoint.check(action(), AGENT, wait=10, on_pending=deny_soon)
    assert answer.decision == "deny"
    assert "denied by bob: use a narrower path" in answer.reasons[0]


def test_check_wait_times_out_as_ask(store: Any) -> None:
    answer = Checkpoint(store).check(action(), AGENT, wait=0.3)
    assert answer.decision == "ask" and answer.request["status"] == "pending"


# --- fail closed when the store is down ----------------------------------------------------------------

def test_a_dead_store_denies_asks_and_changes_but_lets_reads_through(tmp_path: Any) -> None:
    dead = open_store("postgresql+psycopg://postgres@127.0.0.1:1/nothing", migrate=False)
    checkpoint = Checkpoint(dead)
    asked = checkpoint.check(action(), AGENT)
    assert asked.decision == "deny" and "store" in asked.error
    assert "approvals need the store" in asked.reasons[0]
    change = checkpoint.check(action("touch notes.txt"), AGENT)
    assert judge(action("touch notes.txt")).verdict.decision == "allow"
    assert change.decision == "deny" and "audit log cannot be written" in change.reasons[0]
    read = checkpoint.check(action("ls -la"), AGENT)
    assert read.decision == "allow" and "could not be recorded" in read.warning
    denied = checkpoint.check(action("rm -rf /"), AGENT)
    assert denied.decision == "deny"


# --- the CLI: check --wait, approvals approve --as (local store) -------------------------------------------

def cli(*args: str, database_url: str, cwd: str, stdin: str | None = None) -> Any:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANGEGATE_")}
    env.update(CHANGEGATE_DATABASE_URL=database_url, NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "changegate", *args], env=env, cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_cli_check_wait_files_a_request_that_a_person_approves_with_a_password(store_url: str, store: Any,
                                                                               tmp_path: Any) -> None:
    from changegate.service.accounts import Accounts

    Accounts(store).add_user("bob", "approver", "bob-password-1", "test")
    where = {"database_url": store_url, "cwd": str(tmp_path)}
    asked = cli("check", "--wait", "0", "--json", "--", "rm -rf /srv/data", **where)
    assert asked.returncode == 10, asked.stderr
    request_id = json.loads(asked.stdout)["request"]["id"]
    listed = cli("approvals", "list", "--status", "pending", **where)
    assert request_id in listed.stdout
    wrong = cli("approvals", "approve", request_id, "--as", "bob", "--password-stdin", stdin="guess\n", **where)
    assert wrong.returncode == 1 and "wrong name or password" in wrong.stderr
    nobody = cli("approvals", "approve", request_id, **where)
    assert nobody.returncode == 2 and "--as" in nobody.stderr
    approved = cli("approvals", "approve", request_id, "--as", "bob", "--password-stdin", "-m", "ok",
                   stdin="bob-password-1\n", **where)
    assert approved.returncode == 0 and "approved" in approved.stdout
    allowed = cli("check", "--wait", "0", "--json", "--", "rm -rf /srv/data", **where)
    assert allowed.returncode == 0 and json.loads(allowed.stdout)["request"]["status"] == "executed"
    again = cli("check", "--wait", "0", "--json", "--", "rm -rf /srv/data", **where)
    assert again.returncode == 10  # used once
    assert cli("audit", "verify", **where).returncode == 0
