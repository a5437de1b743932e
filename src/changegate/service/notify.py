"""Webhooks on new approval requests and on their outcomes.

Two formats: `json` (a generic body: `{"event", "text", "request": {…}}`) and `slack` (Slack's
incoming-webhook JSON: `text` plus `blocks`). Webhooks come from the policy file's `notifications:` list or
the server's `--webhook`/`--slack-webhook` options.

Sending never delays a decision: `publish()` only puts deliveries in a bounded queue. A background thread
sends them (several at a time, so one slow endpoint does not hold up the others) and retries a failure with
exponential backoff (1 s, 2 s, 4 s, … capped at 5 minutes, 6 attempts). When the queue is full the new
delivery is dropped and said so on stderr: losing a notification is better than slowing the gate.
"""

from __future__ import annotations

import heapq
import itertools
import json
import random
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from changegate.policy.schema import Webhook
from changegate.service import messages

if TYPE_CHECKING:
    from changegate.service.approvals import Request

EVENT_GROUPS = {"request": ("request.created",),
                "decision": ("request.approved", "request.denied", "request.cancelled", "request.expired")}
MAX_QUEUE = 1000
MAX_ATTEMPTS = 6
FIRST_DELAY_S = 1.0
MAX_DELAY_S = 300.0
SEND_TIMEOUT_S = 5.0
SENDERS = 4

Send = Callable[[str, bytes, float], None]  # (url, body, timeout); raises on failure


