"""Fixtures of the daemon's tests, on top of tests/conftest.py (PostgreSQL databases made
with its `pg_database`: skipped without a server, except under CI=true, where that fails)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.daemon.support import World


@pytest.fixture
def postgres_url(pg_database: Callable[[str | None], str]) -> str:
    """The URL of a new, empty PostgreSQL database, dropped after the test (tests/conftest.py)."""
    return pg_database(None)


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
