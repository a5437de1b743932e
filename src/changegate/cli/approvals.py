"""`changegate approvals list|show|approve|deny|cancel`: the approval queue, locally or on the server.

    changegate approvals list [--status pending]
    changegate approvals show req_…
    changegate approvals approve req_… --as alice [--comment "checked the plan"]
    changegate approvals deny req_… --as bob --comment "not during the freeze"
    changegate approvals cancel req_… --as alice

With CHANGEGATE_URL set these ask the server (as --as NAME with a password, or the personal token in
CHANGEGATE_TOKEN); otherwise they use the local store and --as NAME is checked with that person's password.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any

import typer

from changegate.cli import fail
from changegate.cli.access import call_server, local_person, local_store, remote, server_client
from changegate.service.approvals import ApprovalError, Approvals

VERBS = {"list": "list approval requests", "show": "show one request in full", "approve": "approve a request",
         "deny": "deny a request (ends it)", "cancel": "withdraw a request"}
app = typer.Typer(help="Approval requests: list, show, approve, deny, cancel.", no_args_is_help=True,
                  add_completion=False)

AS_OPTION = typer.Option(None, "--as", help="who you are (a changegate user); you are asked for the password")
PASSWORD_STDIN = typer.Option(False, "--password-stdin", help="read the password from the first line of stdin")


@app.command(name="list", help=VERBS["list"])
def list_requests(status: str = typer.Option(None, "--status", help="pending, approved, denied, expired, "
                                             "cancelled or executed"),
                  limit: int = typer.Option(50, "--limit", min=1, max=500),
                  as_user: str = AS_OPTION, password_stdin: bool = PASSWORD_STDIN,
                  as_json: bool = typer.Option(False, "--json")) -> int:
    if remote():
        found = call_server(server_client(as_user, password_stdin).list_requests, status, limit)
    else:
        store = local_store()
        try:
            found = [r.as_dict() for r in Approvals(store).find(status, limit)]
        except ApprovalError as exc:
            raise fail(str(exc)) from exc
        finally:
            store.dispose()
    if as_json:
        print(json.dumps(found, ensure_ascii=False))
        return 0
    if not found:
        print("no requests" + (f" with status {status}" if status else ""))
    for r in found:
        print(f"{r['id']}  {r['status']:<9} {r['approvals']}/{r['required']}  {r['risk']:<8} "
              f"{r['agent']} ({r['operator']})  expires {short_time(r['expires_at'])}  {r['summary']}")
    return 0


@app.command(help=VERBS["show"])
def show(request_id: str = typer.Argument(...), as_user: str = AS_OPTION, password_stdin: bool = PASSWORD_STDIN,
         as_json: bool = typer.Option(False, "--json")) -> int:
    if remote():
        found = call_server(server_client(as_user, password_stdin).request, request_id)
    else:
        store = local_store()
        try:
            found = Approvals(store).get(request_id).as_dict()
        except ApprovalError as exc:
            raise fail(str(exc)) from exc
        finally:
            store.dispose()
    if as_json:
        print(json.dumps(found, ensure_ascii=False))
    else:
        print_request(found)
    return 0


def vote(verb: str, request_id: str, as_user: str | None, password_stdin: bool, comment: str) -> int:
    if remote():
        done = call_server(server_client(as_user, password_stdin).vote, request_id, verb, comment)
    else:
        store = local_store()
        try:
            who = local_person(store, as_user, password_stdin)
            service = Approvals(store)
            action = {"approve": service.approve, "deny": service.deny, "cancel": service.cancel}[verb]
            done = action(request_id, who, comment).as_dict()
        except ApprovalError as exc:
            raise fail(str(exc)) from exc
        finally:
            store.dispose()
    line = f"{done['id']}: {done['status']} ({done['approvals']}/{done['required']} approvals)"
    if done["status"] == "pending":
        line += f"; needs {done['required'] - done['approvals']} more"
    print(line)
    return 0


@app.command(help=VERBS["approve"])
def approve(request_id: str = typer.Argument(...), as_user: str = AS_OPTION, password_stdin: bool = PASSWORD_STDIN,
            comment: str = typer.Option("", "--comment", "-m")) -> int:
    return vote("approve", request_id, as_user, password_stdin, comment)


@app.command(help=VERBS["deny"])
def deny(request_id: str = typer.Argument(...), as_user: str = AS_OPTION, password_stdin: bool = PASSWORD_STDIN,
         comment: str = typer.Option("", "--comment", "-m")) -> int:
    return vote("deny", request_id, as_user, password_stdin, comment)


@app.command(help=VERBS["cancel"])
def cancel(request_id: str = typer.Argument(...), as_user: str = AS_OPTION, password_stdin: bool = PASSWORD_STDIN,
           comment: str = typer.Option("", "--comment", "-m")) -> int:
    return vote("cancel", request_id, as_user, password_stdin, comment)


def short_time(iso_time: str | None) -> str:
    if not iso_time:
        return "-"
    try:
        return datetime.fromisoformat(iso_time.replace("Z", "+00:00")).astimezone(UTC).strftime("%Y-%m-%d %H:%MZ")
    except ValueError:
        return iso_time


def print_request(r: dict[str, Any]) -> None:
    out = sys.stdout
    out.write(f"{r['id']}  {r['status']}  {r['approvals']}/{r['required']} approvals  risk {r['risk']}\n")
    out.write(f"  summary:  {r['summary']}\n")
    out.write(f"  agent:    {r['agent']} (operator {r['operator']})\n")
    if r.get("reason"):
        out.write(f"  reason:   {r['reason']}\n")
    out.write(f"  created:  {short_time(r['created_at'])}   expires: {short_time(r['expires_at'])}\n")
    out.write(f"  action:   {json.dumps(r['action'], ensure_ascii=False, sort_keys=True)}\n")
    out.write(f"  hash:     {r['action_hash']}\n")
    for reason in r.get("verdict", {}).get("reasons", []):
        out.write(f"  why:      {reason}\n")
    for effect in r.get("verdict", {}).get("effects", []):
        out.write(f"  effect:   {effect.get('operation')} {effect.get('resource')} [{effect.get('environment')}]\n")
    for v in r.get("votes", []):
        out.write(f"  vote:     {v['user']} {v['vote']} at {short_time(v['at'])}"
                  f"{': ' + v['comment'] if v['comment'] else ''}\n")
    if r.get("decided_by"):
        out.write(f"  decided:  {r['status']} by {r['decided_by']} at {short_time(r.get('decided_at'))}\n")
