"""The FastAPI application: `create_app()` builds it around a `Services` (opened from settings, or given):
the API (`server/api.py`, with POST /v1/check answered in front of it by `server/check.py`), the web pages
(`server/pages.py`), /healthz, and one JSON error shape for every failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import sys
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from changegate.server import check, guardrails
from changegate.server.api import WWW_AUTHENTICATE, BadInput, json_response, router
from changegate.server.guard import ApiGuard
from changegate.server.pages import mount_pages
from changegate.server.services import AuthError, Services, Settings, to_thread
from changegate.server.sessions import Sessions, session_secret
from changegate.service.accounts import AccountError
from changegate.service.approvals import ApprovalError
from changegate.service.store import StoreError
from changegate.version import __version__

APPROVAL_STATUS = {"forbidden": 403, "not_found": 404, "conflict": 409, "invalid": 422}


class App(FastAPI):
    """FastAPI, with POST /v1/check (answered before the routing) in its OpenAPI document."""

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            self.openapi_schema = check.document(super().openapi())
        return self.openapi_schema


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """The app. Without `services`, it opens them from `settings` (or the CHANGEGATE_* variables)."""
    owned = services is None
    opened = services if services is not None else Services.open(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        expiry = asyncio.create_task(expire_requests(opened))
        signing = asyncio.create_task(sign_checkpoints(opened))
        try:
            yield
        finally:
            expiry.cancel()
            signing.cancel()
            if owned:
                opened.close()

    app = App(title="changegate", version=__version__, lifespan=lifespan,
              description="The gate between AI agents and the systems they can change: check actions, "
                          "approve requests, read and verify the audit log.")
    app.state.services = opened
    app.include_router(router)
    guardrails.install(app, opened)  # the kill switch, breakers, break-glass (server/guardrails.py)
    install_error_handlers(app)
    app.add_middleware(check.CheckEndpoint, services=opened)
    app.add_middleware(ApiGuard, services=opened)  # outermost: before /v1/check and every route
    mount_pages(app)  # the web pages (server/pages.py): inbox, requests, audit, policy, admin
    # sessions whose sign-outs every worker sees (the key file is read on the first page request)
    app.state.sessions = Sessions(functools.partial(session_secret, opened.settings.database_url),
                                  clock=opened.clock, store=opened.store)

    @app.get("/healthz", summary="Liveness and store reachability (503 when the store is down)")
    async def healthz() -> Response:
        health = await to_thread(opened.health)
        return json_response(health, 200 if health["status"] == "ok" else 503)

    return app


def app_from_env() -> FastAPI:
    """The factory `changegate serve` gives uvicorn (each worker process builds its own)."""
    app = create_app(Settings.from_env())
    tune_worker()
    return app


GIL_SWITCH_S = 0.0005


def tune_worker() -> None:
    """Two process-wide settings for a server worker (not for an app built in someone else's process, a test's):

    - Hand the GIL over within GIL_SWITCH_S instead of Python's 5 ms. The audit writer's and the store
      threads' every SQLite call gives the GIL up; while the event loop is deciding, taking it back waited
      up to 5 ms each time, with the store's write lock held, so the other workers waited too (bench/server.py:
      the audit writer held the lock 5.4 ms at the median; 1.9 ms with this).
    - Move what start-up built (modules, the policy, SQLAlchemy's tables: ~100k objects) out of the garbage
      collector's sight. Otherwise every full collection walks all of it and stalls the event loop, and every
      answer in flight, for 30-70 ms. What is made later (per request, in caches) is collected as usual;
      what is frozen lives as long as the process anyway.
    """
    sys.setswitchinterval(GIL_SWITCH_S)
    gc.collect()
    gc.freeze()


async def expire_requests(services: Services) -> None:
    """Close requests past their expiry now and then, so they read (and notify) as expired."""
    while True:
        await asyncio.sleep(services.settings.expire_every_s)
        try:
            await to_thread(services.approvals.expire_due)
        except StoreError as exc:
            print(f"changegate: could not expire requests: {exc}", file=sys.stderr)


async def sign_checkpoints(services: Services) -> None:
    """Sign the chain head when a checkpoint is due (service/signed_heads.py) and publish it to the
    witnesses; a witness or store that fails is reported and tried again at the next tick."""
    while True:
        await asyncio.sleep(services.settings.checkpoint_poll_s)
        try:
            await to_thread(services.signer.tick)
        except Exception as exc:  # the signer must outlive any one failure; it says what happened
            print(f"changegate: could not sign a checkpoint: {type(exc).__name__}: {exc}", file=sys.stderr)
        for problem in services.signer.problems:
            print(f"changegate: a witness did not take the checkpoint: {problem}", file=sys.stderr)
        services.signer.problems = []


def error(status: int, message: str, **extra: Any) -> Response:
    response = json_response({"error": message, **extra}, status)
    if status == 401:
        response.headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    return response


def install_error_handlers(app: FastAPI) -> None:
    async def auth_failed(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AuthError)
        response = error(exc.status, str(exc))
        if exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    async def refused(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApprovalError)
        return error(APPROVAL_STATUS[exc.code], str(exc))

    async def bad_input(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, BadInput)
        return error(exc.status, str(exc))

    async def account(_request: Request, exc: Exception) -> Response:
        return error(422, str(exc))

    async def store_down(_request: Request, exc: Exception) -> Response:
        return error(503, f"the store is unavailable: {exc}")

    async def invalid(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()]
        return error(422, "; ".join(problems) or "the request is not valid")

    async def http(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return error(exc.status_code, str(exc.detail))

    app.add_exception_handler(AuthError, auth_failed)
    app.add_exception_handler(ApprovalError, refused)
    app.add_exception_handler(BadInput, bad_input)
    app.add_exception_handler(AccountError, account)
    app.add_exception_handler(StoreError, store_down)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(HTTPException, http)

    async def internal(_request: Request, exc: Exception) -> Response:
        print(f"changegate: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return error(500, f"internal error ({type(exc).__name__}); clients treat this as a deny")

    app.add_exception_handler(Exception, internal)
