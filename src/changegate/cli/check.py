"""`changegate check` and `changegate explain`: decide one action (or a batch), and say why.

    changegate check -- rm -rf build          an argv (exactly as a shim would pass it)
    changegate check -- 'ls | grep x'         a single argument is a shell command line
    changegate check --sql "DELETE FROM users" --database postgresql://db.prod/app
    changegate check --plan plan.json         a `terraform show -json` plan
    changegate check --batch actions.jsonl    JSON lines in, JSON lines out (the contract in DESIGN.md)
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path
from typing import Any

import typer

from changegate.cli import EXIT_FOR, EXIT_USAGE
from changegate.cli.output import Output

VERBS = {"check": "decide an action by the policy", "explain": "show the effects, environments and rules"}


def register(app: typer.Typer) -> None:
    app.command(name="check", help=VERBS["check"])(check)
    app.command(name="explain", help=VERBS["explain"])(explain)


def build_action(command: list[str] | None, sql: str | None, database: str | None, plan: Path | None,
                 cwd: str | None, agent: str | None) -> dict[str, Any]:
    where = {"cwd": cwd or os.getcwd(), "env": dict(os.environ)}
    if agent:
        where["agent"] = agent
    if sql is not None:
        return {"type": "sql", "statement": sql, "database": database, **where}
    if plan is not None:
        return {"type": "terraform_plan", "path": str(plan), **where}
    if not command:
        raise typer.BadParameter("give a command after --, or --sql, --plan or --batch")
    if len(command) == 1:
        return {"type": "shell", "command": command[0], **where}
    return {"type": "shell", "command": shlex.join(command), **where}


def load_policy_or_exit(policy: Path | None) -> Any:
    from changegate.policy import PolicyError, load_policy

    try:
        return load_policy(policy)
    except PolicyError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        raise typer.Exit(EXIT_USAGE) from exc


def check(
    command: list[str] = typer.Argument(None, help="the command to check (after --)"),
    policy: Path = typer.Option(None, "--policy", "-p", help="policy file (default: the built-in policy)"),
    as_json: bool = typer.Option(False, "--json", help="print the verdict as JSON"),
    batch: str = typer.Option(None, "--batch", help="JSON lines file of actions, or - for stdin"),
    sql: str = typer.Option(None, "--sql", help="a SQL statement to check"),
    database: str = typer.Option(None, "--database", help="the database URL the SQL runs against"),
    plan: Path = typer.Option(None, "--plan", help="a `terraform show -json` plan file"),
    cwd: str = typer.Option(None, "--cwd", help="the directory the command runs in (default: here)"),
    agent: str = typer.Option(None, "--agent", help="the agent's name, for per-agent rules"),
    wait: float = typer.Option(None, "--wait", min=0, help="for an ask: file an approval request and wait up to "
                               "SECONDS for it (allow once approved; the approval is used)"),
) -> int:
    """Decide an action. Exit 0 allow, 10 ask, 20 deny, 2 usage error.
    With CHANGEGATE_URL set, the server decides (docs/server.md)."""
    from changegate.gate import check_line, contract, evaluate

    if wait is not None or os.environ.get("CHANGEGATE_URL"):  # a store or a server is involved: cli/access.py
        from changegate.cli import access

        policy_path = str(policy) if policy else None
        if batch is not None:
            return access.gated_batch(batch, policy_path, wait)
        return access.gated_check(build_action(command, sql, database, plan, cwd, agent), policy_path, wait,
                                  as_json)
    loaded = load_policy_or_exit(policy)
    if batch is not None:
        return run_batch(batch, loaded, check_line)
    action = build_action(command, sql, database, plan, cwd, agent)
    verdict = evaluate(action, loaded)
    if as_json:
        print(json.dumps(contract(verdict), ensure_ascii=False))
    else:
        Output().verdict(verdict, action)
    return EXIT_FOR[verdict.decision]


def run_batch(source: str, policy: Any, check_line: Any) -> int:
    try:
        stream = sys.stdin.buffer if source == "-" else open(source, "rb")  # noqa: SIM115
    except OSError as exc:
        print(f"changegate: cannot read {source}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    out = sys.stdout
    with stream:
        for raw in stream:
            if not raw.strip():
                continue
            answer = check_line(raw, policy)
            out.write(json.dumps(answer, ensure_ascii=False) + "\n")
    out.flush()
    return 0


def explain(
    command: list[str] = typer.Argument(None, help="the command to explain (after --)"),
    policy: Path = typer.Option(None, "--policy", "-p", help="policy file (default: the built-in policy)"),
    sql: str = typer.Option(None, "--sql", help="a SQL statement"),
    database: str = typer.Option(None, "--database", help="the database URL"),
    plan: Path = typer.Option(None, "--plan", help="a `terraform show -json` plan file"),
    cwd: str = typer.Option(None, "--cwd", help="the directory the command runs in"),
    agent: str = typer.Option(None, "--agent", help="the agent's name"),
) -> int:
    """Show what an action would do, where, and which rule decides it."""
    from changegate.gate import evaluate

    loaded = load_policy_or_exit(policy)
    action = build_action(command, sql, database, plan, cwd, agent)
    verdict = evaluate(action, loaded)
    Output().explain(verdict, action)
    return EXIT_FOR[verdict.decision]
