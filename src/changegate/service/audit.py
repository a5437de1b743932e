"""The audit log: one append-only hash chain of every decision, approval event, execution, policy change,
login and token change.

Each record is `{"seq", "at", "kind", "actor", "data"}`, stored as its canonical JSON (sorted keys, compact)
next to `prev_hash` and `hash = sha256(prev_hash || canonical_json(record))`, where `prev_hash` is the
previous record's hash as 64 hex characters (64 zeros before the first record). `verify()` recomputes the
chain and names the first record that does not fit.

Appends are serialised: the one-row `chain_head` table holds the last seq and hash, and an appender locks it
(`SELECT … FOR UPDATE` on PostgreSQL, the write lock of `BEGIN IMMEDIATE` on SQLite) before it reads it, so
several server processes on one database still write one chain.

Secrets never reach the log: `scrub()` runs over every record before it is hashed — values under keys that
look secret, `NAME=value` where NAME looks secret, secret-looking options, passwords in URLs, Authorization
headers and well-known token formats are replaced by `[redacted]`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import math
import queue
import re
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from changegate.model import canonical_json, looks_secret
from changegate.service import spool
from changegate.service.store import Store, StoreError
from changegate.service.store.tables import GENESIS_HASH, audit, chain_head

REDACTED = "[redacted]"
MAX_BATCH = 512  # records per transaction in the batching writer
DRAIN_BATCH = 500  # spooled records per transaction
VERIFY_PAGE = 2000
MAX_EXPORT = 100_000
MAX_SCRUB_DEPTH = 32
MAX_STRING = 64 * 1024  # a string longer than this is cut before it is logged
MAX_TIME = 253402300799.0  # 9999-12-31T23:59:59Z: the last time `iso()` can write

# --- scrubbing -----------------------------------------------------------------------------------------

# Redaction, not decision: these only ever remove text from the log, so a pattern that matches too much
# costs a little detail, never a wrong allow.
ASSIGNMENT = re.compile(r"(?P<name>\b[A-Za-z_][A-Za-z0-9_]*)=(?P<value>'[^']*'|\"[^\"]*\"|[^\s;&|]+)")
OPTION = re.compile(r"(?P<name>--?[A-Za-z][\w-]*)(?P<sep>=|\s+)(?P<value>'[^']*'|\"[^\"]*\"|[^\s;&|-][^\s;&|]*)")
URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)(?P<value>[^@\s/]+)(?=@)")
HEADER = re.compile(r"(?i)(?P<name>authorization|proxy-authorization|x-api-key|api-key|x-auth-token|cookie)"
                    r"(?P<sep>\s*:\s*)(?P<value>[^\"'\n]+)")
TOKEN_SHAPES = re.compile(
    r"\b(?:cg_[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{16,}"
    r"|xox[abposr]-[A-Za-z0-9-]{10,}|sk-[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16}"
    r"|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})")
JSON_FIELD = re.compile(r"(?P<head>[\"']?(?P<name>[A-Za-z_][\w-]*)[\"']?\s*:\s*)(?P<value>\"[^\"]*\"|'[^']*')")
# Fragments (lower case) one of which every pattern below needs: most strings (paths, resource URIs, rule
# reasons) contain none and skip the substitutions, the costly part of logging a decision. They cover the
# words of model.SECRET_NAME (a test keeps them in step) and the token prefixes.
SUSPECT_FRAGMENTS = ("=", "@", "-----begin", "cookie", "secret", "token", "passw", "pwd", "api_key", "api-key",
                     "apikey", "access_key", "access-key", "accesskey", "private", "credential", "auth", "session",
                     "signing", "webhook", "dsn", "cg_", "gh", "glpat", "xox", "sk-", "akia", "asia", "eyj")
PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|$)", re.S)


def scrub_text(text: str) -> str:
    """Text with the secrets in it replaced by [redacted]."""
    if len(text) > MAX_STRING:
        text = text[:MAX_STRING] + f"… [{len(text) - MAX_STRING} more characters not logged]"
    if len(text) <= 512:
        return _scrub_short(text)
    return _scrub(text)


@functools.lru_cache(maxsize=8192)
def _scrub_short(text: str) -> str:
    """Rule reasons, resource URIs and summaries repeat from one decision to the next: remember them."""
    return _scrub(text)


def _scrub(text: str) -> str:
    lowered = text.lower()
    if not any(fragment in lowered for fragment in SUSPECT_FRAGMENTS):
        return text
    return substitute(text)


def substitute(text: str) -> str:
    """Every redaction pattern applied (what `scrub_text` does once the fragments say it may be needed)."""
    text = PRIVATE_KEY.sub(f"-----BEGIN PRIVATE KEY----- {REDACTED}", text)
    text = URL_PASSWORD.sub(lambda m: m["head"] + REDACTED, text)
    text = HEADER.sub(lambda m: m["name"] + m["sep"] + REDACTED, text)
    text = ASSIGNMENT.sub(lambda m: f"{m['name']}={REDACTED}" if looks_secret(m["name"]) else m[0], text)
    text = JSON_FIELD.sub(lambda m: m["head"] + f'"{REDACTED}"' if looks_secret(m["name"]) else m[0], text)
    text = OPTION.sub(lambda m: m["name"] + m["sep"] + REDACTED if looks_secret(m["name"]) else m[0], text)
    return TOKEN_SHAPES.sub(REDACTED, text)


# The keys of a decision's record repeat from one record to the next (a pure function: remembering is exact).
_secret_key = functools.lru_cache(maxsize=4096)(looks_secret)


def scrub(doc: Any, depth: int = 0) -> Any:
    """A JSON-like document with every secret replaced: values under secret-looking keys, and secrets
    inside any string."""
    if depth > MAX_SCRUB_DEPTH:
        return "[nested too deeply to log]"
    if isinstance(doc, str):
        return scrub_text(doc)
    if isinstance(doc, dict):
        out: dict[str, Any] = {}
        for key, value in doc.items():
            name = str(key)
            if _secret_key(name) and isinstance(value, str | int | float | bytes):
                out[name] = value if str(value).startswith("redacted:") else REDACTED
            else:
                out[name] = scrub(value, depth + 1)
        return out
    if isinstance(doc, list | tuple):
        return [scrub(item, depth + 1) for item in doc]
    if doc is None or isinstance(doc, bool | int | float):
        return doc
    return scrub_text(str(doc))


# --- records -------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Entry:
    """What a caller logs; the chain adds seq, time and hashes."""

    kind: str  # decision, request.created, request.approved, vote, token.created, login, policy.loaded, …
    actor: str  # agent:NAME, user:NAME, cli:OSUSER, system
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Record:
    seq: int
    at: float
    kind: str
    actor: str
    data: dict[str, Any]
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "at": iso(self.at), "kind": self.kind, "actor": self.actor, "data": self.data,
                "prev_hash": self.prev_hash, "hash": self.hash}


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str | None) -> float | None:
    """UNIX seconds from RFC 3339 (`2026-01-31T12:00:00Z`) or a number from 0 to the end of year 9999; None
    for nothing. ValueError else (nan, infinities and times no record can have included)."""
    if text is None or not text.strip():
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a time: give RFC 3339 (2026-01-31T12:00:00Z) or UNIX seconds") \
                from exc
        seconds = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    if not math.isfinite(seconds) or not 0 <= seconds <= MAX_TIME:
        raise ValueError(f"{text!r} is not a time between 1970 and 9999")
    return seconds


def chain_hash(prev_hash: str, record_json: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + record_json).hexdigest()


def scrubbed(entries: Sequence[Entry]) -> list[Entry]:
    """The entries as they will be logged (secrets removed). The batching writer does this before it takes the
    store's write lock: scrubbing is most of the Python work of an append, and every other writer waits while
    the lock is held."""
    return [Entry(entry.kind, entry.actor, scrub(entry.data)) for entry in entries]


def append(conn: sa.Connection, store: Store, entries: Sequence[Entry], now: float | None = None,
           *, clean: bool = False) -> list[Record]:
    """Append entries to the chain inside the caller's write transaction (which makes them atomic with
    whatever else the transaction writes). `clean`: the entries went through `scrubbed()` already."""
    if not entries:
        return []
    ready = list(entries) if clean else scrubbed(entries)
    head = conn.execute(store.lock_row(sa.select(chain_head.c.seq, chain_head.c.hash)
                                       .where(chain_head.c.id == 1))).one_or_none()
    if head is None:
        raise StoreError("the audit chain has no head row: the store was not created by changegate's migrations")
    seq, prev = int(head.seq), str(head.hash)
    at = round(time.time() if now is None else now, 6)
    when = iso(at)
    rows: list[dict[str, Any]] = []
    records: list[Record] = []
    for entry in ready:
        seq += 1
        encoded = canonical_json({"seq": seq, "at": when, "kind": entry.kind, "actor": entry.actor,
                                  "data": entry.data})
        digest = chain_hash(prev, encoded)
        rows.append({"seq": seq, "at": at, "kind": entry.kind, "actor": entry.actor,
                     "record": encoded.decode("utf-8"), "prev_hash": prev, "hash": digest})
        records.append(Record(seq, at, entry.kind, entry.actor, entry.data, prev, digest))
        prev = digest
    try:
        insert_rows(conn, rows)
    except sa_exc.IntegrityError as exc:  # another writer took these numbers: the lock was not held
        raise StoreError(f"the audit chain moved while appending record {rows[0]['seq']}: {exc.orig}") from exc
    conn.execute(chain_head.update().where(chain_head.c.id == 1).values(seq=seq, hash=prev))
    return records


AUDIT_COLUMNS = ("seq", "at", "kind", "actor", "record", "prev_hash", "hash")
SQLITE_ROWS_PER_INSERT = 128  # 7 parameters a row: below SQLite's oldest limit of 999 parameters a statement
_SQLITE_INSERT = f"INSERT INTO audit ({', '.join(AUDIT_COLUMNS)}) VALUES "


def insert_rows(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
    """The audit rows, inserted. On SQLite as one statement per SQLITE_ROWS_PER_INSERT rows: an executemany
    steps once per row, and each step gives up the GIL and waits to take it back while the store's write
    lock is held. PostgreSQL's driver sends an executemany in one round trip already."""
    if conn.dialect.name != "sqlite":
        conn.execute(audit.insert(), rows)
        return
    for start in range(0, len(rows), SQLITE_ROWS_PER_INSERT):
        chunk = rows[start:start + SQLITE_ROWS_PER_INSERT]
        values = ",".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
        conn.exec_driver_sql(_SQLITE_INSERT + values,
                             tuple(row[column] for row in chunk for column in AUDIT_COLUMNS))


