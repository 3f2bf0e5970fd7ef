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

from sqlalchemy import Connection, Table, bindparam, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ceop_workflow.engine.schedule import Planned
from ceop_workflow.store.models import Base, Timer

TIMERS: Table = Base.metadata.tables[Timer.__tablename__]
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


# Statements of the hot path (every firing that enters or leaves a state with timers), built
# once per dialect on the Core table: building one costs more than running it on SQLite, and
# the ORM's bulk and update paths cost more than the statements themselves.
_DIALECTS = {"postgresql": postgresql, "sqlite": sqlite}


def _inserts() -> dict[str, Any]:
    # A row whose key exists already is left as it is.
    return {
        name: module.insert(TIMERS).on_conflict_do_nothing(index_elements=["idempotency_key"])
        for name, module in _DIALECTS.items()
    }


def _placings() -> dict[str, Any]:
    # A cancelled row comes back to life with the new due time; any other existing row is left
    # (and on PostgreSQL locked, as the conflict locks it). RETURNING names the rows that are
    # pending because of this statement: new or revived.
    statements = {}
    for name, module in _DIALECTS.items():
        statement = module.insert(TIMERS)
        excluded = statement.excluded
        statements[name] = statement.on_conflict_do_update(
            index_elements=["idempotency_key"],
            set_={
                "status": PENDING,
                "due_at": excluded.due_at,
                "anchor_at": excluded.anchor_at,
                "payload": excluded.payload,
                "claimed_by": None,
                "claimed_until": None,
                "done_at": None,
            },
            where=TIMERS.c.status == CANCELLED,
        ).returning(TIMERS.c.idempotency_key)
    return statements


_INSERTS = _inserts()
_PLACINGS = _placings()
_STATUSES = select(TIMERS.c.idempotency_key, TIMERS.c.status).where(
    TIMERS.c.idempotency_key.in_(bindparam("keys", expanding=True))
)


def _cancelling(names: bool, kinds: bool) -> Any:
    statement = update(TIMERS).where(
        TIMERS.c.partnership_id == bindparam("b_partnership_id"), TIMERS.c.status == PENDING
    )
    if names:
        statement = statement.where(TIMERS.c.name.in_(bindparam("b_names", expanding=True)))
    if kinds:
        statement = statement.where(TIMERS.c.kind.in_(bindparam("b_kinds", expanding=True)))
    return statement.values(
        status=CANCELLED, done_at=bindparam("b_now"), claimed_by=None, claimed_until=None
    )


_CANCELS = {(n, k): _cancelling(n, k) for n in (False, True) for k in (False, True)}


# One UPDATE of a row by id per set of columns written (see `write`).
_WRITES: dict[frozenset[str], Any] = {}


def write(session: Session, row: Timer, **values: Any) -> None:
    """Write some columns of a duty row now, in one prebuilt UPDATE; the object keeps step.

    A sweep settles each row it handles this way: through the ORM the same writes cost a flush
    each (three per duty), more than the rest of a duty's statements together. The values are
    set on the object as committed, so the ORM neither writes them again nor reads them back;
    should the transaction or a savepoint around it be rolled back, expire the object.
    """
    columns = frozenset(values)
    statement = _WRITES.get(columns)
    if statement is None:
        statement = (
            update(TIMERS)
            .where(TIMERS.c.id == bindparam("w_id"))
            .values({name: bindparam(f"w_{name}") for name in sorted(columns)})
        )
        _WRITES[columns] = statement
    params = {f"w_{name}": value for name, value in values.items()} | {"w_id": row.id}
    session.connection().execute(statement, params)
    for name, value in values.items():
        set_committed_value(row, name, value)


def settle(
    session: Session, row: Timer, status: str, now: datetime, payload: dict[str, Any]
) -> None:
    """Write what became of a handled duty row: its status, when, and its payload."""
    write(session, row, status=status, done_at=now, claimed_until=None, payload=payload)


def _connection(session: Session) -> Connection:
    # Rows the ORM holds back go first, as session.execute's autoflush would do.
    session.flush()
    return session.connection()


def insert_many(session: Session, rows: Iterable[Planned], now: datetime) -> None:
    """Add rows in one statement; a row whose key exists already is left as it is."""
    values = [_values(p, now) for p in rows]
    if values:
        connection = _connection(session)
        connection.execute(_INSERTS[connection.dialect.name], values)


def place(session: Session, planned: Planned, now: datetime) -> str:
    """Add a duty row; returns the status its key now has.

    A key used before keeps its history: a cancelled row comes back to life with the new due
    time (a state left and re-entered in the same period); a done or completed one is left, and
    its status tells the caller to plan the following period instead.
    """
    return place_many(session, [planned], now)[planned.key]


def place_many(session: Session, planned: Sequence[Planned], now: datetime) -> dict[str, str]:
    """`place` for several rows at once (one INSERT); the status each key now has."""
    if not planned:
        return {}
    # One row per key: an upsert may not touch a row twice (the later ones are pending anyway).
    planned = list({p.key: p for p in reversed(planned)}.values())[::-1]
    connection = _connection(session)
    # RETURNING, not rowcount: on PostgreSQL the insert's rowcount is -1 (SQLAlchemy adds an
    # implicit RETURNING), which read as "added" and never brought a cancelled row back.
    placed = connection.execute(
        _PLACINGS[connection.dialect.name], [_values(p, now) for p in planned]
    ).scalars()
    statuses = dict.fromkeys(placed, PENDING)
    missing = [p.key for p in planned if p.key not in statuses]
    if missing:
        statuses.update(
            (key, status) for key, status in connection.execute(_STATUSES, {"keys": missing})
        )
    return statuses


def cancel_pending(
    session: Session,
    partnership_id: int,
    now: datetime,
    names: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
) -> int:
    """Cancel the partnership's pending rows (optionally of some timers and kinds)."""
    params: dict[str, Any] = {"b_partnership_id": partnership_id, "b_now": now}
    if names is not None:
        params["b_names"] = list(names)
    if kinds is not None:
        params["b_kinds"] = list(kinds)
    statement = _CANCELS[names is not None, kinds is not None]
    result = _connection(session).execute(statement, params)
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
