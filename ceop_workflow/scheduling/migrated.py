"""The duties of a partnership moved to another version of its workflow.

Timers are matched by name between the state the partnership was in (old version) and the
state it is in now (new version; a renamed state counts its timers by name):

- gone from the new state: its pending rows are cancelled;
- identical (the same `TimerDef`, compared by value): its rows are left alone, so nothing is
  re-sent and no anchor moves; only the state they name follows a renamed state;
- changed: its pending rows are cancelled and planned again from the new definition, from
  their original anchor (the stay's start, the last contact, the tier's assignment day; a
  monthly duty by the calendar), never due before now, except a reminder the daemon already
  owed (due, not yet sent), which stays owed. A row keeps its idempotency key, so a duty
  already done is not done again and no second row appears;
- new: started from now, as a timer added to a running partnership (never about the past).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ceop_workflow.engine.cadence import Period
from ceop_workflow.engine.schedule import (
    EVERY,
    IDLE,
    IDLE_THEN,
    OVERDUE,
    Planned,
    after_row,
    date_row,
    entry_rows,
    idle_row,
    idle_then_row,
    overdue_row,
)
from ceop_workflow.engine.timers import TimerDef
from ceop_workflow.scheduling import rows
from ceop_workflow.scheduling.plans import (
    annual_anchor,
    facts_of,
    last_contact_at,
    place_every,
)
from ceop_workflow.store.models import Partnership, Timer


def recompute_timers(
    session: Session,
    p: Partnership,
    old: Sequence[TimerDef],
    new: Sequence[TimerDef],
    now: datetime,
    tz: ZoneInfo,
) -> list[str]:
    """Bring the duty rows of `p` (already in its new state) in line with `new`; what changed.

    `old` are the timers of the state it was in under the old version.
    """
    before = {t.name: t for t in old}
    after = {t.name: t for t in new}
    pending = session.scalars(
        select(Timer)
        .filter_by(partnership_id=p.id, status=rows.PENDING)
        .order_by(Timer.id)
        .with_for_update()
    ).all()
    notes: list[str] = []
    for row in pending:
        timer = after.get(row.name)
        if timer is None or before.get(row.name) != timer:
            _cancel(row, now)
        elif row.payload.get("state") != p.state:
            row.payload = {**row.payload, "state": p.state}
    for name in sorted(set(before) - set(after)):
        notes.append(f"timer {name}: removed{_cancelled(pending, name)}")
    session.flush()
    for timer in new:
        if timer.name not in before:
            due = _start(session, p, timer, now, tz)
            notes.append(f"timer {timer.name}: new, started{_due(due)}")
        elif before[timer.name] != timer:
            cancelled = _cancelled(pending, timer.name)  # before rows come back to life
            mine = [r for r in pending if r.name == timer.name]
            due = _replan(session, p, timer, mine, now, tz)
            notes.append(f"timer {timer.name}: changed{cancelled}, planned again{_due(due)}")
    return notes


def _cancel(row: Timer, now: datetime) -> None:
    row.status, row.done_at = rows.CANCELLED, now
    row.claimed_by = row.claimed_until = None


def _cancelled(pending: Sequence[Timer], name: str) -> str:
    due = [r.due_at.isoformat() for r in pending if r.name == name]
    if not due:
        return ""
    duties = "duty" if len(due) == 1 else "duties"
    return f", cancelled {len(due)} pending {duties} (due {', '.join(due)})"


def _due(due: Sequence[datetime]) -> str:
    return f": due {', '.join(d.isoformat() for d in sorted(due))}" if due else ": nothing due"


def _place(session: Session, planned: Planned | None, now: datetime) -> list[datetime]:
    """Place a row, never due before now; its due time if it is pending as a result."""
    if planned is None:
        return []
    planned = replace(planned, due_at=max(planned.due_at, now))
    return [planned.due_at] if rows.place(session, planned, now) == rows.PENDING else []


def _start(
    session: Session, p: Partnership, timer: TimerDef, now: datetime, tz: ZoneInfo
) -> list[datetime]:
    """Start a timer new to the state from now, as `plans.start_timers` does; its due times."""
    facts, anchor = facts_of(p), annual_anchor(p, tz)
    if timer.kind == "every":
        held = place_every(session, facts, timer, anchor, now, now, tz)
        return [] if held is None else [held.due_at]
    return [
        d for row in entry_rows(facts, timer, now, tz, anchor) for d in _place(session, row, now)
    ]


def _replan(
    session: Session,
    p: Partnership,
    timer: TimerDef,
    cancelled: Sequence[Timer],
    now: datetime,
    tz: ZoneInfo,
) -> list[datetime]:
    """Place the rows of a changed timer from the anchors its cancelled rows had; due times."""
    facts = facts_of(p)
    due: list[datetime] = []
    planned: list[Planned | None]
    if timer.kind == "every":
        anchors = [r.payload["anchor"] for r in cancelled if r.payload.get("anchor")]
        anchor = date.fromisoformat(anchors[0]) if anchors else annual_anchor(p, tz)
        # A reminder already due that the daemon has not sent yet stays owed; the rest count
        # from now, by the new rule.
        owed = [r.due_at for r in cancelled if r.kind == EVERY and r.due_at <= now]
        after = min(owed) - timedelta(microseconds=1) if owed else now
        held = place_every(session, facts, timer, anchor, after, now, tz)
        due += [] if held is None else [held.due_at]
        planned = [
            overdue_row(facts, timer, Period.from_key(r.period), r.anchor_at, tz)
            for r in cancelled
            if r.kind == OVERDUE and r.period and r.anchor_at
        ]
    elif timer.kind == "after":
        started = [r.anchor_at for r in cancelled if r.anchor_at is not None]
        planned = [after_row(facts, timer, started[0] if started else p.state_entered_at, tz)]
    elif timer.kind == "idle":
        planned = _idle_rows(session, p, timer, cancelled, tz)
    else:
        planned = [date_row(facts, timer, now, tz)]
    for row in planned:
        due += _place(session, row, now)
    return due


def _idle_rows(
    session: Session, p: Partnership, timer: TimerDef, cancelled: Sequence[Timer], tz: ZoneInfo
) -> list[Planned | None]:
    facts = facts_of(p)
    # The escalation step counts from the alert, which is when its row was made.
    planned = [
        idle_row(facts, timer, r.anchor_at, tz)
        if r.kind == IDLE
        else idle_then_row(facts, timer, r.anchor_at, r.created_at, tz)
        for r in cancelled
        if r.kind in (IDLE, IDLE_THEN) and r.anchor_at is not None
    ]
    if not planned:  # nothing was pending: count from the stay's start or the last contact
        last = last_contact_at(session, p.id)
        planned.append(
            idle_row(facts, timer, max(p.state_entered_at, last or p.state_entered_at), tz)
        )
    return planned
