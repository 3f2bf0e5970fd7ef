"""calendar feeds: one private iCalendar address per person

Revision ID: 0007
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ceop_workflow.store.types


revision = '0007'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_feeds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', ceop_workflow.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('email', name=op.f('uq_calendar_feeds_email')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_calendar_feeds_token_sha256'))
    )


def downgrade() -> None:
    op.drop_table('calendar_feeds')
