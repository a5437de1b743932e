"""The guardrails on the web pages: the kill switch button and banner, open breakers and break-glass reviews in
the inbox, the break-glass form on a request's page — with CSRF and roles as every other form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from changegate.server import Settings, create_app

PASSWORD = "correct horse battery"
CHANGE = {"type": "shell", "command": "kubectl --context dev-eu create namespace scratch"}
PROD = {"type": "shell", "command": "kubectl --context prod-eu scale deployment web --replicas=3 -n shop"}


@pytest.fixture
def site(tmp_path: Any) -> Iterator[tuple[Any, str]]:
    from argon2 import PasswordHasher

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("changegate.service.accounts._hasher",
                      lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'changegate.db'}"))
        accounts = app.state.services.accounts
        for name, role in (("alice", "approver"), ("bob", "approver"), ("vic", "viewer")):
            accounts.add_user(name, role, PASSWORD, "test")
        token = accounts.create_agent_token("claude", "alice", "test")[1]
        with TestClient(app, base_url="https://testserver"):
            yield app, token


def browser(app: Any, name: str) -> tuple[TestClient, str]:
    client = TestClient(app, base_url="https://testserver")
    form = client.get("/login")
    answer = client.post("/login", data={"name": name, "password": PASSWORD, "csrf": csrf_of(form.text)},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return client, csrf_of(client.get("/inbox").text)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def check(app: Any, token: str, action: dict[str, Any]) -> dict[str, Any]:
    client = TestClient(app, base_url="https://testserver")
    doc: dict[str, Any] = client.post("/v1/check", json={"action": action},
                                      headers={"Authorization": f"Bearer {token}"}).json()
    return doc


def fresh(app: Any) -> None:
    app.state.services.checkpoint.guard.forget()  # what the 1 s cache does by itself


def test_the_kill_switch_button_banner_and_lift(site: Any) -> None:
    app, token = site
    alice, csrf = browser(app, "alice")
    inbox = alice.get("/inbox").text
    assert "Freeze now" in inbox and "Kill switch on" not in inbox
    assert alice.post("/guardrails/freeze", data={"reason": "forged"}).status_code == 403  # no CSRF token
    frozen = alice.post("/guardrails/freeze", data={"csrf": csrf, "reason": "incident 4711", "agents": "*"})
    assert frozen.status_code == 200 and "The kill switch is on" in frozen.text
    assert "Kill switch on" in frozen.text and "incident 4711" in frozen.text and "Lift it" in frozen.text
    fresh(app)
    assert check(app, token, CHANGE)["decision"] == "deny"

    vic, vic_csrf = browser(app, "vic")
    seen = vic.get("/inbox").text
    assert "Kill switch on" in seen and "Lift it" not in seen and "Freeze now" not in seen
    assert vic.post("/guardrails/lift", data={"csrf": vic_csrf}).status_code == 403

    lifted = alice.post("/guardrails/lift", data={"csrf": csrf})
    assert "The kill switch is lifted" in lifted.text and "Kill switch on" not in lifted.text
    fresh(app)
    assert check(app, token, CHANGE)["decision"] == "allow"


def test_break_glass_on_the_request_page_and_its_review_in_the_inbox(site: Any) -> None:
    app, token = site
    request_id = check(app, token, PROD)["request"]["id"]
    alice, csrf = browser(app, "alice")
    page = alice.get(f"/requests/{request_id}").text
    assert "Break glass" in page
    broken = alice.post(f"/requests/{request_id}/breakglass", data={"csrf": csrf, "reason": "checkout is down"})
    assert broken.status_code == 200 and "Break-glass: the agent" in broken.text
    assert check(app, token, PROD)["decision"] == "allow"
    inbox = alice.get("/inbox").text
    assert "Break-glass to review" in inbox and "checkout is down" in inbox
    glass_id = re.search(r"/guardrails/breakglass/(bg_[0-9a-f]+)/review", inbox)
    assert glass_id
    own = alice.post(f"/guardrails/breakglass/{glass_id.group(1)}/review", data={"csrf": csrf, "comment": "ok"})
    assert own.status_code == 403 and "second person" in own.text
    bob, bob_csrf = browser(app, "bob")
    done = bob.post(f"/guardrails/breakglass/{glass_id.group(1)}/review", data={"csrf": bob_csrf, "comment": "ok"})
    assert done.status_code == 200 and "Break-glass to review" not in done.text


def test_an_open_breaker_shows_in_the_inbox_and_closes_from_it(site: Any) -> None:
    app, token = site
    answers = [check(app, token, {"type": "shell", "command": f"kubectl --context dev-eu delete deploy s{n} -n x"})
               for n in range(10)]
    assert answers[-1]["decision"] == "ask"
    alice, csrf = browser(app, "alice")
    inbox = alice.get("/inbox").text
    assert "Circuit breakers open" in inbox and "circuit open: 9 deletes" in inbox
    closed = alice.post("/guardrails/breakers/claude/close", data={"csrf": csrf})
    assert "The circuit breaker is closed" in closed.text and "Circuit breakers open" not in closed.text


def test_a_requested_scope_is_granted_and_revoked_from_the_inbox(site: Any) -> None:
    app, token = site
    client = TestClient(app, base_url="https://testserver")
    body = {"agent": "claude", "resources": {"staging": ["k8s:staging-*/**"]}, "operations": ["delete"],
            "duration": "1h", "reason": "retire old-web"}
    asked = client.post("/v1/scopes", json=body, headers={"Authorization": f"Bearer {token}"}).json()
    staging = {"type": "shell", "command": "kubectl --context staging-eu delete deployment old-web -n shop"}
    assert check(app, token, staging)["decision"] == "ask"
    alice, csrf = browser(app, "alice")
    inbox = alice.get("/inbox").text
    assert "Task scopes" in inbox and "retire old-web" in inbox and f"/scopes/{asked['id']}/grant" in inbox
    granted = alice.post(f"/scopes/{asked['id']}/grant", data={"csrf": csrf})
    assert granted.status_code == 200 and "Your grant is recorded" in granted.text
    fresh(app)
    assert check(app, token, staging)["decision"] == "allow"
    revoked = alice.post(f"/scopes/{asked['id']}/revoke", data={"csrf": csrf})
    assert "The task scope is revoked" in revoked.text
    fresh(app)
    assert check(app, token, staging)["decision"] == "ask"
