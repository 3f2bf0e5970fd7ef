"""What `status` says after a sweep died half way, and the one retry policy duties share with
the outbox."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from ceop_workflow.engine.retry import RetryPolicy
from ceop_workflow.scheduling.status import describe, status
from ceop_workflow.scheduling.sweep import Sweeper
from tests.daemon.support import World, london, sqlite_url, write_config


class Killed(BaseException):
    """Stands in for SIGKILL: nothing after it runs, not even `finally` blocks of ours."""


def test_a_sweep_killed_half_way_shows_what_it_did_not_never(
    make_world: Callable[[Path, datetime], World],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = write_config(tmp_path, sqlite_url(tmp_path), batch_size=2)
    world = make_world(config, london(date(2008, 4, 1), time(10)))
    for name in ("A", "B", "C", "D"):
        world.partnership(name, "partner", date(2008, 4, 1), date(2009, 4, 1), kind="industry")
    moment = london(date(2008, 5, 1), time(9))
    handle_batch = Sweeper.handle_batch
    batches: list[int] = []

    def dies_in_the_second_batch(
        self: Sweeper, claimed: Sequence[tuple[int, int]], now: datetime
    ) -> list[str]:
        if len(batches) == 1:
            raise Killed
        batches.append(len(claimed))
        return handle_batch(self, claimed, now)

    monkeypatch.setattr(Sweeper, "handle_batch", dies_in_the_second_batch)
    with pytest.raises(Killed):
        world.at(moment).sweep("crashy")

    report = status(world.service.db, moment + timedelta(minutes=1), 60)
    assert report.last_sweep is not None
    assert (report.last_sweep["done"], report.last_sweep["running"]) == (2, True)
    assert "last sweep:      never" not in describe(report)
    assert "2 done, 0 failed" in describe(report) and "unfinished" in describe(report)

    monkeypatch.setattr(Sweeper, "handle_batch", handle_batch)
    world.at(moment + timedelta(minutes=10)).sweep("crashy")
    finished = status(world.service.db, moment + timedelta(minutes=11), 60).last_sweep
    assert finished["running"] is False and "unfinished" not in describe(
        status(world.service.db, moment + timedelta(minutes=11), 60)
    )


def test_duties_and_messages_back_off_by_one_policy_shape(
    make_world: Callable[[Path, datetime], World], tmp_path: Path
) -> None:
    config = write_config(
        tmp_path, sqlite_url(tmp_path), retry_base_seconds=30, retry_cap_seconds=100
    )
    world = make_world(config, london(date(2008, 4, 1), time(10)))
    duties = Sweeper(world.service, "w").retry
    assert duties == RetryPolicy(timedelta(seconds=30), timedelta(seconds=100), 5)
    assert [duties.delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 100, 100]
    assert not duties.gives_up(4) and duties.gives_up(5)

    from ceop_workflow.notify.drain import OutboxSender

    messages = OutboxSender.from_settings(world.settings, world.service.db).retry
    assert messages == RetryPolicy(timedelta(seconds=60), timedelta(hours=6), 5)
