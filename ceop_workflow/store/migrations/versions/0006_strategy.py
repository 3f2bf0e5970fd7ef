"""strategy: the Business Plan register, initiatives, clearance reasons, feedback and benefits

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-01 15:25:22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ceop_workflow.store.types


revision = '0006'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('initiatives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('financial_year', sa.String(length=7), nullable=False),
    sa.Column('targets', sa.JSON(), nullable=False),
    sa.Column('priority_area', sa.String(length=50), nullable=True),
    sa.Column('owner', sa.String(length=255), nullable=False),
    sa.Column('resources_needed', sa.Text(), nullable=True),
    sa.Column('workflow', sa.String(length=100), nullable=False),
    sa.Column('workflow_version', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=100), nullable=False),
    sa.Column('state_entered_at', ceop_workflow.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', ceop_workflow.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_initiatives'))
    )
    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.create_index('ix_initiatives_state', ['state'], unique=False)

    op.create_table('plan_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('financial_year', sa.String(length=7), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=50), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('parent', sa.String(length=50), nullable=True),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.Column('created_at', ceop_workflow.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', ceop_workflow.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_items')),
    sa.UniqueConstraint('financial_year', 'key', name=op.f('uq_plan_items_financial_year'))
    )
    op.create_table('register_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', ceop_workflow.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=255), nullable=False),
    sa.Column('financial_year', sa.String(length=7), nullable=False),
    sa.Column('key', sa.String(length=50), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_register_changes'))
    )
    op.create_table('initiative_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('at', ceop_workflow.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=255), nullable=False),
    sa.Column('trigger', sa.String(length=100), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('dest', sa.String(length=100), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], name=op.f('fk_initiative_events_initiative_id_initiatives')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_initiative_events'))
    )
    with op.batch_alter_table('initiative_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiative_events_initiative_id'), ['initiative_id'], unique=False)

    op.create_table('initiative_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('linked_at', ceop_workflow.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('linked_by', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], name=op.f('fk_initiative_links_initiative_id_initiatives')),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnerships.id'], name=op.f('fk_initiative_links_partnership_id_partnerships')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_initiative_links')),
    sa.UniqueConstraint('initiative_id', 'partnership_id', name=op.f('uq_initiative_links_initiative_id'))
    )
    with op.batch_alter_table('initiative_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiative_links_initiative_id'), ['initiative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_initiative_links_partnership_id'), ['partnership_id'], unique=False)

    with op.batch_alter_table('committee_decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clearance_reason', sa.Text(), nullable=True))

    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feedback_negative', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('benefits', sa.JSON(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_column('benefits')
        batch_op.drop_column('feedback_negative')

    with op.batch_alter_table('committee_decisions', schema=None) as batch_op:
        batch_op.drop_column('clearance_reason')

    with op.batch_alter_table('initiative_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiative_links_partnership_id'))
        batch_op.drop_index(batch_op.f('ix_initiative_links_initiative_id'))

    op.drop_table('initiative_links')
    with op.batch_alter_table('initiative_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiative_events_initiative_id'))

    op.drop_table('initiative_events')
    op.drop_table('register_changes')
    op.drop_table('plan_items')
    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.drop_index('ix_initiatives_state')

    op.drop_table('initiatives')
