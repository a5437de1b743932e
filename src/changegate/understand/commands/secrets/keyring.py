"""Python's `keyring`: the user's keychain or secret service on this machine."""

from __future__ import annotations

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.secrets.base import (
    DESTROY,
    LOCAL_READ,
    MACHINE_SECRETS,
    SECRET,
    WRITE,
    SecretTool,
)

LISTING_FLAGS = ("--list-backends", "--help", "-h", "--version")


class Keyring(SecretTool):
    NAMES = ("keyring",)
    ENV_VARIABLES = ("PYTHON_KEYRING_BACKEND", "KEYRING_PROPERTY_KEYRING_PATH")
    VALUE_OPTIONS = frozenset({"-b", "--keyring-backend", "-p", "--keyring-path", "--mode"})
    DEFAULT_PLACEMENT = MACHINE_SECRETS
    VERBS = {**SecretTool.VERBS, "get": SECRET, "set": WRITE, "del": DESTROY, "diagnose": LOCAL_READ}

    def analyze(self, inv: Invocation) -> list[Effect]:
        if any(w.value in LISTING_FLAGS for w in inv.words):
            return [inv.effect("read", "keyring:backends", Placement(LOCAL, "it lists keyring backends"),
                               reversible="yes", summary="keyring lists its backends")]
        return super().analyze(inv)
