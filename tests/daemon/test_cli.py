"""The `daemon` and `status` commands: exit codes and what people read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path

from tests.daemon.support import World, london, run_cli, sqlite_url, write_config


def test_daemon_refuses_a_database_that_was_never_initialised(tmp_path: Path) -> None:
    result = run_cli(write_config(tmp_path, sqlite_url(tmp_path)), "daemon", "--once")
    assert result.returncode == 4
    assert "not initialised" in result.stderr and "ceop-workflow init" in result.stderr


def test_a_bad_catch_up_policy_is_a_configuration_error(tmp_path: Path) -> None:
    config = write_config(tmp_path, sqlite_url(tmp_path), catch_up="all")
    result = run_cli(config, "status")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {config}: daemon.catch_up: must be 'latest' or 'each', got 'all'"
    ]


def test_status_for_people(make_world: Callable[[Path, datetime], World], tmp_path: Path) -> None:
    config = write_config(tmp_path, sqlite_url(tmp_path))
    world = make_world(config, london(date(2008, 4, 1), time(10)))
    world.partnership("Beta", "partner", date(2008, 4, 1), date(2009, 4, 1), kind="industry")
    before = run_cli(config, "--now", "2008-05-01T09:30", "status")
    assert before.returncode == 0, before.stderr
    assert before.stdout.splitlines()[:2] == [
        "last sweep:      never",
        "duties due:      1 (late: 1, oldest due 2008-05-01T08:00:00+00:00; "
        "next 2008-05-31T08:00:00+00:00)",
    ]
    swept = run_cli(config, "--now", "2008-05-01T09:30", "daemon", "--once", "--worker-id", "w")
    assert swept.returncode == 0, swept.stderr
    assert "sweep at 2008-05-01T08:30:00+00:00: 1 claimed, 1 done" in swept.stderr
    after = run_cli(config, "--now", "2008-05-01T09:31", "status")
    assert after.stdout.splitlines()[0].startswith(
        "last sweep:      2008-05-01T08:30:00+00:00 by w"
    )
    assert "outbox:          0 waiting (oldest -, 0 after a failure), 0 dead letters" in (
        after.stdout
    )  # the --once run drained it
    assert "daemon lease:    " not in after.stdout  # released when --once finished
