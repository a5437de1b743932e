"""`changegate install|uninstall|doctor|hook|mcp-proxy`: putting changegate in front of agents.

    changegate install claude-code              hooks into .claude/settings.json of this project
    changegate install codex --user --remote https://gate.example.com
    changegate uninstall cursor                 takes it out again (the original back, byte for byte)
    changegate doctor                           which agents are wired, and does the hook answer?
    changegate hook AGENT                       (run by the agent on every tool call; reads its JSON)
    changegate mcp-proxy --name github -- npx -y @modelcontextprotocol/server-github
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from changegate.cli import EXIT_FAILURE, EXIT_USAGE
from changegate.integrations.hook import main as hook_main
from changegate.integrations.install import InstallError, describe
from changegate.integrations.install import doctor as do_doctor
from changegate.integrations.install import install as do_install
from changegate.integrations.install import uninstall as do_uninstall
from changegate.integrations.mcp_proxy import ProxyError, run_proxy
from changegate.integrations.trust import advice

VERBS = {
    "install": "wire changegate's hook into an agent's configuration",
    "uninstall": "take changegate's hook out of an agent's configuration",
    "doctor": "show which agents are wired and whether their hook answers",
    "hook": "answer an agent's hook call (the agent runs this; reads JSON on stdin)",
    "mcp-proxy": "an MCP server in front of another one: every tool call checked first",
    "daemon": "serve this user's hook decisions from a warm process (hooks start it themselves)",
}
AGENT_HELP = "claude-code, cursor, codex, gemini or kiro"


def register(app: typer.Typer) -> None:
    app.command(name="install", help=VERBS["install"])(install)
    app.command(name="uninstall", help=VERBS["uninstall"])(uninstall)
    app.command(name="doctor", help=VERBS["doctor"])(doctor)
    app.command(name="hook", help=VERBS["hook"], context_settings={"ignore_unknown_options": True})(hook)
    app.command(name="daemon", help=VERBS["daemon"])(daemon)
    app.command(name="mcp-proxy", help=VERBS["mcp-proxy"],
                context_settings={"ignore_unknown_options": True, "allow_extra_args": True})(mcp_proxy)


def scope_of(project: bool, user: bool) -> str:
    if project and user:
        raise typer.BadParameter("choose --project or --user, not both")
    return "user" if user else "project"


def install(
    agent: str = typer.Argument(..., help=AGENT_HELP),
    project: bool = typer.Option(False, "--project", help="this project's configuration (the default)"),
    user: bool = typer.Option(False, "--user", help="your user configuration (every project)"),
    remote: str = typer.Option(None, "--remote", help="a changegate server URL: the hook asks it "
                               "(set CHANGEGATE_TOKEN in the agent's environment)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="say what would change, change nothing"),
    shims: Path = typer.Option(None, "--shims", help="a shim directory (`changegate shims install DIR`) to "
                               "put first on the agent's PATH (Claude Code)"),
) -> int:
    """Merge changegate's hook into the agent's configuration, keeping a backup of the original."""
    try:
        changes = do_install(agent, scope_of(project, user), remote=remote, dry_run=dry_run, shims=shims)
    except InstallError as exc:
        print(f"changegate: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    for change in changes:
        print(("(dry run) " if dry_run else "") + change.line())
    if not dry_run:
        for line in advice(changes[0].agent if changes else agent, scope_of(project, user)):
            print(line)
    if remote:
        print("remote mode: the agent's environment needs CHANGEGATE_TOKEN (an agent token from "
              "`changegate tokens create --agent NAME --operator YOU`); it is not written to any file")
    if agent.lower().startswith("kiro") and any(c.path.name == "changegate.json" for c in changes):
        print("kiro: start it with `kiro-cli chat --agent changegate`, or make it the default with "
              "`kiro-cli agent set-default changegate`")
    return 0


def uninstall(
    agent: str = typer.Argument(..., help=AGENT_HELP),
    project: bool = typer.Option(False, "--project", help="this project's configuration (the default)"),
    user: bool = typer.Option(False, "--user", help="your user configuration"),
    dry_run: bool = typer.Option(False, "--dry-run", help="say what would change, change nothing"),
) -> int:
    """Remove changegate's hook; with nothing else changed since install, restore the original bytes."""
    try:
        changes = do_uninstall(agent, scope_of(project, user), dry_run=dry_run)
    except InstallError as exc:
        print(f"changegate: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    for change in changes:
        print(("(dry run) " if dry_run else "") + change.line())
    return 0


def doctor(
    self_test: bool = typer.Option(True, "--self-test/--no-self-test",
                                   help="start each wired hook with `rm -rf /` and check it denies"),
    permissions: bool = typer.Option(False, "--permissions", help="the over-grant audit: what each agent "
                                     "could change without the gate, and the credentials within its reach"),
    as_json: bool = typer.Option(False, "--json", help="with --permissions: the report as JSON"),
) -> int:
    """Which agents are wired here and for this user; exit 1 if a wired hook would not work (with
    --permissions: exit 1 if anything is granted that could change real systems unchecked)."""
    if permissions:
        return permission_audit(as_json)
    wirings = do_doctor(Path.cwd(), Path.home(), self_test=self_test)
    for line in describe(wirings):
        print(line)
    url = os.environ.get("CHANGEGATE_URL")
    print(f"mode: remote ({url})" if url else
          f"mode: local (policy: {os.environ.get('CHANGEGATE_POLICY') or 'built-in default'})")
    broken = [w for w in wirings if w.problems or w.inactive or w.self_test.startswith("FAILED")]
    return EXIT_FAILURE if broken else 0


def permission_audit(as_json: bool) -> int:
    import json

    from changegate.integrations.overgrant import HIGH, audit
    from changegate.integrations.overgrant import describe as describe_grants
    from changegate.policy import PolicyError, load_policy

    try:
        policy = load_policy(os.environ.get("CHANGEGATE_POLICY") or None)
    except PolicyError as exc:
        print(f"changegate: the policy cannot be used: {'; '.join(exc.problems[:3])}", file=sys.stderr)
        return EXIT_USAGE
    wired: dict[str, bool] = {}
    for wiring in do_doctor(Path.cwd(), Path.home(), self_test=False):  # wired and active in any scope
        wired[wiring.agent] = wired.get(wiring.agent, False) or not (wiring.problems or wiring.inactive)
    report = audit(Path.cwd(), Path.home(), os.environ, policy.environments, wired)
    if as_json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        for line in describe_grants(report):
            print(line)
    return EXIT_FAILURE if report.worst() == HIGH else 0


def daemon(idle: float = typer.Option(900.0, "--idle", min=1.0, help="exit after this many seconds without a "
                                      "request")) -> int:
    """Serve hook decisions on a Unix socket in the state directory (0600; this user's processes only)."""
    from changegate.integrations.hookclient import CODE_VARIABLES, DAEMON_MODULE

    # as the module hooks start and believe (they check the peer's command line and environment)
    env = {k: v for k, v in os.environ.items() if k.encode() not in CODE_VARIABLES}
    os.execve(sys.executable, [sys.executable, "-m", DAEMON_MODULE, "--idle", str(idle)], env)


def hook(agent: str = typer.Argument(..., help=AGENT_HELP)) -> int:
    """Read the agent's hook JSON on stdin and answer in its format (normally started by the agent)."""
    return hook_main([agent])


def mcp_proxy(
    ctx: typer.Context,
    name: str = typer.Option(None, "--name", help="the upstream server's name (default: from its command)"),
    url: str = typer.Option(None, "--url", help="an upstream MCP server over streamable HTTP instead of a command"),
) -> int:
    """Serve MCP on stdio in front of an upstream server; every tools/call is checked first."""
    # Click has taken the first `--` (the end of changegate's own options); everything after it is the
    # upstream's command, passed exactly — a later `--` is one of the upstream's own arguments
    command = list(ctx.args)
    if not command and not url:
        print("changegate: give the upstream server's command after --, or --url", file=sys.stderr)
        return EXIT_USAGE
    try:
        return run_proxy(command, name=name, url=url)
    except ProxyError as exc:
        print(f"changegate: {exc}", file=sys.stderr)
        return EXIT_FAILURE
