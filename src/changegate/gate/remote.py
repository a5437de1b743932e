"""Remote mode: the same answers, from a changegate server (CHANGEGATE_URL, CHANGEGATE_TOKEN).

The answer is the server's JSON as it came: the server made it with `Answer.contract()`, and this side only
relays it (the CLI prints it, the broker reads it back with `Answer.from_contract`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from changegate.answer import Answer
from changegate.model import Verdict

URL_ENV, TOKEN_ENV = "CHANGEGATE_URL", "CHANGEGATE_TOKEN"


def remote_target(env: Mapping[str, str] = os.environ) -> tuple[str, str] | None:
    """(url, token) when the environment points at a server."""
    url = env.get(URL_ENV, "").strip()
    return (url, env.get(TOKEN_ENV, "").strip()) if url else None


def check_remote(action: dict[str, Any], url: str, token: str, *, wait: float = 0.0, line_id: Any = None,
                 timeout: float = 5.0) -> dict[str, Any]:
    """Ask the server; a server that cannot be reached is a deny that names it."""
    # urllib.request (through the client) costs tens of milliseconds: the shims read `remote_target` on every
    # call and need the client only in remote mode
    from changegate.client import Client, Unreachable

    try:
        answer = Client(url, token, timeout=timeout).check(action, wait=wait)
    except Unreachable as exc:
        answer = unreachable(str(exc))
    if line_id is not None:
        answer = {"id": line_id, **{k: v for k, v in answer.items() if k != "id"}}
    return answer


def unreachable(message: str) -> dict[str, Any]:
    """The answer when the server cannot be asked: deny, naming it."""
    return Answer.of(Verdict(
        decision="deny", risk="high", reasons=[f"the changegate server could not be asked, so nothing is allowed: "
                                               f"{message}"], suggestions=[], effects=[], approvals_required=0,
        action_hash="", summary="changegate server unreachable", error=message)).contract()
