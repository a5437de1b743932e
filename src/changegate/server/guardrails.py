"""The guardrails over HTTP: the kill switch, circuit breakers and break-glass (service/guardrails/).

    GET  /v1/guardrails                          kill switches on, breakers open, break-glass reviews open
    GET  /v1/scopes, POST /v1/scopes (ask), POST /v1/scopes/grant (a new one), POST /v1/scopes/{id}/grant,
    POST /v1/scopes/{id}/revoke                  task scopes
    POST /v1/guardrails/freeze                   {"reason", "environments": [], "agents": "*"}: kill switch on
    POST /v1/guardrails/freeze/lift              {"id": null, "comment": ""}: lift one (or every) kill switch
    POST /v1/guardrails/breakers/{agent}/close   {"comment": ""}
    POST /v1/requests/{id}/breakglass            {"reason"}: let one pending or denied request through now
    POST /v1/guardrails/breakglass/{id}/review   {"comment"}: the second person's review

People only (approvers and admins change things; viewers read). `install()` wires them into an app and puts
the store-backed guard in the server's Checkpoint, so every server process reads the same kill switches.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from changegate.policy import parse_duration
from changegate.policy.schema import ScopeSettings
from changegate.server.api import json_response
from changegate.server.auth import caller, services_of
from changegate.server.services import Services, require_person, to_thread
from changegate.service.guardrails import Announce, ScopeRefused, announcer
from changegate.service.guardrails.store import (
    BreakGlass,
    GuardrailError,
    ScopeAsk,
    StoreGuard,
    grant_scope,
    request_scope,
    revoke_scope,
)
from changegate.service.identity import Identity
from changegate.service.notify import Notifier

router = APIRouter(prefix="/v1")
STATUS = {"forbidden": 403, "not_found": 404, "conflict": 409, "invalid": 422}


class FreezeBody(BaseModel):
    reason: str = Field(..., min_length=1, max_length=2000)
    environments: list[str] = Field(default_factory=list, max_length=16)
    agents: str = Field("*", min_length=1, max_length=200)


class LiftBody(BaseModel):
    id: str | None = Field(None, max_length=32)
    comment: str = Field("", max_length=2000)


class Note(BaseModel):
    comment: str = Field("", max_length=2000)


class GlassBody(BaseModel):
    reason: str = Field(..., min_length=1, max_length=2000)


def install(app: FastAPI, services: Services) -> None:
    """The routes, their error shape, and the store-backed guard and break-glass in the server's Checkpoint."""
    announce = server_announcer(services.notifier)
    services.checkpoint.guard = StoreGuard(services.store, announce=announce, clock=services.clock)
    services.checkpoint.breakglass = BreakGlass(services.store, services.approvals, announce=announce,
                                                clock=services.clock)
    app.include_router(router)

    async def refused(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, GuardrailError | ScopeRefused)
        return json_response({"error": str(exc)}, STATUS.get(getattr(exc, "code", "invalid"), 422))

    app.add_exception_handler(GuardrailError, refused)
    app.add_exception_handler(ScopeRefused, refused)


def server_announcer(notifier: Notifier) -> Announce:
    """Guardrail events through the server's notifier: queued, sent from its background thread, retried."""
    return announcer(notifier.webhooks, notifier.post)


def guard_of(services: Services) -> StoreGuard:
    guard = services.checkpoint.guard
    if not isinstance(guard, StoreGuard):
        raise GuardrailError("this server keeps no guardrails (guardrails.install was not called)", "conflict")
    return guard


def overview(services: Services, who: Identity) -> dict[str, Any]:
    """What is on: kill switches, open breakers, break-glass reviews to do (overdue ones escalated now), task
    scopes pending or in force."""
    require_person(who)
    guard, glass = guard_of(services), services.checkpoint.breakglass
    glass.escalate_overdue()
    now = services.clock()
    return {"freezes": [f.as_dict() for f in guard.active_freezes()],
            "breakers": [b.as_dict() for b in guard.open_breakers()],
            "reviews": [g.as_dict() for g in glass.open_reviews()],
            "scopes": [s.as_dict(now) for s in guard.all_scopes(since=now)]}  # pending and active


@router.get("/guardrails", summary="Kill switches on, circuit breakers open, break-glass reviews open")
async def get_guardrails(request: Request, who: Identity = Depends(caller)) -> Response:
    return json_response(await to_thread(overview, services_of(request), who))


