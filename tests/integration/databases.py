"""Fresh migrated databases for the notification tests: a SQLite file, or a PostgreSQL database.

PostgreSQL: the admin URL is CEOP_TEST_POSTGRES_URL, by default the local server's `test`
database. A test session makes one uniquely named database (others test on the same server),
empties it before each test, and drops it at the end. An unreachable server skips the test,
except under CI=true, where it fails: CI must never pass by skipping PostgreSQL.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from ceop_workflow.store import migrate
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import Base

ADMIN_URL = os.environ.get(
    "CEOP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _admin(statement: str) -> None:
    engine = create_engine(ADMIN_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


@functools.cache
def _unreachable() -> str:
    try:
        _admin("SELECT 1")
    except Exception as exc:  # any failure to connect means "no server here"
        shown = make_url(ADMIN_URL).render_as_string(hide_password=True)
        return f"PostgreSQL at {shown} unreachable: {type(exc).__name__}: {exc}"
    return ""


def require_postgres() -> None:
    """Skip the test when PostgreSQL cannot be reached; fail instead under CI=true."""
    reason = _unreachable()
    if not reason:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def postgres_url(name: str) -> str:
    """The URL of database `name` on the admin URL's server."""
    return make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


@contextmanager
def postgres_database() -> Iterator[str]:
    """A migrated PostgreSQL database of its own, dropped at the end; yields its URL."""
    require_postgres()
    name = f"ceop_notify_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        db = Database(postgres_url(name))
        try:
            migrate.upgrade(db)
        finally:
            db.dispose()
        yield postgres_url(name)
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def emptied(url: str) -> Database:
    """The database at `url` with every table emptied (much faster than a new database)."""
    db = Database(url)
    with db.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    return db


@contextmanager
def sqlite_database(folder: Path) -> Iterator[Database]:
    """A migrated SQLite file in `folder`, disposed at the end."""
    db = Database(f"sqlite:///{folder / f'outbox-{uuid.uuid4().hex[:8]}.db'}")
    try:
        migrate.upgrade(db)
        yield db
    finally:
        db.dispose()
