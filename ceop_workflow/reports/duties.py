"""What a workflow definition asks of a partnership, worked out for a report period.

The timers of a state (docs/workflows.md) say which reviews fall due (`every`), when an
engagement goes stale (`idle`), and the definition's transitions say which states mean a lead
is still waiting on its business case. The report reads them from the stored definition, so it
follows whatever cadence the admins set rather than a copy of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ceop_workflow.engine.cadence import (
    Period,
    ScheduleRule,
    parse_duration,
)
from ceop_workflow.engine.definitions import Definition
from ceop_workflow.engine.schedule import idle_limit as timer_idle_limit
from ceop_workflow.engine.schedule import recurring_rule
from ceop_workflow.engine.tiers import Tier
from ceop_workflow.engine.timers import TimerDef
from ceop_workflow.reports.history import Timeline

# The action that keeps a Brief Business Case: a lead waits on its case until it fires.
BUSINESS_CASE_ACTION = "record_business_case"
# Rules count occurrences after a moment and up to another; a tick turns that into [start, end).
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class ReviewDuty:
    """One review that fell due: in which state, for which period, and when it turns overdue."""

    state: str
    period: Period
    due_at: datetime
    completed_by: str
    grace: timedelta

    @property
    def overdue_at(self) -> datetime:
        """When the duty, still not done, becomes overdue (`overdue_after` past `due_at`)."""
        return self.due_at + self.grace


def _timers(definition: Definition, state: str, kind: str) -> list[TimerDef]:
    # A state missing from the definition (a partnership moved to another version with a
    # mapping) simply has no duties in this one.
    found = definition.states.get(state)
    return [] if found is None else [t for t in found.timers if t.kind == kind]


def _rule(timer: TimerDef, anchor: date | None) -> ScheduleRule | None:
    # A yearly duty falls on the anniversary of tier assignment: none before a tier is agreed.
    if timer.spec.get("every") != "month" and anchor is None:
        return None
    return recurring_rule(timer, anchor)


def review_duties(
    definition: Definition,
    history: Timeline,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
) -> list[ReviewDuty]:
    """Every review duty that fell due in [start, end) while the partnership sat in the state
    whose `every` timer sets it, oldest first. A duty of a state already left was cancelled
    with it, so a stint that ended before `end` only counts the duties that fell within it.
    """
    duties: list[ReviewDuty] = []
    for stint in history.stints_between(start, end):
        low, high = max(stint.start, start), min(stint.end or end, end)
        setting = history.tier_at(high - _TICK)
        anchor = None if setting is None else setting.at.astimezone(tz).date()
        for timer in _timers(definition, stint.state, "every"):
            rule = _rule(timer, anchor)
            if rule is None:
                continue
            grace = parse_duration(timer.spec.get("overdue_after", "0d"))
            completed_by = str(timer.spec.get("completed_by", "monthly"))
            duties.extend(
                ReviewDuty(stint.state, period, when, completed_by, grace)
                for period, when in rule.occurrences_between(low - _TICK, high - _TICK, tz)
            )
    return sorted(duties, key=lambda d: d.due_at)


def idle_limit(definition: Definition, state: str, tier: Tier | None) -> timedelta | None:
    """How long a partnership in `state` at `tier` may go without a logged contact; None if
    the state has no `idle` timer, or its table names neither the tier nor a default."""
    for timer in _timers(definition, state, "idle"):
        limit = timer_idle_limit(timer, tier.value if tier else None)
        if limit is not None:
            return limit
    return None


def waiting_states(definition: Definition) -> frozenset[str]:
    """The states in which a lead still waits on its business case: the initial state and
    every state a business case is submitted from (after a deferral too)."""
    submitting = {
        source
        for transition in definition.transitions
        if BUSINESS_CASE_ACTION in transition.actions
        for source in transition.sources
    }
    return frozenset({definition.initial, *submitting})
