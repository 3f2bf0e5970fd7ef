"""What a timer declared on a state means in time: the duty rows to create, computed purely.

Every due time comes out in UTC, computed in the installation's time zone. Durations in whole
days land on a wall-clock time (`at`, 09:00 by default) of the day they end, so a reminder
"14 days after" comes on the morning of the fourteenth day, not at the minute the state was
entered; other durations ("36h") are exact.

A timer starts counting when it starts to exist: on entering its state, or when it is added to
a running partnership later. It never produces a duty that fell due before that moment, so a
timer added to a definition never mails about the past.

Each row is one duty with a unique idempotency key:

    every      p{id}:{timer}:{period}           the reminder of one period
    overdue    p{id}:{timer}:{period}:overdue   the chase when that period's review is late
    after      p{id}:{timer}:{anchor}           time spent in the state
    idle       p{id}:{timer}:{anchor}           no contact since anchor (a contact moves it)
    idle_then  p{id}:{timer}:{anchor}:then      still no contact some time after the alert
    before     p{id}:{timer}:{field}:{date}     some time before a date of the partnership
    past       p{id}:{timer}:{field}:{date}     some time after a date of the partnership
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ceop_workflow.engine.cadence import (
    AnnualRule,
    MonthlyRule,
    Period,
    ScheduleRule,
    days_before,
    local_instant,
    parse_duration,
)
from ceop_workflow.engine.timers import TimerDef

EVERY, OVERDUE, AFTER, IDLE, IDLE_THEN, BEFORE, PAST = (
    "every",
    "overdue",
    "after",
    "idle",
    "idle_then",
    "before",
    "past",
)
ROW_KINDS = (EVERY, OVERDUE, AFTER, IDLE, IDLE_THEN, BEFORE, PAST)
CATCH_UP_LATEST, CATCH_UP_EACH = "latest", "each"
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Facts:
    """What planning needs to know of a partnership, read from its row."""

    partnership_id: int
    state: str
    tier: str | None = None
    tier_assigned_on: date | None = None
    commitment_start: date | None = None
    commitment_end: date | None = None


@dataclass(frozen=True)
class Planned:
    """A duty row to create: `payload` is JSON-ready and always names the state it belongs to."""

    partnership_id: int
    key: str
    name: str
    kind: str
    due_at: datetime
    anchor_at: datetime | None = None
    period: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reminder:
    """One reminder to send for a recurring duty, with the earlier periods it stands in for."""

    period: Period
    due_at: datetime
    missed: tuple[Period, ...] = ()


def wall_time(at: str) -> time:
    """The local wall-clock time of a timer's `at` ("09:00")."""
    hours, minutes = at.split(":")
    return time(int(hours), int(minutes))


def after_instant(anchor: datetime, delta: timedelta, at: time, tz: ZoneInfo) -> datetime:
    """`delta` after `anchor`: on the wall clock at `at` when `delta` is whole days, else exact."""
    if delta % _DAY:
        return anchor + delta
    return local_instant(anchor.astimezone(tz).date() + delta, at, tz)


def recurring_rule(timer: TimerDef, anchor: date | None) -> ScheduleRule:
    """The rule of an `every` timer; a yearly one needs the anchor (the tier's assignment day)."""
    at = wall_time(timer.at)
    if timer.spec["every"] == "month":
        return MonthlyRule(timer.spec["on"], at)
    if anchor is None:
        raise ValueError(f"timer {timer.name!r} falls on an anniversary but has no anchor date")
    return AnnualRule(anchor, at)


def idle_limit(timer: TimerDef, tier: str | None) -> timedelta | None:
    """How long without contact is too long for this tier; None when the timer does not apply."""
    after = timer.spec["after"]
    if isinstance(after, str):
        return parse_duration(after)
    value = after.get(tier or "default", after.get("default"))
    return None if value is None else parse_duration(value)


