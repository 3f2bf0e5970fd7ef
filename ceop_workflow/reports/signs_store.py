"""The facts the failure signs need (`reports.signs`), read from the store for one window."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ceop_workflow.app.catalog import Catalog
from ceop_workflow.config import StrategySettings
from ceop_workflow.reports.book import Window
from ceop_workflow.reports.measures import StaleEngagement
from ceop_workflow.reports.signs import (
    FailureSign,
    NegativeFeedback,
    OpenInitiative,
    failure_signs,
)
from ceop_workflow.store.models import AuditEntry, Contact, Partner, Partnership, Review
from ceop_workflow.store.strategy import CASE_KIND, Initiative, InitiativeEvent, InitiativeLink


def load_signs(
    session: Session,
    w: Window,
    stale: tuple[StaleEngagement, ...],
    catalog: Catalog,
    strategy: StrategySettings,
) -> tuple[FailureSign, ...]:
    """The failure signs of the window's month, as things stood at its end."""
    end = w.end
    initiatives = list(session.scalars(select(Initiative).where(Initiative.created_at < end)))
    return failure_signs(
        w.month,
        w.as_of,
        first_month=_first_month(session, w, initiatives),
        initiative_starts=[w.local(i.created_at) for i in initiatives],
        partner_starts=_partner_starts(session, w),
        open_initiatives=_open(session, w, initiatives, catalog),
        negative_feedback=_negative(session, w),
        stale=[(s.tier.label, s.partner) for s in stale],
        quiet_months=strategy.quiet_months,
        unresourced_days=strategy.unresourced_days,
    )


def _first_month(session: Session, w: Window, initiatives: list[Initiative]) -> date:
    # Months before the installation held anything are not "quiet": nothing was recorded yet.
    first = session.scalar(select(func.min(Partnership.created_at)))
    moments = [m for m in [first, *(i.created_at for i in initiatives)] if m is not None]
    return w.local(min(moments)).replace(day=1) if moments else w.month


def _partner_starts(session: Session, w: Window) -> list[date]:
    """The day each partner first took a level of commitment: a new partner."""
    first: dict[int, datetime] = {}
    rows = session.execute(
        select(AuditEntry.at, AuditEntry.data, Partnership.partner_id)
        .join(Partnership, Partnership.id == AuditEntry.partnership_id)
        .where(AuditEntry.at < w.end, AuditEntry.source != AuditEntry.dest)
    )
    for at, data, partner_id in rows:
        if isinstance(data, dict) and data.get("tier"):
            first[partner_id] = min(first.get(partner_id, at), at)
    return [w.local(at) for at in first.values()]


def _open(
    session: Session, w: Window, initiatives: list[Initiative], catalog: Catalog
) -> list[OpenInitiative]:
    states: dict[int, str] = {}
    for initiative_id, dest in session.execute(
        select(InitiativeEvent.initiative_id, InitiativeEvent.dest)
        .where(InitiativeEvent.at < w.end)
        .order_by(InitiativeEvent.at, InitiativeEvent.id)
    ):
        states[initiative_id] = dest
    resourced = set(
        session.scalars(
            select(InitiativeLink.initiative_id).where(InitiativeLink.linked_at < w.end)
        )
    )
    found = []
    for i in initiatives:
        definition = catalog.machine(session, i.workflow, i.workflow_version).definition
        state = states.get(i.id, definition.initial)
        if not definition.states[state].terminal:
            found.append(OpenInitiative(i.title, i.owner, w.local(i.created_at), i.id in resourced))
    return found


def _negative(session: Session, w: Window) -> list[NegativeFeedback]:
    rows = session.execute(
        select(Partner.name, Review.at, Review.feedback)
        .join(Partnership, Partnership.id == Review.partnership_id)
        .join(Partner, Partner.id == Partnership.partner_id)
        .where(Review.feedback_negative.is_(True), Review.at >= w.start, Review.at < w.end)
        .order_by(Review.at, Review.id)
    )
    found = [NegativeFeedback(name, w.local(at), feedback or "") for name, at, feedback in rows]
    difficult = session.execute(
        select(Partner.name, Contact.at, Contact.note)
        .join(Partnership, Partnership.id == Contact.partnership_id)
        .join(Partner, Partner.id == Partnership.partner_id)
        .where(Contact.kind == CASE_KIND, Contact.at >= w.start, Contact.at < w.end)
        .order_by(Contact.at, Contact.id)
    )
    found += [NegativeFeedback(n, w.local(at), note or "", True) for n, at, note in difficult]
    return sorted(found, key=lambda f: f.received)
