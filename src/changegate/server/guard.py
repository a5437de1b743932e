"""`ApiGuard`: the outermost middleware, what must hold before any handler (or POST /v1/check, answered in
front of the routing) reads a request.

- It notes the client's address (`identity.client_address`), which login throttling keys on, on every
  credential path (the API's HTTP Basic and the web sign-in), and answers 429 at once to a name or an
  address this process already knows to be throttled: a flood of guesses costs no routing, no thread and
  no query.
- An API state change carried by HTTP Basic must be JSON from no foreign Origin (`auth.ambient_problem`).
- A state change's body under /v1/ is read once (at most 1 MiB, else 413) and refused (422) when its JSON
  nests deeper than `MAX_JSON_DEPTH` — before a recursive decoder or walker meets it (1,000 levels made
  the decoder raise RecursionError, a 500).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from typing import Any

import msgspec

from changegate.server.api import BadInput
from changegate.server.auth import API_PREFIX, STATE_CHANGES, ambient_problem, own_origins
from changegate.server.check import read_body, respond
from changegate.server.services import Services
from changegate.service.identity import client_address

AMBIENT_HEADERS = frozenset({b"authorization", b"content-type", b"origin", b"host"})
MAX_JSON_DEPTH = 64  # an action nests a few levels, an MCP call's arguments a few more: 64 is generous
# one token per string (skipped whole, escapes included; an unterminated one runs to the end) or bracket
_JSON_TOKENS = re.compile(rb'"(?:[^"\\]++|\\.)*+"?|[\[\]{}]')


def json_depth(raw: bytes, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep the brackets of a JSON text nest (strings skipped), counting no further than `limit` + 1."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return 0  # cannot nest deeper than it has brackets: most bodies end here, without the scan
    depth = deepest = 0
    for match in _JSON_TOKENS.finditer(raw):
        token = match[0]
        if token[0] == 0x22:  # a string: brackets inside it are text
            continue
        depth += 1 if token in (b"[", b"{") else -1
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                break
    return deepest


class ApiGuard:
    def __init__(self, app: Any, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = str(client[0]) if client else None
        token = client_address.set(address)
        try:
            if scope["path"].startswith(API_PREFIX):
                wait = self._throttled(scope, address)
                if wait:
                    await refuse(send, 429, "too many failed sign-ins for this name or from this address; try "
                                            f"again in {wait} s", retry_after=wait)
                    return
            if scope["path"].startswith(API_PREFIX) and scope["method"] in STATE_CHANGES:
                await self._guarded(scope, receive, send)
            else:
                await self.app(scope, receive, send)
        finally:
            client_address.reset(token)

    async def _guarded(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        problem = self._ambient(scope)
        if problem is None:
            try:
                body = await read_body(scope, receive)
            except BadInput as exc:
                problem = exc.status, str(exc)
            else:
                if json_depth(body) > MAX_JSON_DEPTH:
                    problem = 422, f"the JSON nests deeper than {MAX_JSON_DEPTH} levels"
        if problem is not None:
            await respond(send, problem[0], {"error": problem[1]})
            return
        delivered = False

        async def replay() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            message: dict[str, Any] = await receive()
            return message

        await self.app(scope, replay, send)

    def _throttled(self, scope: dict[str, Any], address: str | None) -> int:
        """Whole seconds to wait when the request's Basic name or its address is known to be throttled."""
        authorization = next((value for key, value in scope["headers"] if key == b"authorization"), b"")
        if authorization[:6].lower() != b"basic ":
            return 0
        try:
            name = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8").partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            return 0  # the authentication that follows says what is wrong with it
        return math.ceil(self.services.accounts.throttle.known_wait_s(name, address))

    def _ambient(self, scope: dict[str, Any]) -> tuple[int, str] | None:
        headers = {key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]
                   if key in AMBIENT_HEADERS}  # ASGI header names are lower case
        if headers.get("authorization", "")[:6].lower() != "basic ":
            return None  # the common case, a token: nothing more to look at
        own = own_origins(str(scope.get("scheme", "http")), headers.get("host"), self.services.settings.public_url)
        return ambient_problem(scope["method"], headers, own)


async def refuse(send: Any, status: int, message: str, *, retry_after: int) -> None:
    """A JSON error with Retry-After (check.respond's shape, plus the header)."""
    body = msgspec.json.encode({"error": message})
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(retry_after).encode())]})
    await send({"type": "http.response.body", "body": body})
