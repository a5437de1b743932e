"""infisical: secrets by environment (`--env prod`; `dev` when none is given); `run -- CMD` injects them."""

from __future__ import annotations

from changegate.environments import DEV, Placement
from changegate.understand.cli import Call
from changegate.understand.commands.secrets.base import (
    CREATE,
    DELETE,
    DESTROY,
    LOCAL_READ,
    READ,
    SECRET,
    WRITE,
    SecretTool,
)
from changegate.understand.placement import place_name


class Infisical(SecretTool):
    NAMES = ("infisical",)
    ENV_VARIABLES = ("INFISICAL_TOKEN", "INFISICAL_API_URL", "INFISICAL_UNIVERSAL_AUTH_CLIENT_ID")
    VALUE_OPTIONS = frozenset({"--env", "--projectId", "--path", "--token", "--domain", "--command", "--format",
                               "--output-file", "--type", "--tags", "--watch-interval"})
    CONTEXT_OPTIONS = ("--env",)
    DEFAULT_PLACEMENT = Placement(DEV, "infisical uses the 'dev' environment when --env is not given")
    VERBS = {
        **SecretTool.VERBS,
        "run": SecretTool.run,
        "secrets": SECRET, "secrets get": SECRET, "export": SECRET, "secrets set": WRITE,
        "secrets delete": DELETE, "secrets folders get": READ, "secrets folders create": CREATE,
        "secrets folders delete": DESTROY, "secrets generate-example-env": READ,
        "login": LOCAL_READ, "init": LOCAL_READ, "user": LOCAL_READ, "reset": LOCAL_READ,
        "vault": LOCAL_READ, "scan": LOCAL_READ, "--version": LOCAL_READ,
    }

    def placement(self, call: Call) -> Placement:
        """Only --env says where: secret names are not environments here."""
        value = call.opts.value("--env")
        if value:
            return place_name(call.inv.ctx.environments, value, "infisical --env")
        return self.DEFAULT_PLACEMENT
