"""The HTTP API: authentication, roles, the check contract, approvals through the API, waiting, and 4xx
JSON errors for malformed input — on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from changegate.server import Services, Settings, create_app
from changegate.service.accounts import Accounts
from changegate.service.store import StoreError
from changegate.service.store.tables import audit

ENV = {"HOME": "/home/dev"}
DANGER = {"type": "shell", "command": "rm -rf /srv/data", "cwd": "/home/dev/app", "env": ENV}
HARMLESS = {"type": "shell", "command": "ls -la", "cwd": "/home/dev/app", "env": ENV}
PASSWORDS = {"alice": "alice-password", "bob": "bob-password", "victor": "victor-password"}


class Api:
    def __init__(self, client: TestClient, services: Services, tokens: dict[str, str]) -> None:
        self.client = client
        self.services = services
        self.tokens = tokens

    def bearer(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def check(self, action: dict[str, Any], who: str = "claude", **extra: Any) -> Any:
        return self.client.post("/v1/check", json={"action": action, **extra}, headers=self.bearer(who))

    def vote(self, request_id: str, verb: str, user: str, comment: str = "") -> Any:
        return self.client.post(f"/v1/requests/{request_id}/{verb}", json={"comment": comment},
                                auth=(user, PASSWORDS[user]))

    def audit_count(self) -> int:
        with self.services.store.read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(audit)).scalar() or 0)


@pytest.fixture(autouse=True)
def quick_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same argon2id code path with cheap parameters: the default costs ~0.1 s per hash."""
    from argon2 import PasswordHasher

    monkeypatch.setattr("changegate.service.accounts._hasher",
                        lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def api(store_url: str) -> Iterator[Api]:
    services = Services.open(Settings(database_url=store_url, public_url="https://gate.test", token_cache_s=0))
    accounts = services.accounts
    accounts.add_user("alice", "approver", PASSWORDS["alice"], "test")
    accounts.add_user("bob", "approver", PASSWORDS["bob"], "test")
    accounts.add_user("victor", "viewer", PASSWORDS["victor"], "test")
    tokens = {"claude": accounts.create_agent_token("claude", "alice", "test")[1],
              "other": accounts.create_agent_token("other-agent", "bob", "test")[1],
              "bob-personal": accounts.create_user_token("bob", "test")[1]}
    with TestClient(create_app(services=services)) as client:
        yield Api(client, services, tokens)
    services.close()


# --- authentication ------------------------------------------------------------------------------------

def test_no_credential_is_401_with_a_json_error(api: Api) -> None:
    answer = api.client.post("/v1/check", json={"action": DANGER})
    assert answer.status_code == 401 and "credential" in answer.json()["error"]
    assert "Bearer" in answer.headers["www-authenticate"]


@pytest.mark.parametrize("header", ["Bearer cg_not-a-real-token", "Bearer nonsense", "Basic !!!", "Digest x"])
def test_a_wrong_credential_is_401(api: Api, header: str) -> None:
    answer = api.client.post("/v1/check", json={"action": HARMLESS}, headers={"Authorization": header})
    assert answer.status_code == 401 and answer.json()["error"]


def test_a_wrong_password_is_401_and_logged(api: Api) -> None:
    before = api.audit_count()
    answer = api.client.get("/v1/requests", auth=("alice", "not-her-password"))
    assert answer.status_code == 401
    records = api.services.audit.records(after_seq=before)
    assert [r.kind for r in records] == ["login.failed"]


def test_a_revoked_token_stops_working(api: Api) -> None:
    assert api.check(HARMLESS).status_code == 200
    token_id = next(t["id"] for t in api.services.accounts.list_tokens() if t["agent"] == "claude")
    api.services.accounts.revoke_token(token_id, "test")
    assert api.check(HARMLESS).status_code == 401


def test_whoami_says_who_a_credential_proves(api: Api) -> None:
    agent = api.client.get("/v1/whoami", headers=api.bearer("claude")).json()
    assert agent == {"kind": "agent", "name": "claude", "role": "agent", "operator": "alice", "teams": []}
    person = api.client.get("/v1/whoami", headers=api.bearer("bob-personal")).json()
    assert (person["kind"], person["name"], person["role"]) == ("user", "bob", "approver")


# --- the check contract --------------------------------------------------------------------------------

def test_check_answers_the_batch_contract(api: Api) -> None:
    allowed = api.client.post("/v1/check", json={"id": "c1", "action": HARMLESS}, headers=api.bearer("claude"))
    body = allowed.json()
    assert allowed.status_code == 200 and body["id"] == "c1" and body["decision"] == "allow"
    assert body["approvals_required"] == 0 and len(body["action_hash"]) == 64
    assert {"risk", "reasons", "suggestions", "summary", "effects", "rules"} <= set(body)
    assert "request" not in body
    denied = api.check({**HARMLESS, "command": "rm -rf /"}).json()
    assert denied["decision"] == "deny" and "request" not in denied


def test_an_ask_files_a_request_bound_to_the_token_identity(api: Api) -> None:
    body = api.check({**DANGER, "agent": "pretend", "operator": "bob"}).json()
    assert body["decision"] == "ask" and body["approvals_required"] == 1
    request = body["request"]
    assert set(request) == {"id", "status", "approvals", "required", "expires_at", "url"}
    assert request["status"] == "pending" and request["required"] == 1 and request["approvals"] == 0
    assert request["url"] == f"https://gate.test/requests/{request['id']}"
    full = api.client.get(f"/v1/requests/{request['id']}", auth=("victor", PASSWORDS["victor"])).json()
    assert (full["agent"], full["operator"]) == ("claude", "alice")
    assert full["action_hash"] == body["action_hash"] and "env" not in full["action"]


def test_an_approved_action_is_allowed_once_then_asks_again(api: Api) -> None:
    request_id = api.check(DANGER).json()["request"]["id"]
    assert api.vote(request_id, "approve", "bob", "fine").json()["status"] == "approved"
    peek = api.check(DANGER, peek=True).json()
    assert peek["decision"] == "allow" and peek["request"]["status"] == "approved"
    used = api.check(DANGER).json()
    assert used["decision"] == "allow" and used["request"]["id"] == request_id
    assert used["request"]["status"] == "executed" and request_id in used["reasons"][0]
    changed = api.check({**DANGER, "command": "rm -rf /srv/data/"}).json()
    assert changed["decision"] == "ask" and changed["request"]["id"] != request_id
    again = api.check(DANGER).json()
    assert again["decision"] == "ask" and again["request"]["id"] != request_id


def test_check_waits_for_an_approval(api: Api) -> None:
    request_id = api.check(DANGER).json()["request"]["id"]
    result: dict[str, Any] = {}

    def waiting() -> None:
        started = time.monotonic()
        result["answer"] = api.check(DANGER, wait=10).json()
        result["took"] = time.monotonic() - started

    thread = threading.Thread(target=waiting)
    thread.start()
    time.sleep(0.4)
    assert "answer" not in result  # still waiting
    assert api.vote(request_id, "approve", "bob").status_code == 200  # one approval, from someone else
    thread.join(10)
    assert result["answer"]["decision"] == "allow" and result["answer"]["request"]["id"] == request_id
    assert 0.3 < result["took"] < 5


def test_check_wait_times_out_as_ask(api: Api) -> None:
    started = time.monotonic()
    body = api.check(DANGER, wait=0.5).json()
    assert body["decision"] == "ask" and body["request"]["status"] == "pending"
    assert 0.4 < time.monotonic() - started < 3


# --- roles ---------------------------------------------------------------------------------------------

def test_roles_and_agent_scope(api: Api) -> None:
    request_id = api.check(DANGER).json()["request"]["id"]
    agent_vote = api.client.post(f"/v1/requests/{request_id}/approve", json={}, headers=api.bearer("claude"))
    assert agent_vote.status_code == 403 and "agent credential" in agent_vote.json()["error"]
    assert api.vote(request_id, "approve", "victor").status_code == 403  # a viewer
    assert api.client.get("/v1/audit", headers=api.bearer("claude")).status_code == 403
    assert api.client.get("/v1/audit/verify", headers=api.bearer("claude")).status_code == 403
    assert api.client.get(f"/v1/requests/{request_id}", headers=api.bearer("claude")).status_code == 200
    assert api.client.get(f"/v1/requests/{request_id}", headers=api.bearer("other")).status_code == 404
    assert api.client.get("/v1/requests", headers=api.bearer("other")).json()["requests"] == []
    assert len(api.client.get("/v1/requests?status=pending", auth=("victor", PASSWORDS["victor"]))
               .json()["requests"]) == 1
    personal = api.client.post(f"/v1/requests/{request_id}/approve", json={"comment": "ok"},
                               headers=api.bearer("bob-personal"))
    assert personal.status_code == 200 and personal.json()["status"] == "approved"
    assert api.vote(request_id, "approve", "alice").status_code == 409  # already approved


def test_double_approval_and_deny_through_the_api(api: Api) -> None:
    body = api.check({**DANGER, "command": "kubectl --context prod delete namespace payments"}).json()
    assert body["approvals_required"] == 2
    request_id = body["request"]["id"]
    assert api.vote(request_id, "approve", "alice").json()["status"] == "pending"
    second = api.vote(request_id, "approve", "alice")
    assert second.status_code == 409 and "already voted" in second.json()["error"]
    assert api.vote(request_id, "deny", "bob", "not today").json()["status"] == "denied"
    closed = api.check({**DANGER, "command": "kubectl --context prod delete namespace payments"}, wait=0).json()
    assert closed["decision"] == "ask" and closed["request"]["id"] != request_id  # a new request, not a replay


def test_an_agent_cancels_its_own_request(api: Api) -> None:
    request_id = api.check(DANGER).json()["request"]["id"]
    other = api.client.post(f"/v1/requests/{request_id}/cancel", json={}, headers=api.bearer("other"))
    assert other.status_code == 403
    own = api.client.post(f"/v1/requests/{request_id}/cancel", json={"comment": "wrong dir"},
                          headers=api.bearer("claude"))
    assert own.status_code == 200 and own.json()["status"] == "cancelled"


# --- malformed input: 4xx JSON errors, nothing written ----------------------------------------------------

@pytest.mark.parametrize(("body", "status", "says"), [
    (b"{", 422, "not JSON"),
    (b"[1, 2]", 422, "must be an object"),
    (b'{"id": "x"}', 422, 'needs "action"'),
    (b'{"action": {"type": "teleport"}}', 422, "not a valid action"),
    (b'{"action": {"type": "shell"}}', 422, "needs `command`"),
    (b'{"action": "rm -rf /"}', 422, "must be a JSON object"),
    (b'{"action": {"type": "shell", "command": "ls"}, "wait": -1}', 422, "wait"),
    (b'{"action": {"type": "shell", "command": "ls"}, "wait": 100000}', 422, "wait"),
    (b'{"action": {"type": "shell", "command": "ls"}, "wait": "soon"}', 422, "wait"),
    (b'{"action": {"type": "shell", "command": "ls"}, "peek": "yes"}', 422, "peek"),
    (b'{"action": {"type": "shell", "command": "ls"}, "sudo": true}', 422, "unknown field"),
])
def test_malformed_checks_are_4xx_json_and_write_nothing(api: Api, body: bytes, status: int, says: str) -> None:
    before = api.audit_count()
    answer = api.client.post("/v1/check", content=body, headers={**api.bearer("claude"),
                                                                  "Content-Type": "application/json"})
    assert answer.status_code == status
    assert says in answer.json()["error"]
    assert api.audit_count() == before


def test_an_oversized_body_is_413(api: Api) -> None:
    huge = b'{"action": {"type": "shell", "command": "' + b"x" * (1024 * 1024 + 10) + b'"}}'
    answer = api.client.post("/v1/check", content=huge, headers=api.bearer("claude"))
    assert answer.status_code == 413 and "larger" in answer.json()["error"]


def test_other_malformed_requests(api: Api) -> None:
    viewer = ("victor", PASSWORDS["victor"])
    assert api.client.get("/v1/requests?status=weird", auth=viewer).status_code == 422
    assert api.client.get("/v1/requests?limit=0", auth=viewer).json()["error"]
    assert api.client.get("/v1/audit?since=yesterday", auth=viewer).status_code == 422
    missing = api.vote("req_nope", "approve", "bob")
    assert missing.status_code == 404 and "req_nope" in missing.json()["error"]
    long = api.client.post("/v1/requests/req_nope/approve", json={"comment": "x" * 3000}, auth=("bob", PASSWORDS["bob"]))
    assert long.status_code == 422 and "comment" in long.json()["error"]


# --- audit, health, OpenAPI ----------------------------------------------------------------------------

def test_audit_endpoints(api: Api) -> None:
    api.check(HARMLESS)
    viewer = ("victor", PASSWORDS["victor"])
    records = api.client.get("/v1/audit?limit=1000", auth=viewer).json()["records"]
    kinds = [r["kind"] for r in records]
    assert "decision" in kinds and "token.created" in kinds and "policy.loaded" in kinds
    assert all(set(r) == {"seq", "at", "kind", "actor", "data", "prev_hash", "hash"} for r in records)
    since = api.client.get(f"/v1/audit?since={records[-1]['at']}", auth=viewer).json()["records"]
    assert since and since[0]["seq"] >= records[-1]["seq"] - 1
    verified = api.client.get("/v1/audit/verify", auth=viewer).json()
    assert verified["ok"] is True and verified["records"] == len(records)


def test_health_and_a_store_that_fails(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    assert api.client.get("/healthz").json()["status"] == "ok"
    api.services.settings.token_cache_s = 60
    assert api.check(HARMLESS).status_code == 200  # claude's token is now known to this process

    def broken(*_: Any, **__: Any) -> Any:
        raise StoreError("the store at test failed: connection refused")

    monkeypatch.setattr(api.services.store, "read", broken)
    monkeypatch.setattr(api.services.store, "write", broken)
    health = api.client.get("/healthz")
    assert health.status_code == 503 and "connection refused" in health.json()["store"]
    asked = api.check(DANGER).json()
    assert asked["decision"] == "deny" and "store unavailable" in asked["error"]
    read = api.check(HARMLESS).json()  # reads the policy allows still pass, flagged as unrecorded
    assert read["decision"] == "allow" and "could not be recorded" in read["warning"]
    unknown_token = api.check(HARMLESS, who="other")  # cannot even be authenticated: 503, which clients deny
    assert unknown_token.status_code == 503 and "unavailable" in unknown_token.json()["error"]
    listing = api.client.get("/v1/requests", headers=api.bearer("claude"))
    assert listing.status_code == 503 and "unavailable" in listing.json()["error"]


def test_openapi_is_published_with_the_check_body(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    assert {"/v1/check", "/v1/requests", "/v1/requests/{request_id}/approve", "/v1/audit", "/v1/audit/verify",
            "/healthz"} <= set(spec["paths"])
    body = spec["paths"]["/v1/check"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "action" in body["properties"] and "wait" in body["properties"]


def test_accounts_cli_shape(store: Any) -> None:
    accounts = Accounts(store)
    accounts.add_user("dana", "admin", None, "test")
    token_id, secret = accounts.create_user_token("dana", "test")
    assert secret.startswith("cg_") and len(secret) > 40
    listed = accounts.list_tokens()
    assert [t["id"] for t in listed] == [token_id] and secret not in str(listed)
    assert accounts.remove_user("dana", "test") == 1
    assert accounts.authenticate_token(secret) is None


# --- remote mode: the client and the CLI against a real server on a port ----------------------------------

@pytest.fixture
def live(api: Api) -> Iterator[tuple[str, Api]]:
    import socket

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(services=api.services), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}", api
    server.should_exit = True
    thread.join(10)


def remote_cli(url: str, token: str, *args: str, stdin: str | None = None) -> Any:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANGEGATE_")}
    env.update(CHANGEGATE_URL=url, CHANGEGATE_TOKEN=token, NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "changegate", *args], env=env, input=stdin, capture_output=True,
                          text=True, timeout=60)


def test_the_client_speaks_the_contract(live: tuple[str, Api]) -> None:
    from changegate.client import Client, Unreachable

    url, api = live
    client = Client(url, api.tokens["claude"])
    asked = client.check({**DANGER, "env": {"HOME": "/home/dev", "GITHUB_TOKEN": "ghp_notsent"}})
    assert asked["decision"] == "ask"
    assert client.request(asked["request"]["id"])["status"] == "pending"
    refused = Client(url, "cg_wrong").check(HARMLESS)
    assert refused["decision"] == "deny" and "401" in refused["error"]
    with pytest.raises(Unreachable, match=r"127\.0\.0\.1:1"):
        Client("http://127.0.0.1:1", api.tokens["claude"], timeout=2).check(HARMLESS)


def test_the_cli_in_remote_mode(live: tuple[str, Api]) -> None:
    url, api = live
    token = api.tokens["claude"]
    asked = remote_cli(url, token, "check", "--json", "--", "rm -rf /srv/data")
    assert asked.returncode == 10, asked.stderr
    request_id = json.loads(asked.stdout)["request"]["id"]
    listing = remote_cli(url, "", "approvals", "list", "--as", "victor", "--password-stdin",
                         stdin=PASSWORDS["victor"] + "\n")
    assert listing.returncode == 0 and request_id in listing.stdout
    by_agent = remote_cli(url, token, "approvals", "approve", request_id)
    assert by_agent.returncode == 1 and "agent credential" in by_agent.stderr
    approved = remote_cli(url, api.tokens["bob-personal"], "approvals", "approve", request_id, "-m", "ok")
    assert approved.returncode == 0 and "approved" in approved.stdout
    allowed = remote_cli(url, token, "check", "--", "rm -rf /srv/data")
    assert allowed.returncode == 0 and request_id in allowed.stdout
    verified = remote_cli(url, api.tokens["bob-personal"], "audit", "verify")
    assert verified.returncode == 0 and "intact" in verified.stdout
    down = remote_cli("http://127.0.0.1:1", token, "check", "--json", "--", "ls")
    assert down.returncode == 20 and "http://127.0.0.1:1" in json.loads(down.stdout)["reasons"][0]
