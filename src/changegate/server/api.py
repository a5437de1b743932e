"""The HTTP API under /v1. Each route parses its input, calls the services, and answers JSON; errors are
`{"error": "…"}` with 401/403/404/409/413/422/503 (see app.py)."""

from __future__ import annotations

import math
from typing import Any, Literal

import msgspec
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from changegate.gate import to_action
from changegate.server.auth import caller, services_of
from changegate.service.approvals import STATUSES, Identity

MAX_BODY_BYTES = 1024 * 1024
MAX_WAIT_S = 600.0
router = APIRouter(prefix="/v1")
_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


class BadInput(Exception):
    """A malformed request (422, or 413 when too large), with what is wrong in plain words."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def json_response(doc: Any, status: int = 200) -> Response:
    return Response(_encoder.encode(doc), status_code=status, media_type="application/json")


# --- documented shapes (OpenAPI); the check route itself parses with msgspec for speed ----------------

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
    error: str | None = None
    request: RequestBrief | None = Field(None, description="for an ask, and for an allow or deny that a request decided")


class Comment(BaseModel):
    comment: str = Field("", max_length=2000)


CHECK_BODY_DOC = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": CheckBody.model_json_schema(ref_template="#/components/schemas/{model}")}}}}


# --- checking ------------------------------------------------------------------------------------------

@router.post("/check", response_model=CheckAnswer, openapi_extra=CHECK_BODY_DOC,
             summary="Decide an action; for an ask, file (or use) its approval request")
async def check(request: Request, who: Identity = Depends(caller)) -> Response:
    body = parse_check_body(await read_body(request))
    answer = await services_of(request).check(body["action"], who, wait=body["wait"], peek=body["peek"],
                                              line_id=body["id"])
    return json_response(answer)


async def read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BadInput(f"the body is larger than {MAX_BODY_BYTES // 1024} KiB", 413)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BadInput(f"the body is larger than {MAX_BODY_BYTES // 1024} KiB", 413)
        chunks.append(chunk)
    return b"".join(chunks)


def parse_check_body(raw: bytes) -> dict[str, Any]:
    try:
        doc = _decoder.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"the body is not JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise BadInput('the body must be an object like {"action": {"type": "shell", "command": "…"}}')
    unknown = set(doc) - {"id", "action", "wait", "peek"}
    if unknown:
        raise BadInput(f"unknown field(s) {', '.join(sorted(unknown))}: expected id, action, wait, peek")
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


# --- requests ------------------------------------------------------------------------------------------

@router.get("/requests", summary="Approval requests, newest first (an agent token sees only its own)")
async def list_requests(request: Request, status: str | None = Query(None, description="|".join(STATUSES)),
                        limit: int = Query(100, ge=1, le=500), who: Identity = Depends(caller)) -> Response:
    from changegate.server.services import to_thread

    services = services_of(request)
    found = await to_thread(services.list_requests, who, status, limit)
    return json_response({"requests": [r.as_dict(services.settings.public_url) for r in found]})


@router.get("/requests/{request_id}", summary="One approval request, with its action, verdict and votes")
async def get_request(request: Request, request_id: str, who: Identity = Depends(caller)) -> Response:
    from changegate.server.services import to_thread

    services = services_of(request)
    found = await to_thread(services.get_request, who, request_id)
    return json_response(found.as_dict(services.settings.public_url))


async def _decide(request: Request, request_id: str, verb: str, who: Identity, body: Comment | None) -> Response:
    from changegate.server.services import to_thread

    services = services_of(request)
    done = await to_thread(services.decide_request, who, request_id, verb, body.comment if body else "")
    return json_response(done.as_dict(services.settings.public_url))


@router.post("/requests/{request_id}/approve", summary="Approve (a person with the approver or admin role)")
async def approve(request: Request, request_id: str, body: Comment | None = None,
                  who: Identity = Depends(caller)) -> Response:
    return await _decide(request, request_id, "approve", who, body)


@router.post("/requests/{request_id}/deny", summary="Deny: ends the request")
async def deny(request: Request, request_id: str, body: Comment | None = None,
               who: Identity = Depends(caller)) -> Response:
    return await _decide(request, request_id, "deny", who, body)


@router.post("/requests/{request_id}/cancel", summary="Withdraw (the agent that asked, its operator, or an approver)")
async def cancel(request: Request, request_id: str, body: Comment | None = None,
                 who: Identity = Depends(caller)) -> Response:
    return await _decide(request, request_id, "cancel", who, body)


# --- audit ---------------------------------------------------------------------------------------------

def parse_since(since: str | None) -> float | None:
    from changegate.service.audit import parse_time

    try:
        return parse_time(since)
    except ValueError as exc:
        raise BadInput(f"since: {exc}") from exc


@router.get("/audit", summary="Audit records, oldest first, from `since` (time) or after `after` (seq)")
async def audit_records(request: Request, since: str | None = None, after: int | None = Query(None, ge=0),
                        limit: int = Query(100, ge=1, le=10_000), who: Identity = Depends(caller)) -> Response:
    from changegate.server.services import to_thread

    found = await to_thread(services_of(request).audit_records, who, parse_since(since), after, limit)
    return json_response({"records": [r.as_dict() for r in found]})


@router.get("/audit/verify", summary="Walk the hash chain; name the first broken record")
async def verify(request: Request, who: Identity = Depends(caller)) -> Response:
    from changegate.server.services import to_thread

    result = await to_thread(services_of(request).verify, who)
    return json_response({"ok": result.ok, "records": result.records, "broken_seq": result.broken_seq,
                          "problem": result.problem, "message": result.message()})


@router.get("/whoami", summary="The identity your credential proves")
async def whoami(who: Identity = Depends(caller)) -> Response:
    return json_response({"kind": who.kind, "name": who.name, "role": who.role, "operator": who.operator})