@router.post("/guardrails/freeze", summary="Turn the kill switch on: every change by the agents it covers is denied")
async def freeze(request: Request, body: FreezeBody, who: Identity = Depends(caller)) -> Response:
    guard = guard_of(services_of(request))
    done = await to_thread(guard.freeze, who, body.reason, body.environments, body.agents)
    return json_response(done.as_dict(), 201)


@router.post("/guardrails/freeze/lift", summary="Lift a kill switch (a person; never an agent token)")
async def lift(request: Request, body: LiftBody, who: Identity = Depends(caller)) -> Response:
    lifted = await to_thread(guard_of(services_of(request)).lift, who, body.id, body.comment)
    return json_response({"lifted": [f.as_dict() for f in lifted]})


@router.post("/guardrails/breakers/{agent}/close", summary="Close an agent's circuit breaker (a person)")
async def close_breaker(request: Request, agent: str, body: Note | None = None,
                        who: Identity = Depends(caller)) -> Response:
    closed = await to_thread(guard_of(services_of(request)).close, who, agent, body.comment if body else "")
    return json_response(closed.as_dict())


# --- task scopes ---------------------------------------------------------------------------------------

class ScopeBody(BaseModel):
    agent: str = Field(..., min_length=1, max_length=128)
    session: str = Field("", max_length=128)
    resources: dict[str, list[str]] = Field(..., description="environment -> resource globs")
    operations: list[str] = Field(..., min_length=1, max_length=12)
    duration: str = Field("4h", max_length=16, description="how long: 30m, 4h (at most scopes.max_duration)")
    reason: str = Field(..., min_length=1, max_length=2000)

    def ask(self) -> ScopeAsk:
        try:
            seconds = parse_duration(self.duration).total_seconds()
        except ValueError as exc:
            raise GuardrailError(str(exc), "invalid") from exc
        return ScopeAsk(self.agent, self.resources, tuple(self.operations), seconds, self.reason, self.session)


def scope_settings(services: Services) -> ScopeSettings:
    return services.checkpoint.policy().doc.scopes


@router.get("/scopes", summary="Task scopes, newest first (an agent token sees its own)")
async def list_scopes(request: Request, who: Identity = Depends(caller)) -> Response:
    services = services_of(request)
    now = services.clock()
    found = await to_thread(guard_of(services).all_scopes)
    return json_response({"scopes": [s.as_dict(now) for s in found if who.is_person or s.agent == who.name]})


@router.post("/scopes", summary="Ask for a task scope (an agent, for itself; or a person); people grant it")
async def ask_scope(request: Request, body: ScopeBody, who: Identity = Depends(caller)) -> Response:
    services = services_of(request)
    done = await to_thread(request_scope, guard_of(services), who, body.ask(), scope_settings(services),
                           services.clock())
    return json_response(done.as_dict(services.clock()), 201)


@router.post("/scopes/grant", summary="Grant a new task scope (a person; prod needs a second person's grant)")
async def grant_new_scope(request: Request, body: ScopeBody, who: Identity = Depends(caller)) -> Response:
    services = services_of(request)
    done = await to_thread(grant_scope, guard_of(services), who, services.clock(), ask=body.ask(),
                           settings=scope_settings(services))
    return json_response(done.as_dict(services.clock()), 201)


@router.post("/scopes/{scope_id}/grant", summary="Grant a requested task scope (or add the second person's grant)")
async def grant_asked_scope(request: Request, scope_id: str, who: Identity = Depends(caller)) -> Response:
    services = services_of(request)
    done = await to_thread(grant_scope, guard_of(services), who, services.clock(), scope_id=scope_id)
    return json_response(done.as_dict(services.clock()))


@router.post("/scopes/{scope_id}/revoke", summary="Revoke a task scope (a person)")
async def revoke(request: Request, scope_id: str, who: Identity = Depends(caller)) -> Response:
    services = services_of(request)
    done = await to_thread(revoke_scope, guard_of(services), who, scope_id, services.clock())
    return json_response(done.as_dict(services.clock()))


@router.post("/requests/{request_id}/breakglass", summary="Break-glass: let one pending or denied request through now")
async def break_glass(request: Request, request_id: str, body: GlassBody, who: Identity = Depends(caller)) -> Response:
    glass = await to_thread(services_of(request).checkpoint.breakglass.open, who, request_id, body.reason)
    return json_response(glass.as_dict(), 201)


@router.post("/guardrails/breakglass/{glass_id}/review", summary="Review a break-glass (a second person)")
async def review(request: Request, glass_id: str, body: Note, who: Identity = Depends(caller)) -> Response:
    done = await to_thread(services_of(request).checkpoint.breakglass.review, who, glass_id, body.comment)
    return json_response(done.as_dict())
