"""Difficult interactions (strategy section 6: the Partnerships Team manages conflict and
difficult situations with partners).

A contact of kind `difficult_interaction` opens a case: an alert of kind
`difficult_interaction` that stays on the worklist until someone resolves it (`case resolve`)
or the partnership is escalated. Opening, resolving and escalating each add an entry to the
partnership's audit trail (state unchanged), so its history tells the whole story.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session, joinedload

from ceop_workflow.app.roles import roles_held
from ceop_workflow.clock import Clock
from ceop_workflow.config import Settings
from ceop_workflow.errors import BadInput, NotFound, NotPermitted, Refused
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import Alert, AuditEntry, Base, Partnership
from ceop_workflow.store.strategy import CASE_KIND

LIVE = ("open", "acknowledged")
RESOLVERS = frozenset({"partnerships_team", "head_of_partnerships", "keyworker", "manager"})


def _audit(
    session: Session, p: Partnership, now: datetime, actor: str, trigger: str, note: str | None
) -> None:
    session.add(
        AuditEntry(
            partnership_id=p.id,
            at=now,
            actor=actor,
            role=None,
            trigger=trigger,
            source=p.state,
            dest=p.state,
            workflow_version=p.workflow_version,
            comment=note,
            data={"case": CASE_KIND},
        )
    )


def open_case(session: Session, p: Partnership, now: datetime, by: str, note: str | None) -> bool:
    """Open a case for a difficult interaction; False (audited all the same) when one is open."""
    live = session.scalar(
        select(Alert.id)
        .filter_by(partnership_id=p.id, kind=CASE_KIND)
        .where(Alert.status.in_(LIVE))
    )
    _audit(session, p, now, by, "case_opened" if live is None else "case_added_to", note)
    if live is not None:
        return False
    session.add(
        Alert(
            partnership_id=p.id,
            kind=CASE_KIND,
            status="open",
            opened_at=now,
            updated_at=now,
            note=note,
        )
    )
    return True


_ALERTS: Table = Base.metadata.tables[Alert.__tablename__]
_CLOSE = (
    update(_ALERTS)
    .where(
        _ALERTS.c.partnership_id == bindparam("c_partnership_id"),
        _ALERTS.c.kind == CASE_KIND,
        _ALERTS.c.status.in_(LIVE),
    )
    .values(status="resolved", updated_at=bindparam("c_now"), note=bindparam("c_note"))
)


def close_cases(
    session: Session, p: Partnership, now: datetime, by: str, how: str, note: str
) -> int:
    """Close the partnership's live case (`how`: resolved or escalated); how many were closed."""
    # Rows the ORM holds back go first, as session.execute's autoflush would do; then the
    # statement built once, on the session's connection (it runs on every escalation).
    session.flush()
    result = session.connection().execute(
        _CLOSE, {"c_partnership_id": p.id, "c_now": now, "c_note": f"{how} by {by}: {note}"}
    )
    closed = int(getattr(result, "rowcount", 0) or 0)
    if closed:
        _audit(session, p, now, by, f"case_{how}", note)
    return closed


@dataclass(frozen=True, slots=True)
class CaseResolved:
    """The partnership whose case was closed, and how it now stands."""

    id: int
    status: str


@dataclass(frozen=True, slots=True)
class OpenCase:
    """An open case of a difficult interaction."""

    partnership: int
    partner: str
    keyworker: str
    opened_at: str
    note: str | None


class Cases:
    """The Partnerships Team's cases of difficult interactions."""

    def __init__(self, settings: Settings, database: Database, clock: Clock) -> None:
        self.settings = settings
        self.db = database
        self.clock = clock

    def resolve(self, partnership_id: int, by: str, resolution: str) -> CaseResolved:
        """Close the open case of a partnership, saying how it was resolved."""
        by = by.strip().lower()
        if not resolution.strip():
            raise BadInput("case resolve: say how it was resolved (--resolution)")
        with self.db.unit_of_work() as session:
            p = session.get(Partnership, partnership_id)
            if p is None:
                raise NotFound(f"no partnership with id {partnership_id}")
            if not roles_held(self.settings, by, p) & RESOLVERS:
                raise NotPermitted(
                    "not permitted: a case is resolved by " + ", ".join(sorted(RESOLVERS))
                )
            if not close_cases(session, p, self.clock.now(), by, "resolved", resolution.strip()):
                raise Refused(
                    f"partnership {partnership_id} has no open difficult-interaction case"
                )
            return CaseResolved(id=partnership_id, status="resolved")

    def open_cases(self) -> list[OpenCase]:
        """Every open case, oldest first: the team's worklist of difficult interactions."""
        with self.db.reading() as session:
            rows = session.execute(
                select(Alert, Partnership)
                .join(Partnership, Partnership.id == Alert.partnership_id)
                .options(joinedload(Partnership.partner))
                .where(Alert.kind == CASE_KIND, Alert.status.in_(LIVE))
                .order_by(Alert.opened_at, Alert.id)
            ).all()
            return [
                OpenCase(
                    partnership=p.id,
                    partner=p.partner.name,
                    keyworker=p.keyworker,
                    opened_at=a.opened_at.isoformat(),
                    note=a.note,
                )
                for a, p in rows
            ]
