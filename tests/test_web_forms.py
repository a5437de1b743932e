"""The web pages' guards without a browser (TestClient): CSRF tokens, roles, session expiry and sign-out,
sign-in throttling, cookie flags, and the page helpers that put an action into words."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from changegate.server import Settings, create_app, views
from changegate.server.sessions import SESSION_COOKIE, Sessions
from changegate.service.approvals import Request, Vote
from changegate.service.identity import Identity

PASSWORD = "correct horse battery"
COMMAND = "kubectl delete namespace payments --context prod-eu"


@dataclass
class Site:
    app: Any
    clock: list[float]  # the sessions' clock: move it to expire sessions
    token: str

    def client(self) -> TestClient:
        """A browser of its own. Not entered as a context manager: that would run the app's shutdown (and
        close the shared services) when it ends."""
        return TestClient(self.app, base_url="https://testserver")

    def ask(self, client: TestClient, command: str = COMMAND) -> str:
        answer = client.post("/v1/check", json={"action": {"type": "shell", "command": command}},
                             headers={"Authorization": f"Bearer {self.token}"}).json()
        assert answer["decision"] == "ask", answer
        return str(answer["request"]["id"])

    def votes(self, request_id: str) -> int:
        return len(self.app.state.services.approvals.get(request_id).votes)


def cheap_hasher() -> Any:
    """Argon2 with small costs: the tests sign in dozens of times (production keeps the library's defaults)."""
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="module")
def server_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("changegate.service.accounts._hasher", cheap_hasher)
        state = tmp_path_factory.mktemp("web-forms")
        app = create_app(Settings(database_url=f"sqlite:///{state / 'changegate.db'}"))
        services = app.state.services
        for name, role in (("alice", "approver"), ("vic", "viewer"), ("root", "admin"), ("dev", "approver"),
                           ("pat", "approver"), ("tim", "approver")):
            services.accounts.add_user(name, role, PASSWORD, "test")
        with TestClient(app, base_url="https://testserver"):
            yield app


@pytest.fixture
def site(server_app: Any) -> Site:
    """The shared server with fresh sessions (their own clock) and a fresh sign-in throttle, and a new agent
    token so each test's requests are its own."""
    from changegate.server.sessions import LoginThrottle

    clock = [1_800_000_000.0]
    server_app.state.sessions = Sessions(b"a test key that is long enough", clock=lambda: clock[0])
    server_app.state.login_throttle = LoginThrottle()
    _id, token = server_app.state.services.accounts.create_agent_token(f"claude-{next(AGENTS)}", "dev", "test")
    return Site(server_app, clock, token)


AGENTS = itertools.count(1)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, name: str) -> str:
    """Sign in through the form; returns a CSRF token of the new session."""
    form = client.get("/login")
    answer = client.post("/login", data={"name": name, "password": PASSWORD, "csrf": csrf_of(form.text)},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get("/inbox").text)


# --- CSRF ----------------------------------------------------------------------------------------------

def test_a_vote_without_a_csrf_token_is_refused_and_not_counted(site: Site) -> None:
    client = site.client()
    request_id = site.ask(client)
    sign_in(client, "alice")
    answer = client.post(f"/requests/{request_id}/approve", data={"comment": "looks fine"})
    assert answer.status_code == 403
    assert "without its security token (CSRF)" in answer.text
    assert site.votes(request_id) == 0


def test_a_csrf_token_from_another_session_is_refused(site: Site) -> None:
    mallory = site.client()
    alice = site.client()
    request_id = site.ask(alice)
    foreign = sign_in(mallory, "dev")
    sign_in(alice, "alice")
    answer = alice.post(f"/requests/{request_id}/approve", data={"csrf": foreign})
    assert answer.status_code == 403
    assert "does not belong to your session" in answer.text
    assert site.votes(request_id) == 0


def test_a_form_posted_from_another_site_is_refused(site: Site) -> None:
    client = site.client()
    request_id = site.ask(client)
    csrf = sign_in(client, "alice")
    answer = client.post(f"/requests/{request_id}/approve", data={"csrf": csrf},
                         headers={"Origin": "https://evil.example"})
    assert answer.status_code == 403
    assert "from another site" in answer.text
    assert site.votes(request_id) == 0


