"""The sweep handles its due duties in batches, one transaction each: a batch commits whole or
not at all, one bad duty is set aside and the rest of its batch commits, and a batch handled
again writes nothing twice. In-process, on SQLite and PostgreSQL; real processes killed with
SIGKILL are in test_crashes_and_stops.py."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select, update

from bench.book import seed_active
from ceop_workflow.scheduling import effects
from ceop_workflow.store.models import OutboxMessage, Timer
from tests.daemon.support import TEAM, World, london, sqlite_url, write_config

ENTERED = london(date(2008, 4, 1), time(10))
MAY = london(date(2008, 5, 1), time(9))  # each partnership's May review falls due
PARTNERSHIPS = 12


class Killed(BaseException):
    """Stands in for SIGKILL: nothing after it runs, not even a commit."""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(
    request: pytest.FixtureRequest, make_world: Callable[[Path, datetime], World], tmp_path: Path
) -> World:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    config = write_config(tmp_path, url or sqlite_url(tmp_path), batch_size=PARTNERSHIPS)
    made = make_world(config, ENTERED)
    seed_active(made.settings, made.service.db, made.service.catalog, PARTNERSHIPS, ENTERED)
    return made


def monthly(world: World) -> list[tuple[int, str, str]]:
    """(partnership, period, status) of the monthly review rows, by partnership and period."""
    with world.service.db.reading() as session:
        found = session.execute(
            select(Timer.partnership_id, Timer.period, Timer.status)
            .filter_by(name="monthly_review", kind="every")
            .order_by(Timer.partnership_id, Timer.period)
        ).all()
    return [(pid, str(period), status) for pid, period, status in found]


def reminded(world: World) -> Counter[int]:
    """How many review reminders each partnership was sent."""
    with world.service.db.reading() as session:
        return Counter(
            session.scalars(
                select(OutboxMessage.partnership_id).filter_by(template="monthly_review_due")
            )
        )


def test_a_batch_is_one_transaction_and_reads_once(world: World) -> None:
    begun: list[int] = []
    event.listen(world.service.db.engine, "begin", lambda _connection: begun.append(1))
    reads: Counter[str] = Counter()

    def count_reads(_c: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        for table in ("reviews", "objectives"):
            if f"FROM {table} " in statement:
                reads[table] += 1

    event.listen(world.service.db.engine, "before_cursor_execute", count_reads)
    report = world.at(MAY).sweep()
    assert (report.claimed, report.done, report.batches) == (PARTNERSHIPS, PARTNERSHIPS, 1)
    # The claim, the batch and the sweep's record; then an empty claim and the final record.
    assert len(begun) == 5, len(begun)
    # The reviews already recorded and the objectives: once for the batch, not once a duty.
    assert reads == Counter({"reviews": 1, "objectives": 1}), reads
    assert reminded(world) == Counter(dict.fromkeys(range(1, PARTNERSHIPS + 1), 1))


def test_one_bad_duty_is_set_aside_and_the_rest_of_its_batch_commits(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = 5
    every = effects.HANDLERS["every"]

    def broken_for_one(duty: effects.Duty) -> str:
        note = every(duty)  # its mail and its next row are written, then undone
        if duty.partnership.id == bad:
            raise RuntimeError("template store unreachable")
        return note

    monkeypatch.setattr(effects, "HANDLERS", {**effects.HANDLERS, "every": broken_for_one})
    report = world.at(MAY).sweep()
    assert report.outcomes == {"done": PARTNERSHIPS - 1, "retry": 1}
    assert report.batches == 1
    others = Counter({pid: 1 for pid in range(1, PARTNERSHIPS + 1) if pid != bad})
    assert reminded(world) == others
    rows = monthly(world)
    assert [r for r in rows if r[0] == bad] == [(bad, "2008-05", "pending")]
    assert [r for r in rows if r[0] != bad and r[2] == "done"] == [
        (pid, "2008-05", "done") for pid in others
    ]
    with world.service.db.reading() as session:
        row = session.scalars(select(Timer).filter_by(partnership_id=bad, period="2008-05")).one()
    assert (row.payload["attempts"], row.payload["last_error"]) == (
        1,
        "template store unreachable",
    )

    monkeypatch.setattr(effects, "HANDLERS", {**effects.HANDLERS, "every": every})
    later = world.at(MAY + timedelta(hours=1)).sweep()  # past its backoff
    assert later.outcomes == {"done": 1}
    assert reminded(world) == others + Counter({bad: 1})


def test_a_batch_killed_part_way_keeps_nothing_of_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    every = effects.HANDLERS["every"]
    handled: list[int] = []

    def dies_on_the_fourth(duty: effects.Duty) -> str:
        if len(handled) == 3:
            raise Killed
        handled.append(duty.partnership.id)
        return every(duty)

    before = monthly(world)
    monkeypatch.setattr(effects, "HANDLERS", {**effects.HANDLERS, "every": dies_on_the_fourth})
    with pytest.raises(Killed):
        world.at(MAY).sweep("crashy")
    assert handled == [1, 2, 3]
    assert monthly(world) == before  # no row done, no next period planned
    assert reminded(world) == Counter()

    monkeypatch.setattr(effects, "HANDLERS", {**effects.HANDLERS, "every": every})
    world.service.db.engine.dispose()  # the dead process's connections go with it
    report = world.at(MAY + timedelta(minutes=10)).sweep("crashy")
    assert report.done == PARTNERSHIPS
    assert reminded(world) == Counter(dict.fromkeys(range(1, PARTNERSHIPS + 1), 1))


def test_a_batch_handled_again_writes_nothing_twice(world: World) -> None:
    world.at(MAY).sweep()
    after_once = monthly(world)
    # As if the rows' new statuses had been lost and their effects kept: the whole batch is
    # handled again.
    with world.service.db.unit_of_work() as session:
        again = session.execute(
            update(Timer)
            .where(Timer.status == "done")
            .values(status="pending", claimed_by=None, claimed_until=None, done_at=None)
        )
        assert again.rowcount == PARTNERSHIPS  # type: ignore[attr-defined]
    report = world.at(MAY + timedelta(minutes=1)).sweep()
    assert report.done == PARTNERSHIPS
    assert monthly(world) == after_once  # the next periods were planned once
    assert reminded(world) == Counter(dict.fromkeys(range(1, PARTNERSHIPS + 1), 1))
    with world.service.db.reading() as session:
        total: Any = session.scalar(select(func.count()).select_from(OutboxMessage))
    assert total == PARTNERSHIPS


def test_a_duty_cancelled_by_an_earlier_firing_of_its_batch_is_left_alone(
    make_world: Callable[[Path, datetime], World], tmp_path: Path
) -> None:
    config = write_config(tmp_path, sqlite_url(tmp_path), batch_size=100)
    made = make_world(config, ENTERED)
    pid = made.partnership("Alpha", "partner", date(2008, 4, 1), date(2009, 4, 1), kind="industry")
    # A contact on 3 November: the stale alert would fall due 60 days later, on 2 January,
    # after the renewal notice of 1 January (90 days before the term ends).
    made.at(london(date(2008, 11, 3), time(15))).records.log_contact(pid, "meeting", TEAM)
    # The daemon was down until 5 January: both are due, in one batch, the notice first. It
    # fires start_renewal, which leaves `active` and cancels the stale duty (a Core UPDATE the
    # batch's objects do not see): the stale duty must then do nothing.
    report = made.at(london(date(2009, 1, 5), time(9, 30))).sweep()
    assert report.batches == 1
    assert made.service.show(pid).state == "renewal"
    with made.service.db.reading() as session:
        stale = session.scalars(
            select(Timer.status).filter_by(partnership_id=pid, name="stale_engagement")
        ).all()
        mail = session.scalars(select(OutboxMessage.template).filter_by(partnership_id=pid))
        templates = set(mail)
    assert "done" not in stale and "cancelled" in stale
    assert "renewal_coming_up" in templates and "stale_engagement" not in templates
