"""Login sessions for the web pages: signed cookies, CSRF tokens, expiry, and a brake on password guessing.

A session is a cookie the server signs (HMAC-SHA256) and the browser only carries back:
`base64url(json {user, sid, issued, seen, pw}) . base64url(mac)`. It is set `Secure; HttpOnly; SameSite=Lax`
(Lax so that following a webhook's link from chat still opens the page signed in; the CSRF token below is
what protects the forms). A session ends:

- after `idle_s` without a page request (30 minutes by default) — the inbox's background polling does not
  count as activity, so a tab left open does not stay signed in for ever;
- `max_age_s` after sign-in (12 hours), however active;
- when the person's password changes (`pw` is a keyed fingerprint of the stored hash) or their account is
  removed; their role is read from the store on every request, so a demotion takes effect at once;
- on logout (the cookie is cleared, and the session id is written to the store's `ended_sessions` table,
  which every worker reads: a signed-out cookie replayed to any of them is refused until it would have
  expired anyway).

Every form carries a CSRF token: an HMAC of the session id, so it cannot be read or made by another site.
The sign-in form, which has no session yet, is bound the same way to a short-lived random cookie.

The signing key comes from `CHANGEGATE_SESSION_SECRET`, or from `session.key` next to the SQLite database
(created once, mode 0600, shared by every worker on the machine). Several servers behind one address must
share `CHANGEGATE_SESSION_SECRET`.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from changegate.service.accounts import Accounts
from changegate.service.identity import Identity
from changegate.service.store import Store, StoreError, state_dir
from changegate.service.store.tables import ended_sessions

SESSION_COOKIE = "changegate_session"
LOGIN_COOKIE = "changegate_login"
SECRET_ENV = "CHANGEGATE_SESSION_SECRET"
KEY_FILE = "session.key"
IDLE_S = 30 * 60.0
MAX_AGE_S = 12 * 3600.0
REFRESH_AFTER_S = 60.0  # re-sign the cookie (sliding the idle window) at most once a minute
LOGIN_NONCE_S = 3600
MAX_COOKIE = 4096
MAX_ENDED = 10_000  # logged-out session ids remembered by this process


class SessionProblem(Exception):
    """No usable session. `code` names why (a sign-in link carries the code, never free text); `reason`
    is what the person is told."""

    def __init__(self, code: str, reason: str | None = None) -> None:
        self.code = code if code in SIGN_IN_REASONS else "invalid"
        self.reason = reason or SIGN_IN_REASONS[self.code]
        super().__init__(self.reason)

    @property
    def expired(self) -> bool:
        return self.code != "missing"


SIGN_IN_REASONS = {
    "missing": "Sign in to continue.",
    "idle": "Your session expired after a while without activity. Sign in again.",
    "max_age": "Your session expired: sessions last a limited time after sign-in. Sign in again.",
    "ended": "You signed out of this session. Sign in again.",
    "invalid": "Your session is not valid here (it was signed by another server, or changed). Sign in again.",
    "gone": "Your account no longer exists, so your session ended.",
    "password": "Your password was changed since you signed in, so your session ended. Sign in again.",
}


class CsrfProblem(Exception):
    """A form without a valid CSRF token."""


@dataclass(frozen=True, slots=True)
class Session:
    user: str
    sid: str
    issued: float
    seen: float
    fingerprint: str


class Sessions:
    """Issues and checks session cookies and CSRF tokens with one signing key."""

    def __init__(self, secret: bytes | Callable[[], bytes], *, clock: Callable[[], float] = time.time,
                 idle_s: float = IDLE_S, max_age_s: float = MAX_AGE_S, store: Store | None = None) -> None:
        """`secret` may be a function that reads it, called on first use (an API-only server never reads
        the key file). With a `store`, sign-outs are shared with every worker on it."""
        self._secret = secret
        self._signing_key: bytes | None = None
        self.clock = clock
        self.idle_s = idle_s
        self.max_age_s = max_age_s
        self.store = store
        self._ended: dict[str, float] = {}
        self._lock = threading.Lock()
        if isinstance(secret, bytes):
            self._key  # noqa: B018 -- a short secret is refused now, not on the first page

    @property
    def _key(self) -> bytes:
        if self._signing_key is None:
            secret = self._secret if isinstance(self._secret, bytes) else self._secret()
            if len(secret) < 16:
                raise ValueError("the session secret must be at least 16 bytes")
            self._signing_key = hashlib.sha256(b"changegate-session\0" + secret).digest()
        return self._signing_key

    # --- cookies ---------------------------------------------------------------------------------------

    def issue(self, user: str, password_hash: str | None) -> tuple[Session, str]:
        """A new session for someone who just proved their password, and its cookie value."""
        now = self.clock()
        session = Session(user, secrets.token_urlsafe(16), now, now, self.fingerprint(password_hash))
        return session, self._encode(session)

    def read(self, cookie: str | None) -> Session:
        """The session a cookie carries, if it is genuine and current; raises SessionProblem saying why not."""
        if not cookie:
            raise SessionProblem("missing")
        session = self._decode(cookie)
        now = self.clock()
        if now - session.issued > self.max_age_s:
            raise SessionProblem("max_age", self.reason("max_age"))
        if now - session.seen > self.idle_s:
            raise SessionProblem("idle", self.reason("idle"))
        with self._lock:
            if session.sid in self._ended:
                raise SessionProblem("ended")
        if self.store is not None:
            with self.store.read() as conn:
                ended = conn.execute(sa.select(ended_sessions.c.sid).where(ended_sessions.c.sid == session.sid)
                                     ).first()
            if ended is not None:
                raise SessionProblem("ended")
        return session

    def reason(self, code: str) -> str:
        """What to tell a person whose session ended for this reason, with this server's limits."""
        if code == "idle":
            return f"Your session expired after {self.idle_s / 60:g} minutes without activity. Sign in again."
        if code == "max_age":
            return f"Your session expired: sessions last at most {self.max_age_s / 3600:g} hours after sign-in. " \
                   "Sign in again."
        return SIGN_IN_REASONS.get(code, SIGN_IN_REASONS["invalid"])

    def refreshed(self, session: Session) -> tuple[Session, str] | None:
        """The session with its idle window slid forward, when it is due (None when not)."""
        now = self.clock()
        if now - session.seen < REFRESH_AFTER_S:
            return None
        fresh = Session(session.user, session.sid, session.issued, now, session.fingerprint)
        return fresh, self._encode(fresh)

    def end(self, session: Session) -> None:
        """Refuse this session id from now on: in this process at once, and in every worker through the
        store (the browser's cookie is cleared too). A store that cannot be written now does not stop the
        sign-out: this process refuses the session all the same."""
        now = self.clock()
        until = session.issued + self.max_age_s
        with self._lock:
            if len(self._ended) >= MAX_ENDED:
                self._ended = {sid: until for sid, until in self._ended.items() if until > now}
                if len(self._ended) >= MAX_ENDED:
                    self._ended.clear()
            self._ended[session.sid] = until
        if self.store is not None:
            with contextlib.suppress(StoreError), self.store.write() as conn:
                conn.execute(sa.delete(ended_sessions).where(ended_sessions.c.until <= now))  # past their age
                if conn.execute(sa.select(ended_sessions.c.sid).where(ended_sessions.c.sid == session.sid)
                                ).first() is None:
                    conn.execute(ended_sessions.insert().values(sid=session.sid[:64], until=until))

    def fingerprint(self, password_hash: str | None) -> str:
        return self._mac(f"pw\0{password_hash or ''}")[:22]

    def _encode(self, session: Session) -> str:
        body = json.dumps({"user": session.user, "sid": session.sid, "issued": session.issued,
                           "seen": session.seen, "pw": session.fingerprint}, separators=(",", ":"))
        payload = _b64(body.encode("utf-8"))
        return payload + "." + self._mac("session\0" + payload)

    def _decode(self, cookie: str) -> Session:
        invalid = SessionProblem("invalid")
        if len(cookie) > MAX_COOKIE or cookie.count(".") != 1:
            raise invalid
        payload, mac = cookie.split(".")
        if not hmac.compare_digest(mac, self._mac("session\0" + payload)):
            raise invalid
        try:
            doc: Any = json.loads(_unb64(payload))
            return Session(str(doc["user"]), str(doc["sid"]), float(doc["issued"]), float(doc["seen"]),
                           str(doc["pw"]))
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise invalid from exc

    # --- CSRF ------------------------------------------------------------------------------------------

    def csrf_token(self, session: Session) -> str:
        return self._mac(f"csrf\0{session.sid}")

    def check_csrf(self, session: Session, token: str | None) -> None:
        if not token:
            raise CsrfProblem("This form arrived without its security token (CSRF), so it was not accepted. "
                              "Reload the page and submit it again.")
        if not hmac.compare_digest(token, self.csrf_token(session)):
            raise CsrfProblem("This form's security token (CSRF) does not belong to your session, so it was not "
                              "accepted. Reload the page and submit it again.")

    @staticmethod
    def login_nonce() -> str:
        return secrets.token_urlsafe(16)

    def login_token(self, nonce: str) -> str:
        return self._mac(f"login\0{nonce}")

    def check_login_token(self, nonce: str | None, token: str | None) -> None:
        if not nonce or not token or not hmac.compare_digest(token, self.login_token(nonce)):
            raise CsrfProblem("The sign-in form was missing its security token or it had expired. Reload the "
                              "page and sign in again.")

    def _mac(self, message: str) -> str:
        return _b64(hmac.new(self._key, message.encode("utf-8"), hashlib.sha256).digest())


