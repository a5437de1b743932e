"""Agent session state carried across actions (tunnels, switched contexts, exported variables, directory).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "session_state",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_index("ix_session_state_expires_at", "session_state", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_session_state_expires_at", table_name="session_state")
    op.drop_table("session_state")