def masked_url(url: str) -> str:
    """A webhook URL safe to print: its path often is the secret (Slack's are)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}{':' + str(parts.port) if parts.port else ''}/…"


def post_json(url: str, body: bytes, timeout: float) -> None:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "changegate-webhook/1"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        if not 200 <= response.status < 300:
            raise OSError(f"HTTP {response.status}")


# --- payloads ------------------------------------------------------------------------------------------

def event_name(event: str, request: Request) -> str:
    return "request.created" if event == "request" else f"request.{request.status}"


def headline(name: str, request: Request) -> str:
    what = request.summary or request.action_hash[:12]
    if name == "request.created":
        return (f"{request.agent} (operator {request.operator}) asks to: {what} — needs {request.required} "
                f"approval{'s' if request.required > 1 else ''} [{request.risk} risk]")
    who = (request.decided_by or "").split(":", 1)[-1]
    return f"request {request.id} {request.status}{' by ' + who if who and who != 'system' else ''}: {what}"


def json_payload(name: str, request: Request, base_url: str) -> dict[str, Any]:
    return {"event": name, "text": headline(name, request), "request": request.as_dict(base_url)}


# chat messages carry the decision (command, environment, blast radius, undo, who and why) and a link to the
# request's page; approving needs a signed-in session there (service/messages.py)
FORMATS: dict[str, Callable[[str, Request, str], dict[str, Any]]] = {
    "json": json_payload, "slack": messages.slack_message, "teams": messages.teams_message}


# --- delivery ------------------------------------------------------------------------------------------

@dataclass(order=True)
class Delivery:
    due: float
    order: int
    url: str = field(compare=False)
    body: bytes = field(compare=False)
    attempts: int = field(default=0, compare=False)


class Notifier:
    """Publishes request events to webhooks from a background thread. Pass it as `Approvals(notify=…)`."""

    def __init__(self, webhooks: list[Webhook], *, base_url: str = "", send: Send = post_json,
                 max_attempts: int = MAX_ATTEMPTS, first_delay_s: float = FIRST_DELAY_S,
                 timeout_s: float = SEND_TIMEOUT_S, max_queue: int = MAX_QUEUE) -> None:
        self.webhooks = list(webhooks)
        self.base_url = base_url
        self.send = send
        self.max_attempts = max_attempts
        self.first_delay_s = first_delay_s
        self.timeout_s = timeout_s
        self.max_queue = max_queue
        self.delivered = 0
        self.failed = 0  # deliveries given up after the last attempt
        self._heap: list[Delivery] = []
        self._in_flight = 0
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._closed = False
        self._pool: ThreadPoolExecutor | None = None
        self._thread: threading.Thread | None = None

    def __call__(self, event: str, request: Request) -> None:
        self.publish(event, request)

    def publish(self, event: str, request: Request) -> None:
        """Queue the event for every webhook that wants it. Never blocks, never raises."""
        name = event_name(event, request)
        for hook in self.webhooks:
            if not any(name in EVENT_GROUPS.get(group, (group,)) for group in hook.events):
                continue
            try:
                body = json.dumps(FORMATS[hook.format](name, request, self.base_url)).encode("utf-8")
            except Exception as exc:  # a payload bug must not reach the decision path
                print(f"changegate: could not build the {hook.format} webhook payload: {exc}", file=sys.stderr)
                continue
            self._enqueue(Delivery(time.monotonic(), next(self._order), hook.url, body))

    def post(self, url: str, body: bytes) -> None:
        """Queue one delivery of a ready body (guardrail alarms); never blocks, never raises."""
        self._enqueue(Delivery(time.monotonic(), next(self._order), url, body))

    def _enqueue(self, delivery: Delivery) -> None:
        with self._wake:
            if self._closed:
                return
            if len(self._heap) + self._in_flight >= self.max_queue:
                print(f"changegate: webhook queue full; dropped a notification to {masked_url(delivery.url)}",
                      file=sys.stderr)
                return
            heapq.heappush(self._heap, delivery)
            self._start()
            self._wake.notify()

    def _start(self) -> None:
        if self._thread is None:
            self._pool = ThreadPoolExecutor(max_workers=SENDERS, thread_name_prefix="changegate-webhook")
            self._thread = threading.Thread(target=self._schedule, name="changegate-webhooks", daemon=True)
            self._thread.start()

    def _schedule(self) -> None:
        while True:
            with self._wake:
                while not self._closed and (not self._heap or self._heap[0].due > time.monotonic()):
                    self._wake.wait(timeout=(self._heap[0].due - time.monotonic()) if self._heap else None)
                if self._closed:
                    return
                delivery = heapq.heappop(self._heap)
                self._in_flight += 1
            assert self._pool is not None
            self._pool.submit(self._attempt, delivery)

    def _attempt(self, delivery: Delivery) -> None:
        try:
            self.send(delivery.url, delivery.body, self.timeout_s)
        except Exception as exc:  # every failure is retried the same way: HTTP errors, timeouts, refusals
            self._retry(delivery, exc)
        else:
            with self._wake:
                self.delivered += 1
                self._wake.notify_all()
        finally:
            with self._wake:
                self._in_flight -= 1
                self._wake.notify_all()

    def _retry(self, delivery: Delivery, exc: Exception) -> None:
        delivery.attempts += 1
        if delivery.attempts >= self.max_attempts:
            with self._wake:
                self.failed += 1
            print(f"changegate: gave up on a webhook to {masked_url(delivery.url)} after {delivery.attempts} "
                  f"attempts: {exc}", file=sys.stderr)
            return
        backoff = min(self.first_delay_s * 2 ** (delivery.attempts - 1), MAX_DELAY_S)
        delivery.due = time.monotonic() + backoff * (0.8 + 0.4 * random.random())
        with self._wake:
            if not self._closed:
                heapq.heappush(self._heap, delivery)
                self._wake.notify()

    def drain(self, timeout_s: float) -> bool:
        """Wait until nothing is queued or being sent (tests and shutdown). True if it drained in time."""
        deadline = time.monotonic() + timeout_s
        with self._wake:
            while self._heap or self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._wake.wait(timeout=min(remaining, 0.05))
        return True

    def close(self, timeout_s: float = 2.0) -> None:
        self.drain(timeout_s)
        with self._wake:
            self._closed = True
            self._wake.notify_all()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
