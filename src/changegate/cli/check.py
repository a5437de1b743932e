"""`changegate check` and `changegate explain`: decide one action (or a batch), and say why.

    changegate check -- rm -rf build          an argv (exactly as a shim would pass it)
    changegate check -- 'ls | grep x'         a single argument is a shell command line
    changegate check --sql "DELETE FROM users" --database postgresql://db.prod/app
    changegate check --plan plan.json         a `terraform show -json` plan
    changegate check --batch actions.jsonl    JSON lines in, JSON lines out (the contract in DESIGN.md)

With `--wait` the local store is involved (an ask files, waits for or uses its approval); with CHANGEGATE_URL
set the server decides. Agents' scripts call `check` like a hook: it imports SQLAlchemy only for `--wait`.
"""

from __future__ import annotations

import getpass
import json
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from msgspec.structs import replace

from changegate.answer import Answer, unreadable_line
from changegate.cli import EXIT_FOR, EXIT_USAGE, fail
from changegate.cli.output import Output
from changegate.gate import MAX_LINE_BYTES, NOT_A_LINE, check_line, evaluate, judge
from changegate.gate.guardrails import uncounted
from changegate.gate.remote import URL_ENV, check_remote, remote_target
from changegate.policy import Policy, PolicyError, load_policy
from changegate.service.identity import Identity

if TYPE_CHECKING:
    from changegate.service.approvals import Request

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
        readable_plan(plan, cwd or os.getcwd())
        return {"type": "terraform_plan", "path": str(plan), **where}
    if not command:
        raise typer.BadParameter("give a command after --, or --sql, --plan or --batch")
    if len(command) == 1:
        return {"type": "shell", "command": command[0], **where}
    return {"type": "shell", "command": shlex.join(command), **where}


def readable_plan(plan: Path, cwd: str) -> None:
    """A plan file named on the command line that cannot be opened is a usage error (exit 2), as a missing
    --batch file is: the person typed a wrong name; there is no action to decide."""
    path = plan if plan.is_absolute() else Path(cwd) / plan
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise fail(f"cannot read the plan {plan}: {exc.strerror or exc}", EXIT_USAGE) from exc
    if not path.is_file():
        raise fail(f"cannot read the plan {plan}: not a regular file", EXIT_USAGE)


def load_policy_or_exit(policy: Path | None) -> Policy:
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
    if wait is not None or os.environ.get(URL_ENV):  # a store or a server is involved
        policy_path = str(policy) if policy else None
        if batch is not None:
            return gated_batch(batch, policy_path, wait)
        return gated_check(build_action(command, sql, database, plan, cwd, agent), policy_path, wait, as_json)
    loaded = load_policy_or_exit(policy)
    # a local check only answers (the hook, `run`, the shims and the server act): nothing it decides counts
    # against the budgets of the circuit breaker, and a batch of a thousand deletes cannot trip it
    with uncounted():
        if batch is not None:
            return run_batch(batch, loaded)
        action = build_action(command, sql, database, plan, cwd, agent)
        verdict = evaluate(action, loaded)
    if as_json:
        print(json.dumps(Answer.of(verdict).contract(), ensure_ascii=False))
    else:
        Output().verdict(verdict, action)
    return EXIT_FOR[verdict.decision]


