"""Guardrails across a session, through the real entry points: the kill switch (`changegate freeze`, the hook,
`judge`, the server's /v1/check across two server processes), budgets and the circuit breaker (the incident's
shape replayed), and break-glass (`changegate breakglass`, the API)."""

from __future__ import annotations

import copy
import importlib
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from changegate.gate import judge
from changegate.integrations import hook
from changegate.policy import PolicyError, load_policy
from changegate.server import Services, Settings, create_app
from changegate.service.accounts import Accounts
from changegate.service.guardrails import InstantFreeze
from changegate.service.guardrails.files import LocalGuard
from changegate.service.guardrails.store import StoreGuard
from changegate.service.spool import spool_path
from changegate.service.store import open_store
from changegate.service.store.tables import audit
from changegate.state import state_dir

BIN = [sys.executable, "-m", "changegate"]
HOME = "/home/dev"
WORKSPACE = "/home/dev/app"
FIXTURES = Path(__file__).parent / "fixtures" / "hooks"
PASSWORDS = {"alice": "alice-password", "bob": "bob-password", "victor": "victor-password"}


def shell(command: str, agent: str = "claude-code", session: str | None = None) -> dict[str, Any]:
    action = {"type": "shell", "command": command, "cwd": WORKSPACE, "env": {"HOME": HOME}, "agent": agent}
    return {**action, "session": session} if session else action


def dev_delete(n: int) -> dict[str, Any]:
    return shell(f"kubectl --context dev-eu delete deployment svc-{n} -n shop")


DEV_CREATE = shell("kubectl --context dev-eu create namespace scratch")
PROD_CHANGE = shell("kubectl --context prod-eu scale deployment web --replicas=3 -n shop")
READ = shell("kubectl --context prod-eu get pods -n shop")


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("CHANGEGATE_URL", None)
    return subprocess.run([*BIN, *args], input=stdin, capture_output=True, text=True, timeout=60, env=env, check=False)


