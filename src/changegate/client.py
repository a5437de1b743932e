"""The HTTP client for a changegate server (remote mode): used by the CLI, the agent hooks and the SDK.

    client = Client("https://gate.example.com", token)
    answer = client.check({"type": "shell", "command": "kubectl delete ns payments", ...}, wait=30)

`check()` returns the `check --batch` answer (decision, approvals_required, risk, reasons, suggestions,
summary, effects, rules, action_hash), plus `request` for an ask. A server that cannot be reached, times out,
fails (5xx) or does not answer like changegate raises `Unreachable` with a message that names the URL: the
caller turns that into a deny. A refusal (4xx: bad token, malformed action) comes back as a deny answer with
`error` saying why.

`check()` sends the action with the facts understanding reads on this machine (`understand.outgoing_action`:
kubeconfig, git, package scripts, plans — bounded, credentials digested): the server decides on action +
facts and never opens a path the agent names.

This module is imported on every agent tool call, so it uses only the standard library (http.client,
urllib), msgspec and changegate.model at import; `check()` imports the engine to collect the facts. No httpx,
pydantic or SQLAlchemy.

Connections are kept alive and reused within a process (one per server, at most `MAX_IDLE_S` idle): the
per-user daemon, which answers every hook call, asks the server over one warm connection instead of a new
TCP and TLS handshake per tool call. A kept connection the server has closed meanwhile is opened again once.
Where a proxy is configured (HTTPS_PROXY and friends), urllib carries each request, as before.
"""

from __future__ import annotations

import base64
import http.client
import json
import ssl
import threading
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

MAX_RESPONSE_BYTES = 8 * 1024 * 1024
MAX_IDLE_S = 30.0  # a kept connection idle longer is opened afresh (servers and proxies drop idle ones)


class Unreachable(Exception):
    """The server could not be asked (network failure, timeout, 5xx, not a changegate answer)."""


