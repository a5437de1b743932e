"""circleci: contexts, orbs, pipelines and runners of CircleCI; `local` and `config` stay on this machine."""

from __future__ import annotations

from changegate.understand.commands.platforms.base import Platform, nouns


class Circleci(Platform):
    NAMES = ("circleci",)
    ENV_VARIABLES = ("CIRCLECI_CLI_HOST", "CIRCLECI_CLI_TOKEN")
    VALUE_OPTIONS = frozenset({"--org-slug", "--org-id", "--token", "--host", "--integration", "-c", "--config",
                               "--branch", "--job"})
    ADDRESS_OPTIONS = ("--host",)
    VERBS = {**Platform.VERBS, "publish": "publish", "validate": "read", "process": "read", "pack": "read",
             "execute": "read", "diagnostic": "read", "setup": "read", "open": "read", "follow": "read",
             "info": "read", "store-secret": "modify", "remove-secret": "delete", "trigger": "modify"}
    LOCAL_VERBS = Platform.LOCAL_VERBS | {"diagnostic", "setup", "version"}
    LOCAL_NOUNS = frozenset({"local", "config"})  # `circleci config validate`, `circleci local execute`
    NOUNS = {**Platform.NOUNS, **nouns("config", "context", "orb", "namespace", "pipeline", "policy", "project",
                                       "local", "runner", "trigger")}
    DATA_NOUNS = frozenset({"context", "namespace", "orb", "secret"})
