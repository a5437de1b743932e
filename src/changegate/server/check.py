"""POST /v1/check: the one implementation, an ASGI middleware in front of FastAPI.

Every agent tool call of every agent comes through this endpoint, and FastAPI's routing and dependency
resolution cost about as much CPU as the decision itself; so it is answered here, before them, and not also
as a FastAPI route. The OpenAPI document describes it all the same (`api.document_check`). Errors are the
API's: `{"error": "…"}` with 401, 413, 422 or 503.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import msgspec
from pydantic import BaseModel, Field

from changegate.gate import to_action
from changegate.gate.session import StoreSessions, keeping
from changegate.server.api import WWW_AUTHENTICATE, BadInput
from changegate.server.services import AuthError, Services
from changegate.service.store import StoreError
from changegate.understand.facts import facts_only

PATH = "/v1/check"
MAX_BODY_BYTES = 1024 * 1024
MAX_WAIT_S = 600.0
MAX_FACTS_SHOWN = 64
BODY_FIELDS = ("id", "action", "wait", "peek")
Scope = dict[str, Any]
_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


class CheckEndpoint:
    """Answers exactly `POST /v1/check`; everything else goes on to the app."""

    def __init__(self, app: Any, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        if scope["method"] != "POST":
            await respond(send, 405, {"error": "Method Not Allowed"})
            return
        try:
            status, doc = 200, await self.check(scope, receive)
        except (AuthError, BadInput) as exc:
            status, doc = exc.status, {"error": str(exc)}
        except StoreError as exc:
            status, doc = 503, {"error": f"the store is unavailable: {exc}"}
        await respond(send, status, doc)

    async def check(self, scope: Scope, receive: Any) -> dict[str, Any]:
        who = await self.services.identify(header(scope, b"authorization"))
        body = parse_check_body(await read_body(scope, receive))
        # The agent's files are not here: understanding reads only the facts its client sent (never a path
        # the agent names on this machine), and its session's state is kept in the store.
        with facts_only(), keeping(StoreSessions(self.services.store)):
            answer = await self.services.check(body["action"], who, wait=body["wait"], peek=body["peek"],
                                               line_id=body["id"])
        return with_facts(answer.contract(), body["action"].get("facts"))


def with_facts(doc: dict[str, Any], facts: Any) -> dict[str, Any]:
    """The answer, naming the facts the client sent (they are in the action hash; an approver sees them in
    the request)."""
    if not isinstance(facts, dict) or not facts:
        return doc
    shown: list[str] = []
    for part in ("files", "binary", "plans", "dirs", "kinds", "unreadable"):
        section = facts.get(part)
        if isinstance(section, dict):
            shown.extend(f"{part}: {key}" for key in list(section)[:MAX_FACTS_SHOWN - len(shown)])
    if isinstance(facts.get("mcp_server"), dict):
        shown.append("mcp_server: how the MCP server is started")
    return {**doc, "facts": shown[:MAX_FACTS_SHOWN]}


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


def parse_check_body(raw: bytes) -> dict[str, Any]:
    try:
        doc = _decoder.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise BadInput(f"the body is not JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise BadInput('the body must be an object like {"action": {"type": "shell", "command": "…"}}')
    unknown = set(doc) - set(BODY_FIELDS)
    if unknown:
        raise BadInput(f"unknown field(s) {', '.join(sorted(unknown))}: expected {', '.join(BODY_FIELDS)}")
    if "action" not in doc:
        raise BadInput('the body needs "action": {"type": "shell", "command": "…", …}')
    try:
        to_action(doc["action"])
    except ValueError as exc:
        raise BadInput(str(exc)) from exc
    wait = doc.get("wait", 0)
    if isinstance(wait, bool) or not isinstance(wait, int | float) or not math.isfinite(wait) or not (
            0 <= wait <= MAX_WAIT_S):
        raise BadInput(f"wait must be a number of seconds from 0 to {MAX_WAIT_S:g}")
    peek = doc.get("peek", False)
    if not isinstance(peek, bool):
        raise BadInput("peek must be true or false")
    line_id = doc.get("id")
    if line_id is not None and not isinstance(line_id, str | int):
        raise BadInput("id must be a string or a number")
    return {"action": doc["action"], "wait": float(wait), "peek": peek, "id": line_id}


async def respond(send: Any, status: int, doc: dict[str, Any]) -> None:
    body = _encoder.encode(doc)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", WWW_AUTHENTICATE.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# --- the OpenAPI description ---------------------------------------------------------------------------

class CheckBody(BaseModel):
    id: str | int | None = Field(None, description="echoed back, as in `check --batch`")
    action: dict[str, Any] = Field(..., description="an action: {type: shell|sql|terraform_plan|k8s_manifest|"
                                                    "mcp_tool|file_write|http, …} as in DESIGN.md")
    wait: float = Field(0, ge=0, le=MAX_WAIT_S, description="for an ask, wait up to this many seconds for a decision")
    peek: bool = Field(False, description="answer allow for an approved action without using the approval")


class RequestBrief(BaseModel):
    id: str
    status: Literal["pending", "approved", "denied", "expired", "cancelled", "executed"]
    approvals: int
    required: int
    expires_at: str
    url: str


class CheckAnswer(BaseModel):
    id: str | int | None = None
    decision: Literal["allow", "ask", "deny"]
    approvals_required: int
    risk: str
    reasons: list[str]
    suggestions: list[str]
    summary: str
    effects: list[dict[str, Any]]
    rules: list[str]
    action_hash: str
    request: RequestBrief | None = Field(None, description="for an ask, and for an allow or deny that a request decided")
    error: str | None = None
    warning: str | None = Field(None, description="allowed, but the decision could not be recorded")
    facts: list[str] | None = Field(None, description="the facts the agent's client sent with the action, which "
                                                      "the decision read and the action hash binds")


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """The app's OpenAPI document with POST /v1/check in it (FastAPI describes only its own routes)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    answer = CheckAnswer.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(answer.pop("$defs", {}))
    components["CheckAnswer"] = answer
    error = {"content": {"application/json": {"schema": {
        "type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}}}}
    schema["paths"][PATH] = {"post": {
        "summary": "Decide an action; for an ask, file (or use) its approval request",
        "operationId": "check_v1_check_post",
        "requestBody": {"required": True, "content": {"application/json": {"schema": CheckBody.model_json_schema()}}},
        "responses": {
            "200": {"description": "the answer: the `check --batch` contract",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CheckAnswer"}}}},
            "401": {"description": "no credential, or a wrong one", **error},
            "413": {"description": "the body is larger than 1 MiB", **error},
            "422": {"description": "the body is not a check: it says what is wrong", **error},
            "503": {"description": "the store is unavailable (clients treat it as a deny)", **error},
        },
    }}
    return schema
