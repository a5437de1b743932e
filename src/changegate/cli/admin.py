"""`changegate tokens …` and `changegate users …`: credentials and people, in the store.

    changegate users add alice --role approver          (asks for a password; --password-stdin, --no-password)
    changegate users list | remove NAME | set-role NAME ROLE | password NAME
    changegate users team NAME --add payments [--remove web]     (people see and decide their teams' requests)
    changegate tokens create --agent claude --operator alice [--team payments]   (prints the token once)
    changegate tokens create --user alice                        (a personal token for the API)
    changegate tokens list | revoke tok_…

These work on the store directly (the local one, or CHANGEGATE_DATABASE_URL): whoever can run them against
the database administers changegate. Every change is an audit record naming the operating-system account.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import typer

from changegate.cli import fail
from changegate.cli.access import cli_actor, local_store, read_password
from changegate.service.accounts import AccountError, Accounts


@contextmanager
def accounts() -> Iterator[Accounts]:
    """The local store's accounts for one command; an account error is a message, never a traceback."""
    store = local_store()
    try:
        yield Accounts(store)
    except AccountError as exc:
        raise fail(str(exc)) from exc
    finally:
        store.dispose()


VERBS = {"tokens": "create, list and revoke API tokens", "users": "add, list and remove people, set roles"}
tokens_app = typer.Typer(help="API tokens: for agents (check and request) and personal ones for people.",
                         no_args_is_help=True, add_completion=False)
users_app = typer.Typer(help="People who approve and read: roles viewer, approver, admin.", no_args_is_help=True,
                        add_completion=False)


def register(app: typer.Typer) -> None:
    app.add_typer(tokens_app, name="tokens", help=VERBS["tokens"])
    app.add_typer(users_app, name="users", help=VERBS["users"])


def when(at: float | None) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%MZ") if at else "-"


# --- tokens --------------------------------------------------------------------------------------------

@tokens_app.command(help="create a token (shown once)")
def create(agent: str = typer.Option(None, "--agent", help="the agent's name (an agent token)"),
           operator: str = typer.Option(None, "--operator", help="the person responsible for the agent"),
           user: str = typer.Option(None, "--user", help="a personal token for this person instead"),
           team: str = typer.Option(None, "--team", help="the agent's team (one of the operator's; default: "
                                                          "their only team)")) -> int:
    if bool(agent) == bool(user) or (agent and not operator):
        raise fail("give --agent NAME --operator USER, or --user NAME", 2)
    with accounts() as people:
        if agent:
            token_id, secret = people.create_agent_token(agent, operator, cli_actor(), team)
        else:
            token_id, secret = people.create_user_token(user, cli_actor())
    print(f"{token_id}: {'agent ' + agent + ' (operator ' + operator + ')' if agent else 'personal token of ' + user}")
    print(secret)
    print("Store it now: changegate keeps only its hash. Use it as CHANGEGATE_TOKEN.")
    return 0


@tokens_app.command(name="list", help="list active tokens (never their secrets)")
def list_tokens(all_tokens: bool = typer.Option(False, "--all", help="include revoked tokens"),
                as_json: bool = typer.Option(False, "--json")) -> int:
    with accounts() as people:
        found = people.list_tokens(include_revoked=all_tokens)
    if as_json:
        print(json.dumps(found))
        return 0
    for t in found:
        who = f"agent {t['agent']} (operator {t['user']})" if t["kind"] == "agent" else f"personal, {t['user']}"
        who += f", team {t['team']}" if t.get("team") else ""
        revoked = f"  revoked {when(t['revoked_at'])}" if t["revoked_at"] else ""
        print(f"{t['id']}  {who}  created {when(t['created_at'])} by {t['created_by']}{revoked}")
    if not found:
        print("no tokens")
    return 0


@tokens_app.command(help="revoke a token (servers stop accepting it within seconds)")
def revoke(token_id: str = typer.Argument(...)) -> int:
    with accounts() as people:
        people.revoke_token(token_id, cli_actor())
    print(f"{token_id}: revoked")
    return 0


# --- users ---------------------------------------------------------------------------------------------

@users_app.command(help="add a person")
def add(name: str = typer.Argument(...),
        role: str = typer.Option("approver", "--role", help="viewer, approver or admin"),
        password_stdin: bool = typer.Option(False, "--password-stdin", help="read the password from stdin"),
        no_password: bool = typer.Option(False, "--no-password", help="no password: personal tokens only"),
        team: list[str] = typer.Option([], "--team", help="a team they are in (repeatable)")) -> int:
    password = None if no_password else read_password(name, password_stdin)
    with accounts() as people:
        people.add_user(name, role, password, cli_actor())
        for each in team:
            people.add_to_team(name, each, cli_actor())
    print(f"{name}: added as {role}" + (f" in {', '.join(team)}" if team else ""))
    return 0


@users_app.command(name="team", help="add a person to teams or take them out")
def team(name: str = typer.Argument(...),
         add_to: list[str] = typer.Option([], "--add", help="a team to add them to (repeatable)"),
         remove_from: list[str] = typer.Option([], "--remove", help="a team to take them out of (repeatable)")) -> int:
    if not add_to and not remove_from:
        raise fail("say --add TEAM or --remove TEAM", 2)
    with accounts() as people:
        for each in add_to:
            people.add_to_team(name, each, cli_actor())
        for each in remove_from:
            people.remove_from_team(name, each, cli_actor())
        now: list[str] = next((u["teams"] for u in people.list_users() if u["name"] == name), [])
    print(f"{name}: teams {', '.join(now) or '(none)'}")
    return 0


@users_app.command(name="list", help="list people and their roles")
def list_users(as_json: bool = typer.Option(False, "--json")) -> int:
    with accounts() as people:
        found = people.list_users()
    if as_json:
        print(json.dumps(found))
        return 0
    for u in found:
        teams = f"  teams {','.join(u['teams'])}" if u.get("teams") else ""
        print(f"{u['name']}  {u['role']}  {'password' if u['password'] else 'tokens only'}  added "
              f"{when(u['created_at'])}{teams}")
    if not found:
        print("no users")
    return 0


@users_app.command(help="remove a person (and revoke their tokens and their agents' tokens)")
def remove(name: str = typer.Argument(...)) -> int:
    with accounts() as people:
        revoked = people.remove_user(name, cli_actor())
    print(f"{name}: removed; {revoked} token(s) revoked")
    return 0


@users_app.command(name="set-role", help="change a person's role")
def set_role(name: str = typer.Argument(...), role: str = typer.Argument(..., help="viewer, approver or admin")) -> int:
    with accounts() as people:
        people.set_role(name, role, cli_actor())
    print(f"{name}: now {role}")
    return 0


@users_app.command(help="set a person's password")
def password(name: str = typer.Argument(...),
             password_stdin: bool = typer.Option(False, "--password-stdin", help="read it from stdin")) -> int:
    secret = read_password(name, password_stdin)
    with accounts() as people:
        people.set_password(name, secret, cli_actor())
    print(f"{name}: password set")
    return 0
