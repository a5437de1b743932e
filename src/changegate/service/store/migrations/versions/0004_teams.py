"""Teams: people belong to teams, an agent token to one of its operator's teams, a request to the team of
the agent that asked.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "team_members",
        sa.Column("team", sa.String(64), primary_key=True),
        sa.Column("user", sa.String(64), sa.ForeignKey("users.name", ondelete="CASCADE"), primary_key=True),
    )
    with op.batch_alter_table("tokens") as batch:
        batch.add_column(sa.Column("team", sa.String(64)))
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("team", sa.String(64)))
    op.create_index("ix_requests_team", "requests", ["team"])


def downgrade() -> None:
    op.drop_index("ix_requests_team", "requests")
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("team")
    with op.batch_alter_table("tokens") as batch:
        batch.drop_column("team")
    op.drop_table("team_members")
