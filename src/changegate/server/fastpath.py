"""POST /v1/check without FastAPI's routing and dependency resolution.

Every agent tool call of every agent comes through this one endpoint, and FastAPI's per-request machinery
costs about as much CPU as the decision itself. This ASGI middleware answers exactly `POST /v1/check` with
the same functions the FastAPI route uses (authentication, body parsing, `Services.check`, the same JSON
errors); the route stays registered, so OpenAPI documents it and it serves as the reference.
"""

from __future__ import annotations

from typing import Any

import msgspec

from changegate.server.api import MAX_BODY_BYTES, BadInput, parse_check_body
from changegate.server.services import AuthError, Services, to_thread
from changegate.service.store import StoreError

Scope = dict[str, Any]
_encoder = msgspec.json.Encoder()


class CheckFastPath:
    def __init__(self, app: Any, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != "/v1/check" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        try:
            status, doc = 200, await self.check(scope, receive)
        except AuthError as exc:
            status, doc = exc.status, {"error": str(exc)}
        except BadInput as exc:
            status, doc = exc.status, {"error": str(exc)}
        except StoreError as exc:
            status, doc = 503, {"error": f"the store is unavailable: {exc}"}
        await respond(send, status, doc)

    async def check(self, scope: Scope, receive: Any) -> dict[str, Any]:
        authorization = header(scope, b"authorization")
        if authorization and authorization[:6].lower() == "basic ":
            who = await to_thread(self.services.authenticate, authorization)  # argon2 takes tens of ms
        else:
            who = self.services.authenticate(authorization)
        body = parse_check_body(await read_body(scope, receive))
        return await self.services.check(body["action"], who, wait=body["wait"], peek=body["peek"],
                                         line_id=body["id"])


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def read_body(scope: Scope, receive: Any) -> bytes:
    declared = header(scope, b"content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BadInput(f"the body is larger than {MAX_BODY_BYTES // 1024} KiB", 413)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise BadInput("the client went away before sending the whole body")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BadInput(f"the body is larger than {MAX_BODY_BYTES // 1024} KiB", 413)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def respond(send: Any, status: int, doc: dict[str, Any]) -> None:
    body = _encoder.encode(doc)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="changegate", Basic realm="changegate"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
