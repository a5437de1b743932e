"""flyctl: apps, machines, volumes and databases on Fly.io, placed by --app, FLY_APP or fly.toml."""

from __future__ import annotations

import tomllib

from changegate.environments import Placement
from changegate.model import Operation
from changegate.understand.base import Invocation
from changegate.understand.cli import Call
from changegate.understand.commands.platforms.base import Platform
from changegate.understand.facts import read_config
from changegate.understand.placement import place_name

FLY_TOML_LIMIT = 64 * 1024


class Fly(Platform):
    NAMES = ("flyctl", "fly")
    ENV_VARIABLES = ("FLY_APP", "FLY_API_TOKEN", "FLY_ACCESS_TOKEN", "FLY_ORG")
    VALUE_OPTIONS = frozenset({"-a", "--app", "-c", "--config", "-r", "--region", "-C", "--command", "-i",
                               "--image", "--vm-size", "--org", "-o", "--size", "-s", "--strategy", "--env", "-e",
                               "--name", "-n", "--volume", "--machine", "--select"})
    CONTEXT_OPTIONS = ("-a", "--app")
    CONTEXT_VARIABLES = ("FLY_APP",)
    WHERE_UNKNOWN = "no --app, FLY_APP or fly.toml says which Fly app this is"
    VERBS = {**Platform.VERBS, "destroy": "delete", "deploy": "modify", "launch": "create",
             "console": "host_control", "ssh": "host_control", "restart": "host_control", "stop": "host_control",
             "suspend": "host_control", "proxy": "read", "connect": Platform.interactive, "token": "secret_read",
             "scale": "modify", "count": "modify"}
    DATA_NOUNS = frozenset({"volume", "vol", "storage", "redis", "postgre", "pg", "mpg", "tigris", "snapshot"})
    WHOLE_ENVIRONMENT_NOUNS = frozenset({"app"})
    PERMISSION_NOUNS = frozenset({"token", "ip", "certs"})
    BARE_VERB_KINDS = {"destroy": frozenset({"app"})}  # `fly destroy APP`

    def refine(self, call: Call, operation: Operation, kinds: set[str]) -> Operation:
        if "token" in kinds and call.verb == "create":
            return "secret_read"  # `fly tokens create` prints the new token
        return super().refine(call, operation, kinds)

    def unplaced(self, call: Call) -> Placement:
        app = fly_toml_app(call.inv, call.opts.value("-c", "--config") or "fly.toml")
        if app:
            return place_name(call.inv.ctx.environments, app, "the app in fly.toml")
        return super().unplaced(call)


def fly_toml_app(inv: Invocation, path: str) -> str | None:
    """The `app` a fly.toml names; recorded as consulted, since the approval depends on it."""
    resolved = inv.ctx.resolve(path)
    text = read_config(resolved, limit=FLY_TOML_LIMIT) if resolved else None
    if not text:
        return None
    try:
        app = tomllib.loads(text).get("app")
    except (tomllib.TOMLDecodeError, ValueError):
        return None
    if isinstance(app, str) and app:
        inv.ctx.consulted[f"fly.toml:{resolved}:app"] = app
        return app
    return None
