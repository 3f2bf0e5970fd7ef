"""The migrations build exactly the tables the models describe (timers, alerts, leases …)."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ceop_workflow.store import migrate
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import Base
from tests.daemon.support import sqlite_url


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    database = Database(sqlite_url(tmp_path))
    try:
        migrate.upgrade(database)
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"render_as_batch": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        database.dispose()