def _key(facts: Facts, timer: TimerDef, *parts: str) -> str:
    return ":".join((f"p{facts.partnership_id}", timer.name, *parts))


def every_row(
    facts: Facts, timer: TimerDef, anchor: date | None, after: datetime, tz: ZoneInfo
) -> Planned:
    """The reminder row of the first period of an `every` timer that falls due after `after`."""
    period, when = recurring_rule(timer, anchor).next_after(after, tz)
    return every_row_for(facts, timer, anchor, period, when)


def every_row_for(
    facts: Facts, timer: TimerDef, anchor: date | None, period: Period, when: datetime
) -> Planned:
    """The reminder row of an `every` timer for a given period due at `when`."""
    payload: dict[str, Any] = {"state": facts.state}
    if anchor is not None and timer.spec["every"] == "year":
        payload["anchor"] = anchor.isoformat()
    return Planned(
        partnership_id=facts.partnership_id,
        key=_key(facts, timer, period.key),
        name=timer.name,
        kind=EVERY,
        due_at=when,
        period=period.key,
        payload=payload,
    )


def overdue_row(
    facts: Facts,
    timer: TimerDef,
    period: Period,
    occurrence: datetime,
    tz: ZoneInfo,
    reminded_at: datetime | None = None,
) -> Planned | None:
    """The chase of one period's review, `overdue_after` after it fell due; None if undeclared.

    A reminder sent after that deadline had passed (the daemon was down) gets the same grace
    from `reminded_at` instead, so people are not reminded and chased in the same minute.
    """
    overdue_after = timer.spec.get("overdue_after")
    if overdue_after is None:
        return None
    delta, at = parse_duration(overdue_after), wall_time(timer.at)
    due = after_instant(occurrence, delta, at, tz)
    if reminded_at is not None and due <= reminded_at:
        due = after_instant(reminded_at, delta, at, tz)
    return Planned(
        partnership_id=facts.partnership_id,
        key=_key(facts, timer, period.key, "overdue"),
        name=timer.name,
        kind=OVERDUE,
        due_at=due,
        anchor_at=occurrence,
        period=period.key,
        payload={"state": facts.state},
    )


def after_row(facts: Facts, timer: TimerDef, anchor: datetime, tz: ZoneInfo) -> Planned:
    """The duty of an `after` timer that started counting at `anchor`."""
    delta = parse_duration(timer.spec["after"])
    return Planned(
        partnership_id=facts.partnership_id,
        key=_key(facts, timer, anchor.isoformat()),
        name=timer.name,
        kind=AFTER,
        due_at=after_instant(anchor, delta, wall_time(timer.at), tz),
        anchor_at=anchor,
        payload={"state": facts.state},
    )


