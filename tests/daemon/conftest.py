"""Fixtures of the daemon's tests: a throw-away PostgreSQL database per test.

The admin URL comes from CEOP_TEST_POSTGRES_URL. Without a reachable server the test is
skipped, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.daemon.support import World

ADMIN_URL = os.environ.get(
    "CEOP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The URL of a new, empty database, dropped after the test."""
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        admin.dispose()
        reason = f"PostgreSQL unreachable at {make_url(ADMIN_URL).render_as_string()}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    name = f"ceop_daemon_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def make_world() -> Iterator[Callable[[Path, datetime], World]]:
    """Builds `World`s on a config and start time; closes their connections afterwards."""
    made: list[World] = []

    def make(config: Path, start: datetime) -> World:
        world = World.create(config, start)
        made.append(world)
        return world

    yield make
    for world in made:
        world.service.db.dispose()
