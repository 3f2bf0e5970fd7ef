"""Alerts: conditions raised once and then worked (open → acknowledged → resolved)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ceop_workflow.store.models import Alert

OPEN, ACKNOWLEDGED, RESOLVED = "open", "acknowledged", "resolved"
LIVE = (OPEN, ACKNOWLEDGED)


def overdue_kind(timer_name: str) -> str:
    """The alert kind of a review that went past its deadline, e.g. "monthly_review_overdue"."""
    return f"{timer_name}_overdue"


def raise_alert(session: Session, partnership_id: int, kind: str, now: datetime, note: str) -> bool:
    """Open an alert unless one of that kind is open or acknowledged; True when opened now.

    The caller holds the partnership's row lock, so two daemons cannot both open one.
    """
    live = session.scalar(
        select(Alert.id)
        .filter_by(partnership_id=partnership_id, kind=kind)
        .where(Alert.status.in_(LIVE))
        .limit(1)
    )
    if live is not None:
        return False
    session.add(
        Alert(
            partnership_id=partnership_id,
            kind=kind,
            status=OPEN,
            opened_at=now,
            updated_at=now,
            note=note,
        )
    )
    return True


def resolve_alerts(
    session: Session, partnership_id: int, now: datetime, note: str, kinds: Sequence[str] | None
) -> int:
    """Resolve the partnership's live alerts (of some kinds, or all); returns how many."""
    statement = update(Alert).where(Alert.partnership_id == partnership_id, Alert.status.in_(LIVE))
    if kinds is not None:
        statement = statement.where(Alert.kind.in_(list(kinds)))
    result = session.execute(
        statement.values(
            status=RESOLVED,
            updated_at=now,
            note=func.coalesce(Alert.note, "") + f"; resolved: {note}",
        ),
        execution_options={"synchronize_session": False},
    )
    return int(getattr(result, "rowcount", 0) or 0)