class Refused(Exception):
    """The server refused a request that is not a check (401/403/404/409/422); the message says why."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class Client:
    def __init__(self, url: str, token: str, timeout: float = 5.0, *, basic: tuple[str, str] | None = None) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.basic = basic

    # --- the interface the hooks and the SDK use -------------------------------------------------------

    def check(self, action: dict[str, Any], wait: float = 0) -> dict[str, Any]:
        """Decide an action on the server; with `wait`, block up to that many seconds for an approval."""
        # the server never opens a path the agent names: what understanding reads here travels with the
        # action (imported here, not above: the client's other calls need no engine)
        from changegate.understand import outgoing_action

        body: dict[str, Any] = {"action": outgoing_action(action)}
        if wait:
            body["wait"] = wait
        try:
            answer = self.call("POST", "/v1/check", body, timeout=self.timeout + max(0.0, float(wait)))
        except Refused as exc:
            return {"decision": "deny", "approvals_required": 0, "risk": "high", "error": str(exc),
                    "reasons": [f"the changegate server at {self.url} refused the check: {exc}"],
                    "suggestions": [], "summary": "refused by the server", "effects": [], "rules": [],
                    "action_hash": ""}
        if answer.get("decision") not in ("allow", "ask", "deny"):
            raise Unreachable(f"{self.url} did not answer like a changegate server (no decision)")
        return answer

    def request(self, request_id: str) -> dict[str, Any]:
        """One approval request, in full."""
        return self.call("GET", f"/v1/requests/{quote(request_id, safe='')}")

    # --- what people use (the CLI in remote mode) -----------------------------------------------------

    def list_requests(self, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        query = urlencode({k: v for k, v in {"status": status, "limit": limit}.items() if v is not None})
        answer = self.call("GET", f"/v1/requests?{query}")
        return list(answer.get("requests", []))

    def vote(self, request_id: str, verb: str, comment: str = "") -> dict[str, Any]:
        """verb: approve, deny or cancel."""
        return self.call("POST", f"/v1/requests/{quote(request_id, safe='')}/{verb}", {"comment": comment})

    def audit(self, since: str | float | None = None, limit: int = 100, after: int | None = None) -> list[dict[str, Any]]:
        """Audit records, oldest first: from a time (`since`), or after a record number (`after`)."""
        params = {"since": since, "limit": limit, "after": after}
        query = urlencode({k: v for k, v in params.items() if v is not None})
        return list(self.call("GET", f"/v1/audit?{query}").get("records", []))

    def verify(self) -> dict[str, Any]:
        return self.call("GET", "/v1/audit/verify")

    # --- transport -------------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": "changegate-client/1"}
        if self.basic is not None:
            pair = f"{self.basic[0]}:{self.basic[1]}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        elif self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def call(self, method: str, path: str, body: Any = None, timeout: float | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode("utf-8") if body is not None else None
        headers = self._headers()
        if data is not None:
            headers["Content-Type"] = "application/json"
        try:
            status, raw = send(method, self.url + path, data, headers, timeout or self.timeout)
        except (http.client.HTTPException, urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise Unreachable(f"the changegate server at {self.url} could not be reached: {reason}") from exc
        except ValueError as exc:  # a malformed URL
            raise Unreachable(f"CHANGEGATE_URL {self.url!r} is not a usable URL: {exc}") from exc
        if status >= 500:
            raise Unreachable(f"the changegate server at {self.url} failed (HTTP {status})")
        if status >= 400:
            raise Refused(self._error_message(raw, status), status)
        return self._decode(raw, status)

    def _decode(self, raw: bytes, status: int) -> dict[str, Any]:
        if len(raw) > MAX_RESPONSE_BYTES:
            raise Unreachable(f"the server at {self.url} sent an answer larger than {MAX_RESPONSE_BYTES} bytes")
        try:
            doc = json.loads(raw)
        except ValueError as exc:
            raise Unreachable(f"{self.url} did not answer like a changegate server (HTTP {status}, not JSON)") from exc
        if not isinstance(doc, dict):
            raise Unreachable(f"{self.url} did not answer like a changegate server (HTTP {status})")
        return doc

    @staticmethod
    def _error_message(raw: bytes, status: int) -> str:
        try:
            doc = json.loads(raw)
        except ValueError:
            return f"HTTP {status}"
        if isinstance(doc, dict):
            error = doc.get("error") or doc.get("detail")
            if error:
                return f"HTTP {status}: {error if isinstance(error, str) else json.dumps(error)}"
        return f"HTTP {status}"


# --- transport: kept-alive connections -----------------------------------------------------------------------

_kept: dict[tuple[str, str, int], tuple[http.client.HTTPConnection, float]] = {}
_kept_lock = threading.Lock()
STALE = (http.client.RemoteDisconnected, http.client.BadStatusLine, BrokenPipeError, ConnectionResetError,
         ConnectionAbortedError)


def send(method: str, url: str, data: bytes | None, headers: dict[str, str],
         timeout: float) -> tuple[int, bytes]:
    """(status, body of at most MAX_RESPONSE_BYTES + 1 bytes) of one request, over a kept connection."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL")
    if urllib.request.getproxies() and not urllib.request.proxy_bypass(parts.hostname):
        return _send_through_urllib(method, url, data, headers, timeout)
    key = (parts.scheme, parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    connection, reused = _take(key, timeout)
    try:
        return _exchange(key, connection, method, target, data, headers)
    except STALE:
        if not reused:
            raise
    # the server closed a kept connection while it was idle: once more, on a new one
    return _exchange(key, _open(key, timeout), method, target, data, headers)


def _exchange(key: tuple[str, str, int], connection: http.client.HTTPConnection, method: str, target: str,
              data: bytes | None, headers: dict[str, str]) -> tuple[int, bytes]:
    try:
        connection.request(method, target, body=data, headers=headers)
        response = connection.getresponse()
        raw = response.read(MAX_RESPONSE_BYTES + 1)
    except BaseException:
        connection.close()
        raise
    if response.will_close or not response.isclosed():
        connection.close()  # the server ends it, or the answer was larger than we read
    else:
        _keep(key, connection)
    return response.status, raw


def _take(key: tuple[str, str, int], timeout: float) -> tuple[http.client.HTTPConnection, bool]:
    with _kept_lock:
        kept = _kept.pop(key, None)
    if kept is not None:
        connection, since = kept
        if time.monotonic() - since < MAX_IDLE_S and connection.sock is not None:
            connection.sock.settimeout(timeout)
            connection.timeout = timeout
            return connection, True
        connection.close()
    return _open(key, timeout), False


def _open(key: tuple[str, str, int], timeout: float) -> http.client.HTTPConnection:
    scheme, host, port = key
    if scheme == "https":
        return http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl.create_default_context())
    return http.client.HTTPConnection(host, port, timeout=timeout)


def _keep(key: tuple[str, str, int], connection: http.client.HTTPConnection) -> None:
    with _kept_lock:
        old = _kept.get(key)
        _kept[key] = (connection, time.monotonic())
    if old is not None and old[0] is not connection:
        old[0].close()


def _send_through_urllib(method: str, url: str, data: bytes | None, headers: dict[str, str],
                         timeout: float) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        return exc.code, (exc.read(MAX_RESPONSE_BYTES + 1) if exc.fp is not None else b"")
