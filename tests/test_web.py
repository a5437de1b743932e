"""The approver's web pages in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium,
headless, never downloaded) against a server started here on a free port with a temporary store.

Set CHANGEGATE_SCREENSHOTS=docs/screenshots to (re)write the inbox and request screenshots there.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from changegate.client import Client

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
PASSWORD = "correct horse battery"
PEOPLE = {"dev": "approver", "alice": "approver", "vic": "viewer", "root": "admin"}
AGENT = "claude"
WAIT_MS = 8000

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium "
                                                                "(apt-get install chromium; .ci/run does)")


@dataclass
class Server:
    url: str
    token: str  # the agent's
    services: Any

    def agent(self) -> Client:
        return Client(self.url, self.token, timeout=10)

    def person(self, name: str) -> Client:
        return Client(self.url, "", timeout=10, basic=(name, PASSWORD))

    def ask(self, command: str, **extra: Any) -> dict[str, Any]:
        """The agent checks a command; returns the request it filed."""
        answer = self.agent().check({"type": "shell", "command": command, "cwd": "/home/dev/app",
                                     "env": {"HOME": "/home/dev"}, **extra})
        assert answer["decision"] == "ask", answer
        request: dict[str, Any] = answer["request"]
        return request


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cheap_hasher() -> Any:
    """Argon2 with small costs, so signing in many times stays fast (production keeps the defaults)."""
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("changegate.service.accounts._hasher", cheap_hasher)
        yield from _serve(tmp_path_factory)


def _serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    import uvicorn

    from changegate.server import Settings, create_app

    state = tmp_path_factory.mktemp("web-state")
    port = _free_port()
    app = create_app(Settings(database_url=f"sqlite:///{state / 'changegate.db'}", public_url=f"http://127.0.0.1:{port}"))
    services = app.state.services
    for name, role in PEOPLE.items():
        services.accounts.add_user(name, role, PASSWORD, "test")
    _id, token = services.accounts.create_agent_token(AGENT, "dev", "test")
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert uv.started, "the test server did not start"
    yield Server(f"http://127.0.0.1:{port}", token, services)
    uv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def signed_in(browser: Any, server: Server, name: str, **context: Any) -> Any:
    """A page of a new browser context, signed in as `name` through the sign-in form."""
    page = browser.new_context(**context).new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(server.url + "/inbox")
    assert "/login" in page.url  # not signed in yet: sent to the sign-in page
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/inbox")
    return page


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(3)}"


# --- the flows -----------------------------------------------------------------------------------------

def test_a_new_request_appears_live_and_two_approvers_complete_it(browser: Any, server: Server) -> None:
    from playwright.sync_api import expect

    operator = signed_in(browser, server, "dev")
    operator.evaluate("window.notReloaded = true")
    namespace = unique("payments")
    command = f"kubectl delete namespace {namespace} --context prod-eu"
    filed = server.ask(command, reason="the namespace is left over from the migration")
    assert filed["required"] == 2

    card = operator.locator(f'[data-request="{filed["id"]}"]')
    expect(card).to_be_visible()  # arrived by polling…
    assert operator.evaluate("window.notReloaded") is True  # …without the page reloading
    expect(card.locator(".env")).to_have_text("prod")
    expect(card.locator(".tally")).to_have_text("0 of 2")
    expect(card.locator("[data-expires]")).to_contain_text("left")

    card.get_by_role("link").click()
    operator.wait_for_url(f"**/requests/{filed['id']}")
    expect(operator.locator("#action-code")).to_have_text(command)  # verbatim
    expect(operator.locator("#agent-reason")).to_have_text("the namespace is left over from the migration")
    approve = operator.get_by_role("button", name=f"Approve: delete Namespace {namespace} on prod-eu")
    expect(approve).to_be_visible()
    expect(operator.locator("#vote-note")).to_contain_text("at least one other person must approve")

    stale = operator.context.new_page()  # the same operator, a second tab opened before approving
    stale.goto(operator.url)
    approve.click()
    expect(operator.locator("#tally")).to_have_text("1 of 2")
    expect(operator.get_by_role("button", name="Approve: delete Namespace")).to_have_count(0)
    expect(operator.locator("#why-not")).to_contain_text("from someone other than you")

    # the operator tries to be the only approver of a two-approval request, from the stale tab: refused
    with stale.expect_response(lambda r: r.request.method == "POST") as posted:
        stale.get_by_role("button", name=f"Approve: delete Namespace {namespace}").click()
    assert posted.value.status == 409
    expect(stale.get_by_role("alert")).to_contain_text("dev has already voted")
    expect(stale.locator("#tally")).to_have_text("1 of 2")

    second = signed_in(browser, server, "alice")
    second.goto(f"{server.url}/requests/{filed['id']}")
    second.get_by_role("button", name=f"Approve: delete Namespace {namespace} on prod-eu").click()
    expect(second.locator("#tally")).to_have_text("2 of 2")
    expect(second.locator("#status")).to_have_text("approved")
    expect(second.get_by_role("button", name="Approve: delete Namespace")).to_have_count(0)

    again = server.agent().check({"type": "shell", "command": command, "cwd": "/home/dev/app",
                                  "env": {"HOME": "/home/dev"}})
    assert again["decision"] == "allow"  # the approval is bound to exactly this action, and now used


def test_deny_with_a_comment_reaches_the_agent(browser: Any, server: Server) -> None:
    from playwright.sync_api import expect

    command = f"aws ec2 terminate-instances --instance-ids i-{secrets.token_hex(4)} --profile prod"
    filed = server.ask(command)
    page = signed_in(browser, server, "alice")
    page.goto(f"{server.url}/requests/{filed['id']}")
    page.get_by_label("Comment").fill("stop them first; terminated instances cannot come back")
    page.get_by_role("button", name="Deny: aws ec2 terminate-instances").click()
    expect(page.locator("#status")).to_have_text("denied")
    expect(page.locator(".votes")).to_contain_text("alice denied")
    expect(page.locator(".votes")).to_contain_text("stop them first")

    seen_by_agent = server.agent().request(filed["id"])  # what the waiting agent is told
    assert seen_by_agent["status"] == "denied"
    assert seen_by_agent["votes"][0]["comment"] == "stop them first; terminated instances cannot come back"


def test_the_audit_log_filters_and_shows_the_chain(browser: Any, server: Server) -> None:
    from playwright.sync_api import expect

    denied = server.ask(f"rm -rf /srv/{unique('data')}")
    server.person("alice").vote(denied["id"], "deny", "not this one")
    kept = server.ask(f"rm -rf /srv/{unique('cache')}")

    page = signed_in(browser, server, "vic")
    page.get_by_role("link", name="Audit").click()
    expect(page.locator("#chain")).to_contain_text("verified up to record")
    page.get_by_label("Decision").select_option("denied")
    page.get_by_label("Agent").fill(AGENT)
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("#audit-table tbody tr")
    expect(rows.filter(has_text=denied["id"])).to_have_count(1)
    expect(rows.filter(has_text=kept["id"])).to_have_count(0)
    for kind in rows.locator("td:nth-child(3)").all_inner_texts():
        assert kind == "request.denied"

    page.get_by_label("Environment").select_option("dev")  # the denied request was in unknown, not dev
    page.get_by_role("button", name="Filter").click()
    expect(rows.filter(has_text=denied["id"])).to_have_count(0)


def test_the_simulator_decides_without_creating_anything(browser: Any, server: Server) -> None:
    from playwright.sync_api import expect

    before = len(server.person("root").list_requests(limit=500))
    page = signed_in(browser, server, "vic")
    page.get_by_role("link", name="Policy").click()
    page.get_by_label("Command, statement, plan or action").fill("kubectl delete namespace payments --context prod-eu")
    page.get_by_role("button", name="Simulate").click()
    verdict = page.locator("#verdict")
    expect(verdict.locator(".decision").first).to_have_text("ask")
    expect(verdict).to_contain_text("2 approvals")
    expect(verdict).to_contain_text("two-approvals-whole-environment")

    page.get_by_label("Command, statement, plan or action").fill("rm -rf /")
    page.get_by_role("button", name="Simulate").click()
    expect(verdict.locator(".decision").first).to_have_text("deny")
    expect(verdict).to_contain_text("deny-root-home-system")
    assert len(server.person("root").list_requests(limit=500)) == before


def test_a_phone_and_a_keyboard_are_enough(browser: Any, server: Server) -> None:
    from playwright.sync_api import expect

    filed = server.ask(f"kubectl delete namespace {unique('orders')} --context prod-eu")
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(server.url + "/login")
    page.get_by_label("Name").focus()  # keyboard only from here
    page.keyboard.type("alice")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/inbox")
    page.goto(f"{server.url}/requests/{filed['id']}")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the request page is {overflow}px wider than a phone screen"
    page.get_by_label("Comment").focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.startswith("Approve: delete Namespace orders-")
    page.keyboard.press("Enter")
    expect(page.locator("#tally")).to_have_text("1 of 2")


def test_screenshots_of_the_inbox_and_a_request(browser: Any, server: Server, tmp_path: Path) -> None:
    target = Path(os.environ.get("CHANGEGATE_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    filed = server.ask("kubectl delete namespace payments --context prod-eu",
                       reason="payments moved to the new cluster last week; this one is empty")
    server.ask("aws s3 rm s3://prod-assets/reports --recursive --profile prod")
    page = signed_in(browser, server, "alice", viewport={"width": 1100, "height": 900}, color_scheme="dark")
    page.wait_for_selector(f'[data-request="{filed["id"]}"]')
    page.screenshot(path=str(target / "inbox.png"), full_page=False)
    page.goto(f"{server.url}/requests/{filed['id']}")
    page.screenshot(path=str(target / "request.png"), full_page=True)
    for name in ("inbox.png", "request.png"):
        assert (target / name).stat().st_size > 20_000, f"{name} looks empty"
