"""What the approvals, audit, admin and check commands share: where the store or the server is, and how a
person proves who they are.

- Remote mode: `CHANGEGATE_URL` is set. `check` sends `CHANGEGATE_TOKEN` (an agent token, or a person's
  personal token). People's commands (`approvals approve`, `audit verify`, …) authenticate with `--as NAME`
  (the password is asked for, or read with `--password-stdin`) or with a personal token in `CHANGEGATE_TOKEN`.
- Local mode: the store in the state directory (or `CHANGEGATE_DATABASE_URL`). Approving needs `--as NAME`
  and that person's password, checked against the user table: an agent running on the same machine as its
  operator cannot approve by typing a name. (Whoever can write the database file can of course bypass
  everything; for real separation run the server — see docs/server.md.)
"""

from __future__ import annotations

import getpass
import json
import sys
from typing import TYPE_CHECKING, Any

import typer

from changegate.cli import EXIT_FAILURE, EXIT_FOR, EXIT_USAGE

if TYPE_CHECKING:
    from changegate.client import Client
    from changegate.service.approvals import Identity, Request
    from changegate.service.store import Store


def fail(message: str, code: int = EXIT_FAILURE) -> typer.Exit:
    print(f"changegate: {message}", file=sys.stderr)
    return typer.Exit(code)


def cli_actor() -> str:
    """The audit log's actor for local administration: the operating-system account that ran it."""
    return f"cli:{getpass.getuser()}"


def remote() -> tuple[str, str] | None:
    from changegate.gate import remote_target

    return remote_target()


def local_store() -> Store:
    from changegate.service.store import StoreError, open_store

    try:
        return open_store()
    except StoreError as exc:
        raise fail(str(exc)) from exc


def read_password(name: str, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    try:
        return getpass.getpass(f"password for {name}: ")
    except (EOFError, KeyboardInterrupt) as exc:
        raise fail("no password given") from exc


def local_person(store: Store, name: str | None, password_stdin: bool) -> Identity:
    """A person from the local user table, proven by their password."""
    from changegate.service.accounts import Accounts

    if not name:
        raise fail("say who you are with --as NAME (you will be asked for your password)", EXIT_USAGE)
    who = Accounts(store).check_password(name, read_password(name, password_stdin))
    if who is None:
        raise fail("wrong name or password")
    return who


def server_client(name: str | None, password_stdin: bool) -> Client:
    """A client for people's commands in remote mode: --as NAME (password) or a personal token."""
    from changegate.client import Client

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
    from changegate.client import Refused, Unreachable

    try:
        return function(*args)
    except (Unreachable, Refused) as exc:
        raise fail(str(exc)) from exc


# --- check with a store or a server (`check --wait`, remote mode) --------------------------------------

def gated_check(action: dict[str, Any], policy: str | None, wait: float | None, as_json: bool) -> int:
    answer = gated_answer(action, policy, wait)
    show_answer(answer, as_json)
    return EXIT_FOR[answer["decision"]]


def gated_batch(source: str, policy: str | None, wait: float | None) -> int:
    """`check --batch` against the server or the local store: one answer line per line, in order."""
    from changegate.gate import MAX_LINE_BYTES

    try:
        stream = sys.stdin.buffer if source == "-" else open(source, "rb")  # noqa: SIM115
    except OSError as exc:
        raise fail(f"cannot read {source}: {exc.strerror}", EXIT_USAGE) from exc
    with stream:
        for raw in stream:
            if not raw.strip():
                continue
            line_id, action, error = parse_line(raw, MAX_LINE_BYTES)
            if error:
                answer: dict[str, Any] = {"id": line_id, "decision": "deny", "approvals_required": 0, "error": error}
            else:
                answer = gated_answer(action, policy, wait, line_id=line_id)
            sys.stdout.write(json.dumps(answer, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return 0


def parse_line(raw: bytes, limit: int) -> tuple[Any, Any, str]:
    if len(raw) > limit:
        return None, None, f"the line is larger than {limit // 1024} KiB"
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        return None, None, f"not JSON: {exc}"
    if not isinstance(doc, dict) or "action" not in doc:
        return (doc.get("id") if isinstance(doc, dict) else None), None, (
            'each line must be an object like {"id": "c1", "action": {"type": "shell", ...}}')
    return doc.get("id"), doc["action"], ""


def gated_answer(action: Any, policy: str | None, wait: float | None, line_id: Any = None) -> dict[str, Any]:
    target = remote()
    if target is not None:
        from changegate.gate import check_remote

        if policy:
            print("changegate: CHANGEGATE_URL is set: the server's policy decides, not --policy", file=sys.stderr)
        return check_remote(action, *target, wait=wait or 0.0, line_id=line_id)
    return local_answer(action, policy, wait or 0.0, line_id)


def local_answer(action: Any, policy: str | None, wait: float, line_id: Any) -> dict[str, Any]:
    """Check against the local store: an ask files (or uses) a request; fail closed if the store is down."""
    from changegate.gate import Checkpoint, contract, judge
    from changegate.service.approvals import Identity
    from changegate.service.store import StoreError, open_store

    agent = action.get("agent") if isinstance(action, dict) else None
    who = Identity("agent", str(agent or "cli"), "agent", operator=getpass.getuser(), via="cli")
    try:
        store = open_store()
    except StoreError as exc:
        verdict = judge(action).verdict
        answer = contract(verdict, line_id)
        if verdict.decision == "deny":
            return answer
        return {**answer, "decision": "deny", "approvals_required": 0, "error": f"store unavailable: {exc}",
                "reasons": [f"--wait needs the store, which is unavailable ({exc})", *answer["reasons"]]}
    from changegate.policy import PolicyError

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
    import msgspec

    from changegate.cli.output import Output
    from changegate.model import Verdict

    verdict = msgspec.convert({"suggestions": [], "effects": [], "reasons": [], "risk": "high",
                               "action_hash": "", **answer}, Verdict, strict=False)
    Output().verdict(verdict)
    request = answer.get("request")
    if request:
        print(f"  request: {request['id']} {request['status']} ({request['approvals']}/{request['required']} "
              f"approvals, expires {request['expires_at']})")
