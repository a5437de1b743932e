"""Signed checkpoints of the audit chain, modelled on Certificate Transparency's signed tree heads.

The chain's own hashes find any record changed in place, but not a tail cut off with `chain_head`
rewritten, nor every record after some point recomputed: nothing outside the database anchors it. So the
server signs its chain head — (size, head hash, timestamp), Ed25519, with a key kept outside the database —
every `every_records` records and every `every_s` seconds when the chain has grown, and publishes each
checkpoint to the witnesses the operator configures: a file (one JSON line per checkpoint, appended) or a
webhook (the JSON, POSTed). A witness keeps what it was given; `changegate audit verify --checkpoint FILE`
then holds the chain against every checkpoint in FILE: the record numbered `size` must exist and have
exactly the signed hash. A truncated tail misses that record; a rewritten one has another hash. A witness
may also be a second database (`sqlite:///…` or `postgresql+psycopg://…`, a changegate store of its own
elsewhere): the checkpoint goes into its `checkpoints` table, and `--checkpoint` takes that URL as well.

The signed message is `changegate checkpoint v1\\n{size}\\n{head}\\n{timestamp}\\n`; a checkpoint is
`{"size", "head", "timestamp", "key_id", "signature"}` with the signature in base64 and `key_id` the first
16 bytes (hex) of the sha256 of the raw public key.

The key: `CHANGEGATE_CHECKPOINT_KEY` (a path), or `checkpoint.key` beside the SQLite database (or in the
state directory), created once (PKCS#8 PEM, mode 0600) with its public half beside it (`checkpoint.pub`,
raw key in base64) for those who verify. Several servers on one database share the key file.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import exc as sa_exc

from changegate.service.audit import iso
from changegate.service.store import Store, state_dir
from changegate.service.store.tables import audit, chain_head, checkpoints

KEY_ENV = "CHANGEGATE_CHECKPOINT_KEY"
KEY_FILE = "checkpoint.key"
PUBLIC_SUFFIX = ".pub"
MAGIC = "changegate checkpoint v1"
EVERY_RECORDS = 1000
EVERY_S = 300.0
WEBHOOK_TIMEOUT_S = 5.0
MAX_CHECKPOINT_FILE = 64 * 1024 * 1024


class CheckpointError(Exception):
    """A checkpoint that cannot be made, read or trusted, in plain words."""


@dataclass(frozen=True, slots=True)
class SignedHead:
    size: int  # how many records the chain had
    head: str  # the hash of record `size`
    timestamp: str  # RFC 3339, when it was signed
    key_id: str
    signature: str  # base64

    def message(self) -> bytes:
        return signed_message(self.size, self.head, self.timestamp)

    def as_dict(self) -> dict[str, Any]:
        return {"size": self.size, "head": self.head, "timestamp": self.timestamp, "key_id": self.key_id,
                "signature": self.signature}

    @classmethod
    def from_dict(cls, doc: Any) -> SignedHead:
        if not isinstance(doc, dict):
            raise CheckpointError("a checkpoint must be a JSON object")
        try:
            size, head = doc["size"], doc["head"]
            if isinstance(size, bool) or not isinstance(size, int) or size < 1 or not isinstance(head, str):
                raise CheckpointError("a checkpoint's size must be a positive integer and its head a hash")
            return cls(size, head, str(doc["timestamp"]), str(doc["key_id"]), str(doc["signature"]))
        except KeyError as exc:
            raise CheckpointError(f"a checkpoint needs {exc.args[0]!r}") from exc


def signed_message(size: int, head: str, timestamp: str) -> bytes:
    return f"{MAGIC}\n{size}\n{head}\n{timestamp}\n".encode("ascii")


# --- the key -------------------------------------------------------------------------------------------

def key_path(database_url: str | None = None) -> Path:
    configured = os.environ.get(KEY_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    if database_url:
        url = sa.engine.make_url(database_url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            return Path(url.database).expanduser().resolve().parent / KEY_FILE
    return state_dir() / KEY_FILE


def load_key(path: Path, *, create: bool = True) -> Ed25519PrivateKey:
    """The signing key at `path`, made there (0600, its public half beside it) when there is none."""
    if create and not path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another worker made it an instant ago: read theirs
        else:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(pem)
            public_path(path).write_text(public_text(key.public_key()) + "\n", encoding="ascii")
    for _ in range(50):  # another worker may be writing it
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CheckpointError(f"cannot read the checkpoint key {path}: {exc.strerror}") from exc
        if data.strip():
            break
        time.sleep(0.02)
    try:
        loaded = serialization.load_pem_private_key(data, password=None)
    except ValueError as exc:
        raise CheckpointError(f"{path} is not a PEM private key") from exc
    if not isinstance(loaded, Ed25519PrivateKey):
        raise CheckpointError(f"{path} is not an Ed25519 key")
    return loaded


def public_path(path: Path) -> Path:
    return path.with_name(path.name + PUBLIC_SUFFIX)


def public_text(key: Ed25519PublicKey) -> str:
    return base64.b64encode(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def read_public_key(text: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text.strip(), validate=True))
    except ValueError as exc:
        raise CheckpointError("the public key must be 32 bytes in base64 (as in checkpoint.key.pub)") from exc


def key_id(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).hexdigest()[:32]


# --- signing and publishing ----------------------------------------------------------------------------

Post = Callable[[str, dict[str, Any]], None]


class Signer:
    """Signs the chain head when it is due and publishes it to the witnesses. `witnesses`: file paths
    and http(s) URLs."""

    def __init__(self, store: Store, key: Ed25519PrivateKey, witnesses: Sequence[str] = (), *,
                 every_records: int = EVERY_RECORDS, every_s: float = EVERY_S,
                 clock: Callable[[], float] = time.time, post: Post | None = None) -> None:
        self.store = store
        self.key = key
        self.key_id = key_id(key.public_key())
        self.witnesses = list(witnesses)
        self.every_records = max(1, every_records)
        self.every_s = every_s
        self.clock = clock
        self.post = post or _post
        self.problems: list[str] = []  # the last publication's failures (a witness down does not stop signing)

    def due(self) -> bool:
        size, _ = self._head()
        last = self.latest()
        if size == 0:
            return False
        if last is None:
            return True
        grown = size - last.size
        return grown >= self.every_records or (grown > 0 and self.clock() - _seconds(last.timestamp) >= self.every_s)

    def tick(self) -> SignedHead | None:
        """Sign and publish when due; None when not (or when another worker just signed this head)."""
        return self.sign() if self.due() else None

    def sign(self) -> SignedHead | None:
        """Sign the current head now, keep it, and publish it (unless this head is already signed)."""
        size, head = self._head()
        if size == 0:
            return None
        now = self.clock()
        timestamp = iso(now)
        signature = base64.b64encode(self.key.sign(signed_message(size, head, timestamp))).decode()
        signed = SignedHead(size, head, timestamp, self.key_id, signature)
        try:
            with self.store.write() as conn:
                if conn.execute(sa.select(checkpoints.c.size).where(checkpoints.c.size == size)).first() is not None:
                    return None
                conn.execute(checkpoints.insert().values(size=size, head=head, at=now, timestamp=timestamp,
                                                         key_id=self.key_id, signature=signature))
        except sa_exc.IntegrityError:
            return None  # a racing worker signed this head
        self.publish(signed)
        return signed

    def publish(self, signed: SignedHead) -> None:
        self.problems = []
        for witness in self.witnesses:
            try:
                if witness.startswith(("http://", "https://")):
                    self.post(witness, signed.as_dict())
                elif is_database(witness):
                    keep_in_database(witness, signed)
                else:
                    append_line(Path(witness).expanduser(), signed.as_dict())
            except Exception as exc:  # a witness that is down must not stop the server; it is reported
                self.problems.append(f"{witness}: {exc}")

    def latest(self) -> SignedHead | None:
        with self.store.read() as conn:
            row = conn.execute(sa.select(checkpoints).order_by(checkpoints.c.size.desc()).limit(1)).one_or_none()
        return SignedHead(int(row.size), row.head, row.timestamp, row.key_id, row.signature) if row else None

    def _head(self) -> tuple[int, str]:
        with self.store.read() as conn:
            row = conn.execute(sa.select(chain_head.c.seq, chain_head.c.hash).where(chain_head.c.id == 1)).one()
        return int(row.seq), str(row.hash)


def is_database(witness: str) -> bool:
    return witness.startswith(("sqlite:", "postgresql:", "postgresql+"))


def keep_in_database(url: str, signed: SignedHead) -> None:
    """A checkpoint kept in a second database's `checkpoints` table (a changegate store of its own)."""
    from changegate.service.store import open_store

    witness = open_store(url)
    try:
        with witness.write() as conn:
            if conn.execute(sa.select(checkpoints.c.size).where(checkpoints.c.size == signed.size)).first() is None:
                conn.execute(checkpoints.insert().values(size=signed.size, head=signed.head,
                                                         at=_seconds(signed.timestamp), timestamp=signed.timestamp,
                                                         key_id=signed.key_id, signature=signed.signature))
    finally:
        witness.dispose()


