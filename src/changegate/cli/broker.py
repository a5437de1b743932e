"""`changegate run` and `changegate undo`: the broker's command line (the work is in broker/run.py and broker/undo/).

    changegate run [--wait SECONDS] [--policy FILE] [--keep] [--reason TEXT] -- COMMAND…
    changegate undo ID [--force]        put back what snapshot ID (u_…, or request req_…) kept
    changegate undo --list [--json]     the snapshots, newest first
    changegate undo --prune             remove the snapshots past their retention

Exit codes of `run`: the command's own; 10 waiting for approval; 20 denied; 127 the program was not found;
2 a usage error; 1 the gate could not run it (nothing ran).
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from changegate.broker import undo
from changegate.broker.run import RunRequest, run, undo_tools

VERBS = {"run": "run a command through the gate: checked, approved, brokered, recorded",
         "undo": "put back what an approved action destroyed (--list: the snapshots)"}
RUN_SETTINGS = {"allow_interspersed_args": False, "ignore_unknown_options": True}


def register(app: typer.Typer) -> None:
    app.command(name="run", help=VERBS["run"], context_settings=RUN_SETTINGS)(run_command)
    app.command(name="undo", help=VERBS["undo"])(undo_command)


def run_command(
    command: list[str] = typer.Argument(None, help="the command and its arguments (after --)"),
    wait: float = typer.Option(0.0, "--wait", min=0, max=600, help="for an ask: wait up to SECONDS for the "
                               "approval, then run"),
    policy: Path = typer.Option(None, "--policy", "-p", help="policy file (default: CHANGEGATE_POLICY or the "
                                "built-in policy)"),
    keep: bool = typer.Option(False, "--keep", help="keep what it destroys even when no approval is needed"),
    reason: str = typer.Option("", "--reason", help="why, in your words: shown to the approver"),
    agent: str = typer.Option(None, "--agent", help="the agent's name (default: CHANGEGATE_AGENT or cli)"),
) -> int:
    """Check COMMAND; run it when allowed or approved (exactly as checked, with brokered credentials)."""
    return run(RunRequest(argv=list(command or []), cwd=os.getcwd(), env=dict(os.environ), wait=wait,
                          policy=str(policy) if policy else None, agent=agent, reason=reason, keep=keep))


def undo_command(
    snapshot: str = typer.Argument(None, help="the snapshot (u_…) or the request it ran under (req_…)"),
    list_: bool = typer.Option(False, "--list", help="list the snapshots"),
    prune: bool = typer.Option(False, "--prune", help="remove the snapshots past their retention"),
    force: bool = typer.Option(False, "--force", help="put back even over changes made after the action "
                               "(what is there is kept in the snapshot)"),
    wait: float = typer.Option(0.0, "--wait", min=0, max=600, help="for a step that needs approval: wait"),
    policy: Path = typer.Option(None, "--policy", "-p", help="policy file for the steps that go through the gate"),
    as_json: bool = typer.Option(False, "--json", help="--list as JSON"),
) -> int:
    """Put back what an approved action destroyed."""
    if list_:
        return list_snapshots(undo.snapshots(), as_json)
    if prune:
        removed = undo.prune()
        print(f"removed {len(removed)} snapshot(s)" + (f": {', '.join(removed)}" if removed else ""))
        return 0
    if not snapshot:
        print("changegate: name the snapshot to undo (changegate undo --list shows them)", file=sys.stderr)
        return 2
    return put_back(snapshot, force=force, wait=wait, policy=str(policy) if policy else None)


def put_back(ident: str, *, force: bool, wait: float, policy: str | None) -> int:
    base = RunRequest(argv=[], cwd=os.getcwd(), env=dict(os.environ), wait=wait, policy=policy,
                      reason=f"changegate undo {ident}")
    with undo_tools(base) as tools:
        try:
            messages = undo.restore(ident, tools, force=force)
        except undo.UndoPending as exc:
            print(f"changegate: {exc}", file=sys.stderr)
            return 10
        except undo.UndoError as exc:
            print(f"changegate: undo {ident}: {exc}", file=sys.stderr)
            audit("undo.failed", {"snapshot": ident, "error": str(exc)})
            return 1
    for message in messages:
        print(message)
    audit("undo.restored", {"snapshot": ident, "steps": messages})
    return 0


def audit(kind: str, data: dict[str, Any]) -> None:
    # the store's SQLAlchemy only once an undo has something to record: `changegate run` never needs it here
    from changegate.cli.access import record

    record(kind, data)


def list_snapshots(found: list[dict[str, Any]], as_json: bool) -> int:
    if as_json:
        print(json.dumps(found, ensure_ascii=False))
        return 0
    if not found:
        print("no snapshots")
    for s in found:
        created = datetime.fromtimestamp(s["created_at"], UTC).strftime("%Y-%m-%d %H:%MZ")
        expires = datetime.fromtimestamp(s["expires_at"], UTC).strftime("%Y-%m-%d %H:%MZ")
        command = " ".join(s.get("argv") or [])[:80]
        print(f"{s['id']}  {s['status']:<9} {created}  expires {expires}  {s.get('request') or '-':<20} "
              f"{','.join(s['kept']) or '-':<16} {command}")
    return 0
