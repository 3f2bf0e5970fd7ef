"""The adoption commands as people run them: exit codes, one-line errors, what they print."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import icalendar
import vobject

from tests.adoption.support import ADMIN, DATA, LONDON, fresh_book
from tests.daemon.support import run_cli, write_config

HEADER = "name,state,tier,kind,start,end,since,keyworker,objectives"


def _config(tmp_path: Path) -> Path:
    book = fresh_book(tmp_path / "c.db", datetime(2026, 1, 5, 12, tzinfo=LONDON))
    book.database.dispose()
    return write_config(tmp_path, f"sqlite:///{tmp_path / 'c.db'}")


def test_import_a_bad_file_is_one_line_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    config = _config(tmp_path)
    bad = tmp_path / "partners.csv"
    bad.write_text(
        f"{HEADER}\nGood Ltd,lead,,,,,,kw@ceop.example,\n"
        "Bad Ltd,active,Partner,industry,2025-01-01,2025-03-01,,kw@ceop.example,Reach\n",
        encoding="utf-8",
    )
    result = run_cli(config, "import", "partners", str(bad), "--actor", ADMIN)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: partners.csv: row 3, column 'end': assign_tier: a Partner commits for at least "
        "1 year: end on or after 2026-01-01"
    ]
    listed = run_cli(config, "partnership", "list", "--json")
    assert json.loads(listed.stdout) == []


def test_import_dry_run_then_for_real(tmp_path: Path) -> None:
    config = _config(tmp_path)
    dry = run_cli(
        config,
        "import",
        "partners",
        str(DATA / "strategy-partners.xlsx"),
        "--actor",
        ADMIN,
        "--dry-run",
    )
    assert dry.returncode == 0, dry.stderr
    assert "would import 31 partnership(s) from strategy-partners.xlsx (dry run" in dry.stdout
    assert json.loads(run_cli(config, "partnership", "list", "--json").stdout) == []
    real = run_cli(
        config, "import", "partners", str(DATA / "strategy-partners.xlsx"), "--actor", ADMIN
    )
    assert real.returncode == 0, real.stderr
    assert "imported 31 partnership(s)" in real.stdout
    assert len(json.loads(run_cli(config, "partnership", "list", "--json").stdout)) == 31
    # The same file twice: every name exists now, and the second run writes nothing.
    twice = run_cli(
        config, "import", "partners", str(DATA / "strategy-partners.xlsx"), "--actor", ADMIN
    )
    assert twice.returncode == 2
    assert twice.stderr.startswith("error: strategy-partners.xlsx: row 2, column 'name': ")


def test_import_refuses_an_unreadable_file_and_a_keyworker(tmp_path: Path) -> None:
    config = _config(tmp_path)
    fake = tmp_path / "partners.xlsx"
    fake.write_bytes(b"not a zip")
    result = run_cli(config, "import", "partners", str(fake), "--actor", ADMIN)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {fake}: cannot be read as xlsx")
    kw = run_cli(
        config,
        "import",
        "partners",
        str(DATA / "strategy-partners.xlsx"),
        "--actor",
        "sam.keyworker@ceop.example",
    )
    assert kw.returncode == 3
    assert "importing partners needs one of the roles" in kw.stderr


def test_calendar_command_writes_a_file_both_parsers_read(tmp_path: Path) -> None:
    config = _config(tmp_path)
    imported = run_cli(
        config, "import", "partners", str(DATA / "strategy-partners.xlsx"), "--actor", ADMIN
    )
    assert imported.returncode == 0, imported.stderr
    out = tmp_path / "sam.ics"
    result = run_cli(config, "calendar", "sam.keyworker@ceop.example", "--output", str(out))
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    first = icalendar.Calendar.from_ical(data)
    second = vobject.readOne(data.decode("utf-8"))
    assert len(first.walk("VEVENT")) == len(second.vevent_list) > 0
    # The first monthly review after 30 June 2007: Monday 2 July, 09:00 London (08:00 UTC).
    starts = {str(e["summary"]): e.decoded("dtstart") for e in first.walk("VEVENT")}
    assert starts["Monthly review: NSPCC"].isoformat() == "2007-07-02T09:00:00+01:00"
    link = run_cli(config, "calendar", "sam.keyworker@ceop.example", "--link")
    assert link.returncode == 0, link.stderr
    assert link.stdout.startswith("http://127.0.0.1:8000/calendar/")
    assert link.stdout.strip().endswith(".ics")


def test_the_daemon_logs_json_lines(tmp_path: Path) -> None:
    config = _config(tmp_path)
    result = run_cli(
        config,
        "--now",
        "2026-01-05T12:00",
        "daemon",
        "--once",
        "--worker-id",
        "w1",
        "--log-format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert lines, "the daemon logged nothing"
    assert all({"time", "level", "logger", "message", "worker"} <= set(x) for x in lines)
    assert any(x["message"].startswith("sweep at ") and x["worker"] == "w1" for x in lines)
