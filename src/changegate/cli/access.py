"""What the people's commands (approvals, audit, tokens, users, credentials, undo) share: where the store or
the server is, and how a person proves who they are.

- Remote mode: `CHANGEGATE_URL` is set. People authenticate with `--as NAME` (the password is asked for, or
  read with `--password-stdin`) or with a personal token in `CHANGEGATE_TOKEN`.
- Local mode: the store in the state directory (or `CHANGEGATE_DATABASE_URL`). Approving needs `--as NAME`
  and that person's password, checked against the user table: an agent running on the same machine as its
  operator cannot approve by typing a name. (Whoever can write the database file can of course bypass
  everything; for real separation run the server — see docs/server.md.)

`check` (cli/check.py) does not use this module: it must not import SQLAlchemy to ask a server.
"""

from __future__ import annotations

import getpass
import sys
from typing import Any

from changegate.cli import EXIT_USAGE, fail
from changegate.client import Client, Refused, Unreachable
from changegate.gate.remote import remote_target
from changegate.service.accounts import Accounts
from changegate.service.audit import AuditLog
from changegate.service.identity import Identity
from changegate.service.store import Store, StoreError, open_store


def cli_actor() -> str:
    """The audit log's actor for local administration: the operating-system account that ran it."""
    return f"cli:{getpass.getuser()}"


def remote() -> tuple[str, str] | None:
    return remote_target()


def local_store() -> Store:
    try:
        return open_store()
    except StoreError as exc:
        raise fail(str(exc)) from exc


def record(kind: str, data: dict[str, Any]) -> None:
    """Administration is recorded in the local audit log (names, never values); a store that is down is
    reported, not fatal."""
    try:
        store = open_store()
        try:
            AuditLog(store).record(kind, cli_actor(), data)
        finally:
            store.dispose()
    except StoreError as exc:
        print(f"changegate: could not record {kind} in the audit log: {exc}", file=sys.stderr)


def read_password(name: str, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    try:
        return getpass.getpass(f"password for {name}: ")
    except (EOFError, KeyboardInterrupt) as exc:
        raise fail("no password given") from exc


def local_person(store: Store, name: str | None, password_stdin: bool) -> Identity:
    """A person from the local user table, proven by their password."""
    if not name:
        raise fail("say who you are with --as NAME (you will be asked for your password)", EXIT_USAGE)
    who = Accounts(store).check_password(name, read_password(name, password_stdin))
    if who is None:
        raise fail("wrong name or password")
    return who


def server_client(name: str | None, password_stdin: bool) -> Client:
    """A client for people's commands in remote mode: --as NAME (password) or a personal token."""
    target = remote()
    assert target is not None
    url, token = target
    if name:
        return Client(url, "", timeout=30.0, basic=(name, read_password(name, password_stdin)))
    if not token:
        raise fail("say who you are: --as NAME, or a personal token in CHANGEGATE_TOKEN", EXIT_USAGE)
    return Client(url, token, timeout=30.0)


def call_server(function: Any, *args: Any) -> Any:
    """Run a client call; unreachable or refused becomes a message and exit 1."""
    try:
        return function(*args)
    except (Unreachable, Refused) as exc:
        raise fail(str(exc)) from exc
