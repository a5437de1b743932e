"""`changegate audit verify|tail|export`: the hash-chained audit log, locally or on the server.

    changegate audit verify [--checkpoint FILE [--public-key FILE]]
                                                 exit 0 intact, 1 broken (names the first broken record,
                                                 each request or vote the chain does not bear out, and a
                                                 signed checkpoint the chain no longer matches)
    changegate audit checkpoint [--to FILE]      sign the local chain's head now (service/signed_heads.py)
    changegate audit tail [-n 20]
    changegate audit export --jsonl [--since 2026-01-31T00:00:00Z] > audit.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from changegate.cli import EXIT_FAILURE, EXIT_USAGE, fail
from changegate.cli.access import call_server, local_store, remote, server_client
from changegate.service.audit import AuditLog, parse_time
from changegate.service.signed_heads import (
    CheckpointError,
    SignedHead,
    Signer,
    check_against,
    database_checkpoints,
    is_database,
    key_path,
    load_key,
    read_checkpoints,
    read_public_key,
    store_hash_at,
)
from changegate.service.store import Store, default_url, state_dir
from changegate.service.trail import verify_all

VERBS = {"verify": "check the hash chain, the requests against it, and signed checkpoints",
         "checkpoint": "sign the local chain's head now and append it to a witness file",
         "tail": "show the latest records", "export": "write records as JSON lines"}
app = typer.Typer(help="The audit log: verify, tail, export.", no_args_is_help=True, add_completion=False)
AS_OPTION = typer.Option(None, "--as", help="remote mode: who you are (you are asked for the password)")
PASSWORD_STDIN = typer.Option(False, "--password-stdin", help="read the password from the first line of stdin")


@app.command(help=VERBS["verify"])
def verify(as_user: str = AS_OPTION, password_stdin: bool = PASSWORD_STDIN,
           checkpoint: str = typer.Option(None, "--checkpoint", help="a witness file of signed checkpoints, or a "
                                          "witness database's URL"),
           public_key: Path = typer.Option(None, "--public-key", help="the signer's public key (checkpoint.key.pub); "
                                           "locally, the key beside the store by default")) -> int:
    try:
        heads = (database_checkpoints(checkpoint) if is_database(checkpoint) else read_checkpoints(Path(checkpoint))
                 ) if checkpoint else []
        public = _public_key(public_key) if checkpoint else None
    except CheckpointError as exc:
        raise fail(str(exc), EXIT_USAGE) from exc
    if remote():
        client = server_client(as_user, password_stdin)
        result = call_server(client.verify)
        ok, message = bool(result.get("ok")), str(result.get("message", ""))

        def hash_at(seq: int) -> str | None:
            found = call_server(client.audit, None, 1, seq - 1)
            return str(found[0]["hash"]) if found and found[0].get("seq") == seq else None

        problem = _against(heads, public, hash_at)
    else:
        store = local_store()
        try:
            drained(store)
            checked = verify_all(store)
            ok, message = checked.ok, checked.message()
            problem = _against(heads, public, store_hash_at(store))
        finally:
            store.dispose()
    if heads:
        ok = ok and not problem
        message += f"\n{problem}" if problem else f"\nit matches {len(heads)} signed checkpoint(s)"
    print(message, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else EXIT_FAILURE


def _against(heads: list[SignedHead], public: Any, hash_at: Any) -> str:
    if not heads:
        return ""
    try:
        return check_against(heads, public, hash_at)
    except CheckpointError as exc:
        return str(exc)


def _public_key(path: Path | None) -> Any:
    if path is not None:
        try:
            return read_public_key(path.read_text(encoding="ascii"))
        except (OSError, UnicodeDecodeError) as exc:
            raise CheckpointError(f"cannot read the public key {path}: {exc}") from exc
    if remote():
        raise CheckpointError("give the signer's public key with --public-key (the server's checkpoint.key.pub)")
    own = key_path(default_url())
    if not own.exists():
        raise CheckpointError(f"there is no checkpoint key at {own}: give the signer's public key with --public-key")
    return load_key(own, create=False).public_key()


@app.command(help=VERBS["checkpoint"])
def checkpoint(to: Path = typer.Option(None, "--to", help="the witness file to append to (default: "
                                                          "checkpoints.jsonl in the state directory)")) -> int:
    if remote():
        raise fail("the server signs its own checkpoints (changegate serve --witness); this signs a local store",
                   EXIT_USAGE)
    target = to or state_dir() / "checkpoints.jsonl"
    store = local_store()
    try:
        drained(store)
        signer = Signer(store, load_key(key_path(default_url())), [str(target)])
        signed = signer.sign() or signer.latest()
    except CheckpointError as exc:
        raise fail(str(exc)) from exc
    finally:
        store.dispose()
    if signed is None:
        raise fail("the audit chain is empty: nothing to sign")
    for problem in signer.problems:
        print(f"changegate: {problem}", file=sys.stderr)
    print(f"checkpoint: {signed.size} records, head {signed.head[:16]}…, signed {signed.timestamp} -> {target}")
    return 0 if not signer.problems else EXIT_FAILURE


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
