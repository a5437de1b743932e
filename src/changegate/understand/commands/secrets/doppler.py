"""doppler: secrets by project and config (`--config prd`); `doppler run -- CMD` injects them into CMD."""

from __future__ import annotations

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.cli import Call
from changegate.understand.commands.secrets.base import (
    CREATE,
    DELETE,
    LOCAL_READ,
    PERMISSION,
    READ,
    SECRET,
    WRITE,
    SecretTool,
    Verb,
)

WHOLE_CONFIG = Verb("delete", kind="config", data_loss=True, whole=True, reversible="no")


class Doppler(SecretTool):
    NAMES = ("doppler",)
    ENV_VARIABLES = ("DOPPLER_CONFIG", "DOPPLER_ENVIRONMENT", "DOPPLER_PROJECT", "DOPPLER_TOKEN",
                     "DOPPLER_API_HOST")
    VALUE_OPTIONS = frozenset({"-p", "--project", "-c", "--config", "--token", "--scope", "--configuration",
                               "--api-host", "--format", "--name", "--fallback", "--mount", "--mount-format",
                               "--command", "--environment", "-e", "--type", "--max-age", "--page", "--number"})
    CONTEXT_OPTIONS = ("--config", "-c", "--environment", "-e")
    CONTEXT_VARIABLES = ("DOPPLER_CONFIG", "DOPPLER_ENVIRONMENT")
    DEFAULT_PLACEMENT = Placement(UNKNOWN, "no --config names the Doppler environment; the directory's "
                                           "configured one is not read (unknown is treated as prod)")

    def secrets(self, call: Call) -> list[Effect]:
        return (READ if call.opts.has("--only-names") else SECRET)(self, call)  # names only, no values

    VERBS = {
        **SecretTool.VERBS,
        "run": SecretTool.run,
        "secrets": secrets, "secrets get": SECRET, "secrets download": SECRET,
        "secrets substitute": SECRET, "secrets set": WRITE, "secrets upload": WRITE,
        "secrets delete": DELETE, "secrets notes": WRITE, "secrets list": secrets,
        "configs": READ, "configs list": READ, "configs get": READ, "configs logs": READ,
        "configs create": CREATE, "configs clone": CREATE, "configs update": WRITE,
        "configs lock": WRITE, "configs unlock": WRITE, "configs delete": WHOLE_CONFIG,
        "configs tokens": READ, "configs tokens create": Verb("permission", kind="token", also="secret_read"),
        "configs tokens revoke": PERMISSION,
        "projects": READ, "projects list": READ, "projects get": READ,
        "projects create": CREATE, "projects update": WRITE,
        "projects delete": Verb("delete", kind="project", data_loss=True, whole=True, reversible="no"),
        "environments": READ, "environments list": READ, "environments get": READ,
        "environments create": CREATE, "environments rename": WRITE,
        "environments delete": Verb("delete", kind="environment", data_loss=True, whole=True, reversible="no"),
        "import": WRITE, "setup": LOCAL_READ, "login": LOCAL_READ, "logout": LOCAL_READ,
        "configure": LOCAL_READ, "me": LOCAL_READ, "activity": READ, "open": LOCAL_READ,
        "update": LOCAL_READ, "version": LOCAL_READ, "help": LOCAL_READ, "completion": LOCAL_READ,
    }
