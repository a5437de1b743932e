"""The approver's web pages in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium,
headless, never downloaded) against a server started here on a free port with a temporary store.

`examples/screenshots.py` rewrites docs/screenshots from the same requests these tests look at.
"""

from __future__ import annotations

import functools
import re
import secrets
import sys
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
    with screenshots_script().serving(tmp_path_factory.mktemp("web-state"), PEOPLE) as served:
        yield Server(served.url, served.token, served.services)


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
    expect(operator.locator("#vote-note")).to_contain_text("under peer review: your approval does not count")

    stale = operator.context.new_page()  # the same operator, a second tab opened before approving
    stale.goto(operator.url)
    approve.click()
    expect(operator.locator("#tally")).to_have_text("0 of 2")  # prod is under peer review: it does not count
    expect(operator.get_by_role("button", name="Approve: delete Namespace")).to_have_count(0)
    expect(operator.locator("#why-not")).to_contain_text("It needs 2 more approvals, from someone other than you")

    # the operator tries to vote again from the stale tab: refused
    with stale.expect_response(lambda r: r.request.method == "POST") as posted:
        stale.get_by_role("button", name=f"Approve: delete Namespace {namespace}").click()
    assert posted.value.status == 409
    expect(stale.get_by_role("alert")).to_contain_text("dev has already voted")
    expect(stale.locator("#tally")).to_have_text("0 of 2")

    for number, name in enumerate(("alice", "root"), 1):
        other = signed_in(browser, server, name)
        other.goto(f"{server.url}/requests/{filed['id']}")
        other.get_by_role("button", name=f"Approve: delete Namespace {namespace} on prod-eu").click()
        expect(other.locator("#tally")).to_have_text(f"{number} of 2")
    expect(other.locator("#status")).to_have_text("approved")
    expect(other.get_by_role("button", name="Approve: delete Namespace")).to_have_count(0)
    expect(other.locator("#why-not")).to_have_text(
        "Approved by dev, alice and root. The agent's next try of exactly this action runs it; the approval works "
        "once, and any other action asks again.")

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
    def about(request: dict[str, Any]) -> Any:
        return rows.filter(has=page.locator(f'a[href="/requests/{request["id"]}"]'))

    expect(about(denied)).to_have_count(1)
    expect(about(kept)).to_have_count(0)
    for kind in rows.locator("td:nth-child(3)").all_inner_texts():
        assert kind == "request.denied"

    page.get_by_label("Environment").select_option("dev")  # the denied request was in unknown, not dev
    page.get_by_role("button", name="Filter").click()
    expect(about(denied)).to_have_count(0)


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


