"""Backups: one taken while a real daemon sweeps restores to a database with the same rows."""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import closing
from datetime import datetime
from pathlib import Path

from ceop_workflow.adoption.backup import row_counts
from ceop_workflow.adoption.importer import import_partners
from tests.adoption.support import ADMIN, LONDON, fresh_book
from tests.daemon.support import daemon_process, handled, run_cli, write_config

HEADER = "name,state,tier,start,since,keyworker,last_contact,objectives"
PARTNERS = 150


def _book_with_due_duties(folder: Path) -> Path:
    """150 Associates imported as of January 2025: a year of duties due by January 2026."""
    book = fresh_book(folder / "ceop.db", datetime(2025, 1, 6, 12, tzinfo=LONDON))
    csv = folder / "partners.csv"
    lines = [HEADER] + [
        f"Associate {n},active,Associate,2025-01-06,2025-01-06,kw{n % 7}@ceop.example,"
        f"2025-01-06,Harm reduction"
        for n in range(PARTNERS)
    ]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_partners(book.service, csv, ADMIN)
    book.database.dispose()
    return folder / "ceop.db"


def _sweeps_recorded(path: Path) -> int:
    with closing(sqlite3.connect(path)) as connection:
        found = connection.execute(
            # A sweep records its progress after each batch, marked running until it ends.
            "SELECT count(*) FROM daemon_leases WHERE name = 'sweep' AND last_sweep_at IS NOT NULL"
            " AND coalesce(json_extract(last_sweep, '$.running'), 0) = 0"
        ).fetchone()
    return int(found[0])


def test_a_backup_taken_during_a_sweep_restores_every_row(tmp_path: Path) -> None:
    source = _book_with_due_duties(tmp_path)
    config = write_config(tmp_path, f"sqlite:///{source}", batch_size=2)
    log = tmp_path / "daemon.log"
    daemon = daemon_process(
        config, log, "--now", "2026-01-10T10:00", "daemon", "--worker-id", "sweeper"
    )
    try:
        deadline = time.monotonic() + 120
        while len(handled(daemon.log)) < 20:
            assert daemon.process.poll() is None, daemon.log
            assert time.monotonic() < deadline, daemon.log
            time.sleep(0.05)
        backup_file = tmp_path / "backup.db"
        taken = run_cli(config, "backup", str(backup_file), "--json", timeout=120)
        assert taken.returncode == 0, taken.stderr
        reported = json.loads(taken.stdout)["rows"]
        swept_before = len(handled(daemon.log))
    finally:
        daemon.process.terminate()
        daemon.wait(timeout=120)
    # The copy was taken in the middle of the first sweep: duties handled, sweep not finished.
    assert _sweeps_recorded(backup_file) == 0
    in_backup = row_counts(backup_file)
    assert in_backup == reported
    assert in_backup["outbox"] > 0
    assert len(handled(daemon.log)) > swept_before or _sweeps_recorded(source) == 1

    restored_db = tmp_path / "restored.db"
    (tmp_path / "restored").mkdir()
    restored_config = write_config(tmp_path / "restored", f"sqlite:///{restored_db}")
    back = run_cli(restored_config, "restore", str(backup_file), "--json", timeout=120)
    assert back.returncode == 0, back.stderr
    assert row_counts(restored_db) == in_backup
    assert in_backup["partnerships"] == PARTNERS
    # The restored book works: the CLI reads it.
    listed = run_cli(restored_config, "partnership", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == PARTNERS

    again = run_cli(restored_config, "restore", str(backup_file))
    assert again.returncode == 3
    assert "restore only into an empty one" in again.stderr


def test_postgresql_is_backed_up_with_pg_dump(tmp_path: Path) -> None:
    url = "postgresql+psycopg://postgres:hunter2@127.0.0.1:5432/ceop"
    result = run_cli(write_config(tmp_path, url), "backup", str(tmp_path / "b.db"))
    assert result.returncode == 2
    assert result.stderr.startswith("error: backups of PostgreSQL are made with its own tools")
    assert "pg_dump --format=custom" in result.stderr
    assert "hunter2" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "b.db").exists()
