"""Delivery of objectives and targets through partnerships (strategy section 3): per target of
the report month's Business Plan register, the partnerships running at the end of the month
that serve it (their objectives cite its key) and the initiatives that cite it; a target no
partnership serves is a hole to fill."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from ceop_workflow.engine.cadence import financial_year_label
from ceop_workflow.reports.book import Book, Window
from ceop_workflow.reports.signs import TargetDelivery
from ceop_workflow.store.models import Objective
from ceop_workflow.store.strategy import Initiative, PlanItem


def target_delivery(session: Session, book: Book, w: Window) -> tuple[TargetDelivery, ...]:
    """Every live target of the month's financial year, in key order (none without a register)."""
    year = financial_year_label(w.month)
    targets = session.execute(
        select(PlanItem.key, PlanItem.title, PlanItem.parent)
        .filter_by(financial_year=year, kind="target", retired=False)
        .order_by(PlanItem.key)
    ).all()
    if not targets:
        return ()
    running = {
        p.id: p.partner
        for p in book.partnerships
        if (stint := p.history.stint_at(w.last)) is not None
        and stint.state in p.definition.running_states
    }
    serving: defaultdict[str, set[str]] = defaultdict(set)
    for partnership_id, name in session.execute(
        select(Objective.partnership_id, Objective.name).where(Objective.created_at < w.end)
    ):
        if partnership_id in running:
            serving[name].add(running[partnership_id])
    citing: defaultdict[str, list[str]] = defaultdict(list)
    for title, keys in session.execute(
        select(Initiative.title, Initiative.targets).where(Initiative.created_at < w.end)
    ):
        for key in keys or []:
            citing[key].append(title)
    return tuple(
        TargetDelivery(key, title, parent, tuple(sorted(serving[key])), tuple(sorted(citing[key])))
        for key, title, parent in targets
    )
