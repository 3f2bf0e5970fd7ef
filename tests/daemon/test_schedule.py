"""The pure planning of duty rows: due times, keys, catch-up reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ceop_workflow.engine.cadence import MonthlyRule, Period
from ceop_workflow.engine.schedule import (
    Facts,
    after_instant,
    before_row,
    due_periods,
    entry_rows,
    idle_limit,
    idle_row,
    idle_then_row,
    overdue_row,
    reminders,
)
from ceop_workflow.engine.timers import TimerDef

LONDON = ZoneInfo("Europe/London")
FACTS = Facts(7, "active", "partner", date(2008, 4, 1), date(2008, 4, 1), date(2009, 4, 1))


def timer(kind: str, **spec: Any) -> TimerDef:
    return TimerDef("t", kind, MappingProxyType(spec), "x", ("keyworker",), None, "09:00")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_whole_days_land_on_the_wall_clock_time_of_the_last_day() -> None:
    # 1 April 2008 15:30 BST + 14 days: 09:00 BST on 15 April, i.e. 08:00 UTC.
    assert after_instant(utc(2008, 4, 1, 14, 30), timedelta(days=14), time(9), LONDON) == utc(
        2008, 4, 15, 8
    )
    # Across the October change: 09:00 GMT is 09:00 UTC.
    assert after_instant(utc(2008, 10, 20, 12), timedelta(days=7), time(9), LONDON) == utc(
        2008, 10, 27, 9
    )


def test_hours_are_exact() -> None:
    assert after_instant(utc(2008, 4, 1, 14, 30), timedelta(hours=36), time(9), LONDON) == utc(
        2008, 4, 3, 2, 30
    )


def test_idle_limit_follows_the_tier() -> None:
    by_tier = timer("idle", idle="contact", after={"partner": "60d", "default": "90d"})
    assert idle_limit(by_tier, "partner") == timedelta(days=60)
    assert idle_limit(by_tier, "associate") == timedelta(days=90)
    no_default = timer("idle", idle="contact", after={"partner": "60d"})
    assert idle_limit(no_default, "associate") is None
    assert idle_row(Facts(1, "active", "associate"), no_default, utc(2008, 1, 1), LONDON) is None
    assert idle_limit(timer("idle", idle="contact", after="180d"), None) == timedelta(days=180)


def test_keys_name_the_partnership_timer_and_period_or_anchor() -> None:
    anchor = utc(2008, 4, 1, 9)
    idle = idle_row(
        FACTS, timer("idle", idle="contact", after="60d", then_after="14d"), anchor, LONDON
    )
    assert idle is not None
    assert idle.key == "p7:t:2008-04-01T09:00:00+00:00"
    then = idle_then_row(FACTS, timer("idle", then_after="14d"), anchor, utc(2008, 6, 1), LONDON)
    assert then is not None and then.key == "p7:t:2008-04-01T09:00:00+00:00:then"
    [every] = entry_rows(FACTS, timer("every", every="month", on=1), anchor, LONDON, None)
    assert (every.key, every.period, every.due_at) == (
        "p7:t:2008-05",
        "2008-05",
        utc(2008, 5, 1, 8),
    )
    chase = overdue_row(
        FACTS, timer("every", overdue_after="14d"), Period(2008, 5), every.due_at, LONDON
    )
    assert chase is not None and (chase.key, chase.due_at) == (
        "p7:t:2008-05:overdue",
        utc(2008, 5, 15, 8),
    )


def test_a_timer_starts_from_now_and_never_plans_the_past() -> None:
    now = utc(2008, 7, 10, 12)
    [monthly] = entry_rows(FACTS, timer("every", every="month", on=1), now, LONDON, None)
    assert monthly.period == "2008-08"
    [annual] = entry_rows(
        FACTS, timer("every", every="year", on="anniversary"), now, LONDON, date(2007, 4, 1)
    )
    assert (annual.period, annual.due_at) == ("2009", utc(2009, 4, 1, 8))
    [after] = entry_rows(FACTS, timer("after", after="14d"), now, LONDON, None)
    assert after.due_at == utc(2008, 7, 24, 8)


def test_before_a_date_is_due_now_when_late_and_never_once_the_date_is_past() -> None:
    renewal = timer("before", before="commitment_end", by="90d")
    row = before_row(FACTS, renewal, utc(2008, 4, 1), LONDON)
    assert row is not None
    assert (row.key, row.due_at) == ("p7:t:commitment_end:2009-04-01", utc(2009, 1, 1, 9))
    late = before_row(FACTS, renewal, utc(2009, 2, 1), LONDON)
    assert late is not None and late.due_at == utc(2009, 2, 1)
    assert before_row(FACTS, renewal, utc(2009, 4, 2), LONDON) is None
    assert before_row(Facts(7, "active"), renewal, utc(2008, 4, 1), LONDON) is None


def test_catch_up_reminds_once_for_the_latest_period_or_once_each() -> None:
    rule = MonthlyRule("first_working_day", time(9))
    due = due_periods(rule, Period(2008, 6), utc(2008, 8, 5), LONDON)
    assert [p.key for p, _ in due] == ["2008-06", "2008-07", "2008-08"]
    [latest] = reminders(due, [], "latest")
    assert (latest.period.key, [p.key for p in latest.missed]) == (
        "2008-08",
        ["2008-06", "2008-07"],
    )
    assert [r.period.key for r in reminders(due, [], "each")] == ["2008-06", "2008-07", "2008-08"]
    [skipping] = reminders(due, ["2008-07"], "latest")
    assert [p.key for p in skipping.missed] == ["2008-06"]
    assert reminders(due, ["2008-08"], "latest") == []
    assert [r.period.key for r in reminders(due, ["2008-06"], "each")] == ["2008-07", "2008-08"]
    with pytest.raises(ValueError, match="catch-up policy"):
        reminders(due, [], "all")
