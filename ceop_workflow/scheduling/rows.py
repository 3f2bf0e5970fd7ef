"""Duty rows in the store: placing, cancelling and claiming them, on SQLite and PostgreSQL.

A row's status says what became of its duty: `pending` (waiting, or claimed by a daemon),
`done` (its effect happened), `completed` (the duty was met before it fell due: a review was
recorded), `cancelled` (its state was left, or a contact moved it) or `failed` (set aside after
repeated errors; `status` shows it).

A claim (`claimed_by`, `claimed_until`) only shares work out: whoever handles a row re-reads it
under a lock and acts only if it is still pending and still theirs, so a duty is never done
twice even when a claim outlives a crashed daemon.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ceop_workflow.engine.schedule import Planned
from ceop_workflow.store.models import Timer

TIMERS = Timer.__table__
PENDING, DONE, COMPLETED, CANCELLED, FAILED = (
    "pending",
    "done",
    "completed",
    "cancelled",
    "failed",
)


def _values(planned: Planned, now: datetime) -> dict[str, Any]:
    return {
        "partnership_id": planned.partnership_id,
        "name": planned.name,
        "kind": planned.kind,
        "status": PENDING,
        "due_at": planned.due_at,
        "anchor_at": planned.anchor_at,
        "period": planned.period,
        "idempotency_key": planned.key,
        "payload": dict(planned.payload),
        "created_at": now,
    }


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    # The Core table, not the mapped class: the ORM's bulk path costs more than the insert.
    return module.insert(TIMERS).on_conflict_do_nothing(index_elements=["idempotency_key"])


def insert_many(session: Session, rows: Iterable[Planned], now: datetime) -> None:
    """Add rows in one statement; a row whose key exists already is left as it is."""
    values = [_values(p, now) for p in rows]
    if values:
        session.execute(_insert(session), values)


def place(session: Session, planned: Planned, now: datetime) -> str:
    """Add a duty row; returns the status its key now has.

    A key used before keeps its history: a cancelled row comes back to life with the new due
    time (a state left and re-entered in the same period); a done or completed one is left, and
    its status tells the caller to plan the following period instead.
    """
    # RETURNING, not rowcount: on PostgreSQL the insert's rowcount is -1 (SQLAlchemy adds an
    # implicit RETURNING), which read as "added" and never brought a cancelled row back.
    added = session.execute(
        _insert(session).values(**_values(planned, now)).returning(TIMERS.c.id)
    ).first()
    if added is not None:
        return PENDING
    existing = session.scalars(
        select(Timer).filter_by(idempotency_key=planned.key).with_for_update()
    ).one()
    if existing.status == CANCELLED:
        existing.status = PENDING
        existing.due_at = planned.due_at
        existing.anchor_at = planned.anchor_at
        existing.payload = dict(planned.payload)
        existing.claimed_by = None
        existing.claimed_until = None
        existing.done_at = None
        return PENDING
    return existing.status


def cancel_pending(
    session: Session,
    partnership_id: int,
    now: datetime,
    names: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
) -> int:
    """Cancel the partnership's pending rows (optionally of some timers and kinds)."""
    statement = update(Timer).where(Timer.partnership_id == partnership_id, Timer.status == PENDING)
    if names is not None:
        statement = statement.where(Timer.name.in_(list(names)))
    if kinds is not None:
        statement = statement.where(Timer.kind.in_(list(kinds)))
    result = session.execute(
        statement.values(status=CANCELLED, done_at=now, claimed_by=None, claimed_until=None),
        execution_options={"synchronize_session": False},
    )
    return int(getattr(result, "rowcount", 0) or 0)


def claim(
    session: Session, worker: str, now: datetime, until: datetime, limit: int
) -> list[tuple[int, int]]:
    """Claim up to `limit` due rows nobody holds a live claim on; (id, partnership id) of each.

    PostgreSQL: `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)`, so concurrent
    daemons take disjoint rows without waiting. SQLite: the same statement inside the
    BEGIN IMMEDIATE of the unit of work, which admits one writer at a time.
    """
    due = (
        select(Timer.id)
        .where(
            Timer.status == PENDING,
            Timer.due_at <= now,
            or_(Timer.claimed_until.is_(None), Timer.claimed_until <= now),
        )
        .order_by(Timer.due_at, Timer.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    statement = (
        update(Timer)
        .where(Timer.id.in_(due.scalar_subquery()))
        .values(claimed_by=worker, claimed_until=until)
        .returning(Timer.id, Timer.partnership_id, Timer.due_at)
    )
    rows = session.execute(statement, execution_options={"synchronize_session": False}).all()
    return [(r.id, r.partnership_id) for r in sorted(rows, key=lambda r: (r.due_at, r.id))]


def release_claims(session: Session, worker: str) -> int:
    """Give up every claim held under `worker` (a restarted daemon taking its work back)."""
    result = session.execute(
        update(Timer)
        .where(Timer.claimed_by == worker, Timer.status == PENDING)
        .values(claimed_by=None, claimed_until=None),
        execution_options={"synchronize_session": False},
    )
    return int(getattr(result, "rowcount", 0) or 0)
