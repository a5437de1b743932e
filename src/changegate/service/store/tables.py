"""The store's tables, as SQLAlchemy Core. Migrations (store/migrations/versions) create them; this module is
what the code queries. Times are UNIX seconds (a float): portable between SQLite and PostgreSQL and cheap
to compare; the API shows them as RFC 3339."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),  # viewer | approver | admin
    sa.Column("password_hash", sa.String(255)),  # argon2; empty for people who only use personal tokens
    sa.Column("created_at", sa.Float, nullable=False),
)

tokens = sa.Table(
    "tokens",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),  # public id, shown in lists and the log
    sa.Column("digest", sa.String(64), nullable=False, unique=True),  # sha256 of the secret; never the secret
    sa.Column("kind", sa.String(8), nullable=False),  # agent | user
    sa.Column("agent", sa.String(128)),  # the agent's name (agent tokens)
    sa.Column("user", sa.String(64), nullable=False),  # the operator (agent tokens) or the owner (user tokens)
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("created_by", sa.String(128), nullable=False),
    sa.Column("revoked_at", sa.Float),
)

requests = sa.Table(
    "requests",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("action_hash", sa.String(64), nullable=False, index=True),
    sa.Column("action", sa.Text, nullable=False),  # canonical action, secrets redacted (JSON)
    sa.Column("verdict", sa.Text, nullable=False),  # effects, reasons, risk, rules (JSON)
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("risk", sa.String(16), nullable=False),
    sa.Column("agent", sa.String(128), nullable=False),
    sa.Column("operator", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),  # the agent's stated reason
    sa.Column("required", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Column("decided_at", sa.Float),
    sa.Column("decided_by", sa.String(128)),
    sa.Column("used_at", sa.Float),
)

votes = sa.Table(
    "votes",
    metadata,
    sa.Column("request_id", sa.String(32), sa.ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user", sa.String(64), primary_key=True),  # the key itself says: nobody votes twice
    sa.Column("vote", sa.String(8), nullable=False),  # approve | deny
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("at", sa.Float, nullable=False),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("record", sa.Text, nullable=False),  # canonical JSON; the hash covers exactly these bytes
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Index("ix_audit_kind_seq", "kind", "seq"),
)

# One row (id 1): the last record's seq and hash. Appenders lock it, so several processes write one chain.
chain_head = sa.Table(
    "chain_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

GENESIS_HASH = "0" * 64