class AuditLog:
    """Reading, writing and verifying the chain in one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def drain_spool(self) -> int:
        """Move the decisions made without the store (service/spool.py: local hooks, the SDK, shims) into the
        chain, in order; returns how many. Readers call it first, so that what they show or verify is
        complete. A spool that cannot be drained now (store down) waits for the next reader."""
        moved = 0
        with contextlib.suppress(StoreError, OSError):
            for path in spool.taken_files():
                batch: list[Entry] = []
                for kind, actor, data in spool.spooled_records(path):
                    batch.append(Entry(kind, actor, data))
                    if len(batch) >= DRAIN_BATCH:
                        moved += self._append_all(batch)
                        batch = []
                moved += self._append_all(batch)
                spool.discard(path)
        return moved

    def _append_all(self, entries: list[Entry]) -> int:
        if entries:
            with self.store.write() as conn:
                append(conn, self.store, entries)
        return len(entries)

    def record(self, kind: str, actor: str, data: dict[str, Any]) -> Record:
        with self.store.write() as conn:
            return append(conn, self.store, [Entry(kind, actor, data)])[0]

    def records(self, *, since: float | None = None, after_seq: int | None = None, limit: int = 100,
                newest: bool = False) -> list[Record]:
        """Records from a time or after a seq, oldest first; `newest` gives the last `limit` records."""
        limit = max(1, min(limit, MAX_EXPORT))
        query = sa.select(audit)
        if since is not None:  # inclusive, at the microsecond precision of the times the API shows
            query = query.where(audit.c.at >= since - 1e-6)
        if after_seq is not None:
            query = query.where(audit.c.seq > after_seq)
        query = query.order_by(audit.c.seq.desc() if newest else audit.c.seq).limit(limit)
        with self.store.read() as conn:
            rows = list(conn.execute(query).all())
        if newest:
            rows.reverse()
        return [_record_of(row) for row in rows]

    def last_of_kind(self, kind: str) -> Record | None:
        with self.store.read() as conn:
            row = conn.execute(sa.select(audit).where(audit.c.kind == kind).order_by(audit.c.seq.desc())
                               .limit(1)).one_or_none()
        return _record_of(row) if row is not None else None

    def iterate(self, *, since: float | None = None) -> Iterator[Record]:
        """Every record from `since`, a page at a time (bounded memory for exports)."""
        after = 0
        while True:
            page = self.records(since=since, after_seq=after, limit=VERIFY_PAGE)
            yield from page
            if len(page) < VERIFY_PAGE:
                return
            after = page[-1].seq

    def verify(self) -> Verification:
        return verify(self.store)


def _record_of(row: Any) -> Record:
    document = msgspec.json.decode(row.record)
    return Record(int(row.seq), float(row.at), row.kind, row.actor, document.get("data", {}), row.prev_hash,
                  row.hash)


# --- verification --------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    records: int  # how many records were checked
    broken_seq: int | None = None  # the first record that does not fit
    problem: str = ""
    mismatches: tuple[str, ...] = ()  # rows (requests, votes) the chain does not bear out (service/trail.py)
    checkpoint: str = ""  # what a signed checkpoint said of the chain (service/signed_heads.py)

    def message(self) -> str:
        if self.broken_seq is not None:
            text = f"the audit chain is broken at record {self.broken_seq}: {self.problem}"
        elif self.problem:
            text = f"the audit chain does not match: {self.problem}"
        else:
            text = f"the audit chain is intact: {self.records} records"
        if self.checkpoint:
            text += f"; {self.checkpoint}"
        if self.mismatches:
            text += (f", but {len(self.mismatches)} request(s) in the tables disagree with it (edited outside "
                     "changegate?):\n  " + "\n  ".join(self.mismatches))
        return text


def verify(store: Store) -> Verification:
    """Walk the chain from the first record; name the first one whose hash, link, order or content does
    not fit, then check the head row against the last record (which catches records cut off the end)."""
    expected_seq, prev, checked, after = 1, GENESIS_HASH, 0, 0
    while True:
        with store.read() as conn:
            rows = conn.execute(sa.select(audit).where(audit.c.seq > after).order_by(audit.c.seq)
                                .limit(VERIFY_PAGE)).all()
        for row in rows:
            problem = _row_problem(row, expected_seq, prev)
            if problem:
                return Verification(False, checked, int(row.seq) if row.seq == expected_seq else expected_seq,
                                    problem)
            checked += 1
            expected_seq, prev = expected_seq + 1, row.hash
        if len(rows) < VERIFY_PAGE:
            break
        after = int(rows[-1].seq)
    with store.read() as conn:
        head = conn.execute(sa.select(chain_head).where(chain_head.c.id == 1)).one_or_none()
    if head is None:
        return Verification(False, checked, expected_seq, "the chain's head row is missing")
    if int(head.seq) != expected_seq - 1 or head.hash != prev:
        return Verification(False, checked, expected_seq,
                            f"the head says the chain ends at record {head.seq}, but the records end at "
                            f"{expected_seq - 1}: records were removed from the end, or the head was changed")
    return Verification(True, checked)


def _row_problem(row: Any, expected_seq: int, prev: str) -> str:
    if row.seq != expected_seq:
        return f"record {expected_seq} is missing (the next record is {row.seq})"
    if row.prev_hash != prev:
        return (f"its prev_hash does not match record {expected_seq - 1}'s hash: record {expected_seq - 1} "
                "was changed, or a record was removed or inserted before it")
    encoded = row.record.encode("utf-8")
    if chain_hash(prev, encoded) != row.hash:
        return "its content does not match its hash: the record was changed after it was written"
    try:
        document = msgspec.json.decode(encoded)
    except msgspec.DecodeError:
        return "its content is not JSON"
    if canonical_json(document) != encoded:
        return "its content is not in canonical form"
    if (document.get("seq"), document.get("kind"), document.get("actor"), document.get("at")) != (
            row.seq, row.kind, row.actor, iso(row.at)):
        return "its columns (seq, time, kind or actor) differ from the hashed record"
    return ""


# --- batching writer (the server's hot path) -----------------------------------------------------------

class AuditWriter:
    """Appends records from many request handlers in few transactions (group commit).

    A handler submits an entry (scrubbing it there) and waits for it; one thread takes the store's write lock,
    then everything waiting, writes it in one transaction and tells the waiters only after the commit. So a
    batch adds no delay when the server is idle, many records share one fsync when it is busy (and what
    arrived while another process held the lock joins it), and a record is acknowledged only once it is on
    disk: a crash can lose a record nobody was told about, never one somebody was. Waiters on an event loop
    (`submit_async`) are woken with one call per batch, not one per record.
    """

    def __init__(self, store: Store, max_batch: int = MAX_BATCH) -> None:
        self.store = store
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[tuple[Entry, Waiter] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="changegate-audit-writer", daemon=True)
        self._started = False
        self._lock = threading.Lock()

    def submit(self, entry: Entry) -> Future[Record]:
        future: Future[Record] = Future()
        self._put(entry, future)
        return future

    def submit_async(self, entry: Entry) -> asyncio.Future[Record]:
        """For a coroutine: an asyncio future on the running loop."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Record] = loop.create_future()
        self._put(entry, (loop, future))
        return future

    def write(self, entry: Entry, timeout: float = 30.0) -> Record:
        return self.submit(entry).result(timeout)

    def close(self) -> None:
        if self._started:
            self._queue.put(None)
            self._thread.join(timeout=10)

    def _put(self, entry: Entry, waiter: Waiter) -> None:
        if not self._started:
            with self._lock:
                if not self._started:
                    self._thread.start()
                    self._started = True
        try:
            clean = scrubbed([entry])[0]  # here, not under the store's write lock: see `scrubbed`
        except Exception as exc:  # a record that cannot be cleaned is not written; its waiter hears why
            _settle_waiter(waiter, StoreError(f"the audit record could not be prepared: {exc}"))
            return
        self._queue.put((clean, waiter))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._write([item]):
                return

    def _write(self, batch: list[tuple[Entry, Waiter]]) -> bool:
        """Write `batch` and whatever else is waiting once the write lock is ours (what came while another
        process held it joins this transaction instead of waiting for the next). True: close() was called."""
        outcomes: list[Record | Exception]
        stop = False
        try:
            with self.store.write() as conn:
                stop = self._take_waiting(batch)
                outcomes = list(append(conn, self.store, [entry for entry, _ in batch], clean=True))
        except Exception as exc:  # every waiter must hear about it, whatever it was
            error = exc if isinstance(exc, StoreError) else StoreError(f"the audit log could not be written: {exc}")
            outcomes = [error] * len(batch)
        on_loops: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Record], Record | Exception]]] = {}
        for (_, waiter), outcome in zip(batch, outcomes, strict=True):
            if isinstance(waiter, Future):
                _settle(waiter, outcome)
            else:
                on_loops.setdefault(waiter[0], []).append((waiter[1], outcome))
        for loop, settled in on_loops.items():
            with contextlib.suppress(RuntimeError):  # a loop that has closed has nobody left to tell
                loop.call_soon_threadsafe(_settle_all, settled)
        return stop

    def _take_waiting(self, batch: list[tuple[Entry, Waiter]]) -> bool:
        """Move what is queued into `batch` (up to max_batch); True when close() was called."""
        while len(batch) < self.max_batch:
            try:
                more = self._queue.get_nowait()
            except queue.Empty:
                return False
            if more is None:
                return True
            batch.append(more)
        return False


Waiter = Future[Record] | tuple[asyncio.AbstractEventLoop, "asyncio.Future[Record]"]


def _settle(future: Future[Record] | asyncio.Future[Record], outcome: Record | Exception) -> None:
    if future.done():
        return  # the waiter gave up (cancelled)
    if isinstance(outcome, Exception):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


def _settle_waiter(waiter: Waiter, outcome: Record | Exception) -> None:
    if isinstance(waiter, Future):
        _settle(waiter, outcome)
    else:
        loop, future = waiter
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_settle, future, outcome)


def _settle_all(settled: list[tuple[asyncio.Future[Record], Record | Exception]]) -> None:
    for future, outcome in settled:
        _settle(future, outcome)
