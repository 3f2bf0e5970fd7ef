"""Alembic environment: runs migrations on the connection `ceop_workflow.store.migrate` hands in."""

from __future__ import annotations

from alembic import context

from ceop_workflow.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite has little ALTER TABLE: batch mode copies tables instead.
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
