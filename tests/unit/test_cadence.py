"""Cadence maths: what the daemon relies on to send each duty once, at 09:00 London time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from ceop_workflow.engine.cadence import (
    AnnualRule,
    MonthlyRule,
    Period,
    add_months,
    add_years,
    bank_holidays,
    days_before,
    financial_year,
    financial_year_label,
    first_working_day,
    is_working_day,
    local_instant,
    parse_duration,
)
from ceop_workflow.errors import BadInput

LONDON = ZoneInfo("Europe/London")
NINE = time(9, 0)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def london_wall(instant: datetime) -> tuple[date, time]:
    local = instant.astimezone(LONDON)
    return local.date(), local.time()


# --- durations -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14d", timedelta(days=14)),
        ("2w", timedelta(days=14)),
        ("36h", timedelta(hours=36)),
        ("90d", timedelta(days=90)),
        ("0d", timedelta(0)),
        (" 7d ", timedelta(days=7)),
    ],
)
def test_parse_duration_reads_definition_values(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    ["14", "fortnight", "", "d", "-1d", "1.5d", "14 d", "14D", "3m", "\u0661\u0664d", "9999999d"],
)
def test_parse_duration_refuses_anything_else_naming_the_value(text: str) -> None:
    with pytest.raises(BadInput, match="bad duration") as caught:
        parse_duration(text)
    assert repr(text) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_parse_duration_refuses_a_bare_number_from_toml() -> None:
    with pytest.raises(BadInput, match="bad duration 14"):
        parse_duration(14)  # type: ignore[arg-type]


# --- working days --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [date(2022, 9, 19), date(2023, 5, 8), date(2022, 6, 3), date(2026, 4, 6), date(2022, 12, 27)],
    ids=["state funeral", "coronation", "platinum jubilee", "Easter Monday", "substitute day"],
)
def test_bank_holidays_include_one_off_and_substitute_days(day: date) -> None:
    assert day in bank_holidays(day.year)
    assert not is_working_day(day)


def test_working_days_are_weekdays_that_are_not_bank_holidays() -> None:
    assert is_working_day(date(2026, 4, 1))  # a plain Wednesday
    assert not is_working_day(date(2026, 3, 28))  # Saturday
    assert not is_working_day(date(2026, 3, 29))  # Sunday


def test_is_working_day_refuses_a_datetime_that_would_miss_every_holiday() -> None:
    with pytest.raises(TypeError):
        is_working_day(datetime(2008, 1, 1, 9, 0))


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2008, 1, date(2008, 1, 2)),  # New Year's Day, a Tuesday
        (2008, 6, date(2008, 6, 2)),  # the 1st is a Sunday
        (2007, 12, date(2007, 12, 3)),  # the 1st is a Saturday
        (2013, 4, date(2013, 4, 2)),  # Easter Monday on the 1st
        (2023, 5, date(2023, 5, 2)),  # May Day on the 1st
        (2022, 1, date(2022, 1, 4)),  # Saturday 1st, then the substitute Monday
        (2026, 4, date(2026, 4, 1)),  # a Wednesday: nothing to skip
    ],
)
def test_first_working_day_skips_weekends_and_bank_holidays(
    year: int, month: int, expected: date
) -> None:
    assert first_working_day(year, month) == expected


# --- local wall-clock instants -------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 28), utc(2026, 3, 28, 9)),  # GMT
        (date(2026, 3, 29), utc(2026, 3, 29, 8)),  # clocks went forward at 01:00 UTC
        (date(2026, 10, 25), utc(2026, 10, 25, 9)),  # clocks went back at 01:00 UTC
    ],
)
def test_nine_in_london_around_the_2026_clock_changes(day: date, expected: datetime) -> None:
    instant = local_instant(day, NINE, LONDON)
    assert instant == expected
    assert instant.utcoffset() == timedelta(0)


def test_a_time_in_the_spring_gap_moves_to_the_end_of_the_gap() -> None:
    # 01:30 never happens on 29 March 2026 in London: 00:59:59 GMT is followed by 02:00 BST.
    assert local_instant(date(2026, 3, 29), time(1, 30), LONDON) == utc(2026, 3, 29, 1)
    new_york = ZoneInfo("America/New_York")
    assert local_instant(date(2026, 3, 8), time(2, 30), new_york) == utc(2026, 3, 8, 7)


def test_a_time_in_the_autumn_fold_takes_the_first_occurrence() -> None:
    # 01:30 happens twice on 25 October 2026 in London: first in BST (00:30 UTC).
    assert local_instant(date(2026, 10, 25), time(1, 30), LONDON) == utc(2026, 10, 25, 0, 30)
    assert local_instant(date(2026, 10, 25), time(1, 30, fold=1), LONDON) == utc(
        2026, 10, 25, 0, 30
    )


def test_nine_in_london_reads_back_as_nine_on_every_day_of_2024_to_2027() -> None:
    day = date(2024, 1, 1)
    seen_offsets = set()
    while day <= date(2027, 12, 31):
        instant = local_instant(day, NINE, LONDON)
        assert london_wall(instant) == (day, NINE), day
        seen_offsets.add(instant.astimezone(LONDON).utcoffset())
        day += timedelta(days=1)
    assert seen_offsets == {timedelta(0), timedelta(hours=1)}


# --- periods -------------------------------------------------------------------------------


def test_period_keys_are_stable_and_labels_are_readable() -> None:
    assert (Period(2008, 3).key, Period(2008, 3).label) == ("2008-03", "March 2008")
    assert (Period(2008).key, Period(2008).label) == ("2008", "2008")
    assert Period(2007, 12).shifted(1) == Period(2008, 1)
    assert Period(2008, 1).shifted(-1) == Period(2007, 12)
    assert Period.from_key("2008-03") == Period(2008, 3)
    assert Period.from_key("2008") == Period(2008)


@pytest.mark.parametrize("key", ["2008-13", "2008-00", "2008-3", "March 2008", "0000", ""])
def test_a_malformed_period_key_is_bad_input(key: str) -> None:
    with pytest.raises(BadInput, match="bad period key"):
        Period.from_key(key)


# --- monthly rules -------------------------------------------------------------------------


def test_first_working_day_at_nine_stays_at_nine_across_the_2026_clock_changes() -> None:
    rule = MonthlyRule("first_working_day", NINE)
    found = rule.occurrences_between(utc(2026, 2, 15), utc(2026, 11, 30), LONDON)
    by_key = {period.key: when for period, when in found}
    assert by_key["2026-03"] == utc(2026, 3, 2, 9)  # Monday, still GMT
    assert by_key["2026-04"] == utc(2026, 4, 1, 8)  # Wednesday, BST
    assert by_key["2026-10"] == utc(2026, 10, 1, 8)  # Thursday, still BST
    assert by_key["2026-11"] == utc(2026, 11, 2, 9)  # 1st is a Sunday; GMT again
    for _, when in found:
        assert london_wall(when)[1] == NINE


def test_a_fixed_day_on_the_day_the_clocks_change_is_still_nine_in_london() -> None:
    assert MonthlyRule(28, NINE).occurrence(Period(2026, 3), LONDON) == utc(2026, 3, 28, 9)
    assert MonthlyRule(29, NINE).occurrence(Period(2026, 3), LONDON) == utc(2026, 3, 29, 8)
    assert MonthlyRule(25, NINE).occurrence(Period(2026, 10), LONDON) == utc(2026, 10, 25, 9)
    assert MonthlyRule(26, NINE).occurrence(Period(2026, 10), LONDON) == utc(2026, 10, 26, 9)


def test_day_31_falls_on_the_last_day_of_shorter_months() -> None:
    rule = MonthlyRule(31, NINE)
    assert rule.occurrence(Period(2026, 2), LONDON) == utc(2026, 2, 28, 9)
    assert rule.occurrence(Period(2024, 2), LONDON) == utc(2024, 2, 29, 9)
    assert rule.occurrence(Period(2026, 4), LONDON) == utc(2026, 4, 30, 8)


def test_next_after_is_strictly_after() -> None:
    rule = MonthlyRule(15, NINE)
    due = utc(2008, 3, 15, 9)
    assert rule.next_after(due - timedelta(seconds=1), LONDON) == (Period(2008, 3), due)
    assert rule.next_after(due, LONDON) == (Period(2008, 4), utc(2008, 4, 15, 8))


def test_a_three_month_outage_yields_each_missed_period_once() -> None:
    rule = MonthlyRule("first_working_day", NINE)
    last_run, now = utc(2008, 1, 15, 12), utc(2008, 4, 20, 12)
    found = rule.occurrences_between(last_run, now, LONDON)
    assert [period.key for period, _ in found] == ["2008-02", "2008-03", "2008-04"]
    assert [period.label for period, _ in found] == ["February 2008", "March 2008", "April 2008"]
    # The next run starts where this one ended and finds nothing more.
    assert rule.occurrences_between(now, now + timedelta(days=5), LONDON) == []


def test_occurrences_between_excludes_start_and_includes_end() -> None:
    rule = MonthlyRule(1, NINE)
    feb, mar = utc(2008, 2, 1, 9), utc(2008, 3, 1, 9)
    assert rule.occurrences_between(feb, mar, LONDON) == [(Period(2008, 3), mar)]
    assert rule.occurrences_between(mar, feb, LONDON) == []


def test_a_year_of_monthly_duties_comes_once_each_in_order() -> None:
    rule = MonthlyRule("first_working_day", NINE)
    start, end = utc(2007, 6, 30, 23), utc(2008, 6, 30, 22)
    found = rule.occurrences_between(start, end, LONDON)
    keys = [period.key for period, _ in found]
    assert keys == [f"2007-{m:02d}" for m in range(7, 13)] + [f"2008-{m:02d}" for m in range(1, 7)]
    instants = [when for _, when in found]
    assert all(a < b for a, b in pairwise(instants))
    for when in instants:
        day, at = london_wall(when)
        assert is_working_day(day) and at == NINE
    # Stepping with next_after from the same start visits exactly the same occurrences.
    stepped: list[tuple[Period, datetime]] = []
    moment = start
    for _ in range(12):
        period, moment = rule.next_after(moment, LONDON)
        stepped.append((period, moment))
    assert stepped == found


@pytest.mark.parametrize("day", [0, 32, "last_working_day", True, 1.5])
def test_a_monthly_rule_refuses_a_day_that_is_not_one(day: object) -> None:
    with pytest.raises(BadInput, match="bad monthly day"):
        MonthlyRule(day, NINE)  # type: ignore[arg-type]


# --- annual rules --------------------------------------------------------------------------


def test_the_anniversary_of_29_february_is_28_february_in_common_years() -> None:
    rule = AnnualRule(date(2004, 2, 29), NINE)
    assert rule.occurrence(Period(2005), LONDON) == utc(2005, 2, 28, 9)
    assert rule.occurrence(Period(2008), LONDON) == utc(2008, 2, 29, 9)
    found = rule.occurrences_between(utc(2004, 3, 1), utc(2008, 12, 31), LONDON)
    assert [period.key for period, _ in found] == ["2005", "2006", "2007", "2008"]


def test_the_first_anniversary_is_a_year_after_the_anchor() -> None:
    rule = AnnualRule(date(2007, 7, 1), NINE)
    assert rule.next_after(utc(2007, 6, 1), LONDON) == (Period(2008), utc(2008, 7, 1, 8))
    with pytest.raises(ValueError, match="no anniversary"):
        rule.occurrence(Period(2007), LONDON)


def test_rules_refuse_a_naive_moment() -> None:
    with pytest.raises(ValueError, match="timezone"):
        MonthlyRule(1, NINE).next_after(datetime(2008, 1, 1), LONDON)


# --- terms, financial years and notices ----------------------------------------------------


def test_add_years_keeps_the_day_and_turns_29_february_into_28() -> None:
    assert add_years(date(2007, 7, 1), 3) == date(2010, 7, 1)  # a Strategic Partner's term
    assert add_years(date(2008, 2, 29), 1) == date(2009, 2, 28)
    assert add_years(date(2008, 2, 29), 4) == date(2012, 2, 29)
    assert add_years(date(2009, 2, 28), -1) == date(2008, 2, 28)


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert add_months(date(2008, 1, 31), 1) == date(2008, 2, 29)
    assert add_months(date(2007, 1, 31), 1) == date(2007, 2, 28)
    assert add_months(date(2008, 3, 31), -1) == date(2008, 2, 29)
    assert add_months(date(2007, 11, 30), 14) == date(2009, 1, 30)
    assert add_months(date(2008, 1, 15), -13) == date(2006, 12, 15)


@pytest.mark.parametrize(
    ("day", "start", "end", "label"),
    [
        (date(2007, 4, 1), date(2007, 4, 1), date(2008, 3, 31), "2007/08"),
        (date(2008, 3, 31), date(2007, 4, 1), date(2008, 3, 31), "2007/08"),
        (date(2008, 4, 1), date(2008, 4, 1), date(2009, 3, 31), "2008/09"),
        (date(2000, 1, 15), date(1999, 4, 1), date(2000, 3, 31), "1999/00"),
    ],
)
def test_financial_year_runs_april_to_march(day: date, start: date, end: date, label: str) -> None:
    assert financial_year(day) == (start, end)
    assert financial_year_label(day) == label


def test_a_renewal_notice_is_due_ninety_days_before_the_end_at_nine_london() -> None:
    notice = parse_duration("90d")
    assert days_before(date(2010, 7, 1), notice, NINE, LONDON) == utc(2010, 4, 2, 8)
    # 30 days before a date in BST lands in GMT: still 09:00 on the wall.
    assert days_before(date(2026, 4, 15), timedelta(days=30), NINE, LONDON) == utc(2026, 3, 16, 9)


def test_a_notice_period_that_is_not_whole_days_is_bad_input() -> None:
    with pytest.raises(BadInput, match="whole days"):
        days_before(date(2010, 7, 1), parse_duration("36h"), NINE, LONDON)
