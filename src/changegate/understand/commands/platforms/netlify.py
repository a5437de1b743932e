"""netlify: `netlify deploy` is a draft unless --prod; `topic:command` for the rest (`netlify env:get`)."""

from __future__ import annotations

from changegate.environments import PROD, Placement
from changegate.model import Effect
from changegate.understand.cli import Call
from changegate.understand.commands.generic import classify_verb
from changegate.understand.commands.platforms.base import Platform

PRODUCTION_FLAGS = ("--prod", "-p", "--prodIfUnlocked")


class Netlify(Platform):
    NAMES = ("netlify",)
    ENV_VARIABLES = ("NETLIFY_SITE_ID", "NETLIFY_AUTH_TOKEN")
    COLON_TOPICS = True
    VALUE_OPTIONS = frozenset({"--site", "-s", "--auth", "--context", "--dir", "-d", "--functions", "-f",
                               "--alias", "--message", "-m", "--filter", "--scope", "--name", "-n"})
    CONTEXT_OPTIONS = ("--context",)
    WHOLE_ENVIRONMENT_NOUNS = frozenset({"site"})
    SECRET_NOUNS = frozenset({"env"})  # `env:list` prints the values

    def deploy(self, call: Call) -> list[Effect]:
        if call.nouns:
            return self.effects(call, "modify")
        production = call.opts.has(*PRODUCTION_FLAGS)
        placement = (Placement(PROD, "--prod deploys to production") if production else
                     Placement("staging", "a draft deploy (without --prod) does not reach production"))
        return [call.inv.effect("modify", f"netlify:{call.opts.value('--site', '-s') or 'site'}/deploy", placement,
                                kind="site", summary="netlify deploy" + (" --prod" if production else " (a draft)"))]

    def api(self, call: Call) -> list[Effect]:
        """`netlify api METHOD [--data JSON]`: the method's name says what it does (`listSites`, `deleteSite`)."""
        method = call.args[0] if call.args else ""
        operation = classify_verb(method) or ("read" if method.startswith("get") else None)
        if operation is None:
            return self.no_verb_found(call)
        return self.effects(call, operation)

    VERBS = {**Platform.VERBS, "deploy": deploy, "build": "read", "dev": "read", "serve": "read",
             "link": "read", "unlink": "read", "status": "read", "open": "read", "watch": "read", "init": "read",
             "invoke": "modify", "api": api, "get": "secret_read", "unset": "delete", "import": "modify",
             "clone": "create", "list": "read"}