# --- the people behind sessions ------------------------------------------------------------------------

def person(store: Store, name: str) -> tuple[Identity, str | None] | None:
    """A user as a session needs them: their identity with the role they have now, and their password hash
    (for the fingerprint). None when there is no such user."""
    found = Accounts(store).person(name)
    return (replace(found[0], via="session"), found[1]) if found is not None else None


class LoginThrottle:
    """Slows password guessing: after `limit` failed sign-ins for one name within `window_s`, that name is
    refused until the oldest failure leaves the window. In memory, per process, bounded."""

    def __init__(self, limit: int = 5, window_s: float = 300.0, clock: Callable[[], float] = time.monotonic,
                 max_names: int = 10_000) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self.max_names = max_names
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait_s(self, name: str) -> float:
        """Seconds until this name may try again (0 when it may now)."""
        now = self.clock()
        with self._lock:
            recent = self._recent(name, now)
            if len(recent) < self.limit:
                return 0.0
            return max(0.0, recent[0] + self.window_s - now)

    def failed(self, name: str) -> None:
        now = self.clock()
        with self._lock:
            if name not in self._failures and len(self._failures) >= self.max_names:
                self._failures.clear()
            recent = self._recent(name, now)
            recent.append(now)
            self._failures[name] = recent

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(name, None)

    def _recent(self, name: str, now: float) -> deque[float]:
        recent = self._failures.get(name, deque(maxlen=self.limit))
        while recent and recent[0] <= now - self.window_s:
            recent.popleft()
        return recent


# --- the signing key -----------------------------------------------------------------------------------

def session_secret(database_url: str | None) -> bytes:
    """`CHANGEGATE_SESSION_SECRET`, or the key file beside the SQLite database (or in the state directory),
    created on first use. Every worker on the machine reads the same file."""
    configured = os.environ.get(SECRET_ENV, "")
    if configured:
        return configured.encode("utf-8")
    path = key_path(database_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32))
    return _read_key(path)


def key_path(database_url: str | None) -> Path:
    if database_url:
        url = sa.engine.make_url(database_url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            return Path(url.database).expanduser().resolve().parent / KEY_FILE
    return state_dir() / KEY_FILE


def _read_key(path: Path) -> bytes:
    # another worker may have created the file an instant ago and not written it yet
    for _ in range(50):
        text = path.read_text(encoding="ascii").strip()
        if len(text) >= 32:
            return text.encode("ascii")
        time.sleep(0.02)
    raise RuntimeError(f"{path} does not hold a session key; delete it and start the server again")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
