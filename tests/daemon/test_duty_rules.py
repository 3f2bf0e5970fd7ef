"""The rules that keep duty rows in step with partnerships, and how the sweep survives errors
and crashed claims; in-process on SQLite with a clock the test moves."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from ceop_workflow.scheduling import effects, rows
from ceop_workflow.scheduling.reconcile import reconcile
from ceop_workflow.scheduling.status import status
from ceop_workflow.scheduling.sweep import Sweeper
from ceop_workflow.store.models import Alert, Timer
from tests.daemon.support import TEAM, World, london, sqlite_url, timer_templates, write_config

START = date(2008, 4, 1)
OBJECTIVE = {"Promote Report Abuse": "met"}


@pytest.fixture
def world(make_world: Callable[[Path, datetime], World], tmp_path: Path) -> World:
    return make_world(write_config(tmp_path, sqlite_url(tmp_path)), london(START, time(10)))


def partner(world: World) -> int:
    """A Partner: 60 days without contact before it goes stale, so it stays quiet here."""
    return world.partnership("Beta", "partner", START, date(2009, 4, 1), kind="industry")


def timers(world: World, pid: int, name: str) -> list[tuple[str, str, str]]:
    """(status, kind, London due time) of a timer's rows, oldest first."""
    with world.service.db.reading() as session:
        found = session.scalars(
            select(Timer).filter_by(partnership_id=pid, name=name).order_by(Timer.id)
        ).all()
    return [
        (t.status, t.kind, t.due_at.astimezone(london(START).tzinfo).strftime("%Y-%m-%d %H:%M"))
        for t in found
    ]


def alerts(world: World, pid: int) -> list[tuple[str, str]]:
    with world.service.db.reading() as session:
        found = session.scalars(select(Alert).filter_by(partnership_id=pid).order_by(Alert.id))
        return [(a.kind, a.status) for a in found]


def test_a_contact_moves_the_idle_clock_and_resolves_the_stale_alert(world: World) -> None:
    pid = world.partnership("Alpha", "strategic_partner", START, date(2011, 4, 1))
    world.at(london(date(2008, 4, 20), time(15))).records.log_contact(pid, "meeting", TEAM)
    assert timers(world, pid, "stale_engagement") == [
        ("cancelled", "idle", "2008-05-01 09:00"),
        ("pending", "idle", "2008-05-20 09:00"),  # 30 days after the contact, at 09:00
    ]
    world.at(london(date(2008, 5, 20), time(9))).sweep()  # the daemon was down since 20 April
    assert alerts(world, pid) == [("stale_engagement", "open")]
    # May's reminder went out after its deadline (15 May): the chase waits 14 days from now
    # instead of following it in the same minute.
    assert ("pending", "overdue", "2008-06-03 09:00") in timers(world, pid, "monthly_review")
    assert timers(world, pid, "stale_engagement")[-1] == (
        "pending",
        "idle_then",
        "2008-06-03 09:00",
    )
    world.at(london(date(2008, 5, 21), time(9))).sweep()  # still idle: no second alert, no mail
    assert timer_templates(world).count("stale_engagement") == 1

    world.at(london(date(2008, 5, 25), time(11))).records.log_contact(pid, "update", TEAM)
    assert alerts(world, pid) == [("stale_engagement", "resolved")]
    assert timers(world, pid, "stale_engagement")[-2:] == [
        ("cancelled", "idle_then", "2008-06-03 09:00"),  # no escalation after a contact
        ("pending", "idle", "2008-06-24 09:00"),
    ]


def test_a_review_before_the_reminder_meets_the_duty(world: World) -> None:
    pid = partner(world)
    world.at(london(date(2008, 5, 1), time(8)))
    world.records.record_review(pid, "monthly", world.keyworker(pid), OBJECTIVE)
    assert timers(world, pid, "monthly_review") == [
        ("completed", "every", "2008-05-01 09:00"),
        ("pending", "every", "2008-06-02 09:00"),
    ]
    world.at(london(date(2008, 5, 1), time(9))).sweep()
    assert "monthly_review_due" not in timer_templates(world)


