"""Who is calling: FastAPI dependencies over `Services.authenticate`, for the API and the web pages, and the
rule for ambient credentials that `server/guard.py` applies before any API handler runs.

    who: Identity = Depends(caller)            any valid credential (agent token, personal token, password)
    who: Identity = Depends(person("approver")) a person with at least that role

An API state change (POST, PUT, PATCH, DELETE under /v1/) carried by an ambient credential — HTTP Basic,
which a browser may attach by itself to a request another site makes — must be JSON
(`Content-Type: application/json`, which a cross-site form or simple request cannot send) and must not come
from a foreign `Origin`. A bearer token is never attached by a browser, so it needs neither.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import urlsplit

from fastapi import Request

from changegate.server.services import Services, require_person
from changegate.service.identity import Identity

STATE_CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
API_PREFIX = "/v1/"


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def caller(request: Request) -> Identity:
    return await services_of(request).identify(request.headers.get("authorization"))


def person(role: str = "viewer") -> Callable[[Request], Awaitable[Identity]]:
    async def dependency(request: Request) -> Identity:
        who = await caller(request)
        require_person(who, role)
        return who

    return dependency


# --- ambient credentials -------------------------------------------------------------------------------

def ambient_problem(method: str, headers: Mapping[str, str], own: set[str]) -> tuple[int, str] | None:
    """(status, why) when a state change carried by HTTP Basic must be refused; None when it may go on.
    `headers` has lower-case names; `own` is this server's origins (`own_origins`)."""
    if method not in STATE_CHANGES or headers.get("authorization", "")[:6].lower() != "basic ":
        return None
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return 415, ("a change made with a name and password (HTTP Basic) must send a JSON body "
                     "(Content-Type: application/json); forms and other bodies are refused")
    origin = headers.get("origin", "").strip().lower()
    if origin and origin not in own:
        return 403, (f"a change made with a name and password must come from this server's own pages or from a "
                     f"client that sends no Origin; {origin!r} is another site")
    return None


def own_origins(scheme: str, host: str | None, public_url: str) -> set[str]:
    """The origins this server answers as: its public URL's, and the one the request was addressed to."""
    origins = {origin_of(public_url)}
    if host:
        origins.add(f"{scheme}://{host}".lower())
    return origins - {""}


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""
