"""Shared fixtures: a working folder with a config file, databases, the CLI and the service.

- `db_url`: a fresh database with the schema and the shipped workflows loaded, once on SQLite
  and once on PostgreSQL (marked `postgres`). `blank_db_url`: the same without anything in it.
- `workdir`: a temp folder holding `config.toml` that points at `db_url` and at the
  repository's `workflows/`; `run_cli(*args, now=None)` runs the real CLI in it.
- `build(...)`: the in-process use cases on the same database, with a `FixedClock`.

Plain helpers (`db_snapshot`, `write_config`, `run_cli_in`) live in tests/support.py.

PostgreSQL: the admin URL comes from CEOP_TEST_POSTGRES_URL. Each test gets its own database,
cloned from a template made once per session, and dropped afterwards. When the server cannot
be reached the PostgreSQL tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from ceop_workflow.app.records import Records
from ceop_workflow.app.service import Service
from ceop_workflow.clock import FixedClock
from ceop_workflow.config import load_settings
from ceop_workflow.store.db import Database
from ceop_workflow.wiring import build_service
from tests.support import (
    T0,
    TIME_SCALE_ENV,
    CliResult,
    Core,
    load_factor,
    run_cli_in,
    time_scale,
    write_config,
)

# Under CI=true a skipped test fails (tests/ci_skips.py).
pytest_plugins = ["tests.ci_skips"]

PG_ADMIN_URL = os.environ.get(
    "CEOP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


# -- databases ---------------------------------------------------------------------------------


def _admin_execute(*statements: str) -> None:
    engine = create_engine(PG_ADMIN_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def _pg_url(name: str) -> str:
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _initialise(url: str, folder: Path) -> None:
    settings = load_settings(write_config(folder, url), environ={})
    database = Database(url)
    try:
        Service(settings, database, FixedClock(T0)).init()
    finally:
        database.dispose()


@pytest.fixture(scope="session")
def pg_prefix() -> Iterator[str]:
    """A prefix unique to this session for the PostgreSQL databases it creates."""
    try:
        _admin_execute("SELECT 1")
    except Exception as exc:  # any failure to connect means "no server here"
        message = f"PostgreSQL at {make_url(PG_ADMIN_URL).render_as_string()} unreachable: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    yield f"ceop_t_{os.getpid()}_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def pg_template(pg_prefix: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL database, initialised once, that each test's database is cloned from."""
    name = f"{pg_prefix}_tpl"
    _admin_execute(f'CREATE DATABASE "{name}"')
    try:
        _initialise(_pg_url(name), tmp_path_factory.mktemp("pg_template"))
        yield name
    finally:
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file, initialised once, that each test's database is copied from."""
    folder = tmp_path_factory.mktemp("sqlite_template")
    path = folder / "template.db"
    _initialise(f"sqlite:///{path}", folder)
    assert not Path(f"{path}-wal").exists(), "the template must be checkpointed before copying"
    return path


@pytest.fixture
def pg_database(pg_prefix: str) -> Iterator[Callable[[str | None], str]]:
    """Makes fresh PostgreSQL databases (optionally from a template); drops them afterwards."""
    made: list[str] = []

    def make(template: str | None = None) -> str:
        name = f"{pg_prefix}_{uuid.uuid4().hex[:8]}"
        clause = f' TEMPLATE "{template}"' if template else ""
        _admin_execute(f'CREATE DATABASE "{name}"{clause}')
        made.append(name)
        return _pg_url(name)

    yield make
    for name in made:
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=DATABASES)
def db_kind(request: pytest.FixtureRequest) -> str:
    """ "sqlite" or "postgres"."""
    return str(request.param)


@pytest.fixture
def db_url(db_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh database with the schema and the shipped workflows loaded."""
    if db_kind == "postgres":
        template = request.getfixturevalue("pg_template")
        return str(request.getfixturevalue("pg_database")(template))
    path = tmp_path / "ceop.db"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    return f"sqlite:///{path}"


@pytest.fixture
def blank_db_url(db_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh database with nothing in it (no schema)."""
    if db_kind == "postgres":
        return str(request.getfixturevalue("pg_database")(None))
    return f"sqlite:///{tmp_path / 'blank.db'}"


# -- the working folder and the CLI ------------------------------------------------------------


@pytest.fixture
def workdir(tmp_path: Path, db_url: str) -> Path:
    """A folder with a config.toml pointing at `db_url` and the repository's workflows."""
    folder = tmp_path / "work"
    folder.mkdir()
    write_config(folder, db_url)
    return folder


@pytest.fixture
def run_cli(workdir: Path) -> Callable[..., CliResult]:
    """`run_cli(*args, now=None, env=None)` runs the CLI in `workdir`."""

    def run(*args: str, now: datetime | str | None = None, **kw: Any) -> CliResult:
        return run_cli_in(workdir, *args, now=now, **kw)

    return run


# -- in-process use cases ----------------------------------------------------------------------


@pytest.fixture
def build(tmp_path: Path, db_url: str) -> Iterator[Callable[..., Core]]:
    """`build(now=T0, **config_overrides)`: Service and Records on `db_url` (see write_config)."""
    made: list[Database] = []

    def make(now: datetime = T0, **overrides: Any) -> Core:
        folder = tmp_path / f"core{len(made)}"
        folder.mkdir()
        settings = load_settings(write_config(folder, db_url, **overrides), environ={})
        database = Database(db_url)
        made.append(database)
        clock = FixedClock(now)
        service = build_service(settings, database, clock)
        records = Records(settings, database, clock, service.listeners)
        return Core(settings, database, clock, service, records)

    yield make
    for database in made:
        database.dispose()


# -- deadlines ---------------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    """Refuse a bad CEOP_TEST_TIME_SCALE before any test runs."""
    try:
        time_scale()
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None


def pytest_report_header(config: pytest.Config) -> str:
    return (
        f"deadlines: x{time_scale():g} ({TIME_SCALE_ENV}) x the load per CPU when a wait starts"
        f" (now {load_factor():.1f}); see tests/support.py"
    )
