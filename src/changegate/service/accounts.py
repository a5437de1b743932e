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
from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from changegate.service.audit import Entry, append
from changegate.service.identity import ROLES, Identity, client_address
from changegate.service.store import Store
from changegate.service.store.tables import team_members, tokens, users
from changegate.service.throttle import LoginThrottle

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
        self.throttle = LoginThrottle(store, clock)

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
            members: dict[str, list[str]] = {}
            for m in conn.execute(sa.select(team_members).order_by(team_members.c.team)).all():
                members.setdefault(m.user, []).append(m.team)
        return [{"name": r.name, "role": r.role, "password": bool(r.password_hash), "created_at": r.created_at,
                 "teams": members.get(r.name, [])} for r in rows]

    def user(self, name: str) -> Identity | None:
        found = self.person(name)
        return replace(found[0], via="") if found is not None else None

    def person(self, name: str) -> tuple[Identity, str | None] | None:
        """A user with the role and teams they have now and their password hash (what a cached sign-in or a
        session is re-checked against); None when there is no such user."""
        with self.store.read() as conn:
            row = conn.execute(sa.select(users.c.name, users.c.role, users.c.password_hash)
                               .where(users.c.name == name)).one_or_none()
            if row is None:
                return None
            return Identity("user", row.name, row.role, via="password", teams=teams_of(conn, name)), row.password_hash

    # --- teams -----------------------------------------------------------------------------------------

    def add_to_team(self, name: str, team: str, actor: str) -> None:
        if not USER_NAME.match(team):
            raise AccountError(f"{team!r} is not a valid team name (letters, digits and . _ @ + -, up to 64)")
        with self.store.write() as conn:
            if conn.execute(sa.select(users.c.name).where(users.c.name == name)).first() is None:
                raise AccountError(f"no user {name}")
            if team in teams_of(conn, name):
                raise AccountError(f"{name} is already in the team {team}")
            conn.execute(team_members.insert().values(team=team, user=name))
            append(conn, self.store, [Entry("user.team_added", actor, {"user": name, "team": team})])

    def remove_from_team(self, name: str, team: str, actor: str) -> None:
        with self.store.write() as conn:
            if conn.execute(sa.delete(team_members).where(team_members.c.user == name,
                                                          team_members.c.team == team)).rowcount != 1:
                raise AccountError(f"{name} is not in the team {team}")
            append(conn, self.store, [Entry("user.team_removed", actor, {"user": name, "team": team})])

    def check_password(self, name: str, password: str) -> Identity | None:
        """The user, if the password is theirs; see `sign_in`."""
        signed_in = self.sign_in(name, password)
        return signed_in[0] if signed_in is not None else None

    def sign_in(self, name: str, password: str) -> tuple[Identity, str] | None:
        """The user and the password hash the password was checked against, if it is theirs; None for a
        wrong password, an unknown name, or a name or client address throttled for guessing (nothing is
        checked then). An unknown name costs the same hash as a known one, so the time of the answer does
        not tell which names exist. A success is logged (`login`); failures are counted and logged per
        window (service/throttle.py)."""
        address = client_address.get()
        if self.throttle.wait_s(name, address) > 0:
            return None
        found = self.person(name)
        stored = found[1] if found is not None and found[1] else None
        ok = _verify(stored or _dummy_hash(), password) and stored is not None
        if not ok or found is None or stored is None:
            self.throttle.failed(name, address)
            return None
        self.throttle.succeeded(name)
        self._log("login", f"user:{name}", {"user": name, "method": "password", "address": address})
        return found[0], stored

    # --- tokens ----------------------------------------------------------------------------------------

    def create_agent_token(self, agent: str, operator: str, actor: str, team: str | None = None) -> tuple[str, str]:
        """A token for an agent, on behalf of its operator (an existing user), in one of the operator's teams
        (`team`; by default their only team, if they have one). Returns (id, secret)."""
        if not AGENT_NAME.match(agent):
            raise AccountError(f"{agent!r} is not a valid agent name (letters, digits and . _ @ + : / -)")
        return self._create_token("agent", agent, operator, actor, team)

    def create_user_token(self, user: str, actor: str) -> tuple[str, str]:
        """A personal token: it acts as the user, with the user's role at the time of each request."""
        return self._create_token("user", None, user, actor)

    def _create_token(self, kind: str, agent: str | None, user: str, actor: str,
                      team: str | None = None) -> tuple[str, str]:
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token_id = "tok_" + secrets.token_hex(6)
        with self.store.write() as conn:
            if conn.execute(sa.select(users.c.name).where(users.c.name == user)).first() is None:
                raise AccountError(f"no user {user}: add them first with `changegate users add {user}`")
            team = self._token_team(conn, kind, user, team)
            conn.execute(tokens.insert().values(id=token_id, digest=token_digest(secret), kind=kind, agent=agent,
                                                user=user, created_at=self.clock(), created_by=actor, team=team))
            append(conn, self.store, [Entry("token.created", actor, {"id": token_id, "kind": kind, "agent": agent,
                                                                     "user": user, "team": team})])
        return token_id, secret

    @staticmethod
    def _token_team(conn: sa.Connection, kind: str, user: str, team: str | None) -> str | None:
        """An agent token's team: one of its operator's teams (their only one when none is named)."""
        if kind != "agent":
            if team is not None:
                raise AccountError("a personal token acts with its person's teams; it takes no --team")
            return None
        own = teams_of(conn, user)
        if team is None:
            return own[0] if len(own) == 1 else None
        if team not in own:
            raise AccountError(f"{user} is not in the team {team}: an agent's token belongs to one of its "
                               "operator's teams")
        return team

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
                 "created_by": r.created_by, "revoked_at": r.revoked_at, "team": r.team} for r in rows]

    def authenticate_token(self, secret: str) -> Identity | None:
        """Who a bearer token belongs to, or None (unknown, revoked, or its user is gone)."""
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
            return None
        query = (sa.select(tokens.c.id, tokens.c.kind, tokens.c.agent, tokens.c.user, tokens.c.team, users.c.role)
                 .join(users, users.c.name == tokens.c.user)
                 .where(tokens.c.digest == token_digest(secret), tokens.c.revoked_at.is_(None)))
        with self.store.read() as conn:
            row = conn.execute(query).one_or_none()
            if row is None:
                return None
            if row.kind == "agent":
                return Identity("agent", row.agent, "agent", operator=row.user, via=f"token:{row.id}",
                                teams=(row.team,) if row.team else ())
            return Identity("user", row.user, row.role, via=f"token:{row.id}", teams=teams_of(conn, row.user))

    def _log(self, kind: str, actor: str, data: dict[str, Any]) -> None:
        with self.store.write() as conn:
            append(conn, self.store, [Entry(kind, actor, data)])


def teams_of(conn: sa.Connection, user: str) -> tuple[str, ...]:
    return tuple(conn.execute(sa.select(team_members.c.team).where(team_members.c.user == user)
                              .order_by(team_members.c.team)).scalars())


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"the role must be one of {', '.join(ROLES)}, not {role!r}")


def _verify(password_hash: str, password: str) -> bool:
    if len(password) > MAX_PASSWORD:
        return False
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_hasher().verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


_dummies: dict[tuple[int, int, int], str] = {}  # one hash per process and set of hasher parameters


def _dummy_hash() -> str:
    """A hash no password matches, checked for unknown names (and people without a password) so that they
    take as long to refuse as a wrong password does (it has the parameters real hashes are made with)."""
    hasher = _hasher()
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if key not in _dummies:
        _dummies[key] = str(hasher.hash(secrets.token_urlsafe(24)))
    return _dummies[key]


def _hash_password(password: str) -> str:
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"a password may be at most {MAX_PASSWORD} characters")
    if len(password) < 8:
        raise AccountError("a password needs at least 8 characters")
    return str(_hasher().hash(password))
