"""Report periods: calendar months and the financial year, which runs April to March."""

from __future__ import annotations

from datetime import date

from ceop_workflow.engine.cadence import financial_year, financial_year_label

__all__ = [
    "financial_year_label",
    "financial_year_start",
    "month_end",
    "months_back",
    "months_into_financial_year",
    "next_month",
]

FINANCIAL_YEAR_FIRST_MONTH = 4


def financial_year_start(day: date) -> date:
    """1 April of the financial year (April to March) that contains `day`."""
    return financial_year(day)[0]


def months_back(month: date, count: int) -> list[date]:
    """The first days of the `count` months ending with `month`'s, oldest first."""
    index = month.year * 12 + month.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


def next_month(month: date) -> date:
    """The first day of the month after the one containing `month`."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months_into_financial_year(day: date) -> int:
    """1 for April, 12 for March."""
    return (day.month - FINANCIAL_YEAR_FIRST_MONTH) % 12 + 1


def month_end(month: date) -> date:
    """The last day of the month that contains `month`."""
    return date.fromordinal(next_month(month).toordinal() - 1)