def test_the_sign_in_form_needs_its_token(site: Site) -> None:
    client = site.client()
    answer = client.post("/login", data={"name": "alice", "password": PASSWORD}, follow_redirects=False)
    assert answer.status_code == 403
    assert "security token" in answer.text
    assert SESSION_COOKIE not in answer.cookies


# --- roles ---------------------------------------------------------------------------------------------

def test_a_viewer_cannot_approve(site: Site) -> None:
    client = site.client()
    request_id = site.ask(client)
    csrf = sign_in(client, "vic")
    page = client.get(f"/requests/{request_id}")
    assert "Approve:" not in page.text  # no button…
    assert "you can read requests, but approving and denying need the approver or admin role" in page.text
    answer = client.post(f"/requests/{request_id}/approve", data={"csrf": csrf})  # …and no back door
    assert answer.status_code == 403
    assert "needs the approver role; you (vic) have the viewer role" in answer.text
    assert site.votes(request_id) == 0


def test_only_admins_see_admin_and_a_new_token_is_shown_once(site: Site) -> None:
    client = site.client()
    sign_in(client, "alice")
    assert client.get("/admin").status_code == 403
    client = site.client()
    csrf = sign_in(client, "root")
    created = client.post("/admin/tokens", data={"csrf": csrf, "agent": "cursor", "operator": "dev"})
    assert created.status_code == 200
    secret = re.search(r'<code class="token"[^>]*>(cg_[^<]+)</code>', created.text)
    assert secret, "the new token is not on the page"
    assert created.headers["cache-control"] == "no-store"
    assert secret.group(1) not in client.get("/admin").text  # never again
    check = client.post("/v1/check", json={"action": {"type": "shell", "command": "ls"}},
                        headers={"Authorization": f"Bearer {secret.group(1)}"})
    assert check.json()["decision"] == "allow"


def test_an_admin_cannot_demote_or_remove_themselves(site: Site) -> None:
    client = site.client()
    csrf = sign_in(client, "root")
    answer = client.post("/admin/users/root/role", data={"csrf": csrf, "role": "viewer"})
    assert answer.status_code == 422
    assert "cannot take the admin role from yourself" in answer.text
    assert client.post("/admin/users/root/remove", data={"csrf": csrf}).status_code == 422
    assert site.app.state.services.accounts.user("root").role == "admin"


# --- sessions ------------------------------------------------------------------------------------------

