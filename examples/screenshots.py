"""Regenerate docs/screenshots: the inbox and a request page on a phone (390×844) and a desktop (1280×800),
in dark and light, from a server started here on a temporary store with a shell, a SQL and a 40-resource
plan request. Uses Debian's Chromium (/usr/bin/chromium) through Playwright; nothing is downloaded.

    .venv/bin/python examples/screenshots.py [DIRECTORY]     (default docs/screenshots)

It also prints, for each request page, where the Approve button's bottom edge is on the first screen.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from changegate.client import Client

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PASSWORD = "correct horse battery"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
HERE = Path(__file__).resolve().parent


def plan_of(resources: int, environment: str = "prod") -> dict[str, Any]:
    """A plan that replaces its databases and updates everything else, in a prod workspace."""
    changes = []
    for i in range(resources):
        kind, actions = (("aws_db_instance", ["delete", "create"]) if i % 10 == 0 else
                         ("aws_s3_bucket", ["update"]) if i % 3 == 0 else ("aws_instance", ["update"]))
        changes.append({"address": f"{kind}.node_{i}", "type": kind, "name": f"node_{i}",
                        "change": {"actions": actions, "before": {}, "after": {}}})
    return {"format_version": "1.2", "terraform_version": "1.9.0", "resource_changes": changes,
            "variables": {"environment": {"value": environment}}}


SHELL = "kubectl delete namespace payments --context prod-eu"
SQL = ("DELETE FROM invoices WHERE created_at < now() - interval '90 days' AND status IN ('void', 'draft')")


def file_requests(agent: Client) -> dict[str, str]:
    """The three requests the screenshots (and the browser tests) show; returns kind -> request id."""
    asked = {
        "shell": {"type": "shell", "command": SHELL, "cwd": "/home/dev/app",
                  "reason": "payments moved to the new cluster last week; this one is empty"},
        "sql": {"type": "sql", "statement": SQL, "database": "postgresql://db.prod.internal/billing",
                "reason": "the retention job failed for a month; clearing what it should have"},
        "plan": {"type": "terraform_plan", "plan": plan_of(40), "cwd": "/home/dev/infra",
                 "env": {"TF_WORKSPACE": "prod"}, "reason": "upgrade the database engine version"},
    }
    found = {}
    for kind, action in asked.items():
        answer = agent.check(action)
        if answer["decision"] != "ask":
            raise SystemExit(f"the {kind} request was not an ask: {answer['decision']} {answer['reasons']}")
        found[kind] = answer["request"]["id"]
    return found


PEOPLE = {"alice": "approver", "bob": "approver", "dev": "approver", "root": "admin"}


@dataclass
class Served:
    url: str
    token: str  # the agent's (claude, operator dev)
    services: Any

    def agent(self) -> Client:
        return Client(self.url, self.token, timeout=10)


@contextmanager
def serving(state: Path, people: dict[str, str] | None = None) -> Iterator[Served]:
    """A server on a free port with `people` (name -> role, all with PASSWORD) and the agent claude (operator
    dev), on a SQLite store in `state`. tests/test_web.py serves its pages the same way."""
    import socket

    import uvicorn

    from changegate.server import Settings, create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    url = f"http://127.0.0.1:{port}"
    app = create_app(Settings(database_url=f"sqlite:///{state / 'changegate.db'}", public_url=url))
    services = app.state.services
    for name, role in (people or PEOPLE).items():
        services.accounts.add_user(name, role, PASSWORD, "screenshots")
    _id, token = services.accounts.create_agent_token("claude", "dev", "screenshots")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    if not server.started:
        raise RuntimeError(f"the server did not start on {url}")
    try:
        yield Served(url, token, services)
    finally:
        server.should_exit = True
        thread.join(10)


def sign_in(page: Any, url: str, name: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/inbox")


def approve_bottom(page: Any) -> float:
    """The Approve button's bottom edge, in CSS pixels from the top of the page as first shown."""
    box = page.locator("button.approve").bounding_box()
    return float(box["y"] + box["height"]) if box else float("inf")


def main(target: Path, browser: Any = None) -> int:
    """Write the screenshots into `target`, with the given Playwright browser or a Chromium started here."""
    if browser is not None:
        return shoot(target, browser)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            return shoot(target, chromium)
        finally:
            chromium.close()


def shoot(target: Path, browser: Any) -> int:
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="changegate-shots-") as state, serving(Path(state)) as served:
        url, ids = served.url, file_requests(served.agent())
        for size_name, size, scheme in (("phone", PHONE, "dark"), ("desktop", DESKTOP, "dark"),
                                        ("phone-light", PHONE, "light")):
            context = browser.new_context(viewport=size, color_scheme=scheme, is_mobile=size is PHONE)
            page = context.new_page()
            sign_in(page, url, "alice")
            page.screenshot(path=str(target / f"inbox-{size_name}.png"))
            for kind, request_id in ids.items():
                page.goto(f"{url}/requests/{request_id}")
                print(f"{size_name:12} {kind:6} Approve's bottom edge at {approve_bottom(page):6.0f} px "
                      f"of {size['height']}")
                if kind == "shell" or (kind == "plan" and size_name == "desktop"):
                    page.screenshot(path=str(target / f"request-{kind}-{size_name}.png"))
            context.close()
    print(f"screenshots in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent / "docs" / "screenshots"))
