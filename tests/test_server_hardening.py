"""Issue 13: the server as an attacker tries it — bounded input, ambient credentials, revocation on every
worker, login throttling, peer review, approvals only from the chain, signed checkpoints, shared sessions.
Through HTTP (and the CLI), on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from changegate.server import Services, Settings, create_app
from changegate.service import accounts as accounts_module
from changegate.service.audit import AuditLog
from changegate.service.signed_heads import read_checkpoints
from changegate.service.store.tables import audit, chain_head, requests, votes
from tests.test_server import (  # live, quick_argon2: fixtures
    DANGER,
    PASSWORDS,
    Api,
    live,
    quick_argon2,
    remote_cli,
)

__all__ = ["live", "quick_argon2"]


def open_services(store_url: str, **settings: Any) -> Services:
    return Services.open(Settings(database_url=store_url, public_url="https://gate.test", **settings))


@pytest.fixture
def api(store_url: str) -> Iterator[Api]:
    services = open_services(store_url, token_cache_s=0.3, checkpoint_poll_s=3600)
    accounts = services.accounts
    for name, role in (("alice", "approver"), ("bob", "approver"), ("victor", "viewer")):
        accounts.add_user(name, role, PASSWORDS[name], "test")
    tokens = {"claude": accounts.create_agent_token("claude", "alice", "test")[1],
              "bob-personal": accounts.create_user_token("bob", "test")[1]}
    with TestClient(create_app(services=services), base_url="https://gate.test") as client:
        yield Api(client, services, tokens)
    services.close()


def kinds_after(api: Api, seq: int) -> list[str]:
    return [r.kind for r in api.services.audit.records(after_seq=seq, limit=1000)]


def head_seq(api: Api) -> int:
    return head_of(api.services)


def head_of(services: Services) -> int:
    with services.store.read() as conn:
        return int(conn.execute(sa.select(chain_head.c.seq)).scalar() or 0)


# --- 1. bounded input ----------------------------------------------------------------------------------

def test_deeply_nested_json_is_422_everywhere(api: Api) -> None:
    deep = "[" * 1000 + "]" * 1000
    check = api.client.post("/v1/check", content=f'{{"action": {{"type": "shell", "command": "ls", "x": {deep}}}}}',
                            headers={**api.bearer("claude"), "Content-Type": "application/json"})
    assert check.status_code == 422 and "deeper than 64" in check.json()["error"]
    request_id = api.check(DANGER).json()["request"]["id"]
    vote = api.client.post(f"/v1/requests/{request_id}/approve", content=f'{{"comment": {deep}}}',
                           headers={**api.bearer("bob-personal"), "Content-Type": "application/json"})
    assert vote.status_code == 422
    in_a_string = api.check({**DANGER, "command": "echo '" + "[" * 500 + "'"})
    assert in_a_string.status_code == 200  # brackets inside a string are text, not nesting


@pytest.mark.parametrize("query", [f"after={2**63}", "after=-1", "since=nan", "since=inf", "since=1e400",
                                   "since=-5", "since=99999999999999", "since=" + "9" * 100])
def test_out_of_range_audit_queries_are_422(api: Api, query: str) -> None:
    answer = api.client.get(f"/v1/audit?{query}", auth=("victor", PASSWORDS["victor"]))
    assert answer.status_code == 422 and answer.json()["error"]


def test_the_largest_seq_and_a_real_time_still_answer(api: Api) -> None:
    assert api.client.get(f"/v1/audit?after={2**63 - 1}", auth=("victor", PASSWORDS["victor"])).json() == {
        "records": []}
    assert api.client.get("/v1/audit?since=2026-01-01T00:00:00Z", auth=("victor", PASSWORDS["victor"])
                          ).status_code == 200


def test_a_form_approve_with_basic_credentials_is_refused(api: Api) -> None:
    request_id = api.check(DANGER).json()["request"]["id"]
    form = api.client.post(f"/v1/requests/{request_id}/approve", data={"comment": "csrf"},
                           auth=("bob", PASSWORDS["bob"]), headers={"Origin": "https://evil.example"})
    assert form.status_code == 415 and "JSON" in form.json()["error"]
    empty = api.client.post(f"/v1/requests/{request_id}/approve", auth=("bob", PASSWORDS["bob"]))
    assert empty.status_code == 415  # a body-less cross-site POST is a "simple request" too
    foreign = api.client.post(f"/v1/requests/{request_id}/approve", json={"comment": "x"},
                              auth=("bob", PASSWORDS["bob"]), headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and "another site" in foreign.json()["error"]
    assert api.services.approvals.get(request_id).votes == ()
    own = api.client.post(f"/v1/requests/{request_id}/approve", json={"comment": "ok"},
                          auth=("bob", PASSWORDS["bob"]), headers={"Origin": "https://gate.test"})
    assert own.status_code == 200 and own.json()["status"] == "approved"


def test_a_bearer_token_is_not_ambient_so_origin_does_not_matter(api: Api) -> None:
    request_id = api.check(DANGER).json()["request"]["id"]
    answer = api.client.post(f"/v1/requests/{request_id}/approve", json={"comment": "ok"},
                             headers={**api.bearer("bob-personal"), "Origin": "https://tool.example"})
    assert answer.status_code == 200 and answer.json()["status"] == "approved"


# --- 2. identity changes on every worker within the cache window ----------------------------------------

def test_role_removal_and_password_changes_reach_every_worker(api: Api, store_url: str) -> None:
    other = open_services(store_url, token_cache_s=0.3, checkpoint_poll_s=3600)  # a second worker
    try:
        with TestClient(create_app(services=other), base_url="https://gate.test") as worker:
            bob = ("bob", PASSWORDS["bob"])
            assert worker.get("/v1/whoami", auth=bob).json()["role"] == "approver"  # cached there now
            api.services.accounts.set_role("bob", "viewer", "test")  # through the first worker
            time.sleep(0.35)
            request_id = api.check(DANGER).json()["request"]["id"]
            demoted = worker.post(f"/v1/requests/{request_id}/approve", json={}, auth=bob)
            assert demoted.status_code == 403 and "viewer" in demoted.json()["error"]
            api.services.accounts.set_password("bob", "a-new-password", "test")
            time.sleep(0.35)
            assert worker.get("/v1/whoami", auth=bob).status_code == 401
            assert worker.get("/v1/whoami", auth=("bob", "a-new-password")).status_code == 200
            api.services.accounts.remove_user("bob", "test")
            time.sleep(0.35)
            assert worker.get("/v1/whoami", auth=("bob", "a-new-password")).status_code == 401
    finally:
        other.close()


# --- 3. login throttling --------------------------------------------------------------------------------

def test_guessing_one_name_is_throttled_even_for_the_right_password(api: Api) -> None:
    before = head_seq(api)
    answers = [api.client.get("/v1/whoami", auth=("alice", f"guess-{i}")).status_code for i in range(30)]
    assert answers[:5] == [401] * 5 and set(answers[5:]) == {429}
    right = api.client.get("/v1/whoami", auth=("alice", PASSWORDS["alice"]))
    assert right.status_code == 429 and "try again in" in right.json()["error"]
    assert 0 < int(right.headers["retry-after"]) <= 300
    assert kinds_after(api, before) == ["login.failed", "login.throttled"]  # 30 guesses, two records
    assert api.client.get("/v1/whoami", auth=("bob", PASSWORDS["bob"])).status_code == 200  # others may


def test_an_unknown_name_answers_like_a_known_one(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[str] = []
    real = accounts_module._verify
    monkeypatch.setattr(accounts_module, "_verify", lambda h, p: checked.append(h) or real(h, p))
    known = api.client.get("/v1/whoami", auth=("alice", "wrong-password"))
    unknown = api.client.get("/v1/whoami", auth=("nobody-here", "wrong-password"))
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert len(checked) == 2 and all(h.startswith("$argon2id$") for h in checked)  # a hash for both
    for i in range(5):
        api.client.get("/v1/whoami", auth=("nobody-here", f"guess-{i}"))
    assert api.client.get("/v1/whoami", auth=("nobody-here", "x")).status_code == 429  # throttled the same


def test_one_address_spraying_many_names_is_throttled(api: Api) -> None:
    answers = [api.client.get("/v1/whoami", auth=(f"user{i}", "guess")).status_code for i in range(25)]
    assert answers[:20] == [401] * 20 and set(answers[20:]) == {429}


def test_throttling_is_shared_by_the_workers(api: Api, store_url: str) -> None:
    for i in range(5):
        api.client.get("/v1/whoami", auth=("alice", f"guess-{i}"))
    other = open_services(store_url, checkpoint_poll_s=3600)
    try:
        with TestClient(create_app(services=other), base_url="https://gate.test") as worker:
            assert worker.get("/v1/whoami", auth=("alice", PASSWORDS["alice"])).status_code == 429
    finally:
        other.close()


def test_the_web_sign_in_goes_through_the_same_throttle(api: Api) -> None:
    for i in range(5):
        api.client.get("/v1/whoami", auth=("alice", f"guess-{i}"))
    form = api.client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    answer = api.client.post("/login", data={"name": "alice", "password": PASSWORDS["alice"], "csrf": csrf[1]},
                             follow_redirects=False)
    assert answer.status_code != 303  # the right password does not sign in while the name is throttled


# --- 4. peer review -------------------------------------------------------------------------------------

def test_in_production_the_operators_own_approval_does_not_count(api: Api) -> None:
    asked = api.check(DANGER).json()  # rm -rf /srv/data: an unknown environment, treated as prod
    request_id = asked["request"]["id"]
    own = api.vote(request_id, "approve", "alice", "my agent, looks fine")  # alice operates claude
    assert own.status_code == 200 and own.json()["status"] == "pending" and own.json()["peer_review"]
    assert api.check(DANGER).json()["decision"] == "ask"
    other = api.vote(request_id, "approve", "bob", "second pair of eyes")
    assert other.json()["status"] == "approved"
    assert api.check(DANGER).json()["decision"] == "allow"


# --- 5. an approval must be on the chain ----------------------------------------------------------------

def forge_approval(api: Api, request_id: str) -> None:
    """What an attacker with the database file does: status approved, two votes inserted."""
    with api.services.store.engine.begin() as conn:
        conn.execute(requests.update().where(requests.c.id == request_id)
                     .values(status="approved", decided_at=time.time(), decided_by="user:bob"))
        conn.execute(votes.insert(), [{"request_id": request_id, "user": u, "vote": "approve", "comment": "",
                                       "at": time.time()} for u in ("bob", "victor")])


def test_a_row_edit_cannot_make_an_approval(api: Api) -> None:
    request_id = api.check(DANGER).json()["request"]["id"]
    forge_approval(api, request_id)
    again = api.check(DANGER).json()
    assert again["decision"] == "ask" and again["request"]["id"] != request_id
    refused = [r for r in api.services.audit.records(limit=1000) if r.kind == "approval.refused"]
    assert refused and refused[0].data["request"] == request_id and "vote" in refused[0].data["problem"]
    assert api.services.approvals.get(request_id).used_at is None
    verified = api.client.get("/v1/audit/verify", auth=("victor", PASSWORDS["victor"])).json()
    assert not verified["ok"] and any(request_id in m for m in verified["mismatches"])


def test_the_brokers_consume_refuses_a_forged_approval(api: Api) -> None:
    from changegate.service.approvals import Approvals

    request_id = api.check(DANGER).json()["request"]["id"]
    forge_approval(api, request_id)
    request = api.services.approvals.get(request_id)
    local = Approvals(api.services.store)  # what `changegate run` and the broker call, with no server around
    assert local.consume(request.action_hash, "claude", "alice", peek=True) is None
    assert local.consume(request.action_hash, "claude", "alice") is None
    assert api.services.approvals.get(request_id).status == "approved"  # left as found, for the verifier


def test_a_forged_row_does_not_hide_a_real_approval(api: Api) -> None:
    forged = api.check(DANGER).json()["request"]["id"]
    forge_approval(api, forged)
    real = api.check(DANGER).json()["request"]["id"]  # the forged one is refused: a new request is filed
    assert real != forged
    api.vote(real, "approve", "bob")
    used = api.check(DANGER).json()
    assert used["decision"] == "allow" and used["request"]["id"] == real


def test_a_real_approval_is_still_used_and_verify_agrees(api: Api) -> None:
    request_id = api.check(DANGER).json()["request"]["id"]
    api.vote(request_id, "approve", "bob")
    assert api.check(DANGER).json()["decision"] == "allow"
    verified = api.client.get("/v1/audit/verify", auth=("victor", PASSWORDS["victor"])).json()
    assert verified["ok"] and verified["mismatches"] == []


def local_cli(store_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CHANGEGATE_URL", "CHANGEGATE_TOKEN")}
    env["CHANGEGATE_DATABASE_URL"] = store_url
    return subprocess.run([sys.executable, "-m", "changegate", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def test_local_audit_verify_reports_rows_the_chain_does_not_bear_out(api: Api, store_url: str) -> None:
    request_id = api.check(DANGER).json()["request"]["id"]
    assert local_cli(store_url, "audit", "verify").returncode == 0
    forge_approval(api, request_id)
    broken = local_cli(store_url, "audit", "verify")
    assert broken.returncode == 1 and f"request {request_id}: its votes differ" in broken.stderr
    assert "disagree" in broken.stderr


# --- 6. signed checkpoints ------------------------------------------------------------------------------

def cut_tail(api: Api, keep: int) -> None:
    """Delete every record after `keep` and point the head at the last one left (no chain check notices)."""
    with api.services.store.engine.begin() as conn:
        last = conn.execute(sa.select(audit.c.hash).where(audit.c.seq == keep)).scalar()
        conn.execute(sa.delete(audit).where(audit.c.seq > keep))
        conn.execute(chain_head.update().values(seq=keep, hash=last))


def test_a_signed_checkpoint_finds_a_cut_tail(api: Api, store_url: str, tmp_path: Path) -> None:
    witness = tmp_path / "witness.jsonl"
    api.services.signer.witnesses = [str(witness)]
    keep = head_seq(api)
    api.check(DANGER)
    signed = api.services.signer.sign()
    assert signed is not None and signed.size > keep
    assert read_checkpoints(witness)[0].as_dict() == signed.as_dict()
    assert oct(witness.stat().st_mode & 0o777) == "0o600"
    ok = local_cli(store_url, "audit", "verify", "--checkpoint", str(witness))
    assert ok.returncode == 0 and "matches 1 signed checkpoint" in ok.stdout, ok.stderr
    cut_tail(api, keep)
    assert api.services.audit.verify().ok  # the chain alone does not notice
    found = local_cli(store_url, "audit", "verify", "--checkpoint", str(witness))
    assert found.returncode == 1 and "cut off" in found.stderr


def test_a_signed_checkpoint_finds_a_rewritten_tail(api: Api, store_url: str, tmp_path: Path) -> None:
    from changegate.model import canonical_json
    from changegate.service.audit import chain_hash

    witness = tmp_path / "witness.jsonl"
    api.services.signer.witnesses = [str(witness)]
    api.check(DANGER)
    signed = api.services.signer.sign()
    assert signed is not None
    with api.services.store.engine.begin() as conn:  # rewrite the last record and recompute its hash
        row = conn.execute(sa.select(audit).where(audit.c.seq == signed.size)).one()
        doc = json.loads(row.record)
        doc["data"]["forged"] = True
        record = canonical_json(doc)
        digest = chain_hash(row.prev_hash, record)
        conn.execute(audit.update().where(audit.c.seq == signed.size).values(record=record.decode(), hash=digest))
        conn.execute(chain_head.update().values(hash=digest))
    assert api.services.audit.verify().ok
    found = local_cli(store_url, "audit", "verify", "--checkpoint", str(witness))
    assert found.returncode == 1 and "rewritten" in found.stderr


def test_a_second_database_can_be_the_witness(api: Api, store_url: str, tmp_path: Path) -> None:
    witness = f"sqlite:///{tmp_path / 'witness.db'}"
    api.services.signer.witnesses = [witness]
    keep = head_seq(api)
    api.check(DANGER)
    signed = api.services.signer.sign()
    assert signed is not None and api.services.signer.latest() == signed  # kept exactly as signed
    ok = local_cli(store_url, "audit", "verify", "--checkpoint", witness)
    assert ok.returncode == 0 and "matches 1 signed checkpoint" in ok.stdout, ok.stderr
    cut_tail(api, keep)
    assert local_cli(store_url, "audit", "verify", "--checkpoint", witness).returncode == 1


def test_a_checkpoint_signed_by_another_key_is_refused(api: Api, store_url: str, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from changegate.service.signed_heads import Signer, public_text

    witness = tmp_path / "witness.jsonl"
    Signer(api.services.store, Ed25519PrivateKey.generate(), [str(witness)]).sign()
    found = local_cli(store_url, "audit", "verify", "--checkpoint", str(witness))
    assert found.returncode == 1 and "signed by key" in found.stderr
    public = tmp_path / "key.pub"
    public.write_text(public_text(api.services.signer.key.public_key()))
    assert local_cli(store_url, "audit", "verify", "--checkpoint", str(witness), "--public-key",
                     str(public)).returncode == 1


def test_remote_audit_verify_holds_the_servers_chain_against_a_checkpoint(live: tuple[str, Api],
                                                                          tmp_path: Path) -> None:
    from changegate.service.signed_heads import public_text

    url, api = live
    witness, public = tmp_path / "witness.jsonl", tmp_path / "checkpoint.pub"
    public.write_text(public_text(api.services.signer.key.public_key()))
    api.services.signer.witnesses = [str(witness)]
    keep = head_seq(api)
    api.check(DANGER)
    assert api.services.signer.sign() is not None
    token = api.tokens["bob-personal"]
    args = ("audit", "verify", "--checkpoint", str(witness), "--public-key", str(public))
    ok = remote_cli(url, token, *args)
    assert ok.returncode == 0 and "matches 1 signed checkpoint" in ok.stdout, ok.stderr
    no_key = remote_cli(url, token, "audit", "verify", "--checkpoint", str(witness))
    assert no_key.returncode == 2 and "--public-key" in no_key.stderr
    cut_tail(api, keep)
    found = remote_cli(url, token, *args)
    assert found.returncode == 1 and "cut off" in found.stderr


def test_the_server_signs_every_n_records_and_publishes(store_url: str, tmp_path: Path) -> None:
    witness = tmp_path / "witness.jsonl"
    services = open_services(store_url, witnesses=[str(witness)], checkpoint_every=2, checkpoint_poll_s=0.05)
    try:
        with TestClient(create_app(services=services), base_url="https://gate.test"):
            deadline = time.monotonic() + 10
            while not witness.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        heads = read_checkpoints(witness)
        assert heads and heads[-1].size == head_of(services)  # the first head is signed at once
        assert not services.signer.due()  # signed: nothing new since
        services.audit.record("test", "system", {})
        assert not services.signer.due()  # one record: fewer than every_records, and not M seconds yet
        services.audit.record("test", "system", {})
        assert services.signer.due()
    finally:
        services.close()


def test_the_key_is_kept_outside_the_database(api: Api, store_url: str) -> None:
    from changegate.service.signed_heads import key_path

    path = key_path(store_url)
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert (path.parent / "checkpoint.key.pub").exists()
    with api.services.store.read() as conn:
        stored = " ".join(str(r.signature) for r in conn.execute(sa.text("SELECT signature FROM checkpoints")))
    assert "PRIVATE" not in stored and "PRIVATE" in path.read_text()


# --- 7. sessions shared by the workers ------------------------------------------------------------------

def test_a_signed_out_session_is_refused_by_every_worker(api: Api, store_url: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHANGEGATE_SESSION_SECRET", "a-secret-every-worker-shares-0123456789")
    other = open_services(store_url, checkpoint_poll_s=3600)
    try:
        with TestClient(create_app(services=other), base_url="https://gate.test") as worker:
            form = api.client.get("/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
            assert csrf is not None
            signed_in = api.client.post("/login", data={"name": "victor", "password": PASSWORDS["victor"],
                                                        "csrf": csrf[1]}, follow_redirects=False)
            assert signed_in.status_code == 303
            cookie = api.client.cookies.get("changegate_session")
            assert cookie
            worker.cookies.set("changegate_session", cookie)
            assert worker.get("/inbox", follow_redirects=False).status_code == 200  # the same session there
            page = api.client.get("/inbox").text
            token = re.search(r'name="csrf" value="([^"]+)"', page)
            assert token is not None
            assert api.client.post("/logout", data={"csrf": token[1]}, follow_redirects=False).status_code == 303
            replayed = worker.get("/inbox", follow_redirects=False)
            assert replayed.status_code in (302, 303) and "login" in replayed.headers["location"]
    finally:
        other.close()


def test_the_audit_log_stays_readable_after_all_this(api: Api) -> None:
    for i in range(6):
        api.client.get("/v1/whoami", auth=("alice", f"guess-{i}"))
    assert AuditLog(api.services.store).verify().ok


# --- 8. teams -------------------------------------------------------------------------------------------

@pytest.fixture
def teams(api: Api, monkeypatch: pytest.MonkeyPatch) -> Api:
    """payments: alice (approver, operates claude-payments), victor (viewer); web: bob (approver), wanda
    (viewer); carol is an admin in no team."""
    accounts = api.services.accounts
    accounts.add_user("carol", "admin", "carol-password", "test")
    accounts.add_user("wanda", "viewer", "wanda-password", "test")
    monkeypatch.setitem(PASSWORDS, "carol", "carol-password")
    monkeypatch.setitem(PASSWORDS, "wanda", "wanda-password")
    for name, team in (("alice", "payments"), ("victor", "payments"), ("bob", "web"), ("wanda", "web")):
        accounts.add_to_team(name, team, "test")
    api.tokens["payments-agent"] = accounts.create_agent_token("claude-payments", "alice", "test")[1]
    return api


def test_people_see_and_decide_only_their_teams_requests(teams: Api) -> None:
    api = teams
    asked = api.check(DANGER, who="payments-agent").json()["request"]
    request_id = asked["id"]
    assert api.services.approvals.get(request_id).team == "payments"

    def listed(user: str) -> list[str]:
        found = api.client.get("/v1/requests", auth=(user, PASSWORDS[user])).json()["requests"]
        return [r["id"] for r in found]

    assert request_id in listed("victor") and request_id in listed("carol")
    assert request_id not in listed("bob") and request_id not in listed("wanda")
    assert api.client.get(f"/v1/requests/{request_id}", auth=("bob", PASSWORDS["bob"])).status_code == 404
    outsider = api.vote(request_id, "approve", "bob")
    assert outsider.status_code == 404 and api.services.approvals.get(request_id).votes == ()
    assert api.client.get("/v1/whoami", auth=("alice", PASSWORDS["alice"])).json()["teams"] == ["payments"]
    admin = api.client.post(f"/v1/requests/{request_id}/approve", json={}, auth=("carol", PASSWORDS["carol"]))
    assert admin.status_code == 200 and admin.json()["status"] == "approved" and admin.json()["team"] == "payments"


def test_the_policy_routes_a_rules_asks_to_a_team(teams: Api, store_url: str, tmp_path: Path) -> None:
    policy = tmp_path / "routed.yaml"
    policy.write_text("version: 1\nextends: default\nrules:\n  - id: web-owns-srv\n"
                      "    match: {operation: delete, resource: ['fs:/srv/**']}\n    decide: ask\n"
                      "    team: web\n    reason: the web team decides what happens under /srv.\n")
    services = open_services(store_url, policy_path=str(policy), checkpoint_poll_s=3600)
    try:
        with TestClient(create_app(services=services), base_url="https://gate.test") as client:
            api = Api(client, services, teams.tokens)
            answer = api.check(DANGER, who="payments-agent").json()
            assert answer["decision"] == "ask" and answer["team"] == "web"
            request_id = answer["request"]["id"]
            assert services.approvals.get(request_id).team == "web"  # not the agent's team (payments)
            seen = client.get("/v1/requests", auth=("wanda", PASSWORDS["wanda"])).json()["requests"]
            assert request_id in [r["id"] for r in seen]
            assert client.get(f"/v1/requests/{request_id}", auth=("victor", PASSWORDS["victor"])).status_code == 404
            assert api.vote(request_id, "approve", "alice").status_code == 404  # the agent's operator is not web
            assert api.vote(request_id, "approve", "bob").status_code == 200
            # an ask no routed rule decides stays with the agent's team
            other = {**DANGER, "command": "kubectl --context prod delete pod web-1"}
            kept = api.check(other, who="payments-agent").json()
            assert "team" not in kept and services.approvals.get(kept["request"]["id"]).team == "payments"
    finally:
        services.close()


def test_a_request_of_no_team_is_seen_by_everyone(teams: Api) -> None:
    api = teams
    api.services.accounts.add_user("dan", "approver", "dan-password", "test")  # in no team
    api.tokens["loose"] = api.services.accounts.create_agent_token("loose-agent", "dan", "test")[1]
    request_id = api.check(DANGER, who="loose").json()["request"]["id"]
    assert api.services.approvals.get(request_id).team is None
    seen = api.client.get(f"/v1/requests/{request_id}", auth=("wanda", PASSWORDS["wanda"]))
    assert seen.status_code == 200


def test_an_agent_token_belongs_to_one_of_its_operators_teams(teams: Api) -> None:
    from changegate.service.accounts import AccountError

    accounts = teams.services.accounts
    with pytest.raises(AccountError, match="not in the team web"):
        accounts.create_agent_token("sneaky", "alice", "test", team="web")
    accounts.add_to_team("alice", "web", "test")  # alice in two teams: a token names which
    token_id, _ = accounts.create_agent_token("both", "alice", "test", team="web")
    assert next(t for t in accounts.list_tokens() if t["id"] == token_id)["team"] == "web"


def test_moving_a_request_to_another_team_by_row_edit_is_reported(teams: Api) -> None:
    api = teams
    request_id = api.check(DANGER, who="payments-agent").json()["request"]["id"]
    with api.services.store.engine.begin() as conn:
        conn.execute(requests.update().where(requests.c.id == request_id).values(team="web"))
    verified = api.client.get("/v1/audit/verify", auth=("carol", PASSWORDS["carol"])).json()
    assert not verified["ok"] and any("team" in m and request_id in m for m in verified["mismatches"])


def test_the_cli_puts_people_in_teams(store_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("CHANGEGATE_URL", "CHANGEGATE_TOKEN")}
    env["CHANGEGATE_DATABASE_URL"] = store_url

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "changegate", *args], env=env, capture_output=True, text=True,
                              timeout=120)

    assert cli("users", "add", "erin", "--no-password", "--team", "payments").returncode == 0
    moved = cli("users", "team", "erin", "--add", "web", "--remove", "payments")
    assert moved.returncode == 0 and "teams web" in moved.stdout
    listed = json.loads(cli("users", "list", "--json").stdout)
    assert next(u for u in listed if u["name"] == "erin")["teams"] == ["web"]
    created = cli("tokens", "create", "--agent", "bot", "--operator", "erin")
    assert created.returncode == 0
    assert "team web" in cli("tokens", "list").stdout
