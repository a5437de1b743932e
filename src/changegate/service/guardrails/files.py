"""The guardrails' state in the state directory: what local hooks, `check`, `run` and the SDK read.

    guardrails/state.json   the kill switches on and the breakers open (small; read on every change)
    guardrails/usage.json   what each agent did in the longest budget window (read and written on allowed
                            changes, under an flock, pruned as it is written)

Files are 0600 in a 0700 directory and written atomically. A file that cannot be read is `GuardUnavailable`
(the gate then denies changes: it cannot tell whether a kill switch is on); a missing one is no state.
Records go to the audit spool (service/spool.py) and join the chain when it is next drained.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from changegate.policy.schema import Budget
from changegate.service.guardrails import (
    MAX_ROWS,
    Announce,
    Breaker,
    GuardUnavailable,
    InstantFreeze,
    Scope,
    ScopeRefused,
    Spent,
    Usage,
    already_counted,
    breach,
    longest_window_s,
    silent,
)
from changegate.service.spool import spool_entry
from changegate.state import state_dir_name
from changegate.understand.facts import Signature, changed_lately, file_signature, signature_of

DIRECTORY = "guardrails"
STATE_FILE, USAGE_FILE, LOCK_FILE = "state.json", "usage.json", ".lock"
MAX_FILE_BYTES = 16 * 1024 * 1024
LOCK_WAIT_S = 2.0
# The last document read of each file, by the file's signature: every decision of a change reads the kill switch
# and the breakers (a guard is made per decision), which change rarely, and always by a rename (a new inode).
_SEEN: dict[str, tuple[Signature, Any]] = {}


class LocalGuard:
    """Guardrail state in files under the state directory (the `Guard` protocol)."""

    def __init__(self, directory: str | None = None, announce: Announce = silent) -> None:
        self._directory = directory
        self.announce = announce
        self._seen_state: dict[str, Any] | None = None  # what this guard's readers saw (one decision's snapshot)

    @property
    def directory(self) -> str:
        if self._directory is None:
            self._directory = os.path.join(state_dir_name(), DIRECTORY)  # a guard lives for one decision
        return self._directory

    # --- reading ---------------------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        doc = self._read(STATE_FILE)
        if not isinstance(doc, dict):
            return {"freezes": [], "breakers": {}, "scopes": []}
        return {"freezes": list(doc.get("freezes") or []), "breakers": dict(doc.get("breakers") or {}),
                "scopes": list(doc.get("scopes") or [])}

    def _snapshot(self) -> dict[str, Any]:
        """The state as the read-only questions (kill switches, breakers, scopes) see it: read once per guard
        (a guard answers one decision, which asks two or three of them) and again after this guard writes or
        takes the lock."""
        if self._seen_state is None:
            self._seen_state = self.state()
        return self._seen_state

    def all_scopes(self) -> list[Scope]:
        try:
            return [Scope.from_raw(raw) for raw in self._snapshot()["scopes"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise GuardUnavailable(f"{self._path(STATE_FILE)} holds a task scope that does not read ({exc})") from exc

    def scopes(self, now: float) -> list[Scope]:
        return [scope for scope in self.all_scopes() if scope.active(now)]

    def add_scope(self, scope: Scope, kind: str, actor: str) -> Scope:
        with self._locked():
            doc = self.state()
            # expired and revoked scopes are dropped as new ones come: the audit spool keeps their story
            doc["scopes"] = [raw for raw in doc["scopes"] if Scope.from_raw(raw).status(scope.created_at)
                             in ("active", "pending")] + [scope.raw()]
            self._write(STATE_FILE, doc)
        spool_entry(kind, actor, scope.as_dict())
        return scope

    def change_scope(self, scope_id: str, change: Callable[[Scope], Scope], kind: str, actor: str) -> Scope:
        with self._locked():
            doc = self.state()
            found = [Scope.from_raw(raw) for raw in doc["scopes"]]
            current = next((s for s in found if s.id == scope_id), None)
            if current is None:
                raise ScopeRefused(f"no task scope {scope_id!r}")
            changed = change(current)
            doc["scopes"] = [changed.raw() if s.id == scope_id else s.raw() for s in found]
            self._write(STATE_FILE, doc)
        spool_entry(kind, actor, changed.as_dict())
        return changed

    def freezes(self, now: float) -> list[InstantFreeze]:
        try:
            return [InstantFreeze(f["id"], f["by"], f["reason"], float(f["at"]), tuple(f.get("environments") or ()),
                                  f.get("agents") or "*") for f in self._snapshot()["freezes"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise GuardUnavailable(f"{self._path(STATE_FILE)} holds a kill switch that does not read ({exc})") from exc

    def breakers(self) -> list[Breaker]:
        try:
            return [Breaker(b["agent"], b["reason"], float(b["opened_at"]), b.get("budget", ""))
                    for b in self._snapshot()["breakers"].values()]
        except (KeyError, TypeError, ValueError) as exc:
            raise GuardUnavailable(f"{self._path(STATE_FILE)} holds a breaker that does not read ({exc})") from exc

    def breaker(self, agent: str, now: float) -> Breaker | None:
        return next((b for b in self.breakers() if b.agent == agent), None)

    # --- counting --------------------------------------------------------------------------------------

    def spend(self, usage: Usage, budgets: Sequence[Budget], now: float, *, over_ok: bool = False) -> Breaker | None:
        if usage.empty or not budgets:
            return None
        keep_s = longest_window_s(budgets)
        with self._locked():
            everyone = self._read(USAGE_FILE)
            rows = everyone if isinstance(everyone, list) else []
            rows = [r for r in rows if isinstance(r, dict) and now - float(r.get("at", 0)) < keep_s][-MAX_ROWS:]
            mine = [Spent(r["kind"], r["environment"], int(r["amount"]), float(r["at"]), r.get("session", ""),
                          r.get("action_hash", "")) for r in rows if r.get("agent") == usage.agent]
            if already_counted(usage, mine, now):
                return None
            tripped = breach(budgets, usage, mine, now)
            if tripped is None or over_ok:
                rows.extend({"agent": usage.agent, "kind": s.kind, "environment": s.environment, "amount": s.amount,
                             "at": now, "session": s.session, "action_hash": s.action_hash} for s in usage.amounts)
            self._write(USAGE_FILE, rows)
            if tripped is not None:
                self._open(tripped)
        return tripped

    def _open(self, breaker: Breaker) -> None:
        """Open the agent's breaker (already under the lock): kept, recorded, announced."""
        doc = self.state()
        if breaker.agent in doc["breakers"]:
            return
        doc["breakers"][breaker.agent] = breaker.as_dict() | {"opened_at": breaker.opened_at}
        self._write(STATE_FILE, doc)
        spool_entry("breaker.opened", "system", breaker.as_dict())
        self.announce("breaker.opened", f"changegate: {breaker.agent}'s {breaker.reason}; every change it asks "
                      f"for needs a person until someone runs `changegate breaker close {breaker.agent}`",
                      breaker.as_dict())

    # --- what people do (cli/guardrails.py) -------------------------------------------------------------

    def freeze(self, freeze: InstantFreeze) -> None:
        with self._locked():
            doc = self.state()
            doc["freezes"].append(freeze.as_dict() | {"at": freeze.at})
            self._write(STATE_FILE, doc)

    def lift(self, freeze_id: str | None) -> list[InstantFreeze]:
        """Lift one kill switch (or all, without an id); the ones lifted."""
        with self._locked():
            doc = self.state()
            lifted = [f for f in self.freezes(0.0) if freeze_id in (None, f.id)]
            doc["freezes"] = [f for f in doc["freezes"] if freeze_id not in (None, f.get("id"))]
            self._write(STATE_FILE, doc)
        return lifted

    def close(self, agent: str) -> Breaker | None:
        with self._locked():
            doc = self.state()
            closed = self.breaker(agent, 0.0)
            doc["breakers"].pop(agent, None)
            self._write(STATE_FILE, doc)
        return closed

    # --- files -----------------------------------------------------------------------------------------

    def _path(self, name: str) -> str:
        return f"{self.directory}/{name}"  # (not os.path.join: every decision of a change asks)

    def _read(self, name: str) -> Any:
        """The file's JSON document (None when there is none). Read again only when the file is another one
        or has changed (inode, size, modification and change times); readers must not change what it holds."""
        path = self._path(name)
        if not os.access(path, os.F_OK):
            return None  # the usual case (no kill switch, no breaker yet), asked without raising an exception
        seen = _SEEN.get(path)
        if seen is not None and seen[0] == file_signature(path):
            return seen[1]  # unchanged: one stat, no file opened
        try:
            with open(path, "rb") as handle:
                info = os.fstat(handle.fileno())
                raw = handle.read(MAX_FILE_BYTES + 1)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise GuardUnavailable(f"{path} cannot be read ({exc.strerror or exc})") from exc
        if len(raw) > MAX_FILE_BYTES:
            raise GuardUnavailable(f"{path} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
        try:
            doc = json.loads(raw) if raw.strip() else None
        except ValueError as exc:
            raise GuardUnavailable(f"{path} is damaged ({exc})") from exc
        signature = signature_of(info)
        if not changed_lately(signature):
            if len(_SEEN) > 16:
                _SEEN.clear()
            _SEEN[path] = (signature, doc)
        return doc

    def _write(self, name: str, doc: Any) -> None:
        self._seen_state = None
        path = self._path(name)
        temporary = f"{path}.{os.getpid()}.tmp"
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(doc, handle, separators=(",", ":"))
            os.replace(temporary, path)  # a reader sees the old state or the new, never half
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise GuardUnavailable(f"{path} cannot be written ({exc.strerror or exc})") from exc

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        import fcntl

        try:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            descriptor = os.open(self._path(LOCK_FILE), os.O_CREAT | os.O_RDWR, 0o600)
        except OSError as exc:
            raise GuardUnavailable(f"{self.directory} cannot be used ({exc.strerror or exc})") from exc
        try:
            deadline = time.monotonic() + LOCK_WAIT_S
            while True:  # never hang on a holder that does not let go: give up and fail closed
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError as exc:
                    if time.monotonic() > deadline:
                        raise GuardUnavailable(f"{self._path(LOCK_FILE)} stayed locked for {LOCK_WAIT_S:g} s") from exc
                    time.sleep(0.002)
            self._seen_state = None  # under the lock, every question reads what is there now
            yield
        finally:
            os.close(descriptor)  # closing releases the lock
