"""Keeps duty rows in step with partnerships, inside the transaction that changes them.

- entering a state starts its timers; leaving it cancels every pending duty of the partnership;
  entering a terminal state also resolves its live alerts;
- a contact moves the idle timer to count from the contact, and resolves a live stale alert;
- a review meets the duty it answers: an outstanding overdue review first, else the current
  period's reminder (which then is not sent), and the next period is planned;
- a partnership moved to another version of its workflow has its duties recomputed by the
  rule in `scheduling.migrated`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ceop_workflow.app.catalog import Catalog
from ceop_workflow.config import Settings
from ceop_workflow.engine.context import FireContext
from ceop_workflow.engine.definitions import Definition
from ceop_workflow.engine.machine import Outcome
from ceop_workflow.engine.schedule import IDLE, IDLE_THEN, OVERDUE, idle_row
from ceop_workflow.engine.timers import TimerDef
from ceop_workflow.scheduling import rows
from ceop_workflow.scheduling.alerts import overdue_kind, resolve_alerts
from ceop_workflow.scheduling.migrated import recompute_timers
from ceop_workflow.scheduling.plans import (
    annual_anchor,
    completed_by,
    facts_of,
    place_every,
    start_timers,
)
from ceop_workflow.store.models import Contact, Partnership, Review, Timer


class TimerListener:
    """The service listener that creates, moves, meets and cancels duty rows."""

    def __init__(self, settings: Settings, catalog: Catalog) -> None:
        self.settings = settings
        self.catalog = catalog

    def transitioned(
        self,
        session: Session,
        partnership: Partnership,
        definition: Definition,
        outcome: Outcome,
        ctx: FireContext,
    ) -> None:
        """Cancel the duties of the state left and start those of the state entered."""
        if not outcome.moved:
            return
        session.flush()
        left = definition.states.get(outcome.source)
        if left is None or left.timers:  # a state without timers has no duties to cancel
            rows.cancel_pending(session, partnership.id, ctx.now)
        state = definition.states[outcome.dest]
        if state.terminal:
            resolve_alerts(session, partnership.id, ctx.now, f"partnership {state.name}", None)
        # From the partnership's own entry moment: with a fixed clock the service may set it a
        # microsecond past `now`, and rows must not look older than the stay they belong to.
        start_timers(
            session, partnership, state.timers, partnership.state_entered_at, self.settings.tz
        )

    def migrated(
        self,
        session: Session,
        partnership: Partnership,
        old: Definition,
        new: Definition,
        old_state: str,
        now: datetime,
    ) -> list[str]:
        """Recompute the duties of a partnership moved to `new` (scheduling.migrated)."""
        before = old.states[old_state].timers if old_state in old.states else ()
        after = new.states[partnership.state].timers
        if not before and not after:
            return []
        return recompute_timers(session, partnership, before, after, now, self.settings.tz)

    def recorded(self, session: Session, partnership: Partnership, kind: str, row: object) -> None:
        """A contact moves the idle clock; a review meets a recurring duty."""
        if kind == "contact" and isinstance(row, Contact):
            self._contact(session, partnership, row)
        elif kind == "review" and isinstance(row, Review):
            self._review(session, partnership, row)

    def _definition(self, session: Session, p: Partnership) -> Definition:
        return self.catalog.machine(session, p.workflow, p.workflow_version).definition

    def _timers(self, session: Session, p: Partnership) -> tuple[TimerDef, ...]:
        state = self._definition(session, p).states.get(p.state)
        return () if state is None else state.timers

    def _contact(self, session: Session, p: Partnership, contact: Contact) -> None:
        definition = self._definition(session, p)
        idle_names = sorted(
            {t.name for s in definition.states.values() for t in s.timers if t.kind == "idle"}
        )
        if idle_names:
            resolve_alerts(
                session, p.id, contact.at, f"contact logged ({contact.kind})", idle_names
            )
        idle = [t for t in self._timers(session, p) if t.kind == "idle"]
        if not idle:
            return
        rows.cancel_pending(
            session, p.id, contact.at, names=[t.name for t in idle], kinds=[IDLE, IDLE_THEN]
        )
        facts = facts_of(p)
        for timer in idle:
            planned = idle_row(facts, timer, contact.at, self.settings.tz)
            if planned is not None:
                rows.place(session, planned, contact.at)

    def _review(self, session: Session, p: Partnership, review: Review) -> None:
        for timer in self._timers(session, p):
            if timer.kind == "every" and completed_by(timer) == review.kind:
                self._meet(session, p, timer, review)

    def _meet(self, session: Session, p: Partnership, timer: TimerDef, review: Review) -> None:
        now = review.at
        outstanding = session.scalars(
            select(Timer)
            .filter_by(partnership_id=p.id, name=timer.name, kind=OVERDUE, status=rows.PENDING)
            .with_for_update()
        ).all()
        for row in outstanding:
            row.status, row.done_at = rows.COMPLETED, now
        resolved = resolve_alerts(
            session, p.id, now, f"{review.kind} review recorded", [overdue_kind(timer.name)]
        )
        if outstanding or resolved:
            return
        current = session.scalars(
            select(Timer)
            .filter_by(
                partnership_id=p.id,
                name=timer.name,
                kind="every",
                status=rows.PENDING,
                period=review.period,
            )
            .with_for_update()
        ).first()
        if current is None:
            return
        current.status, current.done_at = rows.COMPLETED, now
        session.flush()
        anchor = current.payload.get("anchor")
        place_every(
            session,
            facts_of(p),
            timer,
            date.fromisoformat(anchor) if anchor else annual_anchor(p, self.settings.tz),
            current.due_at,
            now,
            self.settings.tz,
        )
