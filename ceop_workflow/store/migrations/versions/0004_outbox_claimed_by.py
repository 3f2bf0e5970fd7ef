"""outbox claims name their drainer

A drainer's claim on outbox rows says who holds it (`claimed_by`, the daemon's worker id), so a
daemon restarted under the same id takes its own claims back at once, `status` can say who is
sending, and an outcome is saved only by the drainer that still holds the claim.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("claimed_by")