def idle_row(facts: Facts, timer: TimerDef, anchor: datetime, tz: ZoneInfo) -> Planned | None:
    """The stale-engagement duty counting from the last contact (or start) at `anchor`."""
    limit = idle_limit(timer, facts.tier)
    if limit is None:
        return None
    return Planned(
        partnership_id=facts.partnership_id,
        key=_key(facts, timer, anchor.isoformat()),
        name=timer.name,
        kind=IDLE,
        due_at=after_instant(anchor, limit, wall_time(timer.at), tz),
        anchor_at=anchor,
        payload={"state": facts.state, "limit_days": limit // _DAY},
    )


def idle_then_row(
    facts: Facts, timer: TimerDef, idle_anchor: datetime, alerted_at: datetime, tz: ZoneInfo
) -> Planned | None:
    """The escalation step, `then_after` after the alert went out; None if undeclared."""
    then_after = timer.spec.get("then_after")
    if then_after is None:
        return None
    return Planned(
        partnership_id=facts.partnership_id,
        key=_key(facts, timer, idle_anchor.isoformat(), "then"),
        name=timer.name,
        kind=IDLE_THEN,
        due_at=after_instant(alerted_at, parse_duration(then_after), wall_time(timer.at), tz),
        anchor_at=idle_anchor,
        payload={"state": facts.state},
    )


def before_row(facts: Facts, timer: TimerDef, now: datetime, tz: ZoneInfo) -> Planned | None:
    """The duty `by` before a date of the partnership; None when there is no such date.

    When the notice moment has passed but the date itself has not, it is due now: the date is
    still ahead, so the duty is about the future. Once the date has passed, nothing is planned.
    """
    field_name = timer.spec["before"]
    day: date | None = getattr(facts, field_name)
    if day is None or day < now.astimezone(tz).date():
        return None
    by = parse_duration(timer.spec["by"])
    at = wall_time(timer.at)
    due = days_before(day, by, at, tz) if not by % _DAY else local_instant(day, time(0), tz) - by
    return Planned(
        partnership_id=facts.partnership_id,
        key=_key(facts, timer, field_name, day.isoformat()),
        name=timer.name,
        kind=BEFORE,
        due_at=max(due, now),
        payload={"state": facts.state, "date": day.isoformat()},
    )


def past_row(facts: Facts, timer: TimerDef, now: datetime, tz: ZoneInfo) -> Planned | None:
    """The duty `by` after a date of the partnership (a chaser); None without such a date.

    A chaser whose moment has already passed when the timer starts is due now.
    """
    field_name = timer.spec["past"]
    day: date | None = getattr(facts, field_name)
    if day is None:
        return None
    by = parse_duration(timer.spec["by"])
    due = after_instant(local_instant(day, time(0), tz), by, wall_time(timer.at), tz)
    return Planned(
        partnership_id=facts.partnership_id,
        key=_key(facts, timer, field_name, day.isoformat()),
        name=timer.name,
        kind=PAST,
        due_at=max(due, now),
        payload={"state": facts.state, "date": day.isoformat()},
    )


def date_row(facts: Facts, timer: TimerDef, now: datetime, tz: ZoneInfo) -> Planned | None:
    """The row of a timer counted from a date of the partnership (`before` or `past`)."""
    if timer.kind == "past":
        return past_row(facts, timer, now, tz)
    return before_row(facts, timer, now, tz)


def entry_rows(
    facts: Facts, timer: TimerDef, now: datetime, tz: ZoneInfo, anchor: date | None
) -> list[Planned]:
    """The first duty rows of a timer that starts now (the state was entered, or it was added).

    `anchor` is the day an annual timer counts its anniversaries from.
    """
    if timer.kind == "every":
        return [every_row(facts, timer, anchor, now, tz)]
    if timer.kind == "after":
        return [after_row(facts, timer, now, tz)]
    if timer.kind == "idle":
        row = idle_row(facts, timer, now, tz)
    else:
        row = date_row(facts, timer, now, tz)
    return [] if row is None else [row]


def due_periods(
    rule: ScheduleRule, period: Period, now: datetime, tz: ZoneInfo
) -> list[tuple[Period, datetime]]:
    """`period` and every later period of `rule` that fell due by `now`, oldest first."""
    first = rule.occurrence(period, tz)
    return [(period, first), *rule.occurrences_between(first, now, tz)]


def reminders(
    due: Iterable[tuple[Period, datetime]], reviewed: Iterable[str], policy: str
) -> list[Reminder]:
    """Which reminders to send for periods that fell due, skipping periods already reviewed.

    "latest": one reminder for the newest period, listing the older ones missed with it (none
    when the newest was reviewed already); "each": one per period not reviewed.
    """
    due = list(due)
    done = set(reviewed)
    pending = [(p, when) for p, when in due if p.key not in done]
    if policy == CATCH_UP_EACH:
        return [Reminder(p, when) for p, when in pending]
    if policy != CATCH_UP_LATEST:
        raise ValueError(f"unknown catch-up policy {policy!r}")
    if not due or due[-1][0].key in done:
        return []
    latest, when = due[-1]
    return [Reminder(latest, when, tuple(p for p, _ in pending[:-1]))]
