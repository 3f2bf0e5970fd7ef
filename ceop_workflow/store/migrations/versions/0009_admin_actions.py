"""admin actions: who loaded a workflow version or migrated partnerships from the web

Append-only in the database itself, like audit_entries (0003): the ORM refuses an update or
delete, and these triggers refuse a bulk statement or plain SQL on both dialects.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ceop_workflow.store.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

MESSAGE = "admin actions are append-only"


def upgrade() -> None:
    op.create_table(
        "admin_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", ceop_workflow.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("workflow", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_actions")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # The function of 0003 (its message says "append-only" too).
        op.execute(
            "CREATE TRIGGER admin_actions_append_only BEFORE UPDATE OR DELETE ON admin_actions "
            "FOR EACH ROW EXECUTE FUNCTION ceop_refuse_audit_change()"
        )
        op.execute(
            "CREATE TRIGGER admin_actions_no_truncate BEFORE TRUNCATE ON admin_actions "
            "FOR EACH STATEMENT EXECUTE FUNCTION ceop_refuse_audit_change()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER admin_actions_no_{event.lower()} BEFORE {event} ON admin_actions "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )


def downgrade() -> None:
    # Dropping the table drops its triggers; the function belongs to 0003.
    op.drop_table("admin_actions")
