"""Where an agent session's state lives between its actions (see `understand.SessionState`).

    SessionFiles   local: one file per session in the state directory (`sessions/`), 0600, written
                   atomically; a corrupt or oversized file is no state plus a reason, never a crash
    StoreSessions  a server: one row per session in the store (`session_state`), shared by its workers

A session is named by the agent, its operator and the session id the agent gives (Claude Code's
`session_id`, Codex's and Gemini's equivalents, an SDK `Gate`'s own): one agent cannot read or change
another's. State expires `SESSION_TTL_S` after its last change. `keeper()` is the one in force: the local
files, unless a server set its store for the request (`keeping()`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import time
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from changegate.state import state_dir
from changegate.understand import MAX_SESSION_BYTES, SESSION_TTL_S, SessionState
from changegate.understand.facts import Unreadable, read_disk

if TYPE_CHECKING:
    from changegate.service.store import Store

SESSIONS_DIR = "sessions"
PRUNE_EVERY = 64  # saves between sweeps of expired session files
_decoder = msgspec.json.Decoder(SessionState)


class SessionKeeper(Protocol):
    def load(self, key: str, now: float) -> tuple[SessionState, str | None]:
        """The session's state (empty when there is none), and why it could not be read, if it could not."""

    def save(self, key: str, state: SessionState) -> str | None:
        """Keep the state; why it could not be kept, if it could not."""


def session_key(agent: str | None, operator: str | None, session: str) -> str:
    """One session of one agent of one operator, as a fixed-length name (no path an agent can steer)."""
    return hashlib.sha256(f"{agent or ''}\0{operator or ''}\0{session}".encode()).hexdigest()[:40]


def decode_state(raw: bytes, now: float) -> SessionState:
    """A stored state; raises ValueError when it is not one."""
    if len(raw) > MAX_SESSION_BYTES * 2:
        raise ValueError(f"it is larger than {MAX_SESSION_BYTES * 2} bytes")
    try:
        state = _decoder.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ValueError(f"it is not a session state ({exc})") from exc
    return SessionState() if state.expired(now) else state


class SessionFiles:
    """Session state in files under the state directory."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self.saves = 0

    def path(self, key: str) -> Path:
        return (self.directory or state_dir() / SESSIONS_DIR) / f"{key}.json"

    def load(self, key: str, now: float) -> tuple[SessionState, str | None]:
        path = self.path(key)
        try:
            raw = read_disk(str(path), MAX_SESSION_BYTES * 2, 0.5)
        except Unreadable as exc:
            return SessionState(), f"the session file {path} cannot be read ({exc})"
        if raw is None:
            return SessionState(), None
        try:
            return decode_state(raw, now), None
        except ValueError as exc:
            return SessionState(), f"the session file {path} is damaged: {exc}"

    def save(self, key: str, state: SessionState) -> str | None:
        path = self.path(key)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0),
                                 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(msgspec.json.encode(state))
            os.replace(temporary, path)  # atomic: a reader sees the old state or the new, never half
        except OSError as exc:
            with contextlib.suppress(OSError):
                temporary.unlink()
            return f"the session state could not be kept in {path} ({exc.strerror or exc})"
        self.saves += 1
        if self.saves % PRUNE_EVERY == 1:
            self.prune(path.parent, time.time())
        return None

    @staticmethod
    def prune(directory: Path, now: float) -> None:
        """Remove session files not changed for longer than they are kept (a bounded sweep)."""
        with contextlib.suppress(OSError), os.scandir(directory) as entries:
            for _, entry in zip(range(1024), entries, strict=False):
                with contextlib.suppress(OSError):
                    if entry.name.endswith(".json") and now - entry.stat().st_mtime > SESSION_TTL_S:
                        os.unlink(entry.path)


class StoreSessions:
    """Session state in the store's `session_state` table (a server, shared by its workers)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def load(self, key: str, now: float) -> tuple[SessionState, str | None]:
        from changegate.service.store import StoreError

        try:
            with self.store.read() as conn:
                row = conn.execute(_session_query(), {"key": key}).first()
        except StoreError as exc:
            return SessionState(), f"the session's state could not be read from the store ({exc})"
        if row is None or row.expires_at < now:
            return SessionState(), None
        try:
            return decode_state(str(row.state).encode(), now), None
        except ValueError as exc:
            return SessionState(), f"the session's stored state is damaged: {exc}"

    def save(self, key: str, state: SessionState) -> str | None:

        from changegate.service.store import StoreError
        from changegate.service.store.tables import session_state

        values = {"state": msgspec.json.encode(state).decode(), "updated_at": state.updated_at,
                  "expires_at": state.updated_at + SESSION_TTL_S}
        try:
            with self.store.write() as conn:
                changed = conn.execute(session_state.update().where(session_state.c.key == key).values(**values))
                if not changed.rowcount:
                    conn.execute(session_state.insert().values(key=key, **values))
                conn.execute(session_state.delete().where(session_state.c.expires_at < state.updated_at))
        except StoreError as exc:
            return f"the session's state could not be kept in the store ({exc})"
        return None


@functools.cache
def _session_query() -> Any:
    """A session's row, by key: built once (every decision of an agent that names its session reads it, and
    composing the statement cost more than running it). Built on first use: the hooks never import SQLAlchemy."""
    import sqlalchemy as sa

    from changegate.service.store.tables import session_state

    return sa.select(session_state.c.state, session_state.c.expires_at).where(
        session_state.c.key == sa.bindparam("key"))


_LOCAL = SessionFiles()
_keeper: ContextVar[SessionKeeper | None] = ContextVar("changegate_sessions", default=None)


def keeper() -> SessionKeeper:
    return _keeper.get() or _LOCAL


@contextlib.contextmanager
def keeping(sessions: SessionKeeper) -> Iterator[None]:
    """Within this block (a server's request), sessions are kept by `sessions`."""
    token = _keeper.set(sessions)
    try:
        yield
    finally:
        _keeper.reset(token)
