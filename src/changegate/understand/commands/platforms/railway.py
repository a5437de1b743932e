"""railway: services and environments on Railway; `railway run CMD` runs CMD with the service's variables."""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.cli import Call
from changegate.understand.commands.platforms.base import Platform


class Railway(Platform):
    NAMES = ("railway",)
    ENV_VARIABLES = ("RAILWAY_ENVIRONMENT", "RAILWAY_TOKEN", "RAILWAY_API_TOKEN", "RAILWAY_PROJECT_ID",
                     "RAILWAY_SERVICE_ID")
    VALUE_OPTIONS = frozenset({"-e", "--environment", "-s", "--service", "-p", "--project", "--set", "-d",
                               "--detach", "--json"})
    CONTEXT_OPTIONS = ("-e", "--environment")
    CONTEXT_VARIABLES = ("RAILWAY_ENVIRONMENT",)
    WHOLE_ENVIRONMENT_NOUNS = frozenset({"delete"})
    DATA_NOUNS = frozenset({"volume"})

    def run(self, call: Call) -> list[Effect]:
        """`railway run [--] CMD…`: CMD runs here with the variables injected, and is judged as itself."""
        opts = self.walk(call.inv.words, stop_at_first_positional=True)
        if opts.positionals[:1] == ["run"]:
            command = opts.positional_words[1:]
            if command and command[0].value == "--":
                command = command[1:]
            if command:
                call.inv.run_argv(command, stdin=call.inv.stdin)
                return []
        return self.effects(call, "read")

    def variables(self, call: Call) -> list[Effect]:
        return self.effects(call, "modify" if call.opts.has("--set") else "secret_read")

    def kinds(self, call: Call) -> set[str]:
        found = super().kinds(call)
        if not call.nouns:
            found.add(call.verb)  # a bare verb acts on the project itself (`railway delete`)
        return found

    VERBS = {**Platform.VERBS, "up": "modify", "down": "delete", "delete": "delete", "variables": variables,
             "redeploy": "modify", "add": "create", "domain": "create", "connect": Platform.interactive,
             "shell": Platform.interactive,
             "link": "read", "unlink": "read", "status": "read", "list": "read", "open": "read", "logs": "read",
             "environment": "read", "service": "read", "run": run, "docs": "read"}
