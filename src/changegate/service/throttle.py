"""A brake on password guessing, shared by every worker: failed sign-ins counted per name and per client
address in a window (the `login_failures` table), and refused once either count reaches its limit.

- Every credential path that takes a password goes through `Accounts.check_password`, which asks here first:
  the API's HTTP Basic and the web sign-in. A refused attempt costs no password hash and no write.
- The counts live in the store, so N workers do not give a guesser N times the attempts; a key known to be
  throttled is also remembered in memory until its window ends, so a flood is refused without a query.
- The log gets one `login.failed` record when a window of failures opens for a name or an address, and one
  `login.throttled` record (with the count) when it reaches its limit — a flood of wrong passwords adds a
  few records per window, not one per attempt, so it can neither grow the chain nor slow the checks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from changegate.service.audit import Entry, append, iso
from changegate.service.store import Store
from changegate.service.store.tables import login_failures

NAME_LIMIT = 5  # failed sign-ins for one name in a window
ADDRESS_LIMIT = 20  # failed sign-ins from one client address in a window (several people behind one NAT)
WINDOW_S = 300.0
MAX_REMEMBERED = 10_000  # throttled keys kept in memory (a flood of distinct names cannot grow it past this)
MAX_KEY = 200


@dataclass(frozen=True, slots=True)
class Limits:
    name: int = NAME_LIMIT
    address: int = ADDRESS_LIMIT
    window_s: float = WINDOW_S


def keys_for(name: str, address: str | None) -> dict[str, int]:
    """The counters one attempt touches, with their kind ("user" or "addr")."""
    keys = {f"user:{name}"[:MAX_KEY]: 0}
    if address:
        keys[f"addr:{address}"[:MAX_KEY]] = 1
    return keys


class LoginThrottle:
    def __init__(self, store: Store, clock: Callable[[], float] = time.time, limits: Limits | None = None) -> None:
        self.store = store
        self.clock = clock
        self.limits = limits or Limits()
        self._blocked: dict[str, float] = {}  # key -> when its window ends (known throttled)
        self._lock = threading.Lock()

    def known_wait_s(self, name: str, address: str | None) -> float:
        """`wait_s` from memory only (no query): what a server can answer a flood with before doing any work."""
        now = self.clock()
        with self._lock:
            until = max((self._blocked.get(key, 0.0) for key in keys_for(name, address)), default=0.0)
        return max(0.0, until - now)

    def wait_s(self, name: str, address: str | None) -> float:
        """Seconds until this name from this address may try again (0 when it may now)."""
        known = self.known_wait_s(name, address)
        if known > 0:
            return known
        now = self.clock()
        keys = keys_for(name, address)
        with self.store.read() as conn:
            rows = conn.execute(sa.select(login_failures).where(login_failures.c.key.in_(list(keys)))).all()
        wait = 0.0
        for row in rows:
            until = float(row.window_start) + self.limits.window_s
            if until > now and int(row._mapping["count"]) >= self._limit(row.key):
                self._remember(row.key, until)
                wait = max(wait, until - now)
        return wait

    def failed(self, name: str, address: str | None) -> None:
        """Count a failed attempt against the name and the address; log a window's first failure and the
        moment a limit is reached."""
        now = self.clock()
        for attempt in range(2):  # a racing worker may insert the same key first: then update it
            try:
                with self.store.write() as conn:
                    counted = {key: self._count(conn, key, now) for key in keys_for(name, address)}
                    append(conn, self.store, self._entries(counted, name, address))
                    # counters of windows that have ended are of no use: the table holds current ones only
                    conn.execute(sa.delete(login_failures).where(
                        login_failures.c.window_start < now - self.limits.window_s))
                return
            except sa_exc.IntegrityError:
                if attempt:
                    raise

    def succeeded(self, name: str) -> None:
        """A right password clears the name's count (not the address's: one success does not excuse a
        spray of other names from it)."""
        key = f"user:{name}"[:MAX_KEY]
        with self._lock:
            self._blocked.pop(key, None)
        with self.store.write() as conn:
            conn.execute(sa.delete(login_failures).where(login_failures.c.key == key))

    def _count(self, conn: sa.Connection, key: str, now: float) -> tuple[int, float]:
        """Count one failure against a key: (its count in the window, when the window ends)."""
        row = conn.execute(self.store.lock_row(sa.select(login_failures).where(login_failures.c.key == key))
                           ).one_or_none()
        if row is None:
            conn.execute(login_failures.insert().values(key=key, window_start=now, count=1))
            return 1, now + self.limits.window_s
        if float(row.window_start) + self.limits.window_s <= now:
            conn.execute(login_failures.update().where(login_failures.c.key == key).values(window_start=now, count=1))
            return 1, now + self.limits.window_s
        count = int(row._mapping["count"]) + 1
        conn.execute(login_failures.update().where(login_failures.c.key == key).values(count=count))
        until = float(row.window_start) + self.limits.window_s
        if count >= self._limit(key):
            self._remember(key, until)
        return count, until

    def _entries(self, counted: dict[str, tuple[int, float]], name: str, address: str | None) -> list[Entry]:
        """At most one `login.failed` (a window opened) and one `login.throttled` (a limit reached) per
        attempt, whichever keys it was."""
        about = {"user": name, "address": address, "window_s": self.limits.window_s}
        opened = [key for key, (count, _) in counted.items() if count == 1]
        reached = {key: (count, until) for key, (count, until) in counted.items() if count == self._limit(key)}
        entries = []
        if opened:
            entries.append(Entry("login.failed", "anonymous", {**about, "count": 1, "opened": opened}))
        if reached:
            entries.append(Entry("login.throttled", "anonymous", {
                **about, "throttled": sorted(reached), "count": max(c for c, _ in reached.values()),
                "until": iso(max(u for _, u in reached.values()))}))
        return entries

    def _limit(self, key: str) -> int:
        return self.limits.name if key.startswith("user:") else self.limits.address

    def _remember(self, key: str, until: float) -> None:
        with self._lock:
            if len(self._blocked) >= MAX_REMEMBERED:
                now = self.clock()
                self._blocked = {k: v for k, v in self._blocked.items() if v > now}
                if len(self._blocked) >= MAX_REMEMBERED:
                    self._blocked.clear()
            self._blocked[key] = until
