"""The server's services: everything the HTTP routes (and the web pages built on them) call.

Routes parse and answer HTTP; the rules live here and in service/approvals.py, service/audit.py,
service/accounts.py and gate/checkpoint.py. A page that shows the queue or approves a request calls the same
methods as the API.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, TypeVar

import msgspec
from starlette.concurrency import run_in_threadpool

from changegate.answer import Answer, Judgement
from changegate.gate.checkpoint import Checkpoint, unrecorded
from changegate.policy.schema import Webhook
from changegate.service.accounts import Accounts
from changegate.service.approvals import ApprovalError, Approvals, Request
from changegate.service.audit import AuditLog, AuditWriter, Record, Verification, iso
from changegate.service.identity import Identity, client_address
from changegate.service.notify import Notifier
from changegate.service.signed_heads import EVERY_RECORDS, EVERY_S, Signer, key_path, load_key
from changegate.service.store import Store, StoreError, open_store
from changegate.service.trail import verify_all

T = TypeVar("T")
TOKEN_CACHE_S = 2.0  # how long a credential lookup is trusted: a revoked token, a removed user, a new role or
# password takes effect within this on every worker
MAX_WAIT_S = 600.0
WAIT_POLL_S = 0.25


@dataclass
class Settings:
    """How a server runs. `from_env()` reads the CHANGEGATE_* variables (used by `changegate serve`, which
    sets them for each worker process)."""

    database_url: str | None = None
    policy_path: str | None = None
    public_url: str = ""  # how people reach this server: used in request links and webhooks
    webhooks: list[Webhook] = field(default_factory=list)
    token_cache_s: float = TOKEN_CACHE_S
    max_wait_s: float = MAX_WAIT_S
    expire_every_s: float = 30.0
    witnesses: list[str] = field(default_factory=list)  # where signed checkpoints go: file paths, http(s) URLs
    checkpoint_every: int = EVERY_RECORDS  # sign the chain head every this many records …
    checkpoint_every_s: float = EVERY_S  # … and every this many seconds when it has grown
    checkpoint_poll_s: float = 5.0  # how often a worker looks whether a checkpoint is due

    ENV: ClassVar[dict[str, str]] = {"database_url": "CHANGEGATE_DATABASE_URL", "policy_path": "CHANGEGATE_POLICY",
           "public_url": "CHANGEGATE_PUBLIC_URL", "webhooks": "CHANGEGATE_WEBHOOKS",
           "witnesses": "CHANGEGATE_WITNESSES", "checkpoint_every": "CHANGEGATE_CHECKPOINT_EVERY",
           "checkpoint_every_s": "CHANGEGATE_CHECKPOINT_EVERY_S"}

    @classmethod
    def from_env(cls) -> Settings:
        """Raises ValueError for a variable that does not read (the server does not start half-configured)."""
        env = os.environ
        hooks = env.get(cls.ENV["webhooks"], "").strip()
        witnesses = env.get(cls.ENV["witnesses"], "").strip()
        return cls(database_url=env.get(cls.ENV["database_url"]) or None,
                   policy_path=env.get(cls.ENV["policy_path"]) or None,
                   public_url=env.get(cls.ENV["public_url"], ""),
                   webhooks=msgspec.convert(json.loads(hooks), list[Webhook]) if hooks else [],
                   witnesses=msgspec.convert(json.loads(witnesses), list[str]) if witnesses else [],
                   checkpoint_every=int(env.get(cls.ENV["checkpoint_every"]) or EVERY_RECORDS),
                   checkpoint_every_s=float(env.get(cls.ENV["checkpoint_every_s"]) or EVERY_S))

    def to_env(self) -> dict[str, str]:
        values = {"database_url": self.database_url or "", "policy_path": self.policy_path or "",
                  "public_url": self.public_url,
                  "webhooks": json.dumps(msgspec.to_builtins(self.webhooks)) if self.webhooks else "",
                  "witnesses": json.dumps(self.witnesses) if self.witnesses else "",
                  "checkpoint_every": str(self.checkpoint_every), "checkpoint_every_s": str(self.checkpoint_every_s)}
        return {self.ENV[k]: v for k, v in values.items() if v}


class AuthError(Exception):
    """No credential, or a wrong one (401), the wrong kind for what was asked (403), or too many failed
    sign-ins (429, with the seconds to wait)."""

    def __init__(self, message: str, status: int = 401, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class Services:
    """One server's store, policy, approvals, audit log and credentials. Start with `open()`."""

    def __init__(self, store: Store, settings: Settings, *, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        webhooks = list(settings.webhooks)
        self.writer = AuditWriter(store)
        self.audit = AuditLog(store)
        self.audit.drain_spool()  # what local hooks decided before the server started joins the chain first
        self.accounts = Accounts(store, clock)
        self.notifier = Notifier([], base_url=settings.public_url)
        self.approvals = Approvals(store, notify=self.notifier, clock=clock, base_url=settings.public_url,
                                   peer_review=lambda: self.checkpoint.policy().doc.approvals.peer_review)
        self.checkpoint = Checkpoint(store, policy_path=settings.policy_path, approvals=self.approvals,
                                     writer=self.writer, base_url=settings.public_url, clock=clock)
        policy = self.checkpoint.policy()  # an invalid policy file stops the server here, not on a request
        self.notifier.webhooks = webhooks + list(policy.doc.notifications)
        self._tokens: dict[str, tuple[Identity, float]] = {}
        self._passwords: dict[str, tuple[Identity, str, float]] = {}  # (who, password hash, fresh until)
        self.signer = Signer(store, load_key(key_path(settings.database_url)), settings.witnesses,
                             every_records=settings.checkpoint_every, every_s=settings.checkpoint_every_s,
                             clock=clock)

    @classmethod
    def open(cls, settings: Settings | None = None) -> Services:
        settings = settings or Settings.from_env()
        return cls(open_store(settings.database_url), settings)

    def close(self) -> None:
        self.writer.close()
        self.notifier.close(timeout_s=1.0)
        self.store.dispose()

    # --- who is asking ---------------------------------------------------------------------------------

    async def identify(self, authorization: str | None) -> Identity:
        """`authenticate` from a coroutine: a password is checked off the event loop (argon2 takes tens of
        milliseconds), a token on it (a cached dictionary lookup)."""
        if authorization and authorization[:6].lower() == "basic ":
            return await to_thread(self.authenticate, authorization)
        return self.authenticate(authorization)

    def authenticate(self, authorization: str | None) -> Identity:
        """Identity from an Authorization header: `Bearer cg_…` (agent or personal token) or HTTP Basic
        (a person's name and password). Raises AuthError."""
        if not authorization:
            raise AuthError("this endpoint needs a credential: Authorization: Bearer cg_… (a token) or Basic "
                            "(a person's name and password)")
        scheme, _, value = authorization.partition(" ")
        scheme, value = scheme.lower(), value.strip()
        if scheme == "bearer" and value:
            return self._by_token(value)
        if scheme == "basic" and value:
            return self._by_password(value)
        raise AuthError("the Authorization header must be `Bearer TOKEN` or `Basic …`")

    def _by_token(self, secret: str) -> Identity:
        key = hashlib.sha256(secret.encode()).hexdigest()
        now = time.monotonic()
        cached = self._tokens.get(key)
        if cached is not None and cached[1] > now:
            return cached[0]
        who = self.accounts.authenticate_token(secret)
        if who is None:
            self._tokens.pop(key, None)
            raise AuthError("the token is not valid (unknown or revoked)")
        if len(self._tokens) > 10_000:
            self._tokens.clear()
        self._tokens[key] = (who, now + self.settings.token_cache_s)
        return who

    def _by_password(self, encoded: str) -> Identity:
        """A name and password. A right one is remembered (so argon2 runs once, not on every request), but
        re-checked against the user's row every `token_cache_s`: a removal, a role change or a new password
        takes effect within that on every worker, as a revoked token does."""
        try:
            name, _, password = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise AuthError("the Basic credential is not base64 of name:password") from exc
        key = hashlib.sha256(f"{name}\0{password}".encode()).hexdigest()
        now = time.monotonic()
        cached = self._passwords.get(key)
        if cached is not None:
            who, password_hash, fresh_until = cached
            if fresh_until > now:
                return who
            current = self.accounts.person(name)
            if current is not None and current[1] == password_hash:
                who = replace(current[0], via="password")
                self._passwords[key] = (who, password_hash, now + self.settings.token_cache_s)
                return who
            self._passwords.pop(key, None)  # removed, or the password changed: check it afresh
        wait = self.accounts.throttle.wait_s(name, client_address.get())
        if wait > 0:
            raise AuthError(f"too many failed sign-ins for this name or from this address; try again in "
                            f"{math.ceil(wait)} s", 429, retry_after=math.ceil(wait))
        signed_in = self.accounts.sign_in(name, password)
        if signed_in is None:
            raise AuthError("wrong name or password")
        if len(self._passwords) > 1_000:
            self._passwords.clear()
        self._passwords[key] = (signed_in[0], signed_in[1], now + self.settings.token_cache_s)
        return signed_in[0]

    def forget_credentials(self) -> None:
        """Drop cached credentials (after a revocation or a role change made through this process)."""
        self._tokens.clear()
        self._passwords.clear()

    # --- checking --------------------------------------------------------------------------------------

    async def check(self, action: dict[str, Any], who: Identity, *, wait: float = 0.0, peek: bool = False,
                    line_id: Any = None) -> Answer:
        """Decide, record, and for an ask file the request and wait for it without holding a thread."""
        judgement = self.checkpoint.judge_as(action, who)
        if judgement.verdict.decision != "ask":
            return await self._recorded(Answer.of(judgement.verdict, line_id), judgement, who)
        try:
            # most asks are retries of a pending request: on SQLite that one read is a local file read, cheaper
            # on the event loop than a hop to a thread (which waits for the GIL at each SQLite call)
            inline = self.store.dialect == "sqlite"
            found = self.checkpoint.retried(judgement, who, line_id) if inline else None
            answer, request = found if found is not None else await to_thread(
                self.checkpoint.ask, judgement, who, peek=peek, line_id=line_id, look_first=not inline)
            if request is not None and request.status == "pending" and wait > 0:
                request = await self._wait(request, min(wait, self.settings.max_wait_s))
                answer = await to_thread(self.checkpoint.after_wait, judgement, who, request, peek=peek,
                                         line_id=line_id)
        except StoreError as exc:
            answer = self.checkpoint.store_down(judgement, exc, line_id)
        return await self._recorded(answer, judgement, who)

    async def _wait(self, request: Request, seconds: float) -> Request:
        deadline = time.monotonic() + seconds
        while request.status == "pending" and time.monotonic() < deadline:
            await asyncio.sleep(min(WAIT_POLL_S, max(0.0, deadline - time.monotonic())))
            request = await to_thread(self.approvals.get, request.id)
        return request

    async def _recorded(self, answer: Answer, judgement: Judgement, who: Identity) -> Answer:
        entry = self.checkpoint.decision_entry(answer, judgement, who)
        try:
            await self.writer.submit_async(entry)
        except StoreError as exc:
            return unrecorded(answer, exc)
        return answer

    # --- requests --------------------------------------------------------------------------------------

    def list_requests(self, who: Identity, status: str | None, limit: int) -> list[Request]:
        """People see their teams' requests (admins all); an agent token its own."""
        if who.is_person:
            return self.approvals.find(status, limit, who)
        return [r for r in self.approvals.find(status, limit) if self._owns(who, r)]

    def get_request(self, who: Identity, request_id: str) -> Request:
        request = self.approvals.get(request_id)
        if not (who.sees_team(request.team) if who.is_person else self._owns(who, request)):
            raise ApprovalError(f"no request {request_id!r}", "not_found")  # as if it did not exist
        return request

    def decide_request(self, who: Identity, request_id: str, verb: str, comment: str) -> Request:
        if verb == "approve":
            return self.approvals.approve(request_id, who, comment)
        if verb == "deny":
            return self.approvals.deny(request_id, who, comment)
        if verb == "cancel":
            return self.approvals.cancel(request_id, who, comment)
        raise ApprovalError(f"unknown verb {verb!r}: approve, deny or cancel", "invalid")

    @staticmethod
    def _owns(who: Identity, request: Request) -> bool:
        return who.kind == "agent" and request.agent == who.name and request.operator == who.operator

    # --- audit -----------------------------------------------------------------------------------------

    def audit_records(self, who: Identity, since: float | None, after_seq: int | None, limit: int) -> list[Record]:
        require_person(who)
        return self.audit.records(since=since, after_seq=after_seq, limit=limit)

    def verify(self, who: Identity) -> Verification:
        require_person(who)
        return verify_all(self.store)

    def health(self) -> dict[str, Any]:
        try:
            with self.store.read() as conn:
                conn.exec_driver_sql("SELECT 1")
        except StoreError as exc:
            return {"status": "degraded", "store": str(exc), "time": iso(self.clock())}
        return {"status": "ok", "store": self.store.dialect, "time": iso(self.clock())}


def require_person(who: Identity, role: str = "viewer") -> None:
    order = {"viewer": 0, "approver": 1, "admin": 2}
    if who.kind != "user":
        raise AuthError("agent tokens can check actions and read their own requests, nothing else", 403)
    if order.get(who.role, -1) < order[role]:
        raise AuthError(f"this needs the {role} role; {who.name} is a {who.role}", 403)


async def to_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking store work off the event loop."""
    return await run_in_threadpool(function, *args, **kwargs)

