"""`Daemon.work_once`, the round that `--once` and the demo run: the sweep, then each job once,
only while holding the SQLite lease."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path

from ceop_workflow.daemon import Daemon, PeriodicJob
from tests.daemon.support import World, london, sqlite_url, write_config


def _recording(name: str, ran: list[str]) -> PeriodicJob:
    def run(_stop: threading.Event) -> None:
        ran.append(name)

    return PeriodicJob(name, 60, run)


def test_a_round_sweeps_then_runs_each_job_once_in_order(
    make_world: Callable[[Path, datetime], World], tmp_path: Path
) -> None:
    world = make_world(write_config(tmp_path, sqlite_url(tmp_path)), london(date(2008, 4, 1)))
    world.partnership("Beta", "partner", date(2008, 4, 1), date(2009, 4, 1), kind="industry")
    ran: list[str] = []
    daemon = Daemon(world.service, "A", [_recording("first", ran), _recording("second", ran)])

    world.at(london(date(2008, 5, 1), time(9, 30)))
    report = daemon.work_once()
    daemon.close()

    assert report is not None and report.done == 1  # May's monthly review reminder
    assert ran == ["first", "second"]


def test_a_round_does_nothing_while_another_daemon_holds_the_lease(
    make_world: Callable[[Path, datetime], World], tmp_path: Path
) -> None:
    world = make_world(write_config(tmp_path, sqlite_url(tmp_path)), london(date(2008, 4, 1)))
    world.partnership("Beta", "partner", date(2008, 4, 1), date(2009, 4, 1), kind="industry")
    world.at(london(date(2008, 5, 1), time(9, 30)))
    holder = Daemon(world.service, "A")
    assert holder.may_work()
    ran: list[str] = []
    waiting = Daemon(world.service, "B", [_recording("job", ran)])

    assert waiting.work_once() is None
    assert ran == []
    assert world.sweep("check").claimed == 1  # the duty is still there, untouched
    holder.close()
