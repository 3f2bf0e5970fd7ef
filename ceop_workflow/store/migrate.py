"""Creating and upgrading the schema with Alembic, as a command (`init`), never implicitly."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from ceop_workflow.store.db import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(database: Database) -> tuple[str | None, str]:
    """Bring the schema to the newest revision; returns (revision before, revision after)."""
    config = _config()
    # A database that cannot be reached is exit 4 here as for every other command.
    with database._guard(), database.engine.connect() as connection:
        before = MigrationContext.configure(connection).get_current_revision()
    with database._guard(), database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return before, head_revision()


def head_revision() -> str:
    """The newest revision this version of ceop-workflow knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(database: Database) -> str | None:
    """The revision the database is at, or None when it was never initialised."""
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
