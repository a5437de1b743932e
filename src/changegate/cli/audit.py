"""`changegate audit verify|tail|export`: the hash-chained audit log, locally or on the server.

    changegate audit verify                      exit 0 intact, 1 broken (names the first broken record)
    changegate audit tail [-n 20]
    changegate audit export --jsonl [--since 2026-01-31T00:00:00Z] > audit.jsonl
"""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from changegate.cli import EXIT_FAILURE, EXIT_USAGE, fail
from changegate.cli.access import call_server, local_store, remote, server_client
from changegate.service.audit import AuditLog, parse_time
from changegate.service.store import Store

VERBS = {"verify": "check the hash chain", "tail": "show the latest records", "export": "write records as JSON lines"}
app = typer.Typer(help="The audit log: verify, tail, export.", no_args_is_help=True, add_completion=False)
AS_OPTION = typer.Option(None, "--as", help="remote mode: who you are (you are asked for the password)")
PASSWORD_STDIN = typer.Option(False, "--password-stdin", help="read the password from the first line of stdin")


@app.command(help=VERBS["verify"])
def verify(as_user: str = AS_OPTION, password_stdin: bool = PASSWORD_STDIN) -> int:
    if remote():
        result = call_server(server_client(as_user, password_stdin).verify)
        ok, message = bool(result.get("ok")), str(result.get("message", ""))
    else:
        store = local_store()
        try:
            checked = drained(store).verify()
        finally:
            store.dispose()
        ok, message = checked.ok, checked.message()
    print(message, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else EXIT_FAILURE


@app.command(help=VERBS["tail"])
def tail(lines: int = typer.Option(20, "-n", "--lines", min=1, max=10_000), as_user: str = AS_OPTION,
         password_stdin: bool = PASSWORD_STDIN, as_json: bool = typer.Option(False, "--json")) -> int:
    if remote():
        client = server_client(as_user, password_stdin)
        head = call_server(client.verify)  # the record count says where the tail starts
        after = max(0, int(head.get("records", 0)) - lines)
        records = call_server(client.audit, None, lines, after)
    else:
        store = local_store()
        try:
            records = [r.as_dict() for r in drained(store).records(limit=lines, newest=True)]
        finally:
            store.dispose()
    for record in records:
        print(json.dumps(record, ensure_ascii=False) if as_json else one_line(record))
    return 0


@app.command(help=VERBS["export"])
def export(jsonl: bool = typer.Option(False, "--jsonl", help="JSON lines (the only format, for now)"),
           since: str = typer.Option(None, "--since", help="RFC 3339 time or UNIX seconds"),
           as_user: str = AS_OPTION, password_stdin: bool = PASSWORD_STDIN) -> int:
    if not jsonl:
        raise fail("say the format: --jsonl", EXIT_USAGE)
    try:
        start = parse_time(since)
    except ValueError as exc:
        raise fail(str(exc), EXIT_USAGE) from exc
    out = sys.stdout
    if remote():
        client = server_client(as_user, password_stdin)
        after = 0
        while True:  # page through by seq; a page is bounded by the server
            page = call_server(client.audit, start, 5000, after)
            for record in page:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            if len(page) < 5000:
                break
            after = page[-1]["seq"]
    else:
        store = local_store()
        try:
            for rec in drained(store).iterate(since=start):
                out.write(json.dumps(rec.as_dict(), ensure_ascii=False) + "\n")
        finally:
            store.dispose()
    out.flush()
    return 0


def drained(store: Store) -> AuditLog:
    """The local log with the spooled decisions (local hooks, shims, the SDK) moved into it: complete."""
    log = AuditLog(store)
    log.drain_spool()
    return log


def one_line(record: dict[str, Any]) -> str:
    data = record.get("data", {})
    detail = data.get("summary") or data.get("request") or data.get("user") or data.get("id") or ""
    decision = f" {data['decision']}" if "decision" in data else ""
    return f"{record['seq']:>7}  {record['at']}  {record['kind']:<18} {record['actor']:<24}{decision} {detail}".rstrip()
