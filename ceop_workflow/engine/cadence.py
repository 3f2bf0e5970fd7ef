"""Date maths for review cadence: durations, local wall-clock times, recurring rules, terms.

Everything here is pure: no I/O and no clock. The caller passes the current time in, and every
instant that comes out is a timezone-aware datetime in UTC, ready to store.
"""

from __future__ import annotations

import calendar
import functools
import math
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from ceop_workflow.engine.bank_holidays import bank_holidays, first_working_day, is_working_day
from ceop_workflow.errors import BadInput

__all__ = [
    "AnnualRule",
    "MonthlyRule",
    "Period",
    "ScheduleRule",
    "add_months",
    "add_years",
    "bank_holidays",
    "days_before",
    "financial_year",
    "financial_year_label",
    "first_working_day",
    "is_working_day",
    "local_instant",
    "parse_duration",
]

# Not strftime("%B"): that follows the process locale, and labels end up in stored mail.
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# ASCII digits only: `\d` would also accept digits of other scripts, which int() then reads.
_DURATION = re.compile(r"([0-9]{1,6})([hdw])")
_DURATION_UNITS = {"h": "hours", "d": "days", "w": "weeks"}
_DURATION_HINT = "expected a whole number and a unit h, d or w, e.g. '14d', '2w', '36h'"
# Ten years: longer is a typing mistake, and dates built from it would overflow.
MAX_DURATION = timedelta(weeks=522)
MAX_DURATION_TEXT = "522w (ten years)"


def parse_duration(text: str) -> timedelta:
    """Return the length of a definition duration such as "14d", "2w", "36h" or "0d".

    Raises BadInput naming the value for anything else ("14", "fortnight", "-1d", 14).
    """
    if not isinstance(text, str):
        raise BadInput(f"bad duration {text!r}: {_DURATION_HINT}")
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise BadInput(f"bad duration {text!r}: {_DURATION_HINT}")
    number, unit = match.groups()
    length = timedelta(**{_DURATION_UNITS[unit]: int(number)})
    if length > MAX_DURATION:
        raise BadInput(f"bad duration {text!r}: at most {MAX_DURATION_TEXT}")
    return length


# Cached: a sweep asks for the same few instants (the months' first working days at 09:00)
# for every duty of a batch, and working them out is most of a recurring duty's planning.
@functools.lru_cache(maxsize=4096)
def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """Return, in UTC, the instant the clocks in `tz` show `at` on `day`.

    A time that does not exist that day (the spring-forward gap) moves forward to the first
    instant after the gap; a time that happens twice (the autumn fold) takes the first one.
    """
    if at.tzinfo is not None:
        raise ValueError(f"local_instant needs a wall-clock time without a zone, got {at}")
    # fold=0 picks the first of two repeated times; a fold=1 passed in must not flip that.
    wall = datetime.combine(day, at).replace(fold=0)
    candidate = wall.replace(tzinfo=tz).astimezone(UTC)
    if candidate.astimezone(tz).replace(tzinfo=None) == wall:
        return candidate
    return _end_of_gap(wall, tz)


def _end_of_gap(wall: datetime, tz: ZoneInfo) -> datetime:
    """Return the UTC instant at which the gap in `tz` that swallows `wall` ends."""
    # Read with the offset from after the change, `wall` falls before it; with the offset from
    # before, at or after it. Changes fall on whole seconds: bisect between the two readings.
    low = math.floor(wall.replace(tzinfo=tz, fold=1).timestamp())
    high = math.ceil(wall.replace(tzinfo=tz, fold=0).timestamp())
    offset_after = datetime.fromtimestamp(high, tz).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, tz).utcoffset() == offset_after:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def add_years(d: date, n: int) -> date:
    """Return the same day `n` years later (earlier if negative); 29 February becomes 28."""
    year = d.year + n
    if d.month == 2 and d.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return d.replace(year=year)


def add_months(d: date, n: int) -> date:
    """Return the same day `n` months later (earlier if negative), clamped to the month's end."""
    index = d.year * 12 + d.month - 1 + n
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def financial_year(d: date) -> tuple[date, date]:
    """Return the first and last day (1 April, 31 March) of the UK financial year holding `d`."""
    start_year = d.year if d.month >= 4 else d.year - 1
    return date(start_year, 4, 1), date(start_year + 1, 3, 31)


def financial_year_label(d: date) -> str:
    """Return the label of the UK financial year holding `d`, e.g. "2007/08"."""
    start, end = financial_year(d)
    return f"{start.year}/{end.year % 100:02d}"


def days_before(d: date, delta: timedelta, at: time, tz: ZoneInfo) -> datetime:
    """Return, in UTC, wall-clock time `at` in `tz` on the day `delta` before `d`.

    `delta` must be whole days (a "90d" notice period); a negative one counts forward.
    """
    if delta % timedelta(days=1):
        raise BadInput(f"a notice period must be whole days, got {delta}")
    return local_instant(d - delta, at, tz)


