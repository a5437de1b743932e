"""heroku: `topic:command` (`heroku pg:reset`, `heroku apps:destroy`), placed by --app or --remote."""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.cli import Call
from changegate.understand.commands.platforms.base import Platform


class Heroku(Platform):
    NAMES = ("heroku",)
    ENV_VARIABLES = ("HEROKU_APP", "HEROKU_API_KEY", "HEROKU_ORGANIZATION", "HEROKU_TEAM")
    COLON_TOPICS = True
    VALUE_OPTIONS = frozenset({"-a", "--app", "-r", "--remote", "--confirm", "-s", "--size", "-t", "--team",
                               "--space", "-n", "--num", "-d", "--dyno", "--type", "--region", "-e", "--env",
                               "--stack", "--source", "--json", "-c", "--command"})
    CONTEXT_OPTIONS = ("-a", "--app", "-r", "--remote")
    CONTEXT_VARIABLES = ("HEROKU_APP",)
    WHERE_UNKNOWN = "no --app or --remote says which Heroku app this is"
    def psql(self, call: Call) -> list[Effect]:
        """`pg:psql -c SQL`: the SQL runs on the app's database; without -c an interactive session."""
        sql = call.opts.value("-c", "--command")
        if not sql:
            return self.interactive(call)
        from changegate.understand.sql import sql_effects

        app = call.opts.value("-a", "--app") or "app"
        return sql_effects(sql, "postgres", self.placement(call), f"sql:heroku/{app}", "heroku",
                           environments=call.inv.ctx.environments, evidence=call.inv.text)

    VERBS = {
        **Platform.VERBS,
        "destroy": "delete", "reset": "delete", "run": "host_control", "restart": "host_control",
        "scale": "modify", "rollback": "modify", "on": "modify", "off": "modify", "promote": "modify",
        "capture": "read", "copy": "replace", "restore": "replace", "psql": psql, "cli": Platform.interactive,
        "url": "secret_read", "rotate": "permission", "token": "secret_read", "logs": "read", "info": "read",
        "apps": "read", "ps": "read", "releases": "read", "addons": "read", "domains": "read",
        # `heroku config` prints every config var with its value
        "config": "secret_read",
        "pg": "read", "redis": "read", "access": "read", "pipelines": "read", "create": "create",
        "remote": "read", "clone": "read", "unset": "modify", "open": "read", "status": "read",
    }
    DATA_NOUNS = frozenset({"pg", "addon", "redis", "backup"})
    WHOLE_ENVIRONMENT_NOUNS = frozenset({"app", "space"})
    PERMISSION_NOUNS = frozenset({"access", "collaborator", "credential"})
    SECRET_NOUNS = frozenset({"config", "credential"})
    BARE_VERB_KINDS = {"destroy": frozenset({"app"})}  # `heroku destroy` destroys the app