def test_the_screenshot_script_writes_every_screenshot(browser: Any, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """examples/screenshots.py (which rewrites docs/screenshots) runs, and every Approve button it sees is on
    the first screen."""
    with pytest.MonkeyPatch.context() as patch:  # its own server's people sign in many times: cheap hashes
        patch.setattr("changegate.service.accounts._hasher", cheap_hasher)
        assert screenshots_script().main(tmp_path, browser) == 0
    for name in ("inbox-phone.png", "inbox-desktop.png", "request-shell-phone.png", "request-plan-desktop.png"):
        assert (tmp_path / name).stat().st_size > 20_000, f"{name} looks empty"
    edges = re.findall(r"Approve's bottom edge at +(\d+) px of (\d+)", capsys.readouterr().out)
    assert len(edges) == 9 and all(int(at) <= int(of) for at, of in edges), edges


# --- issue 16: deciding in seconds, on a phone (390×844) and a desktop (1280×800) ------------------------

SIZES = {"phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
         "desktop": {"viewport": {"width": 1280, "height": 800}}}
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FIRST_SCREEN = ("#summary", "#where", "#blast", "#undo", "#who", "#agent-reason-line")


@functools.cache
def screenshots_script() -> Any:
    """examples/screenshots.py: the requests the screenshots show are the ones tested here."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("changegate_screenshots", EXAMPLES / "screenshots.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def three(server: Server) -> dict[str, str]:
    """A shell, a SQL and a 40-resource plan request (kind -> request id)."""
    found: dict[str, str] = screenshots_script().file_requests(server.agent())
    return found


def bottom(page: Any, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return float(box["y"] + box["height"])


def no_sideways_scroll(page: Any) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"


@pytest.mark.parametrize("size", SIZES)
def test_the_first_screen_holds_the_whole_decision(browser: Any, server: Server, three: dict[str, str],
                                                   size: str) -> None:
    from playwright.sync_api import expect

    height = SIZES[size]["viewport"]["height"]  # type: ignore[index]
    page = signed_in(browser, server, "alice", **SIZES[size])
    for kind, request_id in three.items():
        page.goto(f"{server.url}/requests/{request_id}")
        assert bottom(page, "button.approve") <= height, f"{kind}: Approve is below the first screen"
        assert bottom(page, "button.deny") <= height, f"{kind}: Deny is below the first screen"
        for selector in (*FIRST_SCREEN, "#action-code" if kind != "plan" else "#action-line"):
            assert bottom(page, selector) <= height, f"{kind}: {selector} is below the first screen"
        no_sideways_scroll(page)
    expect(page.locator("#where")).to_contain_text("prod")
    expect(page.locator("#blast")).to_have_text("replaces 4 of 40 resources, updates 36, in prod")
    expect(page.get_by_role("button", name="Approve: replace 4 of 40 resources, update 36 in prod")).to_be_visible()
    expect(page.locator("#plan [data-address]")).to_have_count(40)  # each effect with its own address
    expect(page.locator("#plan h3").first).to_contain_text("aws_db_instance")  # the replaced ones first
    expect(page.locator("#plan .tag.data.lost")).to_have_count(4)
    assert page.locator("#h-effects ~ *").all_inner_texts().count(page.locator("#summary").inner_text()) == 0
    expect(page.locator("#reasons li")).to_have_count(len(page.locator("#reasons li").all_inner_texts()))
    assert all(" — " not in reason for reason in page.locator("#reasons li").all_inner_texts())


@pytest.mark.parametrize("size", SIZES)
def test_an_inbox_card_shows_command_reason_blast_and_time_left(browser: Any, server: Server,
                                                                three: dict[str, str], size: str) -> None:
    from playwright.sync_api import expect

    page = signed_in(browser, server, "alice", **SIZES[size])
    card = page.locator(f'[data-request="{three["sql"]}"]')
    expect(card.locator(".card-command")).to_contain_text("DELETE FROM invoices WHERE created_at")
    expect(card.locator(".card-reason")).to_contain_text("the retention job failed for a month")
    expect(card.locator(".card-blast")).to_contain_text("deletes")
    expect(card.locator("[data-expires]")).to_have_text(re.compile(r"^\d+ (s|min|h)( \d+ min)? left$"))
    assert "left left" not in page.locator("#inbox").inner_text()
    status = page.locator("#live-status").bounding_box()
    assert status is not None and status["height"] == 0  # no empty gap under the heading
    no_sideways_scroll(page)


@pytest.mark.parametrize("size", SIZES)
def test_the_audit_log_fits_a_phone_and_says_each_thing_once(browser: Any, server: Server,
                                                             three: dict[str, str], size: str) -> None:
    page = signed_in(browser, server, "vic", **SIZES[size])
    page.goto(server.url + "/audit")
    height = SIZES[size]["viewport"]["height"]  # type: ignore[index]
    first_row = page.locator("#audit-table tbody tr").first.bounding_box()
    assert first_row is not None and first_row["y"] < height * 0.75, "the filters fill the first screen"
    no_sideways_scroll(page)
    sideways = page.evaluate("(() => { const s = document.querySelector('.audit-scroll');"
                             " return s.scrollWidth - s.clientWidth; })()")
    assert sideways <= 0, f"the audit table scrolls sideways by {sideways}px"
    spill = page.evaluate("(() => { const f = document.querySelector('form.filters');"
                          " return Math.max(...[...f.querySelectorAll('input, select')].map("
                          "e => e.getBoundingClientRect().right)) - f.getBoundingClientRect().right; })()")
    assert spill <= 0, f"the filter fields stick out of their form by {spill}px"
    texts = page.locator("#audit-table td.what").all_inner_texts()
    assert texts and not [t for t in texts if re.match(r"(ask|allow|deny) \1\b", t)]
    assert not [t for t in texts if re.search(r"approved request req_\w+ approved", t)]


@pytest.mark.parametrize("size", SIZES)
def test_admin_asks_before_removing_and_chooses_no_operator(browser: Any, server: Server, size: str) -> None:
    from playwright.sync_api import expect

    name = unique("temp").replace("-", "")
    server.services.accounts.add_user(name, "approver", PASSWORD, "test")
    page = signed_in(browser, server, "root", **SIZES[size])
    page.get_by_role("link", name="Admin").click()
    expect(page.locator("#t-operator")).to_have_value("")  # nobody answers for a new agent by default
    no_sideways_scroll(page)  # the wide tables scroll inside their box, never the page
    page.get_by_role("button", name=f"Remove {name}").click()
    expect(page.get_by_role("heading", name=f"Remove {name}?")).to_be_visible()
    assert server.services.accounts.user(name) is not None  # one click removed nobody
    page.get_by_role("button", name=f"Remove {name}").click()
    expect(page.get_by_role("status")).to_contain_text("The user is removed")
    assert server.services.accounts.user(name) is None


def test_the_simulator_names_each_resource_of_a_plan_once(browser: Any, server: Server) -> None:
    from playwright.sync_api import expect

    kiro = (Path(__file__).parent / "fixtures" / "plans" / "kiro_incident.json").read_text()
    page = signed_in(browser, server, "vic", **SIZES["phone"])
    page.get_by_role("link", name="Policy").click()
    page.get_by_label("What it is").select_option("terraform_plan")
    page.get_by_label("Command, statement, plan or action").fill(kiro)
    page.get_by_role("button", name="Simulate").click()
    effects = page.locator("#verdict .effects li").all_inner_texts()
    assert len(effects) == 9
    assert not [e for e in effects if "9 of 9" in e]  # the summary is said once, in the verdict line
    assert any("aws_rds_cluster.orders" in e for e in effects)
    expect(page.locator("#verdict .summary")).to_contain_text("replaces 9 of 9 resources in prod")