def run_batch(source: str, policy: Policy) -> int:
    try:
        stream = sys.stdin.buffer if source == "-" else open(source, "rb")  # noqa: SIM115
    except OSError as exc:
        print(f"changegate: cannot read {source}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    out = sys.stdout
    with stream:
        for number, raw in enumerate(stream, 1):
            if not raw.strip():
                continue
            answer = numbered(check_line(raw, policy), number)
            out.write(json.dumps(answer, ensure_ascii=False) + "\n")
    out.flush()
    return 0


def numbered(answer: dict[str, Any], number: int) -> dict[str, Any]:
    """A line that could not be read says which line it was: its id may be unknown ("id": null)."""
    if "error" in answer and "effects" not in answer:
        answer["error"] = f"line {number}: {answer['error']}"
    return answer


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
    loaded = load_policy_or_exit(policy)
    action = build_action(command, sql, database, plan, cwd, agent)
    with uncounted():
        verdict = evaluate(action, loaded)
    Output().explain(verdict, action)
    return EXIT_FOR[verdict.decision]


# --- with a store or a server (`check --wait`, remote mode) ------------------------------------------

def gated_check(action: dict[str, Any], policy: str | None, wait: float | None, as_json: bool) -> int:
    answer = gated_answer(action, policy, wait)
    show_answer(answer, as_json)
    return EXIT_FOR[answer["decision"]]


def gated_batch(source: str, policy: str | None, wait: float | None) -> int:
    """`check --batch` against the server or the local store: one answer line per line, in order."""
    try:
        stream = sys.stdin.buffer if source == "-" else open(source, "rb")  # noqa: SIM115
    except OSError as exc:
        raise fail(f"cannot read {source}: {exc.strerror}", EXIT_USAGE) from exc
    with stream:
        for number, raw in enumerate(stream, 1):
            if not raw.strip():
                continue
            line_id, action, error = parse_line(raw)
            answer = (numbered(unreadable_line(line_id, error), number) if error
                      else gated_answer(action, policy, wait, line_id))
            sys.stdout.write(json.dumps(answer, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return 0


def parse_line(raw: bytes) -> tuple[Any, Any, str]:
    """(id, action, error) of one batch line."""
    if len(raw) > MAX_LINE_BYTES:
        return None, None, f"the line is larger than {MAX_LINE_BYTES // 1024} KiB"
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        return None, None, f"not JSON: {exc}"
    if not isinstance(doc, dict) or "action" not in doc:
        return (doc.get("id") if isinstance(doc, dict) else None), None, NOT_A_LINE
    return doc.get("id"), doc["action"], ""


def gated_answer(action: Any, policy: str | None, wait: float | None, line_id: Any = None) -> dict[str, Any]:
    """The answer in the contract's JSON: the server's as it came, or the local store's."""
    target = remote_target()
    if target is not None:
        if policy:
            print("changegate: CHANGEGATE_URL is set: the server's policy decides, not --policy", file=sys.stderr)
        return check_remote(action, *target, wait=wait or 0.0, line_id=line_id)
    return local_answer(action, policy, wait or 0.0, line_id).contract()


def local_answer(action: Any, policy: str | None, wait: float, line_id: Any) -> Answer:
    """Check against the local store: an ask files (or uses) a request; fail closed if the store is down."""
    # SQLAlchemy (the store) only for --wait: plain `check` and remote mode never load it
    from changegate.gate.checkpoint import Checkpoint
    from changegate.service.store import StoreError, open_store

    agent = action.get("agent") if isinstance(action, dict) else None
    who = Identity("agent", str(agent or "cli"), "agent", operator=getpass.getuser(), via="cli")
    try:
        store = open_store()
    except StoreError as exc:
        answer = Answer.of(judge(action).verdict, line_id)
        if answer.decision == "deny":
            return answer
        return replace(answer, decision="deny", approvals_required=0, error=f"store unavailable: {exc}",
                       reasons=[f"--wait needs the store, which is unavailable ({exc})", *answer.reasons])
    try:
        checkpoint = Checkpoint(store, policy_path=policy)
        return checkpoint.check(action, who, wait=wait, line_id=line_id, on_pending=announce)
    except PolicyError as exc:
        raise fail("\n".join(exc.problems), EXIT_USAGE) from exc
    finally:
        store.dispose()


def announce(request: Request) -> None:
    print(f"changegate: waiting for approval of {request.id} ({request.approvals}/{request.required}); a "
          f"person approves with: changegate approvals approve {request.id} --as NAME", file=sys.stderr)


def show_answer(answer: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(answer, ensure_ascii=False))
        return
    Output().verdict(Answer.from_contract(answer).verdict)
    request = answer.get("request")
    if request:
        print(f"  request: {request['id']} {request['status']} ({request['approvals']}/{request['required']} "
              f"approvals, expires {request['expires_at']})")
