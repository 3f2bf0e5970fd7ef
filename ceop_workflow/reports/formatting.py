"""How figures are written for people: pounds, percentages, months and days, British style.

Shared by the text and HTML renderers so that both say the same thing the same way.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

NO_REVIEWS = "no reviews owed this month"
# Our own names rather than strftime's, which follow the process locale.
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def fraction_to_decimal(value: Fraction, places: int) -> Decimal:
    """`value` rounded half up to `places` decimal places, without passing through a float."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def percent(value: Fraction | None, *, none: str = NO_REVIEWS) -> str:
    """A share as a whole percentage ("73%"), or `none` when there is no share."""
    if value is None:
        return none
    return f"{fraction_to_decimal(value * 100, 0)}%"


def share_detail(met: int, not_met: int, not_reviewed: int) -> str:
    """ "8 of 11 met all objectives (2 not met, 1 not reviewed)", or the words for a month in
    which no review was owed. Every renderer of the KPI says it with these words."""
    owed = met + not_met + not_reviewed
    if not owed:
        return NO_REVIEWS
    return f"{met} of {owed} met all objectives ({not_met} not met, {not_reviewed} not reviewed)"


def money(value: Decimal) -> str:
    """Pounds with thousands separators; pence only when there are any ("£1,250.50")."""
    pounds = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if pounds == pounds.to_integral_value():
        return f"£{pounds:,.0f}"
    return f"£{pounds:,.2f}"


def money_whole(value: Decimal) -> str:
    """Pounds to the nearest pound, for headlines ("£812,346")."""
    return f"£{value.quantize(Decimal(1), rounding=ROUND_HALF_UP):,.0f}"


def money_short(value: Decimal) -> str:
    """Compact pounds for chart axes: "£0", "£250k", "£1m", "£1.5m"."""
    if value >= 1_000_000:
        return f"£{_trim(value / 1_000_000)}m"
    if value >= 1_000:
        return f"£{_trim(value / 1_000)}k"
    return f"£{_trim(value)}"


def _trim(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):f}"
    return text.removesuffix(".0")


def money_plain(value: Decimal) -> str:
    """Pounds and pence as a plain number for machines ("812345.67")."""
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"


def month_label(month: date) -> str:
    """ "November 2007"."""
    return f"{MONTH_NAMES[month.month - 1]} {month.year}"


def month_short(month: date) -> str:
    """ "Nov 2007"."""
    return f"{MONTH_NAMES[month.month - 1][:3]} {month.year}"


def day_label(day: date | None, *, none: str = "never") -> str:
    """ "3 Nov 2007", or `none` for a missing day."""
    if day is None:
        return none
    return f"{day.day} {MONTH_NAMES[day.month - 1][:3]} {day.year}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """ "1 lead", "3 leads"."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count} {word}"
