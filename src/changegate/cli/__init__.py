"""The changegate command line. Each command family lives in one module of this package:

| command                         | module        |
|---------------------------------|---------------|
| check, explain                  | check.py      |
| policy show, policy check       | policy.py     |
| trust                           | trust.py      |
| approvals list/show/approve/... | approvals.py  |
| audit verify/tail/export        | audit.py      |
| tokens ..., users ...           | admin.py      |
| serve                           | serve.py      |
| install, uninstall, doctor,     | agents.py     |
| hook, mcp-proxy                 |               |
| run, undo                       | broker.py     |
| credentials add/list/remove     | credentials.py|
| shims install/list/remove       | shims.py      |
| freeze, breaker, breakglass,    | guardrails.py |
| scope                           |               |

Exit codes scripts can rely on: 0 allow (or success), 10 ask, 20 deny, 2 usage error, 1 other failure.
"""

from __future__ import annotations

import importlib
import sys

import typer

EXIT_ALLOW, EXIT_ASK, EXIT_DENY, EXIT_USAGE, EXIT_FAILURE = 0, 10, 20, 2, 1
EXIT_FOR = {"allow": EXIT_ALLOW, "ask": EXIT_ASK, "deny": EXIT_DENY}


def fail(message: str, code: int = EXIT_FAILURE) -> typer.Exit:
    """The exit for a command that cannot go on: the message on stderr (raise what this returns)."""
    print(f"changegate: {message}", file=sys.stderr)
    return typer.Exit(code)


app = typer.Typer(
    name="changegate",
    help="The gate between AI agents and the systems they can change.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

def show_version(value: bool) -> None:
    if value:
        from changegate.version import __version__

        print(f"changegate {__version__}")
        raise typer.Exit(0)


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=show_version, is_eager=True,
                                      help="print the version and exit")) -> None:
    """The gate between AI agents and the systems they can change."""
    # a root callback keeps the CLI a group even when only one command module is registered (see build)


def whole_help(group: typer.core.TyperGroup) -> None:
    """Command lists show each command's help line whole, wrapped, never cut with "…"."""
    for sub in group.commands.values():
        if sub.short_help is None and sub.help:
            sub.short_help = sub.help.strip().splitlines()[0]


# verb -> the module that registers it (its VERBS table has the help); groups are Typer sub-apps.
# A table, not a scan, so that `changegate check` imports only cli/check.py: start-up time matters.
COMMANDS: dict[str, str] = {
    "check": "check", "explain": "check",
    "serve": "serve",
    "install": "agents", "uninstall": "agents", "doctor": "agents", "hook": "agents", "mcp-proxy": "agents",
    "daemon": "agents",
    "run": "broker", "undo": "broker",
    "tokens": "admin", "users": "admin",
    "trust": "trust",
    "freeze": "guardrails", "breaker": "guardrails", "breakglass": "guardrails", "scope": "guardrails",
}
GROUP_MODULES: dict[str, str] = {"policy": "policy", "approvals": "approvals", "audit": "audit",
                                 "credentials": "credentials", "shims": "shims"}


def build(first: str | None = None) -> typer.Typer:
    """Register every command module, or for a known first word only the module that owns it."""
    for module_name in dict.fromkeys(COMMANDS.values()):
        if first is None or COMMANDS.get(first) == module_name:
            importlib.import_module(f"changegate.cli.{module_name}").register(app)
    for group, module_name in GROUP_MODULES.items():
        if first is None or first == group:
            sub = importlib.import_module(f"changegate.cli.{module_name}").app
            app.add_typer(sub, name=group)
    return app


def run(args: list[str]) -> int:
    first = args[0] if args and not args[0].startswith("-") else None
    known = first in COMMANDS or first in GROUP_MODULES
    command = typer.main.get_command(build(first if known else None))
    if isinstance(command, typer.core.TyperGroup):
        whole_help(command)
        for sub in command.commands.values():
            if isinstance(sub, typer.core.TyperGroup):
                whole_help(sub)
    try:
        result = command.main(args=args, prog_name="changegate", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_FAILURE
    except Exception as exc:
        # Typer's (vendored click) errors: usage problems print their message and exit 2, never a traceback
        show = getattr(exc, "show", None)
        code = getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            return EXIT_USAGE if code == 2 else EXIT_FAILURE
        if type(exc).__name__ == "Abort":
            return EXIT_FAILURE
        raise
    return int(result) if isinstance(result, int) else 0
