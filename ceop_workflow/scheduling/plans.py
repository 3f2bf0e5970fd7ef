"""Starting a partnership's timers, and the few facts about it that planning reads."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ceop_workflow.engine.schedule import Facts, Planned, entry_rows, every_row
from ceop_workflow.engine.timers import TimerDef
from ceop_workflow.scheduling import rows
from ceop_workflow.store.models import Contact, Partnership, Review

# Periods skipped at most when planning the next reminder of a recurring duty: far more than a
# state left and re-entered within a month or a year can leave behind.
_MAX_SKIPPED_PERIODS = 36


def facts_of(p: Partnership) -> Facts:
    """The fields of a partnership that planning reads."""
    return Facts(
        partnership_id=p.id,
        state=p.state,
        tier=p.tier,
        tier_assigned_on=p.tier_assigned_on,
        commitment_start=p.commitment_start,
        commitment_end=p.commitment_end,
    )


def annual_anchor(p: Partnership, tz: ZoneInfo) -> date:
    """The day anniversaries count from: the tier's assignment, else the day the state began."""
    return p.tier_assigned_on or p.state_entered_at.astimezone(tz).date()


def completed_by(timer: TimerDef) -> str:
    """The kind of review ("monthly" or "annual") that meets a recurring duty."""
    return str(timer.spec.get("completed_by", "monthly"))


def start_timers(
    session: Session, p: Partnership, timers: Iterable[TimerDef], now: datetime, tz: ZoneInfo
) -> int:
    """Create the first duty rows of `timers` for a partnership, counting from `now`.

    Returns how many rows are pending as a result.
    """
    facts = facts_of(p)
    anchor = annual_anchor(p, tz)
    # Keyed by the period or the date: a row cancelled when the state was left comes back.
    # All of them in one statement; a period already reminded or reviewed is stepped past.
    keyed: list[tuple[TimerDef, Planned]] = []
    fresh: list[Planned] = []
    for timer in timers:
        if timer.kind == "every":
            keyed.append((timer, every_row(facts, timer, anchor, now, tz)))
        elif timer.kind in ("before", "past"):
            # Keyed by the date: a notice cancelled when the state was left comes back.
            keyed += [(timer, planned) for planned in entry_rows(facts, timer, now, tz, anchor)]
        else:
            # Keyed by this stay's start, so new: one statement for all of them.
            fresh += entry_rows(facts, timer, now, tz, anchor)
    statuses = rows.place_many(session, [planned for _, planned in keyed], now)
    placed = 0
    for timer, planned in keyed:
        if statuses[planned.key] == rows.PENDING:
            placed += 1
        elif timer.kind == "every":
            after = planned.due_at
            held = _place_next(
                session, facts, timer, anchor, after, now, tz, _MAX_SKIPPED_PERIODS - 1
            )
            placed += held is not None
    rows.insert_many(session, fresh, now)
    return placed + len(fresh)


def place_every(
    session: Session,
    facts: Facts,
    timer: TimerDef,
    anchor: date | None,
    after: datetime,
    now: datetime,
    tz: ZoneInfo,
) -> Planned | None:
    """Plan the next reminder of a recurring duty due after `after`; returns the row it holds.

    A period whose reminder was already sent or whose review was already recorded is skipped,
    so leaving a state and coming back never reminds twice about one period.
    """
    return _place_next(session, facts, timer, anchor, after, now, tz, _MAX_SKIPPED_PERIODS)


def _place_next(
    session: Session,
    facts: Facts,
    timer: TimerDef,
    anchor: date | None,
    after: datetime,
    now: datetime,
    tz: ZoneInfo,
    tries: int,
) -> Planned | None:
    for _ in range(tries):
        planned = every_row(facts, timer, anchor, after, tz)
        if rows.place(session, planned, now) == rows.PENDING:
            return planned
        after = planned.due_at
    return None


def last_contact_at(session: Session, partnership_id: int) -> datetime | None:
    """When the latest contact with the partner was logged, if ever."""
    latest: datetime | None = session.scalar(
        select(func.max(Contact.at)).filter_by(partnership_id=partnership_id)
    )
    return latest


def reviewed_periods(
    session: Session, partnership_id: int, kind: str, periods: Sequence[str]
) -> set[str]:
    """Which of `periods` already have a review of `kind` recorded."""
    found = session.scalars(
        select(Review.period)
        .filter_by(partnership_id=partnership_id, kind=kind)
        .where(Review.period.in_(list(periods)))
    )
    return {p for p in found if p is not None}
