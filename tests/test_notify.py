"""Webhooks: delivered to a real local HTTP server, in both formats, retried with backoff, and never in the
way of a decision."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from changegate.gate import judge
from changegate.gate.checkpoint import Checkpoint
from changegate.policy.schema import Webhook
from changegate.service.approvals import Approvals
from changegate.service.identity import Identity
from changegate.service.notify import Notifier

AGENT = Identity("agent", "claude", "agent", operator="alice")
BOB = Identity("user", "bob", "approver")
ACTION = {"type": "shell", "command": "rm -rf /srv/data", "cwd": "/home/dev/app", "env": {"HOME": "/home/dev"}}


class Receiver:
    """A local webhook endpoint: records each POST; can fail the first N, or answer slowly."""

    def __init__(self, fail_first: int = 0, delay_s: float = 0.0) -> None:
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.attempts = 0
        self.fail_first = fail_first
        self.delay_s = delay_s
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with receiver.lock:
                    receiver.attempts += 1
                    failing = receiver.attempts <= receiver.fail_first
                time.sleep(receiver.delay_s)
                if failing:
                    self.send_response(500)
                    self.end_headers()
                    return
                with receiver.lock:
                    receiver.received.append((self.path, json.loads(body)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def file_request(approvals: Approvals) -> Any:
    judged = judge({**ACTION, "agent": "claude", "operator": "alice"})
    request, _ = approvals.file(action=judged.canonical or {}, action_hash=judged.verdict.action_hash,
                                verdict={"summary": judged.verdict.summary, "risk": judged.verdict.risk,
                                         "reasons": judged.verdict.reasons},
                                agent="claude", operator="alice", required=1)
    return request


def test_new_requests_and_decisions_reach_json_and_slack_webhooks(store: Any, receiver: Receiver) -> None:
    notifier = Notifier([Webhook(url=receiver.url("/json")), Webhook(url=receiver.url("/slack"), format="slack"),
                         Webhook(url=receiver.url("/teams"), format="teams")], base_url="https://gate.example.com")
    approvals = Approvals(store, notify=notifier)
    request = file_request(approvals)
    approvals.approve(request.id, BOB, "ok")
    assert notifier.drain(10)
    notifier.close()
    by_path: dict[str, list[dict[str, Any]]] = {}
    for path, body in receiver.received:
        by_path.setdefault(path, []).append(body)
    events = sorted(b["event"] for b in by_path["/json"])
    assert events == ["request.approved", "request.created"]
    created = next(b for b in by_path["/json"] if b["event"] == "request.created")
    assert created["request"]["id"] == request.id and created["request"]["status"] == "pending"
    assert created["request"]["url"] == f"https://gate.example.com/requests/{request.id}"
    assert "claude" in created["text"] and "1 approval" in created["text"]
    slack = by_path["/slack"]
    assert len(slack) == 2 and all(isinstance(b["text"], str) and b["blocks"] for b in slack)
    assert any("approved by bob" in b["text"].lower() for b in slack)
    assert not any("approvals approve" in json.dumps(b) for b in slack)  # a link to the page, never a bare approve
    assert any(request.id in json.dumps(b["blocks"]) for b in slack)
    teams = by_path["/teams"]
    assert len(teams) == 2
    assert all(a["contentType"] == "application/vnd.microsoft.card.adaptive" for b in teams for a in b["attachments"])
    assert any(f"https://gate.example.com/requests/{request.id}" in json.dumps(b) for b in teams)


def test_a_webhook_gets_only_the_events_it_asked_for(store: Any, receiver: Receiver) -> None:
    notifier = Notifier([Webhook(url=receiver.url(), events=["decision"])])
    approvals = Approvals(store, notify=notifier)
    request = file_request(approvals)
    approvals.deny(request.id, BOB, "no")
    assert notifier.drain(10)
    assert [b["event"] for _, b in receiver.received] == ["request.denied"]


def test_a_failing_webhook_is_retried_with_backoff() -> None:
    flaky = Receiver(fail_first=2)
    try:
        notifier = Notifier([Webhook(url=flaky.url())], first_delay_s=0.05)
        request = _fake_request()
        started = time.monotonic()
        notifier.publish("request", request)
        assert notifier.drain(10)
        assert flaky.attempts == 3 and len(flaky.received) == 1
        assert time.monotonic() - started >= 0.05 + 0.1 * 0.8  # waited between attempts
        assert notifier.delivered == 1 and notifier.failed == 0
    finally:
        flaky.close()


def test_an_unreachable_webhook_is_given_up_without_raising(capsys: pytest.CaptureFixture[str]) -> None:
    notifier = Notifier([Webhook(url="http://127.0.0.1:1/secret-path")], first_delay_s=0.01, max_attempts=3,
                        timeout_s=0.5)
    notifier.publish("request", _fake_request())
    assert notifier.drain(10)
    assert notifier.failed == 1 and notifier.delivered == 0
    err = capsys.readouterr().err
    assert "gave up" in err and "secret-path" not in err  # the URL's path is often the secret


def test_a_slow_webhook_does_not_delay_decisions(store: Any) -> None:
    slow = Receiver(delay_s=3.0)
    try:
        notifier = Notifier([Webhook(url=slow.url())], timeout_s=5.0)
        approvals = Approvals(store, notify=notifier)
        checkpoint = Checkpoint(store, approvals=approvals)
        started = time.monotonic()
        for i in range(5):
            answer = checkpoint.check({**ACTION, "command": f"rm -rf /srv/data{i}"}, AGENT)
            assert answer.decision == "ask" and answer.request is not None
        request_id = answer.request["id"]
        approvals.approve(request_id, BOB)
        elapsed = time.monotonic() - started
        assert elapsed < 2.0, f"decisions took {elapsed:.2f}s behind a 3 s webhook"
        assert slow.attempts >= 1 and not slow.received  # the webhook was still busy when we finished
        notifier.close(timeout_s=0)
    finally:
        slow.close()


def test_the_policy_files_notifications_are_used_by_the_server(store_url: str, tmp_path: Any,
                                                                receiver: Receiver) -> None:
    from changegate.server.services import Services, Settings

    policy = tmp_path / "policy.yaml"
    policy.write_text(f"extends: default\nnotifications:\n  - url: {receiver.url('/from-policy')}\n"
                      "    format: slack\n")
    services = Services.open(Settings(database_url=store_url, policy_path=str(policy),
                                      webhooks=[Webhook(url=receiver.url("/from-settings"))]))
    try:
        assert {h.url for h in services.notifier.webhooks} == {receiver.url("/from-policy"),
                                                               receiver.url("/from-settings")}
        request = file_request(services.approvals)
        assert request.status == "pending"
        assert services.notifier.drain(10)
        assert sorted(p for p, _ in receiver.received) == ["/from-policy", "/from-settings"]
    finally:
        services.close()


def _fake_request() -> Any:
    from changegate.service.approvals import Request

    return Request(id="req_test", action_hash="a" * 64, action={"type": "shell", "command": "x"},
                   verdict={"reasons": ["because"]}, summary="does x", risk="high", agent="claude",
                   operator="alice", reason="", required=1, status="pending", created_at=time.time(),
                   expires_at=time.time() + 3600)
