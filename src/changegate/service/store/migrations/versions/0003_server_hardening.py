"""Server hardening: peer review bound to each request, shared login throttling, sessions ended on every
worker, and the signed checkpoints of the audit chain.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL: filed before peer review existed (the request.created record says what was bound)
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("peer_review", sa.Boolean))
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("window_start", sa.Float, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_table(
        "ended_sessions",
        sa.Column("sid", sa.String(64), primary_key=True),
        sa.Column("until", sa.Float, nullable=False, index=True),
    )
    op.create_table(
        "checkpoints",
        sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("head", sa.String(64), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("timestamp", sa.String(40), nullable=False),  # exactly as signed (RFC 3339)
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("signature", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("checkpoints", "ended_sessions", "login_failures"):
        op.drop_table(table)
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("peer_review")
