"""Guardrails across a session: kill switches, circuit breakers and the usage budgets count, task scopes,
break-glass.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "guard_freezes",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("environments", sa.Text, nullable=False),
        sa.Column("agents", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("by", sa.String(128), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("lifted_at", sa.Float),
        sa.Column("lifted_by", sa.String(128)),
    )
    op.create_index("ix_guard_freezes_lifted_at", "guard_freezes", ["lifted_at"])
    op.create_table(
        "guard_breakers",
        sa.Column("agent", sa.String(128), primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("budget", sa.String(128), nullable=False),
        sa.Column("opened_at", sa.Float, nullable=False),
        sa.Column("closed_at", sa.Float),
        sa.Column("closed_by", sa.String(128)),
    )
    op.create_table(
        "guard_usage",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("agent", sa.String(128), nullable=False),
        sa.Column("session", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("environment", sa.String(64), nullable=False),
        sa.Column("amount", sa.Integer, nullable=False),
        sa.Column("action_hash", sa.String(64), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_index("ix_guard_usage_at", "guard_usage", ["at"])
    op.create_index("ix_guard_usage_agent_at", "guard_usage", ["agent", "at"])
    op.create_table(
        "guard_scopes",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("agent", sa.String(128), nullable=False),
        sa.Column("session", sa.String(128), nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("revoked_at", sa.Float),
    )
    op.create_index("ix_guard_scopes_expires_at", "guard_scopes", ["expires_at"])
    op.create_table(
        "breakglass",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("request_id", sa.String(32), nullable=False),
        sa.Column("action_hash", sa.String(64), nullable=False),
        sa.Column("agent", sa.String(128), nullable=False),
        sa.Column("operator", sa.String(64), nullable=False),
        sa.Column("by", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("used_at", sa.Float),
        sa.Column("review_due", sa.Float, nullable=False),
        sa.Column("reviewed_by", sa.String(128)),
        sa.Column("reviewed_at", sa.Float),
        sa.Column("review_comment", sa.Text),
        sa.Column("escalated_at", sa.Float),
    )
    op.create_index("ix_breakglass_request_id", "breakglass", ["request_id"])
    op.create_index("ix_breakglass_action_hash", "breakglass", ["action_hash"])
    op.create_index("ix_breakglass_reviewed_at", "breakglass", ["reviewed_at"])


def downgrade() -> None:
    for index, table in (("ix_breakglass_reviewed_at", "breakglass"), ("ix_breakglass_action_hash", "breakglass"),
                         ("ix_breakglass_request_id", "breakglass"), ("ix_guard_usage_agent_at", "guard_usage"),
                         ("ix_guard_usage_at", "guard_usage"), ("ix_guard_freezes_lifted_at", "guard_freezes"),
                         ("ix_guard_scopes_expires_at", "guard_scopes")):
        op.drop_index(index, table_name=table)
    for table in ("breakglass", "guard_scopes", "guard_usage", "guard_breakers", "guard_freezes"):
        op.drop_table(table)
