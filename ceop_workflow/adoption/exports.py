"""Exports for people asked for figures in Excel: partnerships, contacts, contributions, reviews.

One row per record with the partner's name beside its id, times in local (London) time and
money as numbers, so a pivot table works on the file as it comes. Cells go through
`sheets.neutralise`: a partner named "=HYPERLINK(...)" is shown, never run.
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ceop_workflow.adoption.sheets import Cell, to_csv, to_xlsx
from ceop_workflow.errors import BadInput
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import Contact, Contribution, Partner, Partnership, Review

Rows = list[dict[str, Cell]]

COLUMNS: dict[str, tuple[str, ...]] = {
    "partnerships": (
        "id",
        "partner",
        "individual",
        "contractor",
        "workflow",
        "version",
        "state",
        "in_state_since",
        "tier",
        "kind",
        "commitment_start",
        "commitment_end",
        "tier_assigned_on",
        "keyworker",
        "manager",
        "objectives",
    ),
    "contacts": ("id", "partnership_id", "partner", "kind", "by", "at", "note"),
    "contributions": (
        "id",
        "partnership_id",
        "partner",
        "kind",
        "value_gbp",
        "received_on",
        "note",
    ),
    "reviews": (
        "id",
        "partnership_id",
        "partner",
        "kind",
        "period",
        "by",
        "at",
        "all_met",
        "outcomes",
        "feedback",
    ),
}
TABLES = tuple(COLUMNS)


def _names(session: Session) -> dict[int, str]:
    found = session.execute(select(Partnership.id, Partner.name).join(Partnership.partner))
    return {int(pid): str(name) for pid, name in found}


def _partnerships(session: Session, tz: ZoneInfo) -> Rows:
    found = session.scalars(
        select(Partnership)
        .options(selectinload(Partnership.partner), selectinload(Partnership.objectives))
        .order_by(Partnership.id)
    )
    return [
        {
            "id": p.id,
            "partner": p.partner.name,
            "individual": p.partner.individual,
            "contractor": p.partner.contractor,
            "workflow": p.workflow,
            "version": p.workflow_version,
            "state": p.state,
            "in_state_since": p.state_entered_at.astimezone(tz),
            "tier": p.tier,
            "kind": p.tier_kind,
            "commitment_start": p.commitment_start,
            "commitment_end": p.commitment_end,
            "tier_assigned_on": p.tier_assigned_on,
            "keyworker": p.keyworker,
            "manager": p.manager,
            "objectives": "; ".join(o.name for o in p.objectives),
        }
        for p in found
    ]


def _contacts(session: Session, tz: ZoneInfo) -> Rows:
    names = _names(session)
    return [
        {
            "id": c.id,
            "partnership_id": c.partnership_id,
            "partner": names.get(c.partnership_id),
            "kind": c.kind,
            "by": c.by,
            "at": c.at.astimezone(tz),
            "note": c.note,
        }
        for c in session.scalars(select(Contact).order_by(Contact.id))
    ]


def _contributions(session: Session, tz: ZoneInfo) -> Rows:
    names = _names(session)
    return [
        {
            "id": c.id,
            "partnership_id": c.partnership_id,
            "partner": names.get(c.partnership_id),
            "kind": c.kind,
            "value_gbp": c.value_gbp,
            "received_on": c.received_on,
            "note": c.note,
        }
        for c in session.scalars(select(Contribution).order_by(Contribution.id))
    ]


def _reviews(session: Session, tz: ZoneInfo) -> Rows:
    names = _names(session)
    found = session.scalars(
        select(Review).options(selectinload(Review.outcomes)).order_by(Review.id)
    )
    return [
        {
            "id": r.id,
            "partnership_id": r.partnership_id,
            "partner": names.get(r.partnership_id),
            "kind": r.kind,
            "period": r.period,
            "by": r.by,
            "at": r.at.astimezone(tz),
            "all_met": r.all_met,
            "outcomes": "; ".join(
                f"{o.objective}={'met' if o.met else 'not met'}" for o in r.outcomes
            ),
            "feedback": r.feedback,
        }
        for r in found
    ]


_READERS: dict[str, Callable[[Session, ZoneInfo], Rows]] = {
    "partnerships": _partnerships,
    "contacts": _contacts,
    "contributions": _contributions,
    "reviews": _reviews,
}


def table_rows(database: Database, tz: ZoneInfo, what: str) -> Rows:
    """The rows of one export table."""
    if what not in _READERS:
        raise BadInput(f"nothing to export called {what!r}; choose from {', '.join(TABLES)}")
    with database.reading() as session:
        return _READERS[what](session, tz)


def export_table(database: Database, tz: ZoneInfo, what: str, fmt: str) -> bytes:
    """One table as the bytes of a .csv or .xlsx file."""
    rows = table_rows(database, tz, what)
    if fmt == "csv":
        return to_csv(COLUMNS[what], rows)
    if fmt == "xlsx":
        return to_xlsx(COLUMNS[what], rows, what)
    raise BadInput(f"export format: csv or xlsx, not {fmt!r}")
