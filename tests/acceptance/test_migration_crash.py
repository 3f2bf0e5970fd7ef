"""A migration killed half way (SIGKILL, its one transaction open) leaves the database as before.

The book is a few thousand active partnerships (bench/book.py), so the migration writes for a
few seconds. The test waits for evidence from the database itself that the migration has
written a good part of its rows and not committed, then kills the process:

- PostgreSQL: the migrating backend is in a transaction holding locks on `partnerships` and on
  `audit_entries` (it has inserted), and `audit_entries` has grown by its uncommitted rows;
- SQLite: its WAL file has grown (uncommitted pages spilled from the page cache) while a second
  connection's BEGIN IMMEDIATE, with no busy timeout, fails: the write lock is still held.

Every wait is a poll with a deadline.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bench.book import seed_active
from tests.support import Core, cli_env, db_snapshot, scaled, write_config
from tests.versions import copy_shipped, write_v2

BOOK = 3_000
# About a sixth of what the migration writes: several hundred partnerships in.
GROWN = 128 * 1024
DEADLINE = scaled(30)
MIGRATED_AT = datetime(2026, 2, 10, 9, 30, tzinfo=UTC)


def _wait(condition: Callable[[], bool], what: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert process.poll() is None, f"the migration ended ({process.returncode}) before {what}"
        assert time.monotonic() < deadline, f"timed out after {DEADLINE} s waiting for {what}"
        time.sleep(0.02)


@contextmanager
def _admin(url: str) -> Iterator[Connection]:
    engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _pg_writing(connection: Connection, audit_size: int) -> Callable[[], bool]:
    def check() -> bool:
        grown = connection.scalar(text("SELECT pg_relation_size('audit_entries')"))
        locked = connection.execute(
            text(
                "SELECT l.relation::regclass::text FROM pg_locks l"
                " JOIN pg_stat_activity a ON a.pid = l.pid"
                " WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()"
                " AND a.xact_start IS NOT NULL AND l.locktype = 'relation'"
                " AND l.relation::regclass::text IN ('partnerships', 'audit_entries')"
            )
        ).scalars()
        return int(grown or 0) >= audit_size + GROWN and set(locked) == {
            "partnerships",
            "audit_entries",
        }

    return check


def _sqlite_writing(path: Path) -> Callable[[], bool]:
    wal = Path(f"{path}-wal")

    def check() -> bool:
        if not wal.exists() or wal.stat().st_size < GROWN:
            return False
        probe = sqlite3.connect(path, isolation_level=None, timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
            return True
        else:
            probe.execute("ROLLBACK")
            raise AssertionError("the WAL grew but nobody holds the write lock: committed?")
        finally:
            probe.close()

    return check


def _backends(connection: Connection) -> int:
    return int(
        connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        or 0
    )


def test_a_migration_killed_half_way_changes_nothing(
    build: Callable[..., Core], tmp_path: Path, db_url: str, db_kind: str
) -> None:
    folder = copy_shipped(tmp_path / "workflows")
    core = build(general__workflows_dir=str(folder))
    seed_active(core.settings, core.database, core.service.catalog, BOOK, MIGRATED_AT,
                start=date(2026, 1, 5), end=date(2027, 2, 1))  # fmt: skip
    write_v2(folder)
    core.service.catalog.load(core.database, folder, MIGRATED_AT)
    core.database.dispose()  # on SQLite: checkpoints and removes the WAL
    work = tmp_path / "cli"
    work.mkdir()
    write_config(work, db_url, general__workflows_dir=str(folder))
    before = db_snapshot(db_url)
    command = [sys.executable, "-m", "ceop_workflow", "--now", MIGRATED_AT.isoformat()]
    command += ["workflows", "migrate", "partnership", "--to", "2", "--map", "active=running"]
    command += ["--actor", "kelly.burke@ceop.example"]

    if db_kind == "postgres":
        with _admin(db_url) as admin:
            audit_size = int(admin.scalar(text("SELECT pg_relation_size('audit_entries')")) or 0)
            _kill_when(command, work, _pg_writing(admin, audit_size), "uncommitted rows")
            # The backend notices its client is gone and rolls back; wait for that.
            _wait_gone(admin)
    else:
        path = Path(make_url(db_url).database or "")
        wal = Path(f"{path}-wal")
        assert not wal.exists() or not wal.stat().st_size
        _kill_when(command, work, _sqlite_writing(path), "uncommitted pages in the WAL")
    assert db_snapshot(db_url) == before


def _kill_when(command: list[str], work: Path, writing: Callable[[], bool], what: str) -> None:
    with subprocess.Popen(command, cwd=work, env=cli_env(), stderr=subprocess.PIPE) as process:
        try:
            _wait(writing, what, process)
            process.send_signal(signal.SIGKILL)
            assert process.wait(timeout=DEADLINE) == -signal.SIGKILL
        finally:
            process.kill()
        assert process.stderr is not None
        assert process.stderr.read() == b""


def _wait_gone(admin: Connection) -> None:
    deadline = time.monotonic() + DEADLINE
    while _backends(admin):
        assert time.monotonic() < deadline, "the killed migration's backend lingers"
        time.sleep(0.02)
