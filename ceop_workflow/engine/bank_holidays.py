"""Working days in England and Wales: weekdays that are not bank holidays.

The bank holidays come from the `holidays` package, so one-off days (a state funeral, a
coronation) are known only once a release of that package includes them.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta


@functools.cache
def bank_holidays(year: int) -> frozenset[date]:
    """Return the England and Wales bank holidays of `year`, including substitute days.

    Computed once per year and cached: the package builds its calendar year by year. Imported
    here, not at the top: it costs a command that does no date maths a tenth of its start.
    """
    import holidays

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(d: date) -> bool:
    """Return True when `d` is Monday to Friday and not an England and Wales bank holiday."""
    # A datetime is a date, but never equal to one: it would miss every bank holiday.
    if isinstance(d, datetime):
        raise TypeError(f"is_working_day needs a date, got the datetime {d.isoformat()}")
    return d.weekday() < 5 and d not in bank_holidays(d.year)


@functools.cache
def first_working_day(year: int, month: int) -> date:
    """Return the first working day (see `is_working_day`) of the given month."""
    d = date(year, month, 1)
    while not is_working_day(d):
        d += timedelta(days=1)
    return d