def spooled_kinds() -> list[str]:
    path = spool_path()
    return [json.loads(line)["kind"] for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture(autouse=True)
def quick_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher

    monkeypatch.setattr("changegate.service.accounts._hasher",
                        lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def local_people() -> None:
    store = open_store()
    try:
        accounts = Accounts(store)
        accounts.add_user("alice", "approver", PASSWORDS["alice"], "test")
        accounts.add_user("bob", "approver", PASSWORDS["bob"], "test")
        accounts.add_user("victor", "viewer", PASSWORDS["victor"], "test")
    finally:
        store.dispose()


# --- the kill switch, locally ----------------------------------------------------------------------------

def test_the_kill_switch_stops_every_change_locally_until_a_person_lifts_it() -> None:
    assert judge(DEV_CREATE).verdict.decision == "allow"
    on = cli("freeze", "now", "--reason", "incident 4711: agents off", "--json")
    assert on.returncode == 0, on.stderr
    frozen = judge(DEV_CREATE).verdict
    assert frozen.decision == "deny" and "guardrail:kill-switch" in frozen.rules
    assert "incident 4711" in frozen.reasons[0] and "changegate freeze lift" in frozen.reasons[0]
    assert judge(READ).verdict.decision == "allow"  # reads still work: people and agents can look around
    assert "freeze.on" in spooled_kinds()

    local_people()
    nobody = cli("freeze", "lift")
    assert nobody.returncode == 2 and "--as NAME" in nobody.stderr  # no person, no lift
    viewer = cli("freeze", "lift", "--as", "victor", "--password-stdin", stdin=PASSWORDS["victor"] + "\n")
    assert viewer.returncode == 1 and "approver" in viewer.stderr
    assert judge(DEV_CREATE).verdict.decision == "deny"
    lifted = cli("freeze", "lift", "--as", "alice", "--password-stdin", stdin=PASSWORDS["alice"] + "\n")
    assert lifted.returncode == 0 and "lifted 1 kill switch" in lifted.stdout
    assert judge(DEV_CREATE).verdict.decision == "allow"
    assert spooled_kinds().count("freeze.lifted") == 1


def test_one_guard_reads_the_state_once_and_again_after_it_writes(tmp_path: Path) -> None:
    """A guard answers one decision's questions from one read of the state; what it writes, or what another
    process wrote before it took the lock, it sees at once."""
    guard, other = LocalGuard(str(tmp_path)), LocalGuard(str(tmp_path))
    assert guard.freezes(0.0) == [] and guard.breakers() == []
    other.freeze(InstantFreeze("k1", "alice", "incident", time.time(), (), "*"))
    assert guard.freezes(0.0) == []  # the same decision: its snapshot
    guard.freeze(InstantFreeze("k2", "bob", "second", time.time(), (), "*"))  # under the lock: read afresh
    assert [f.id for f in guard.freezes(0.0)] == ["k1", "k2"]
    assert [f.id for f in LocalGuard(str(tmp_path)).freezes(0.0)] == ["k1", "k2"]  # the next decision
    assert [f.id for f in guard.lift("k1")] == ["k1"]
    assert [f.id for f in guard.freezes(0.0)] == ["k2"]
    other.freeze(InstantFreeze("k3", "carol", "third", time.time(), (), "*"))
    assert [f.id for f in guard.lift(None)] == ["k2", "k3"]  # lifting says what it lifted, k3 included


def test_an_unchanged_state_file_is_not_opened_again_and_a_changed_one_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every decision of a change reads the state: one the guard has read is answered from one stat while the
    file is the same (inode, size, times); another process's write, by rename or in place, is read."""
    from changegate.service.guardrails import files
    from changegate.understand import facts

    monkeypatch.setattr(facts, "RECENT_NS", 0)  # (files this test writes are moments old)
    LocalGuard(str(tmp_path)).freeze(InstantFreeze("k1", "alice", "incident", time.time(), (), "*"))
    assert [f.id for f in LocalGuard(str(tmp_path)).freezes(0.0)] == ["k1"]
    opened: list[str] = []
    real_open = open
    monkeypatch.setattr(files, "open", lambda path, *a, **k: opened.append(path) or real_open(path, *a, **k),
                        raising=False)
    assert [f.id for f in LocalGuard(str(tmp_path)).freezes(0.0)] == ["k1"]
    assert opened == []
    LocalGuard(str(tmp_path)).freeze(InstantFreeze("k2", "bob", "second", time.time(), (), "*"))  # a rename
    assert [f.id for f in LocalGuard(str(tmp_path)).freezes(0.0)] == ["k1", "k2"]
    state = tmp_path / "state.json"
    doc = json.loads(state.read_text())
    doc["freezes"] = doc["freezes"][:1]
    with real_open(state, "r+", encoding="utf-8") as handle:  # in place: the same inode
        handle.write(json.dumps(doc))
        handle.truncate()
    assert [f.id for f in LocalGuard(str(tmp_path)).freezes(0.0)] == ["k1"]


def test_a_kill_switch_for_prod_covers_unknown_and_leaves_dev_alone() -> None:
    LocalGuard().freeze(InstantFreeze.new("cli:ops", "prod is on fire", time.time(), ["prod"]))
    assert judge(DEV_CREATE).verdict.decision == "allow"
    assert judge(PROD_CHANGE).verdict.decision == "deny"
    unknown = judge(shell("rm -rf /srv/data")).verdict  # unknown: treated as prod
    assert unknown.decision == "deny" and "guardrail:kill-switch" in unknown.rules


def test_a_kill_switch_for_some_agents_stops_only_them() -> None:
    LocalGuard().freeze(InstantFreeze.new("cli:ops", "claude agents misbehave", time.time(), (), "claude-*"))
    assert judge(DEV_CREATE).verdict.decision == "deny"
    assert judge({**DEV_CREATE, "agent": "codex"}).verdict.decision == "allow"


def test_the_kill_switch_reaches_the_agents_hook() -> None:
    payload = json.loads((FIXTURES / "claude-code" / "pre_tool_use_bash.json").read_text())
    payload = copy.deepcopy(payload)
    payload["tool_input"]["command"] = "kubectl --context dev-eu create namespace scratch"

    def decision() -> str:
        module = importlib.import_module(f"changegate.integrations.{hook.AGENT_MODULES['claude-code']}")
        reply = hook.run(module, io.BytesIO(json.dumps(payload).encode()), time.monotonic() + 5)  # type: ignore[arg-type]
        return str(json.loads(reply.stdout)["hookSpecificOutput"]["permissionDecision"])

    assert decision() == "allow"
    assert cli("freeze", "now", "-m", "stop").returncode == 0
    assert decision() == "deny"


def test_state_that_cannot_be_read_denies_changes_and_says_so() -> None:
    directory = state_dir() / "guardrails"
    directory.mkdir(parents=True)
    (directory / "state.json").write_text("{not json")
    verdict = judge(DEV_CREATE).verdict
    assert verdict.decision == "deny" and "cannot be read" in verdict.reasons[0] and verdict.error
    assert judge(READ).verdict.decision == "allow"


# --- budgets and the circuit breaker -------------------------------------------------------------------

def test_the_incident_replayed_trips_the_breaker_before_the_tenth_delete() -> None:
    decisions = [judge(dev_delete(n)).verdict for n in range(1, 13)]
    tripped = next(i for i, v in enumerate(decisions, 1) if v.decision != "allow")
    assert tripped < 10
    opened = decisions[tripped - 1]
    assert opened.decision == "ask" and "guardrail:circuit-breaker" in opened.rules
    assert opened.reasons[0].startswith(f"circuit open: {tripped} deletes in 1 min (budget 8/10 min)")
    assert all(v.decision == "ask" for v in decisions[tripped:])
    # every change asks now, not only deletes; reads do not; other agents are not affected
    assert judge(DEV_CREATE).verdict.decision == "ask"
    assert judge(READ).verdict.decision == "allow"
    assert judge({**DEV_CREATE, "agent": "codex"}).verdict.decision == "allow"
    assert "breaker.opened" in spooled_kinds()

    listed = cli("breaker", "list", "--json")
    assert [b["agent"] for b in json.loads(listed.stdout)] == ["claude-code"]
    local_people()
    closed = cli("breaker", "close", "claude-code", "--as", "alice", "--password-stdin", stdin="alice-password\n")
    assert closed.returncode == 0, closed.stderr
    assert judge(DEV_CREATE).verdict.decision == "allow"


def test_a_simulation_counts_against_no_budget() -> None:
    from changegate.gate.guardrails import uncounted

    with uncounted():
        assert all(judge(dev_delete(n)).verdict.decision == "allow" for n in range(20))
    assert not (state_dir() / "guardrails" / "usage.json").exists()
    assert judge(dev_delete(99)).verdict.decision == "allow"


def test_one_big_action_alone_never_opens_the_breaker_but_counts_towards_the_next() -> None:
    big = shell("kubectl --context dev-eu delete deployment " + " ".join(f"svc-{n}" for n in range(12)) + " -n shop")
    assert judge(big).verdict.decision == "allow"
    after = judge(dev_delete(1)).verdict
    assert after.decision == "ask" and after.reasons[0].startswith("circuit open: 13 deletes")


def test_work_in_the_workspace_is_not_counted() -> None:
    for n in range(30):
        assert judge(shell(f"rm build/out-{n}.json")).verdict.decision == "allow"
    assert not (state_dir() / "guardrails" / "usage.json").exists()


def test_the_same_action_judged_twice_counts_once() -> None:
    for _ in range(20):
        assert judge(dev_delete(1)).verdict.decision == "allow"


def test_budgets_come_from_the_policy(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("extends: default\nbudgets:\n  - {count: change, limit: 2, window: 1h, per: session}\n")
    loaded = load_policy(policy)
    assert [judge(shell(f"kubectl --context dev-eu create namespace s{n}", session="s1"), loaded).verdict.decision
            for n in range(3)] == ["allow", "allow", "ask"]
    off = tmp_path / "off.yaml"
    off.write_text("extends: default\nbudgets: []\n")
    assert all(judge({**dev_delete(n), "agent": "codex"}, load_policy(off)).verdict.decision == "allow"
               for n in range(20, 40))


def test_a_budget_that_does_not_read_is_a_policy_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("budgets:\n  - {count: delete, limit: 0, window: soon, environments: [moon]}\n")
    with pytest.raises(PolicyError) as caught:
        load_policy(bad)
    text = "\n".join(caught.value.problems)
    assert "limit" in text and "window" in text and "'moon'" in text


# --- through the server: two processes, one store ------------------------------------------------------

class Server:
    def __init__(self, services: Services, client: TestClient) -> None:
        self.services = services
        self.client = client

    def check(self, action: dict[str, Any], token: str) -> dict[str, Any]:
        answer = self.client.post("/v1/check", json={"action": action}, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
        doc: dict[str, Any] = answer.json()
        return doc

    def post(self, path: str, body: dict[str, Any], user: str | None = None, token: str | None = None) -> Any:
        if token:
            return self.client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
        return self.client.post(path, json=body, auth=(user or "alice", PASSWORDS[user or "alice"]))


def serve(services: Services) -> TestClient:
    return TestClient(create_app(services=services))


@pytest.fixture
def servers(store_url: str) -> Iterator[tuple[Server, Server, dict[str, str], list[bytes]]]:
    """Two server processes' services on one store (as `changegate serve --workers 2`), and what their
    webhooks were sent."""
    sent: list[bytes] = []
    first = Services.open(Settings(database_url=store_url, token_cache_s=0))
    second = Services.open(Settings(database_url=store_url, token_cache_s=0))
    accounts = first.accounts
    for name, password in PASSWORDS.items():
        accounts.add_user(name, "viewer" if name == "victor" else "approver", password, "test")
    tokens = {"claude": accounts.create_agent_token("claude", "alice", "test")[1]}
    for services in (first, second):
        services.notifier.webhooks.append(_webhook())
        services.notifier.send = lambda url, body, timeout: sent.append(body)
    with serve(first) as a, serve(second) as b:
        yield Server(first, a), Server(second, b), tokens, sent
    first.close()
    second.close()


def _webhook() -> Any:
    from changegate.policy.schema import Webhook

    return Webhook(url="https://hooks.test/changegate")


def audit_kinds(services: Services) -> list[str]:
    services.writer.close()
    with services.store.read() as conn:
        return [r.kind for r in conn.execute(sa.select(audit.c.kind).order_by(audit.c.seq))]


def test_a_kill_switch_through_one_server_process_stops_the_other(servers: Any) -> None:
    first, second, tokens, sent = servers
    assert second.check(DEV_CREATE, tokens["claude"])["decision"] == "allow"
    agent = first.post("/v1/guardrails/freeze", {"reason": "nope"}, token=tokens["claude"])
    assert agent.status_code == 403  # an agent cannot use the switch
    viewer = first.post("/v1/guardrails/freeze", {"reason": "nope"}, user="victor")
    assert viewer.status_code == 403
    on = first.post("/v1/guardrails/freeze", {"reason": "incident 4711"})
    assert on.status_code == 201, on.text
    guard = second.services.checkpoint.guard
    assert isinstance(guard, StoreGuard)
    guard.forget()  # what FREEZE_CACHE_S (1 s) does on its own; bench/killswitch.py measures it
    denied = second.check(DEV_CREATE, tokens["claude"])
    assert denied["decision"] == "deny" and "incident 4711" in denied["reasons"][0]
    assert second.check(READ, tokens["claude"])["decision"] == "allow"

    refused = second.post("/v1/guardrails/freeze/lift", {}, token=tokens["claude"])
    assert refused.status_code == 403  # only a person lifts it
    lifted = second.post("/v1/guardrails/freeze/lift", {"comment": "resolved"}, user="bob")
    assert lifted.status_code == 200 and len(lifted.json()["lifted"]) == 1
    first.services.checkpoint.guard.forget()
    assert first.check(DEV_CREATE, tokens["claude"])["decision"] == "allow"
    kinds = audit_kinds(first.services)
    assert kinds.count("freeze.on") == 1 and kinds.count("freeze.lifted") == 1
    first.services.notifier.drain(5)
    second.services.notifier.drain(5)
    events = [json.loads(body)["event"] for body in sent]
    assert "freeze.on" in events and "freeze.lifted" in events


def test_the_incident_replayed_through_the_server_trips_the_breaker(servers: Any) -> None:
    first, second, tokens, sent = servers
    answers = [(first if n % 2 else second).check(dev_delete(n), tokens["claude"]) for n in range(1, 12)]
    tripped = next(i for i, a in enumerate(answers, 1) if a["decision"] != "allow")
    assert tripped < 10 and answers[tripped - 1]["reasons"][0].startswith("circuit open:")
    overview = first.client.get("/v1/guardrails", auth=("victor", PASSWORDS["victor"])).json()
    assert [b["agent"] for b in overview["breakers"]] == ["claude"]
    assert first.post("/v1/guardrails/breakers/claude/close", {}, user="victor").status_code == 403
    assert first.post("/v1/guardrails/breakers/claude/close", {"comment": "planned"}).status_code == 200
    second.services.checkpoint.guard.forget()
    assert second.check(dev_delete(99), tokens["claude"])["decision"] == "allow"
    first.services.notifier.drain(5)
    second.services.notifier.drain(5)
    assert "breaker.opened" in [json.loads(body)["event"] for body in sent]
    assert {"breaker.opened", "breaker.closed"} <= set(audit_kinds(first.services))


# --- break-glass ---------------------------------------------------------------------------------------

def test_break_glass_lets_one_request_through_once_and_a_second_person_reviews_it(servers: Any) -> None:
    first, second, tokens, sent = servers
    asked = first.check(PROD_CHANGE, tokens["claude"])
    assert asked["decision"] == "ask"
    request_id = asked["request"]["id"]
    assert first.post(f"/v1/requests/{request_id}/breakglass", {"reason": "x"},
                      token=tokens["claude"]).status_code == 403
    assert first.post(f"/v1/requests/{request_id}/breakglass", {"reason": ""}).status_code == 422
    opened = first.post(f"/v1/requests/{request_id}/breakglass", {"reason": "checkout is down; scale now"})
    assert opened.status_code == 201, opened.text
    glass = opened.json()
    assert first.client.get(f"/v1/requests/{request_id}", auth=("alice", PASSWORDS["alice"])).json()["status"] \
        == "cancelled"  # it cannot also be approved and used later

    through = second.check(PROD_CHANGE, tokens["claude"])
    assert through["decision"] == "allow" and "break-glass" in through["reasons"][0]
    assert second.check(PROD_CHANGE, tokens["claude"])["decision"] == "ask"  # once

    reviews = first.client.get("/v1/guardrails", auth=("victor", PASSWORDS["victor"])).json()["reviews"]
    assert [r["id"] for r in reviews] == [glass["id"]]
    path = f"/v1/guardrails/breakglass/{glass['id']}/review"
    assert first.post(path, {"comment": "fine"}, user="alice").status_code == 403  # not the same person
    assert first.post(path, {"comment": "checked the scale-up"}, user="bob").status_code == 200
    assert first.post(path, {"comment": "again"}, user="bob").status_code == 409
    assert first.client.get("/v1/guardrails", auth=("bob", PASSWORDS["bob"])).json()["reviews"] == []
    kinds = audit_kinds(first.services)
    assert {"breakglass.opened", "breakglass.used", "breakglass.reviewed"} <= set(kinds)
    first.services.notifier.drain(5)
    assert "breakglass.opened" in [json.loads(body)["event"] for body in sent]


def test_break_glass_from_the_command_line_in_local_mode() -> None:
    local_people()
    filed = cli("check", "--wait", "0", "--json", "--", "kubectl", "--context", "prod-eu", "delete", "ns", "shop")
    request_id = json.loads(filed.stdout)["request"]["id"]
    done = cli("breakglass", request_id, "-m", "restore now", "--as", "alice", "--password-stdin", "--json",
               stdin="alice-password\n")
    assert done.returncode == 0, done.stderr
    glass = json.loads(done.stdout)
    again = cli("check", "--wait", "0", "--json", "--", "kubectl", "--context", "prod-eu", "delete", "ns", "shop")
    assert json.loads(again.stdout)["decision"] == "allow"
    listed = json.loads(cli("breakglass", "list", "--json").stdout)
    assert [g["id"] for g in listed] == [glass["id"]]
    own = cli("breakglass", "review", glass["id"], "-m", "ok", "--as", "alice", "--password-stdin",
              stdin="alice-password\n")
    assert own.returncode == 1 and "second person" in own.stderr
    review = cli("breakglass", "review", glass["id"], "-m", "ok", "--as", "bob", "--password-stdin",
                 stdin="bob-password\n")
    assert review.returncode == 0, review.stderr
    assert json.loads(cli("breakglass", "list", "--json").stdout) == []


# --- task scopes ---------------------------------------------------------------------------------------

STAGING_DELETE = shell("kubectl --context staging-eu delete deployment old-web -n shop")
PROD_DELETE = shell("kubectl --context prod-eu delete deployment old-web -n shop")


def test_a_scope_an_agent_asks_for_answers_its_asks_once_a_person_grants_it() -> None:
    assert judge(STAGING_DELETE).verdict.decision == "ask"
    asked = cli("scope", "request", "--agent", "claude-code", "--resource", "staging=k8s:staging-*/**", "--op", "delete",
                "--for", "1h", "-m", "remove the old web deployments", "--json")
    assert asked.returncode == 0, asked.stderr
    scope = json.loads(asked.stdout)
    assert scope["status"] == "pending" and scope["needed"] == 1
    assert judge(STAGING_DELETE).verdict.decision == "ask"  # asked for is not granted

    local_people()
    granted = cli("scope", "grant", scope["id"], "--as", "alice", "--password-stdin", "--json", stdin="alice-password\n")
    assert granted.returncode == 0, granted.stderr
    assert json.loads(granted.stdout)["status"] == "active"
    inside = judge(STAGING_DELETE).verdict
    assert inside.decision == "allow" and "guardrail:scope" in inside.rules and scope["id"] in inside.reasons[0]
    # outside it the policy applies unchanged: another environment, another operation, another agent
    assert judge(PROD_DELETE).verdict.decision == "ask"
    assert judge({**STAGING_DELETE, "agent": "codex"}).verdict.decision == "ask"
    assert judge(shell("rm -rf /")).verdict.decision == "deny"  # never widens a deny
    from datetime import UTC, datetime, timedelta

    later = datetime.now(UTC) + timedelta(hours=2)
    assert judge(STAGING_DELETE, now=later).verdict.decision == "ask"  # it expired

    revoked = cli("scope", "revoke", scope["id"], "--as", "bob", "--password-stdin", stdin="bob-password\n")
    assert revoked.returncode == 0, revoked.stderr
    assert judge(STAGING_DELETE).verdict.decision == "ask"
    assert {"scope.requested", "scope.granted", "scope.revoked"} <= set(spooled_kinds())


@pytest.mark.parametrize(("args", "problem"), [
    (["--resource", "staging=**", "--op", "delete"], "not everything"),
    (["--resource", "staging=k8s:staging-*/**", "--op", "read"], "not operations: read"),
    (["--resource", "staging=k8s:staging-*/**", "--op", "delete", "--for", "3d"], "at most 8 h"),
])
def test_a_scope_is_bounded(args: list[str], problem: str) -> None:
    asked = cli("scope", "request", "--agent", "claude-code", "-m", "task", *args)
    assert asked.returncode == 1 and problem in asked.stderr


def test_a_prod_scope_needs_two_people_and_agents_only_ask(servers: Any) -> None:
    first, second, tokens, _sent = servers
    body = {"agent": "claude", "resources": {"prod": ["k8s:prod-eu/shop/**"]}, "operations": ["delete"],
            "duration": "2h", "reason": "retire old-web"}
    other = first.post("/v1/scopes", {**body, "agent": "someone-else"}, token=tokens["claude"])
    assert other.status_code == 403
    assert first.post("/v1/scopes/grant", body, token=tokens["claude"]).status_code == 403  # agents do not grant
    asked = first.post("/v1/scopes", body, token=tokens["claude"])
    assert asked.status_code == 201 and asked.json()["needed"] == 2 and asked.json()["status"] == "pending"
    scope_id = asked.json()["id"]
    assert first.post(f"/v1/scopes/{scope_id}/grant", {}, user="alice").json()["status"] == "pending"
    assert first.post(f"/v1/scopes/{scope_id}/grant", {}, user="alice").status_code == 409  # a second PERSON
    second.services.checkpoint.guard.forget()
    assert second.check(PROD_DELETE, tokens["claude"])["decision"] == "ask"
    assert first.post(f"/v1/scopes/{scope_id}/grant", {}, user="bob").json()["status"] == "active"
    second.services.checkpoint.guard.forget()
    inside = second.check(PROD_DELETE, tokens["claude"])
    assert inside["decision"] == "allow" and "guardrail:scope" in inside["rules"]
    assert second.check(shell("kubectl --context prod-eu delete namespace payments"), tokens["claude"])["decision"] \
        != "allow"
    listed = first.client.get("/v1/scopes", headers={"Authorization": f"Bearer {tokens['claude']}"}).json()
    assert [s["id"] for s in listed["scopes"]] == [scope_id]
    assert first.post(f"/v1/scopes/{scope_id}/revoke", {}, user="victor").status_code == 403
    assert first.post(f"/v1/scopes/{scope_id}/revoke", {}, user="alice").json()["status"] == "revoked"
    second.services.checkpoint.guard.forget()
    assert second.check(PROD_DELETE, tokens["claude"])["decision"] == "ask"
    assert {"scope.requested", "scope.granted", "scope.revoked"} <= set(audit_kinds(first.services))
