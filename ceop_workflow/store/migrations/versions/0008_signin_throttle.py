"""sign-in throttling: failed sign-ins per account and per address

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ceop_workflow.store.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signin_failures",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column(
            "window_started_at",
            ceop_workflow.store.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_signin_failures")),
    )


def downgrade() -> None:
    op.drop_table("signin_failures")
