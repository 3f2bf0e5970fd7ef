"""How the pages write times, money and audit entries for people.

Times are shown on the London calendar with the zone said (GMT or BST), money as the report
writes it (£20,000), and the audit trail's internal keys (a timer's idempotency key, the
system actor) in words. Installed as Jinja filters on the pages' environment.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment

from ceop_workflow.config import SYSTEM_ACTOR
from ceop_workflow.reports.formatting import MONTH_NAMES, money, percent

# "timer p8:renewal_notice:commitment_end:2008-05-01", "timer p3:monthly_review:2008-02"
_TIMER_COMMENT = re.compile(r"^timer p\d+:(?P<name>[a-z0-9_]+)(?::(?P<rest>.*))?$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# The parts of a timer's key: an ISO moment holds colons of its own, so it is one part.
_KEY_PART = re.compile(r"\d{4}-\d{2}-\d{2}T[\d:.]+(?:[+-]\d{2}:\d{2}|Z)?|[^:]+")
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T")
# The suffixes the scheduler gives a timer's follow-up rows (engine/schedule.py).
_SUFFIXES = {"then": "follow-up", "overdue": "overdue"}


def _as_datetime(value: Any) -> datetime | date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime | date):
        return value
    text = str(value)
    try:
        return date.fromisoformat(text) if _DAY.match(text) else datetime.fromisoformat(text)
    except ValueError:
        return None


def day_text(value: Any) -> str:
    """A date as people write it: "1 May 2008"; "—" for none."""
    moment = _as_datetime(value)
    if moment is None:
        return "—" if value in (None, "") else str(value)
    return f"{moment.day} {MONTH_NAMES[moment.month - 1]} {moment.year}"


def local_time(value: Any, tz: ZoneInfo) -> str:
    """A moment on the local clock with its zone: "10 March 2026, 11:00 GMT".

    A date alone is written as a day; a time without a zone is taken as UTC (as stored).
    """
    moment = _as_datetime(value)
    if moment is None:
        return "—" if value in (None, "") else str(value)
    if not isinstance(moment, datetime):
        return day_text(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    local = moment.astimezone(tz)
    return f"{day_text(local.date())}, {local:%H:%M} {local.tzname()}"


def gbp(value: Any) -> str:
    """Money as the report writes it: "£20,000", "£1,250.50"."""
    try:
        return money(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


def words(name: Any) -> str:
    """An internal name in words: "start_renewal" → "start renewal"."""
    return str(name).replace("_", " ")


def actor_text(actor: str) -> str:
    """Who acted: the daemon for the system actor, else the address."""
    return "the daemon (on schedule)" if actor == SYSTEM_ACTOR else actor


def _part_text(part: str) -> str:
    if _MOMENT.match(part):
        return day_text(part[:10])
    if part in _SUFFIXES:
        return _SUFFIXES[part]
    if _DAY.match(part):
        return day_text(part)
    month = _MONTH.match(part)
    if month:
        return f"{MONTH_NAMES[int(month.group(2)) - 1]} {month.group(1)}"
    return words(part)


def comment_text(comment: str | None) -> str:
    """An audit comment in words; a timer's key becomes "when the renewal notice fell due (…)"."""
    if not comment:
        return ""
    found = _TIMER_COMMENT.match(comment)
    if found is None:
        return comment
    parts = [_part_text(p) for p in _KEY_PART.findall(found.group("rest") or "")]
    detail = f" ({', '.join(parts)})" if parts else ""
    return f"when the {words(found.group('name'))} fell due{detail}"


def month_text(value: date) -> str:
    """A month as "February 2008"."""
    return f"{MONTH_NAMES[value.month - 1]} {value.year}"


def install(env: Environment, tz: ZoneInfo) -> None:
    """Register the filters on the pages' templates."""
    env.filters["local_time"] = lambda value: local_time(value, tz)
    env.filters["day"] = day_text
    env.filters["gbp"] = gbp
    env.filters["actor"] = actor_text
    env.filters["comment"] = comment_text
    env.filters["month"] = month_text
    env.filters["percent"] = percent