def test_a_late_review_answers_the_chase_not_the_next_period(world: World) -> None:
    pid = partner(world)
    for day in (date(2008, 5, 1), date(2008, 5, 15)):
        world.at(london(day, time(9))).sweep()
    assert timer_templates(world) == ["monthly_review_due", "review_overdue"]
    assert alerts(world, pid) == [("monthly_review_overdue", "open")]
    report = status(world.service.db, world.clock.now(), 60)
    assert (report.reviews_overdue.count, report.reviews_overdue.oldest_since) == (
        1,
        "2008-05-15T08:00:00+00:00",
    )

    world.at(london(date(2008, 6, 2), time(8)))  # June's reminder is at 09:00 today
    world.records.record_review(pid, "monthly", world.keyworker(pid), OBJECTIVE)
    assert alerts(world, pid) == [("monthly_review_overdue", "resolved")]
    assert timers(world, pid, "monthly_review")[-1] == ("pending", "every", "2008-06-02 09:00")


def test_leaving_cancels_and_coming_back_never_reminds_twice_for_a_period(world: World) -> None:
    pid = partner(world)
    world.at(london(date(2008, 5, 1), time(9))).sweep()
    world.at(london(date(2008, 5, 6), time(10))).fire(pid, "escalate", TEAM, reason="Conflict")
    with world.service.db.reading() as session:
        pending = session.scalars(select(Timer).filter_by(partnership_id=pid, status="pending"))
        # Only the escalated state's own duty: it keeps the monthly review, from June.
        assert [(t.name, t.kind, t.period, t.payload["state"]) for t in pending] == [
            ("monthly_review", "every", "2008-06", "escalated")
        ]
    world.at(london(date(2008, 5, 7), time(10))).fire(pid, "resolve", TEAM, resolution="Agreed")
    monthly = timers(world, pid, "monthly_review")
    assert monthly[0] == ("done", "every", "2008-05-01 09:00")
    assert ("pending", "every", "2008-06-02 09:00") in monthly
    assert ("pending", "overdue", "2008-05-15 09:00") not in monthly


def test_a_terminal_state_resolves_live_alerts(world: World) -> None:
    pid = world.partnership("Beta", "partner", START, date(2009, 4, 1), kind="industry")
    world.at(london(date(2008, 5, 31), time(9))).sweep()  # 60 days: stale
    assert alerts(world, pid) == [("stale_engagement", "open")]
    world.at(london(date(2008, 6, 1), time(10))).fire(pid, "start_renewal", TEAM)
    world.fire(pid, "end", TEAM, reason="Not renewing")
    assert alerts(world, pid) == [("stale_engagement", "resolved")]


def test_timers_missing_on_a_running_partnership_start_from_now(world: World) -> None:
    pid = world.partnership("Alpha", "strategic_partner", START, date(2011, 4, 1))
    with world.service.db.unit_of_work() as session:
        session.execute(delete(Timer).where(Timer.partnership_id == pid))
    now = london(date(2008, 9, 10), time(12))
    planned = reconcile(world.at(now).service, now)
    assert planned == 4
    assert reconcile(world.service, now) == 0
    assert timers(world, pid, "monthly_review") == [("pending", "every", "2008-10-01 09:00")]
    assert timers(world, pid, "stale_engagement") == [("pending", "idle", "2008-10-10 09:00")]
    world.at(now + timedelta(hours=1)).sweep()
    assert timer_templates(world) == []  # nothing about April to September


def test_a_failing_duty_is_retried_with_backoff_then_set_aside(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = partner(world)

    def broken(duty: effects.Duty) -> str:
        raise RuntimeError("template store unreachable")

    monkeypatch.setattr(effects, "HANDLERS", {**effects.HANDLERS, "every": broken})
    moment = london(date(2008, 5, 1), time(9))
    outcomes = []
    for _ in range(world.settings.daemon.max_attempts):
        outcomes.append(world.at(moment).sweep().outcomes)
        moment += timedelta(hours=1)  # past every backoff (60 s, doubling)
    assert outcomes == [{"retry": 1}] * 4 + [{"failed": 1}]
    [row] = [t for t in timers(world, pid, "monthly_review") if t[1] == "every"]
    assert row[0] == "failed"
    assert status(world.service.db, moment, 60).duties.failed == 1


def test_claims_of_a_crashed_daemon_are_taken_over_after_their_lease(world: World) -> None:
    partner(world)
    moment = london(date(2008, 5, 1), time(9))
    with world.service.db.unit_of_work() as session:  # "crashed" right after claiming
        claimed = rows.claim(session, "crashed", moment, moment + timedelta(seconds=300), 10)
    assert len(claimed) == 1
    assert world.at(moment + timedelta(seconds=299)).sweep("other").claimed == 0
    report = world.at(moment + timedelta(seconds=300)).sweep("other")
    assert (report.claimed, report.done) == (1, 1)
    assert Sweeper(world.service, "crashed").take_back_claims() == 0  # nothing left to take