def test_an_idle_session_expires_with_a_clear_message(site: Site) -> None:
    client = site.client()
    request_id = site.ask(client)
    csrf = sign_in(client, "alice")
    site.clock[0] += 31 * 60  # longer than the idle limit
    page = client.get("/inbox", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login?next=%2Finbox&why=idle")
    assert "expired after 30 minutes without activity" in client.get(page.headers["location"]).text
    vote = client.post(f"/requests/{request_id}/approve", data={"csrf": csrf})
    assert vote.status_code == 401
    assert "Your session expired" in vote.text
    assert site.votes(request_id) == 0


def test_activity_keeps_a_session_but_not_for_ever(site: Site) -> None:
    client = site.client()
    sign_in(client, "alice")
    for _ in range(30):  # a page every 25 minutes for 12.5 hours
        site.clock[0] += 25 * 60
        if client.get("/inbox", follow_redirects=False).status_code != 200:
            break
    final = client.get("/inbox", follow_redirects=False)
    assert final.status_code == 303
    assert "why=max_age" in final.headers["location"]


def test_polling_does_not_keep_a_session_alive(site: Site) -> None:
    client = site.client()
    sign_in(client, "alice")
    for _ in range(3):  # polls for 30 minutes, within the idle limit…
        site.clock[0] += 10 * 60
        assert client.get("/inbox/live", headers={"X-Changegate-Poll": "1"}).status_code in (200, 304)
    site.clock[0] += 10 * 60  # …but they did not slide it
    answer = client.get("/inbox/live", headers={"X-Changegate-Poll": "1"})
    assert answer.status_code == 401
    assert "expired" in answer.text


def test_signing_out_ends_the_session_even_for_a_copied_cookie(site: Site) -> None:
    client = site.client()
    csrf = sign_in(client, "alice")
    copied = client.cookies.get(SESSION_COOKIE)
    assert client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    thief = site.client()
    answer = thief.get("/inbox", follow_redirects=False, headers={"Cookie": f"{SESSION_COOKIE}={copied}"})
    assert answer.status_code == 303
    assert "why=ended" in answer.headers["location"]


def test_a_changed_password_or_a_tampered_cookie_ends_the_session(site: Site) -> None:
    client = site.client()
    sign_in(client, "pat")
    cookie = client.cookies.get(SESSION_COOKIE) or ""
    payload, mac = cookie.split(".")
    other = site.client()
    tampered = other.get("/inbox", follow_redirects=False, headers={"Cookie": f"{SESSION_COOKIE}={payload[:-2]}xx.{mac}"})
    assert "why=invalid" in tampered.headers["location"]
    assert client.get("/inbox", follow_redirects=False).status_code == 200
    site.app.state.services.accounts.set_password("pat", "another long password", "test")
    assert "why=password" in client.get("/inbox", follow_redirects=False).headers["location"]


def test_the_session_cookie_is_secure_httponly_and_samesite(site: Site) -> None:
    client = site.client()
    form = client.get("/login")
    answer = client.post("/login", data={"name": "alice", "password": PASSWORD, "csrf": csrf_of(form.text)},
                         follow_redirects=False)
    cookie = next(v for k, v in answer.headers.multi_items() if k == "set-cookie" and SESSION_COOKIE in v)
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    page = client.get("/inbox")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"


def test_wrong_passwords_are_slowed_down(site: Site) -> None:
    client = site.client()
    for _ in range(5):
        form = client.get("/login")
        wrong = client.post("/login", data={"name": "tim", "password": "not it at all", "csrf": csrf_of(form.text)})
        assert wrong.status_code == 401
        assert "Wrong name or password" in wrong.text
    form = client.get("/login")
    blocked = client.post("/login", data={"name": "tim", "password": PASSWORD, "csrf": csrf_of(form.text)})
    assert blocked.status_code == 429
    assert "Too many failed sign-ins for tim" in blocked.text


def test_sign_in_only_returns_to_this_site(site: Site) -> None:
    client = site.client()
    form = client.get("/login?next=//evil.example/x")
    answer = client.post("/login", data={"name": "alice", "password": PASSWORD, "csrf": csrf_of(form.text),
                                         "next": "//evil.example/x"}, follow_redirects=False)
    assert answer.headers["location"] == "/inbox"


# --- the simulator creates nothing ---------------------------------------------------------------------

def test_the_simulator_records_and_files_nothing(site: Site) -> None:
    services = site.app.state.services
    client = site.client()
    csrf = sign_in(client, "vic")
    before = services.audit.records(limit=10_000)
    everyone = Identity("user", "root", "admin")
    requests_before = [r.id for r in services.list_requests(everyone, None, 500)]
    answer = client.post("/policy/simulate", data={"csrf": csrf, "kind": "shell", "text": COMMAND})
    assert answer.status_code == 200
    assert "two-approvals-whole-environment" in answer.text
    assert services.audit.records(limit=10_000) == before
    assert [r.id for r in services.list_requests(everyone, None, 500)] == requests_before
    bad = client.post("/policy/simulate", data={"csrf": csrf, "kind": "terraform_plan", "text": "{not json"})
    assert bad.status_code == 422
    assert "the plan is not JSON" in bad.text


# --- putting actions into words ------------------------------------------------------------------------

def request(**fields: Any) -> Request:
    base: dict[str, Any] = {
        "id": "req_1", "action_hash": "h1", "action": {"type": "shell", "command": COMMAND},
        "verdict": {"effects": [{"operation": "delete", "resource": "k8s:prod-eu/namespace/payments",
                                 "environment": "prod", "scope": "one", "reversible": "no", "data_loss": True,
                                 "whole_environment": True}], "rules": ["two-approvals-whole-environment"]},
        "summary": "deletes Namespace payments on prod-eu: everything in it goes too", "risk": "critical",
        "agent": "claude", "operator": "dev", "reason": "", "required": 2, "status": "pending",
        "created_at": 1000.0, "expires_at": 5000.0}
    base.update(fields)
    return Request(**base)


def test_buttons_say_what_they_do() -> None:
    assert views.button_phrase("deletes Namespace payments on prod-eu: everything goes") == \
        "delete Namespace payments on prod-eu"
    assert views.button_phrase("aws cloudformation delete-stack payments-prod") == \
        "aws cloudformation delete-stack payments-prod"
    assert len(views.button_phrase("deletes " + "x" * 500)) <= views.MAX_BUTTON_PHRASE


def test_vote_options_follow_role_status_and_votes() -> None:
    alice = Identity("user", "alice", "approver")
    open_request = request()
    options = views.vote_options(alice, open_request, now=2000)
    assert options.allowed and options.approve_label == "Approve: delete Namespace payments on prod-eu"
    assert not views.vote_options(Identity("user", "vic", "viewer"), open_request, 2000).allowed
    assert "expired" in views.vote_options(alice, open_request, now=6000).why_not
    voted = request(votes=(Vote("alice", "approve", "", 1500.0),))
    assert "1 more approval, from someone other than you" in views.vote_options(alice, voted, 2000).why_not
    operator = views.vote_options(Identity("user", "dev", "approver"), open_request, 2000)
    assert operator.allowed and "at least one other person must approve" in operator.note
    both = (Vote("alice", "approve", "", 1500.0), Vote("bob", "approve", "", 1600.0))
    done = views.vote_options(Identity("user", "carol", "approver"),
                              request(status="approved", decided_by="user:bob", votes=both), 2000).why_not
    assert done.startswith("Approved by alice and bob. The agent's next try of exactly this action runs it")
    assert "the approval works once" in done
    denied = request(status="denied", decided_by="user:bob", votes=(Vote("bob", "deny", "no", 1500.0),))
    assert views.vote_options(alice, denied, 2000).why_not.startswith("Denied by bob. The agent is told")
    assert "0 of 2 approvals and is denied" not in views.vote_options(alice, denied, 2000).why_not


def test_blast_radius_names_size_place_and_undo() -> None:
    blast = views.blast_radius(request().verdict)
    assert blast.severe
    assert blast.headline == "deletes k8s:prod-eu/namespace/payments, in prod"
    assert "a whole environment: k8s:prod-eu/namespace/payments" in blast.lines
    assert blast.undo == "cannot be undone; data would be lost"
    plan = {"effects": [{"operation": "replace", "resource": f"tf:aws_instance.web[{i}]", "environment": "staging",
                         "count": 1, "total": 10, "reversible": "unknown"} for i in range(3)]}
    assert views.blast_radius(plan).headline == "replaces 3 of 10 resources, in staging"
    assert views.blast_radius(plan).undo == "it may not be possible to undo"
    assert views.blast_radius({"effects": [{"operation": "read", "resource": "fs:/x"}]}).headline.startswith("reads only")


def verdict_of(action: dict[str, Any]) -> dict[str, Any]:
    from changegate.answer import Answer
    from changegate.gate import evaluate

    return Answer.of(evaluate(action)).contract()


def small_plan() -> dict[str, Any]:
    """One replace and one update, of nine resources in the state."""
    changes = [{"address": "aws_db_instance.main", "type": "aws_db_instance", "change": {"actions": ["delete", "create"]}},
               {"address": "aws_instance.web", "type": "aws_instance", "change": {"actions": ["update"]}}]
    changes += [{"address": f"aws_iam_role.r{i}", "type": "aws_iam_role", "change": {"actions": ["no-op"]}}
                for i in range(7)]
    return {"format_version": "1.2", "resource_changes": changes, "variables": {"env": {"value": "production"}}}


def test_a_plan_says_the_same_numbers_everywhere_and_names_each_effect() -> None:
    verdict = verdict_of({"type": "terraform_plan", "plan": small_plan(), "cwd": "/home/dev/infra"})
    summary = str(verdict["summary"])
    assert summary.startswith("replaces 1 of 9 resources, updates 1 in prod")
    blast = views.blast_radius(verdict)
    assert blast.headline == "replaces 1 of 9 resources, updates 1, in prod"  # the summary's numbers
    assert views.button_phrase(summary) == "replace 1 of 9 resources, update 1 in prod"
    words = sorted(views.effect_words(e) for e in views.effects_of(verdict) if e["operation"] != "read")
    assert words == ["replace aws_db_instance.main", "update aws_instance.web"]  # each its own, not the summary


def test_terraform_destroy_says_everything_in_its_blast_radius() -> None:
    verdict = verdict_of({"type": "shell", "command": "terraform destroy -auto-approve", "cwd": "/home/dev/infra",
                          "env": {"TF_WORKSPACE": "prod"}})
    blast = views.blast_radius(verdict)
    assert blast.headline == "deletes everything in tf:prod/*, in prod"
    assert "1 change" not in blast.headline


def test_plan_view_groups_by_type_destroying_first_and_marks_data() -> None:
    view = views.plan_view({"type": "terraform_plan", "plan": small_plan()})
    assert view is not None
    assert [(g.resource_type, [(c.action, c.address, c.holds_data) for c in g.changes]) for g in view.groups] == [
        ("aws_db_instance", [("replace", "aws_db_instance.main", True)]),
        ("aws_instance", [("update", "aws_instance.web", False)])]
    assert view.unchanged == 7 and view.counts == {"replace": 1, "update": 1}
    assert views.plan_view({"type": "terraform_plan", "path": "plan.json"}) is None  # nothing inline to show


def test_why_says_each_rule_once_without_the_summary() -> None:
    verdict = verdict_of({"type": "shell", "command": COMMAND})
    why = views.why_lines(verdict)
    assert why and all(" — " not in w.reason and "(rule" not in w.reason for w in why)
    assert any("two-approvals-whole-environment" in w.rules for w in why)


def test_similar_requests_are_grouped_by_their_reason() -> None:
    current = request()
    others = [request(id=f"req_{i}", action_hash=f"h{i}", created_at=float(i), verdict={"effects": [
        {"operation": "delete", "resource": f"k8s:prod-eu/namespace/n{i}", "environment": "prod"}], "rules": []})
        for i in range(2, 10)]
    groups = views.grouped_similar(views.similar_requests(current, others))
    assert [(g.why, len(g.items)) for g in groups] == [("also a delete in prod", 8)]


def test_audit_words_do_not_repeat_the_decision_or_the_kind() -> None:
    assert views.audit_words("decision", {"decision": "ask", "summary": "deletes x"}) == "deletes x"
    assert views.audit_words("request.approved", {"request": "req_1"}, "deletes x") == "deletes x"
    assert views.audit_words("request.vote", {"request": "req_1", "vote": "deny", "comment": "no"}, "deletes x") == \
        "denied: deletes x — “no”"


def test_similar_requests_rank_the_same_action_first() -> None:
    current = request()
    same = request(id="req_2", created_at=10.0)
    same_target = request(id="req_3", action_hash="h3", created_at=20.0)
    other_agent = request(id="req_4", agent="cursor")
    unrelated = request(id="req_5", action_hash="h5", verdict={"effects": [
        {"operation": "create", "resource": "fs:/tmp/x", "environment": "local"}], "rules": []})
    found = views.similar_requests(current, [current, same_target, unrelated, other_agent, same])
    assert [(s.request.id, s.why) for s in found] == [
        ("req_2", "the same action"), ("req_3", "the same target: k8s:prod-eu/namespace/payments")]


def test_the_command_is_shown_verbatim_and_escaped() -> None:
    command = "echo '<script>alert(1)</script>' && rm -rf --no-preserve-root /tmp/x"
    view = views.action_view({"type": "shell", "command": command, "cwd": "/home/dev/app"})
    html = str(view.blocks[0].html)
    assert "<script>" not in html
    assert re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'") \
        .replace("&amp;", "&") == command
    assert '<span class="hl-nf">echo</span>' in html and '<span class="hl-na">--no-preserve-root</span>' in html
    assert ("cwd", "/home/dev/app") in view.facts


def test_an_audit_filter_with_a_bad_time_says_which_field() -> None:
    with pytest.raises(ValueError, match="from must be a date and time"):
        views.parse_audit_filter({"since": "yesterday"})
    with pytest.raises(ValueError, match="decision must be one of"):
        views.parse_audit_filter({"decision": "maybe"})
    flt = views.parse_audit_filter({"since": "2026-01-31T12:00", "decision": "denied"})
    assert flt.since == 1769860800.0
    assert "decision=denied" in flt.query(before=5) and "before=5" in flt.query(before=5)


# --- issue 16: confirmations, the inbox card, the notices ------------------------------------------------

def test_removing_a_person_or_revoking_a_token_asks_first(site: Site) -> None:
    accounts = site.app.state.services.accounts
    accounts.add_user("gone", "approver", PASSWORD, "test")
    token_id, _secret = accounts.create_agent_token("gone-agent", "gone", "test")
    client = site.client()
    csrf = sign_in(client, "root")
    assert client.post("/admin/users/gone/remove", data={"confirm": "yes"}).status_code == 403  # no CSRF token
    assert accounts.user("gone") is not None
    asked = client.post("/admin/users/gone/remove", data={"csrf": csrf})
    assert asked.status_code == 200
    assert "Remove gone?" in asked.text and "including those of the agents they operate: gone-agent" in asked.text
    assert accounts.user("gone") is not None  # nothing happened yet
    revoke = client.post(f"/admin/tokens/{token_id}/revoke", data={"csrf": csrf})
    assert f"Revoke token {token_id}?" in revoke.text and "agent gone-agent (operator gone)" in revoke.text
    assert any(t["id"] == token_id for t in accounts.list_tokens())
    done = client.post("/admin/users/gone/remove", data={"csrf": csrf, "confirm": "yes"}, follow_redirects=False)
    assert done.status_code == 303
    assert accounts.user("gone") is None
    assert all(t["id"] != token_id for t in accounts.list_tokens())


def test_a_new_agent_token_has_no_operator_until_one_is_chosen(site: Site) -> None:
    client = site.client()
    csrf = sign_in(client, "root")
    page = client.get("/admin").text
    select = page[page.index('id="t-operator"'):]
    select = select[:select.index("</select>")]
    assert '<option value="" selected disabled>' in select
    assert 'value="root" selected' not in select
    refused = client.post("/admin/tokens", data={"csrf": csrf, "agent": "no-operator", "operator": ""})
    assert refused.status_code == 422
    assert "choose the operator" in refused.text


def test_an_inbox_card_carries_the_decision(site: Site) -> None:
    client = site.client()
    answer = client.post("/v1/check", json={"action": {"type": "shell", "command": COMMAND,
                                                       "reason": "left over from the migration"}},
                         headers={"Authorization": f"Bearer {site.token}"}).json()
    request_id = answer["request"]["id"]
    sign_in(client, "alice")
    page = client.get("/inbox").text
    card = page[page.index(f'data-request="{request_id}"'):]
    card = card[:card.index("</li>")]
    assert COMMAND in card  # the command
    assert "left over from the migration" in card  # the agent's reason
    assert "deletes k8s:prod-eu/namespace/payments, in prod" in card  # the blast radius
    assert re.search(r"\d+ (h|min)( \d+ min)? left<", card) and "left left" not in page
    assert "time left" not in card


def test_after_votes_the_page_says_who_and_what_happens_next(site: Site) -> None:
    client = site.client()
    request_id = site.ask(client)
    csrf = sign_in(client, "alice")
    first = client.post(f"/requests/{request_id}/approve", data={"csrf": csrf})
    assert "You approved this request." in first.text and "1 more approval" in first.text
    site.app.state.services.accounts.add_user("carol", "approver", PASSWORD, "test")
    other = site.client()
    csrf = sign_in(other, "carol")
    second = other.post(f"/requests/{request_id}/approve", data={"csrf": csrf})
    assert "Approved by alice and carol. The agent&#39;s next try of exactly this action runs it" in second.text
    assert "approvals and is" not in second.text


def test_the_audit_what_column_says_it_once(site: Site) -> None:
    client = site.client()
    request_id = site.ask(client)
    sign_in(client, "vic")
    page = client.get("/audit").text
    assert "ask ask" not in page and f"request {request_id} approved" not in page
    assert re.search(r'decision-ask">ask</span> <a href="/requests/' + request_id + r'">deletes Namespace payments', page)


# --- notifications that carry the decision ---------------------------------------------------------------

def test_slack_and_teams_messages_carry_the_decision_and_only_a_link() -> None:
    from changegate.service import messages

    filed = request(reason="left over from the migration\nundo: kept before it runs: kubectl get -o yaml")
    slack = messages.slack_message("request.created", filed, "https://gate.example")
    text = json.dumps(slack)
    assert "claude asks to: deletes Namespace payments on prod-eu" in slack["text"]
    assert COMMAND in text and "deletes k8s:prod-eu/namespace/payments, in prod" in text
    assert "left over from the migration" in text and "undo: kept before it runs" in text
    buttons = [e for b in slack["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["url"] for b in buttons] == ["https://gate.example/requests/req_1"]  # opens the page: no approve URL
    assert "/approve" not in text
    teams = messages.teams_message("request.created", filed, "https://gate.example")
    card = teams["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["actions"] == [{"type": "Action.OpenUrl", "title": "Open the request",
                                           "url": "https://gate.example/requests/req_1"}]
    facts = {f["title"]: f["value"] for f in card["content"]["body"][2]["facts"]}
    assert facts["Blast radius"] == "deletes k8s:prod-eu/namespace/payments, in prod"
    assert facts["Reason"] == "left over from the migration"
    assert "/approve" not in json.dumps(teams)


def test_a_long_plan_shows_what_it_destroys_first_even_when_cut() -> None:
    changes = [{"address": f"aws_instance.w{i}", "type": "aws_instance", "change": {"actions": ["update"]}}
               for i in range(views.MAX_PLAN_ROWS + 50)]
    changes.append({"address": "aws_s3_bucket.logs", "type": "aws_s3_bucket", "change": {"actions": ["delete"]}})
    view = views.plan_view({"type": "terraform_plan", "plan": {"resource_changes": changes}})
    assert view is not None
    assert view.groups[0].resource_type == "aws_s3_bucket" and view.groups[0].changes[0].action == "delete"
    assert sum(len(g.changes) for g in view.groups) == views.MAX_PLAN_ROWS
    assert view.not_shown == 51 and view.counts == {"update": views.MAX_PLAN_ROWS + 50, "delete": 1}
    assert views.action_line({"type": "k8s_manifest", "manifest": "kind: Namespace\n" * 100_000}).endswith("…")


@pytest.mark.parametrize("action", [
    {"type": "shell", "command": "frobnicate --all /srv/data"},  # not understood
    {"type": "sql", "statement": "DROP TABLE users", "database": "postgresql://db.prod.internal/app"},
    {"type": "terraform_plan", "path": "plans/missing.json"},  # a plan the server cannot read
    {"type": "k8s_manifest", "manifest": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: payments\n",
     "context": {"kube_context": "prod-eu"}},
    {"type": "mcp_tool", "server": "github", "tool": "delete_repository", "arguments": {"repo": "acme/api"}},
    {"type": "http", "method": "DELETE", "url": "https://api.prod.example.com/v1/users/7"},
    {"type": "file_write", "path": "/srv/app/config.yaml", "content": "replicas: 0\n"},
], ids=lambda a: str(a["type"]))
def test_every_kind_of_request_page_holds_a_decision(site: Site, action: dict[str, Any]) -> None:
    client = site.client()
    answer = client.post("/v1/check", json={"action": {**action, "reason": "testing the page"}},
                         headers={"Authorization": f"Bearer {site.token}"}).json()
    if answer["decision"] != "ask":
        pytest.skip(f"the default policy answers {answer['decision']} to this {action['type']}")
    sign_in(client, "alice")
    page = client.get(f"/requests/{answer['request']['id']}")
    assert page.status_code == 200
    for part in ('id="summary"', 'id="where"', 'id="blast"', 'id="undo"', 'id="who"', "testing the page",
                 'class="approve"', 'class="deny"'):
        assert part in page.text, part
    first_screen = page.text[:page.text.index('id="h-effects"')]
    assert 'id="action-code"' in first_screen or 'id="action-line"' in first_screen
