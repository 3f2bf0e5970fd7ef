"""Backups of the embedded SQLite database, and restoring one into an empty database.

`backup` uses SQLite's online backup API (`sqlite3.Connection.backup`): it copies a consistent
snapshot page by page while the daemon and the web keep writing (in WAL mode readers never
block writers), so there is no need to stop anything. The copy is checked with
`PRAGMA integrity_check` before it is called good.

PostgreSQL has its own tools, which know its locks and versions better than we could: for it
both commands print the `pg_dump` / `pg_restore` command to run and refuse (exit 2).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from ceop_workflow.errors import BadInput, Refused


class UsePgDump(BadInput):
    """The database is PostgreSQL: its own tools make the backup."""


def sqlite_path(url: str) -> Path:
    """The file of a SQLite URL; `UsePgDump` with the command to run for PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        target = parsed.set(drivername="postgresql").render_as_string(hide_password=True)
        raise UsePgDump(
            "backups of PostgreSQL are made with its own tools; run: "
            f"pg_dump --format=custom --file=FILE '{target}'  (restore: pg_restore "
            f"--dbname='{target}' FILE into an empty database)"
        )
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise BadInput(f"cannot back up {parsed.render_as_string(hide_password=True)}")
    if parsed.database == ":memory:":
        raise BadInput("an in-memory database cannot be backed up")
    return Path(parsed.database)


def _tables(connection: sqlite3.Connection) -> list[str]:
    found = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    return [str(name) for (name,) in found]


def row_counts(path: Path) -> dict[str, int]:
    """Rows per table of a SQLite file (backups and restores are checked with it)."""
    with closing(sqlite3.connect(path, timeout=30)) as connection:
        return {
            table: int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
            for table in _tables(connection)
        }


def _check(path: Path) -> None:
    with closing(sqlite3.connect(path)) as connection:
        result = connection.execute("PRAGMA integrity_check").fetchone()[0]
        broken = connection.execute("PRAGMA foreign_key_check").fetchall()
    if result != "ok" or broken:
        raise Refused(
            f"{path}: the copy failed its integrity check ({result}; {len(broken)} "
            "rows with broken references)"
        )


def _copy(source: Path, target: Path) -> dict[str, int]:
    with (
        closing(sqlite3.connect(source, timeout=30)) as src,
        closing(sqlite3.connect(target)) as dst,
    ):
        # pages=-1: the whole database in one step, from one consistent snapshot.
        src.backup(dst, pages=-1)
        # A single file: the copy must not depend on a -wal file next to it.
        dst.execute("PRAGMA journal_mode=DELETE")
    _check(target)
    return row_counts(target)


def backup(url: str, target: Path) -> dict[str, int]:
    """Copy the database at `url` into the new file `target`; returns its rows per table."""
    source = sqlite_path(url)
    if not source.is_file():
        raise BadInput(f"no database file at {source}")
    if target.exists():
        raise BadInput(f"{target} exists already: give a new file name")
    if not target.parent.is_dir():
        raise BadInput(f"no folder {target.parent}")
    try:
        return _copy(source, target)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def restore(url: str, backup_file: Path) -> dict[str, int]:
    """Copy `backup_file` into the empty database at `url`; returns its rows per table."""
    try:
        target = sqlite_path(url)
    except UsePgDump as exc:
        raise UsePgDump(exc.message.replace("backups of", "restores into")) from None
    if not backup_file.is_file():
        raise BadInput(f"no backup file at {backup_file}")
    try:
        with closing(sqlite3.connect(backup_file)) as connection:
            if "partnerships" not in _tables(connection):
                raise BadInput(f"{backup_file} is not a ceop-workflow backup (no partnerships)")
    except sqlite3.DatabaseError as exc:
        raise BadInput(f"{backup_file} is not a SQLite database: {exc}") from None
    _check(backup_file)
    if target.exists() and target.stat().st_size > 0:
        with closing(sqlite3.connect(target)) as connection:
            if _tables(connection):
                raise Refused(
                    f"{target} already holds a database: restore only into an empty one "
                    "(set database.url to a new file)"
                )
    return _copy(backup_file, target)
