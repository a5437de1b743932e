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
    sa.Column("team", sa.String(64)),  # agent tokens: the team its requests belong to (one of the operator's)
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
    sa.Column("peer_review", sa.Boolean),  # the operator's own vote does not count (NULL: filed before 0003)
    sa.Column("team", sa.String(64), index=True),  # who sees and decides it (NULL: every person)
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

# Which teams people belong to (a person may be in several).
team_members = sa.Table(
    "team_members",
    metadata,
    sa.Column("team", sa.String(64), primary_key=True),
    sa.Column("user", sa.String(64), sa.ForeignKey("users.name", ondelete="CASCADE"), primary_key=True),
)

# Failed sign-ins per name (`user:NAME`) and per client address (`addr:ADDRESS`) in the current window:
# shared by every worker, so N workers do not give a guesser N times the attempts.
login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("window_start", sa.Float, nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
)

# Web sessions signed out before their cookie expires: every worker refuses them (until: their max age).
ended_sessions = sa.Table(
    "ended_sessions",
    metadata,
    sa.Column("sid", sa.String(64), primary_key=True),
    sa.Column("until", sa.Float, nullable=False, index=True),
)

# Signed heads of the audit chain (service/signed_heads.py), also published to the configured witnesses.
checkpoints = sa.Table(
    "checkpoints",
    metadata,
    sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("head", sa.String(64), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("timestamp", sa.String(40), nullable=False),  # exactly as signed (RFC 3339)
    sa.Column("key_id", sa.String(64), nullable=False),
    sa.Column("signature", sa.Text, nullable=False),
)

# One row per agent session: the state its earlier actions left (tunnels, switched contexts, exports, cwd),
# as the JSON of `understand.SessionState`; gate/session.py reads and writes it, and drops expired rows.
session_state = sa.Table(
    "session_state",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),  # sha256 of agent, operator and session id
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False, index=True),
)

# Guardrails (service/guardrails/store.py). The kill switches: on while `lifted_at` is NULL.
guard_freezes = sa.Table(
    "guard_freezes",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("environments", sa.Text, nullable=False),  # JSON list; [] is every environment
    sa.Column("agents", sa.String(200), nullable=False),  # a glob over agent names
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("by", sa.String(128), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("lifted_at", sa.Float, index=True),
    sa.Column("lifted_by", sa.String(128)),
)

# Each agent's circuit breaker: open while `closed_at` is NULL (one row per agent, reused when it opens again).
guard_breakers = sa.Table(
    "guard_breakers",
    metadata,
    sa.Column("agent", sa.String(128), primary_key=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("budget", sa.String(128), nullable=False),
    sa.Column("opened_at", sa.Float, nullable=False),
    sa.Column("closed_at", sa.Float),
    sa.Column("closed_by", sa.String(128)),
)

# What agents did, for their budgets: one row per kind and environment an allowed action (or used approval)
# added; rows older than the longest budget window are dropped as new ones come.
guard_usage = sa.Table(
    "guard_usage",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("agent", sa.String(128), nullable=False),
    sa.Column("session", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("environment", sa.String(64), nullable=False),
    sa.Column("amount", sa.Integer, nullable=False),
    sa.Column("action_hash", sa.String(64), nullable=False),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Index("ix_guard_usage_agent_at", "agent", "at"),
)

# Task scopes: what a person let an agent (or one session of it) change, until `expires_at`; in force once
# `granted_by` (a JSON list of actors) holds `needed` people and it is not revoked.
guard_scopes = sa.Table(
    "guard_scopes",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("agent", sa.String(128), nullable=False),
    sa.Column("session", sa.String(128), nullable=False),
    sa.Column("raw", sa.Text, nullable=False),  # the whole scope as JSON (service/guardrails Scope.raw)
    sa.Column("expires_at", sa.Float, nullable=False, index=True),
    sa.Column("revoked_at", sa.Float),
)

# Break-glass: a person let one request through at once; a second person reviews it afterwards.
breakglass = sa.Table(
    "breakglass",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("request_id", sa.String(32), nullable=False, index=True),
    sa.Column("action_hash", sa.String(64), nullable=False, index=True),
    sa.Column("agent", sa.String(128), nullable=False),
    sa.Column("operator", sa.String(64), nullable=False),
    sa.Column("by", sa.String(128), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),  # unused after this, it lets nothing through
    sa.Column("used_at", sa.Float),
    sa.Column("review_due", sa.Float, nullable=False),
    sa.Column("reviewed_by", sa.String(128)),
    sa.Column("reviewed_at", sa.Float, index=True),
    sa.Column("review_comment", sa.Text),
    sa.Column("escalated_at", sa.Float),  # when the overdue review was escalated by webhook
)

GENESIS_HASH = "0" * 64
