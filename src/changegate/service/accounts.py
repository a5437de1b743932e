"""People and credentials: user accounts with roles, and API tokens.

- Users have a role: `viewer` (reads requests and the log), `approver` (also approves and denies), `admin`
  (everything). Passwords are hashed with argon2id; a user may have no password and use personal tokens.
- Tokens are `cg_` + 43 random URL-safe characters. Only their sha256 is stored (a token has 256 bits of
  entropy, so a fast hash is enough and keeps per-request authentication cheap); the secret is shown once,
  when it is created. An agent token (`--agent NAME --operator USER`) can check actions and file and read
  its own requests, never approve. A personal token acts as its user, with the user's current role.

Every change (user added, removed, role changed, token created or revoked) is an audit record, in the same
transaction as the change.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from changegate.service.audit import Entry, append
from changegate.service.identity import ROLES, Identity
from changegate.service.store import Store
from changegate.service.store.tables import tokens, users

TOKEN_PREFIX = "cg_"
USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
AGENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+:/-]{0,127}$")
MAX_PASSWORD = 1024


class AccountError(Exception):
    """A refused account operation, in plain words."""


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


class Accounts:
    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    # --- users -----------------------------------------------------------------------------------------

    def add_user(self, name: str, role: str, password: str | None, actor: str) -> None:
        if not USER_NAME.match(name):
            raise AccountError(f"{name!r} is not a valid user name (letters, digits and . _ @ + -, up to 64)")
        _check_role(role)
        password_hash = _hash_password(password) if password else None
        with self.store.write() as conn:
            if conn.execute(sa.select(users.c.name).where(users.c.name == name)).first() is not None:
                raise AccountError(f"the user {name} already exists")
            conn.execute(users.insert().values(name=name, role=role, password_hash=password_hash,
                                               created_at=self.clock()))
            append(conn, self.store, [Entry("user.added", actor, {"user": name, "role": role,
                                                                  "has_password": password_hash is not None})])

    def remove_user(self, name: str, actor: str) -> int:
        """Remove a user and revoke their tokens (their agents' tokens too). Returns how many were revoked."""
        now = self.clock()
        with self.store.write() as conn:
            if conn.execute(sa.delete(users).where(users.c.name == name)).rowcount != 1:
                raise AccountError(f"no user {name}")
            revoked = conn.execute(tokens.update().where(tokens.c.user == name, tokens.c.revoked_at.is_(None))
                                   .values(revoked_at=now)).rowcount
            append(conn, self.store, [Entry("user.removed", actor, {"user": name, "tokens_revoked": revoked})])
        return int(revoked)

    def set_role(self, name: str, role: str, actor: str) -> None:
        _check_role(role)
        with self.store.write() as conn:
            old = conn.execute(sa.select(users.c.role).where(users.c.name == name)).scalar()
            if old is None:
                raise AccountError(f"no user {name}")
            conn.execute(users.update().where(users.c.name == name).values(role=role))
            append(conn, self.store, [Entry("user.role_changed", actor, {"user": name, "from": old, "to": role})])

    def set_password(self, name: str, password: str, actor: str) -> None:
        password_hash = _hash_password(password)
        with self.store.write() as conn:
            if conn.execute(users.update().where(users.c.name == name)
                            .values(password_hash=password_hash)).rowcount != 1:
                raise AccountError(f"no user {name}")
            append(conn, self.store, [Entry("user.password_changed", actor, {"user": name})])

    def list_users(self) -> list[dict[str, Any]]:
        with self.store.read() as conn:
            rows = conn.execute(sa.select(users).order_by(users.c.name)).all()
        return [{"name": r.name, "role": r.role, "password": bool(r.password_hash), "created_at": r.created_at}
                for r in rows]

    def user(self, name: str) -> Identity | None:
        with self.store.read() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).one_or_none()
        return Identity("user", row.name, row.role) if row is not None else None

    def check_password(self, name: str, password: str) -> Identity | None:
        """The user, if the password is theirs. Every attempt is logged (`login` or `login.failed`)."""
        with self.store.read() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).one_or_none()
        ok = False
        if row is not None and row.password_hash and len(password) <= MAX_PASSWORD:
            from argon2.exceptions import InvalidHashError, VerificationError

            try:
                ok = bool(_hasher().verify(row.password_hash, password))
            except (VerificationError, InvalidHashError):
                ok = False
        self._log("login" if ok else "login.failed", f"user:{name}" if ok else "anonymous",
                  {"user": name, "method": "password"})
        return Identity("user", row.name, row.role, via="password") if ok and row is not None else None

    # --- tokens ----------------------------------------------------------------------------------------

    def create_agent_token(self, agent: str, operator: str, actor: str) -> tuple[str, str]:
        """A token for an agent, on behalf of its operator (an existing user). Returns (id, secret)."""
        if not AGENT_NAME.match(agent):
            raise AccountError(f"{agent!r} is not a valid agent name (letters, digits and . _ @ + : / -)")
        return self._create_token("agent", agent, operator, actor)

    def create_user_token(self, user: str, actor: str) -> tuple[str, str]:
        """A personal token: it acts as the user, with the user's role at the time of each request."""
        return self._create_token("user", None, user, actor)

    def _create_token(self, kind: str, agent: str | None, user: str, actor: str) -> tuple[str, str]:
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token_id = "tok_" + secrets.token_hex(6)
        with self.store.write() as conn:
            if conn.execute(sa.select(users.c.name).where(users.c.name == user)).first() is None:
                raise AccountError(f"no user {user}: add them first with `changegate users add {user}`")
            conn.execute(tokens.insert().values(id=token_id, digest=token_digest(secret), kind=kind, agent=agent,
                                                user=user, created_at=self.clock(), created_by=actor))
            append(conn, self.store, [Entry("token.created", actor, {"id": token_id, "kind": kind, "agent": agent,
                                                                     "user": user})])
        return token_id, secret

    def revoke_token(self, token_id: str, actor: str) -> None:
        with self.store.write() as conn:
            done = conn.execute(tokens.update().where(tokens.c.id == token_id, tokens.c.revoked_at.is_(None))
                                .values(revoked_at=self.clock()))
            if done.rowcount != 1:
                raise AccountError(f"no active token {token_id}")
            append(conn, self.store, [Entry("token.revoked", actor, {"id": token_id})])

    def list_tokens(self, include_revoked: bool = False) -> list[dict[str, Any]]:
        query = sa.select(tokens).order_by(tokens.c.created_at)
        if not include_revoked:
            query = query.where(tokens.c.revoked_at.is_(None))
        with self.store.read() as conn:
            rows = conn.execute(query).all()
        return [{"id": r.id, "kind": r.kind, "agent": r.agent, "user": r.user, "created_at": r.created_at,
                 "created_by": r.created_by, "revoked_at": r.revoked_at} for r in rows]

    def authenticate_token(self, secret: str) -> Identity | None:
        """Who a bearer token belongs to, or None (unknown, revoked, or its user is gone)."""
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
            return None
        query = (sa.select(tokens.c.id, tokens.c.kind, tokens.c.agent, tokens.c.user, users.c.role)
                 .join(users, users.c.name == tokens.c.user)
                 .where(tokens.c.digest == token_digest(secret), tokens.c.revoked_at.is_(None)))
        with self.store.read() as conn:
            row = conn.execute(query).one_or_none()
        if row is None:
            return None
        if row.kind == "agent":
            return Identity("agent", row.agent, "agent", operator=row.user, via=f"token:{row.id}")
        return Identity("user", row.user, row.role, via=f"token:{row.id}")

    def _log(self, kind: str, actor: str, data: dict[str, Any]) -> None:
        with self.store.write() as conn:
            append(conn, self.store, [Entry(kind, actor, data)])


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"the role must be one of {', '.join(ROLES)}, not {role!r}")


def _hash_password(password: str) -> str:
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"a password may be at most {MAX_PASSWORD} characters")
    if len(password) < 8:
        raise AccountError("a password needs at least 8 characters")
    return str(_hasher().hash(password))
