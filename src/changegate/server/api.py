"""The HTTP API under /v1. Each route parses its input, calls the services, and answers JSON; errors are
`{"error": "…"}` with 401/403/404/409/413/422/503 (see app.py). POST /v1/check is not a route here: it is
answered before FastAPI's routing (server/check.py)."""

from __future__ import annotations

from typing import Any

import msgspec
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from changegate.server.auth import caller, services_of
from changegate.server.services import to_thread
from changegate.service.approvals import STATUSES
from changegate.service.audit import parse_time
from changegate.service.identity import Identity

WWW_AUTHENTICATE = 'Bearer realm="changegate", Basic realm="changegate"'  # with every 401
router = APIRouter(prefix="/v1")
MAX_SEQ = 2**63 - 1  # the audit table's seq is a signed 64-bit integer
_encoder = msgspec.json.Encoder()


class BadInput(Exception):
    """A malformed request (422, or 413 when too large), with what is wrong in plain words."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def json_response(doc: Any, status: int = 200) -> Response:
    return Response(_encoder.encode(doc), status_code=status, media_type="application/json")


class Comment(BaseModel):
    comment: str = Field("", max_length=2000)



# --- requests ------------------------------------------------------------------------------------------

@router.get("/requests", summary="Approval requests, newest first (an agent token sees only its own)")
async def list_requests(request: Request, status: str | None = Query(None, description="|".join(STATUSES)),
                        limit: int = Query(100, ge=1, le=500), who: Identity = Depends(caller)) -> Response:
    services = services_of(request)
    found = await to_thread(services.list_requests, who, status, limit)
    return json_response({"requests": [r.as_dict(services.settings.public_url) for r in found]})


@router.get("/requests/{request_id}", summary="One approval request, with its action, verdict and votes")
async def get_request(request: Request, request_id: str, who: Identity = Depends(caller)) -> Response:
    services = services_of(request)
    found = await to_thread(services.get_request, who, request_id)
    return json_response(found.as_dict(services.settings.public_url))


async def _decide(request: Request, request_id: str, verb: str, who: Identity, body: Comment | None) -> Response:
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
    try:
        return parse_time(since)
    except ValueError as exc:
        raise BadInput(f"since: {exc}") from exc


@router.get("/audit", summary="Audit records, oldest first, from `since` (time) or after `after` (seq)")
async def audit_records(request: Request, since: str | None = Query(None, max_length=64),
                        after: int | None = Query(None, ge=0, le=MAX_SEQ),
                        limit: int = Query(100, ge=1, le=10_000), who: Identity = Depends(caller)) -> Response:
    found = await to_thread(services_of(request).audit_records, who, parse_since(since), after, limit)
    return json_response({"records": [r.as_dict() for r in found]})


@router.get("/audit/verify", summary="Walk the hash chain; name the first broken record")
async def verify(request: Request, who: Identity = Depends(caller)) -> Response:
    result = await to_thread(services_of(request).verify, who)
    return json_response({"ok": result.ok, "records": result.records, "broken_seq": result.broken_seq,
                          "problem": result.problem, "mismatches": list(result.mismatches),
                          "message": result.message()})


@router.get("/whoami", summary="The identity your credential proves")
async def whoami(who: Identity = Depends(caller)) -> Response:
    return json_response({"kind": who.kind, "name": who.name, "role": who.role, "operator": who.operator,
                          "teams": list(who.teams)})