@dataclass(frozen=True)
class Period:
    """The month, or the year, one occurrence of a recurring duty belongs to.

    `key` ("2008-03" or "2008") is stable and safe in an idempotency key; `label` is for people.
    """

    year: int
    month: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.year <= 9999 or (self.month is not None and not 1 <= self.month <= 12):
            raise ValueError(f"no such period: year {self.year}, month {self.month}")

    @classmethod
    def from_key(cls, key: str) -> Period:
        """Return the period whose `key` is `key`; BadInput if it is not one."""
        match = re.fullmatch(r"([0-9]{4})(?:-([0-9]{2}))?", key)
        if match is None:
            raise BadInput(f"bad period key {key!r}: expected e.g. '2008-03' or '2008'")
        year, month = match.groups()
        try:
            return cls(int(year), None if month is None else int(month))
        except ValueError as exc:
            raise BadInput(f"bad period key {key!r}: expected e.g. '2008-03' or '2008'") from exc

    @property
    def key(self) -> str:
        """The stable text form: "2008-03" for a month, "2008" for a year."""
        if self.month is None:
            return f"{self.year:04d}"
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        """The English name: "March 2008" for a month, "2008" for a year."""
        if self.month is None:
            return str(self.year)
        return f"{_MONTH_NAMES[self.month - 1]} {self.year}"

    def shifted(self, n: int) -> Period:
        """Return the period `n` steps (months or years, as this one is) later."""
        if self.month is None:
            return Period(self.year + n)
        year, month = divmod(self.year * 12 + self.month - 1 + n, 12)
        return Period(year, month + 1)


class _RecurringRule(ABC):
    """What a rule shares: finding occurrences after a moment, given one per period."""

    @abstractmethod
    def occurrence(self, period: Period, tz: ZoneInfo) -> datetime:
        """Return the UTC instant the duty falls due in `period`."""

    @abstractmethod
    def _no_later_than(self, local: datetime) -> Period:
        """Return a period no later than the first whose occurrence comes after `local`."""

    def next_after(self, moment: datetime, tz: ZoneInfo) -> tuple[Period, datetime]:
        """Return the first occurrence strictly after the aware `moment`, with its period."""
        period = self._no_later_than(_aware(moment).astimezone(tz))
        when = self.occurrence(period, tz)
        while when <= moment:
            period = period.shifted(1)
            when = self.occurrence(period, tz)
        return period, when

    def occurrences_between(
        self, start: datetime, end: datetime, tz: ZoneInfo
    ) -> list[tuple[Period, datetime]]:
        """Return every occurrence after `start` and at or before `end`, oldest first.

        Each period appears once, so a catch-up after downtime can name every period it missed.
        """
        _aware(end)
        found: list[tuple[Period, datetime]] = []
        period, when = self.next_after(start, tz)
        while when <= end:
            found.append((period, when))
            period = period.shifted(1)
            when = self.occurrence(period, tz)
        return found


@dataclass(frozen=True)
class MonthlyRule(_RecurringRule):
    """A duty due once a month at local time `at`: on day `day` or on the first working day.

    A day past the month's end means its last day (31 in February is the 28th or 29th).
    """

    day: int | Literal["first_working_day"]
    at: time

    def __post_init__(self) -> None:
        if self.day != "first_working_day" and (
            isinstance(self.day, bool) or not isinstance(self.day, int) or not 1 <= self.day <= 31
        ):
            raise BadInput(f"bad monthly day {self.day!r}: expected 1 to 31 or 'first_working_day'")
        _wall_clock(self.at)

    def occurrence(self, period: Period, tz: ZoneInfo) -> datetime:
        """Return the UTC instant the duty falls due in the month `period`."""
        if period.month is None:
            raise ValueError(f"a monthly rule needs a month, got the year {period.key}")
        if self.day == "first_working_day":
            day = first_working_day(period.year, period.month)
        else:
            last = calendar.monthrange(period.year, period.month)[1]
            day = date(period.year, period.month, min(self.day, last))
        return local_instant(day, self.at, tz)

    def _no_later_than(self, local: datetime) -> Period:
        return Period(local.year, local.month).shifted(-1)


@dataclass(frozen=True)
class AnnualRule(_RecurringRule):
    """A duty due on each anniversary of `anchor` at local time `at`; 29 February → 28th.

    The anchor itself is not an occurrence: the first one is a year after it. Its period is
    the anniversary's year.
    """

    anchor: date
    at: time

    def __post_init__(self) -> None:
        if isinstance(self.anchor, datetime):
            raise ValueError(f"an annual rule needs a date, got {self.anchor.isoformat()}")
        _wall_clock(self.at)

    def occurrence(self, period: Period, tz: ZoneInfo) -> datetime:
        """Return the UTC instant of the anniversary in the year `period`."""
        if period.month is not None:
            raise ValueError(f"an annual rule needs a year, got the month {period.key}")
        if period.year <= self.anchor.year:
            raise ValueError(f"{self.anchor} has no anniversary in {period.year}")
        return local_instant(add_years(self.anchor, period.year - self.anchor.year), self.at, tz)

    def _no_later_than(self, local: datetime) -> Period:
        return Period(max(local.year - 1, self.anchor.year + 1))


ScheduleRule = MonthlyRule | AnnualRule


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a moment needs a timezone, got {moment.isoformat()}")
    return moment


def _wall_clock(at: time) -> None:
    if at.tzinfo is not None:
        raise ValueError(f"a rule's time is a local wall-clock time without a zone, got {at}")
