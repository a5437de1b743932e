"""Who is calling: FastAPI dependencies over `Services.authenticate`, for the API and the web pages.

    who: Identity = Depends(caller)            any valid credential (agent token, personal token, password)
    who: Identity = Depends(person("approver")) a person with at least that role
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from changegate.server.services import Services, require_person
from changegate.service.identity import Identity


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
