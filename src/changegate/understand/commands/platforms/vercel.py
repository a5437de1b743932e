"""vercel: `vercel` alone deploys a preview; `--prod` (or `--target production`) deploys to production."""

from __future__ import annotations

from changegate.environments import PROD, Placement
from changegate.understand.cli import Call
from changegate.understand.commands.platforms.base import Platform, nouns
from changegate.understand.placement import place_name

ENVIRONMENT_NAMES = ("production", "preview", "development")


class Vercel(Platform):
    NAMES = ("vercel",)
    ENV_VARIABLES = ("VERCEL_TOKEN", "VERCEL_ORG_ID", "VERCEL_PROJECT_ID")
    VALUE_OPTIONS = frozenset({"--token", "-t", "--scope", "-S", "--team", "-T", "--target", "--environment",
                               "--env", "-e", "--build-env", "-b", "--meta", "-m", "--cwd", "--local-config",
                               "-A", "--global-config", "-Q", "--regions", "--name", "--git-branch"})
    VERBS = {**Platform.VERBS, "remove": "delete", "rm": "delete", "deploy": "modify", "promote": "modify",
             "rollback": "modify", "redeploy": "modify", "pull": "secret_read", "dev": "read", "build": "read",
             "link": "read", "inspect": "read", "ls": "read", "list": "read", "logs": "read", "bisect": "read",
             "switch": "read", "open": "read"}
    WHOLE_ENVIRONMENT_NOUNS = frozenset({"project", "remove", "rm"})
    DATA_NOUNS = frozenset({"blob", "storage"})
    NOUNS = {**Platform.NOUNS, **nouns("env", "domains", "dns", "certs", "alias", "project", "secrets", "teams",
                                       "git", "blob", "integration", "target")}
    # `vercel rm PROJECT` removes the whole project
    BARE_VERB_KINDS = {"remove": frozenset({"remove"}), "rm": frozenset({"rm"})}

    def command_words(self, positionals: list[str]) -> list[str]:
        return positionals or ["deploy"]  # `vercel` alone deploys a preview

    def placement(self, call: Call) -> Placement:
        environments = call.inv.ctx.environments
        target = call.opts.value("--target", "--environment", "--env")
        if call.opts.has("--prod", "--production") or target == "production":
            return Placement(PROD, "--prod deploys to production")
        if target:
            return place_name(environments, target, "--target")
        names = self.names(call)
        named = [n for n in names if n in ENVIRONMENT_NAMES]
        if named:
            return place_name(environments, named[0], "the environment named")
        if names[:1] in (["deploy"], []) or "deploy" in names:
            return Placement("staging", "a preview deployment (without --prod) does not reach production")
        return self.place(call, names)