def database_checkpoints(url: str) -> list[SignedHead]:
    """Every checkpoint a database witness keeps."""
    from changegate.service.store import StoreError, open_store

    try:
        witness = open_store(url, migrate=False)
        try:
            with witness.read() as conn:
                rows = conn.execute(sa.select(checkpoints).order_by(checkpoints.c.size)).all()
        finally:
            witness.dispose()
    except StoreError as exc:
        raise CheckpointError(f"cannot read the checkpoints of the witness database: {exc}") from exc
    found = [SignedHead(int(r.size), r.head, r.timestamp, r.key_id, r.signature) for r in rows]
    if not found:
        raise CheckpointError("the witness database holds no checkpoint")
    return found


def append_line(path: Path, doc: dict[str, Any]) -> None:
    """One JSON line appended to a witness file (created 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, (json.dumps(doc, sort_keys=True) + "\n").encode("utf-8"))
    finally:
        os.close(descriptor)


def _post(url: str, doc: dict[str, Any]) -> None:
    import httpx

    httpx.post(url, json={"kind": "changegate.checkpoint", "checkpoint": doc},
               timeout=WEBHOOK_TIMEOUT_S).raise_for_status()


def _seconds(timestamp: str) -> float:
    from datetime import datetime

    with contextlib.suppress(ValueError):
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()
    return 0.0


# --- checking a chain against checkpoints --------------------------------------------------------------

def read_checkpoints(path: Path) -> list[SignedHead]:
    """Every checkpoint in a witness file (JSON lines, or one JSON object or list)."""
    try:
        if path.stat().st_size > MAX_CHECKPOINT_FILE:
            raise CheckpointError(f"{path} is larger than {MAX_CHECKPOINT_FILE // (1024 * 1024)} MiB")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CheckpointError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise CheckpointError(f"{path} is not UTF-8 text") from exc
    try:
        whole = json.loads(text)
        docs = whole if isinstance(whole, list) else [whole]
    except ValueError:
        try:
            docs = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError as exc:
            raise CheckpointError(f"{path} is neither JSON nor JSON lines: {exc}") from exc
    found = [SignedHead.from_dict(doc.get("checkpoint", doc) if isinstance(doc, dict) else doc) for doc in docs]
    if not found:
        raise CheckpointError(f"{path} holds no checkpoint")
    return found


def check_signature(signed: SignedHead, public: Ed25519PublicKey) -> None:
    if signed.key_id != key_id(public):
        raise CheckpointError(f"the checkpoint of size {signed.size} was signed by key {signed.key_id}, not by "
                              f"the given key {key_id(public)}")
    try:
        public.verify(base64.b64decode(signed.signature, validate=True), signed.message())
    except (InvalidSignature, ValueError) as exc:
        raise CheckpointError(f"the checkpoint of size {signed.size} has a signature that does not verify") from exc


HashAt = Callable[[int], "str | None"]


def check_against(signed_heads: Sequence[SignedHead], public: Ed25519PublicKey, hash_at: HashAt) -> str:
    """Each checkpoint's signature, then the chain's record at its size: "" when all agree, else the first
    problem. `hash_at(seq)` is the hash of record `seq`, None when there is none."""
    for signed in sorted(signed_heads, key=lambda s: s.size):
        check_signature(signed, public)
        found = hash_at(signed.size)
        if found is None:
            return (f"a signed checkpoint says the chain had {signed.size} records at {signed.timestamp}, but "
                    f"record {signed.size} is gone: the tail was cut off")
        if found != signed.head:
            return (f"record {signed.size} does not have the hash signed at {signed.timestamp}: the chain was "
                    "rewritten up to there")
    return ""


def store_hash_at(store: Store) -> HashAt:
    def hash_at(seq: int) -> str | None:
        with store.read() as conn:
            found = conn.execute(sa.select(audit.c.hash).where(audit.c.seq == seq)).scalar()
        return str(found) if found is not None else None

    return hash_at
