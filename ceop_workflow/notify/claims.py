"""The outbox rows a drainer holds: claiming, starting, recording, handing back.

A claim marks due rows `sending` under the drainer's worker id until `claimed_until`. It spends
no attempt: a row's attempt starts only when its message is about to go (the claim starts the
first, and the transaction recording one outcome starts the next), so after a crash only the
one message in flight has spent an attempt. Every write checks the claim still stands: after it
expired another drainer may own the row, and then our outcome is not saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from ceop_workflow.notify.outbox import DEAD, PENDING, SENDING
from ceop_workflow.store.models import OutboxMessage


@dataclass(frozen=True)
class Claimed:
    """A claimed row, with `attempts` as it stands once its attempt has started."""

    id: int
    message_id: str
    template: str
    recipients: list[str]
    context: dict[str, Any]
    partnership_id: int | None
    attempts: int
    created_at: datetime

    def started(self) -> Claimed:
        """The same row once its attempt started."""
        return Claimed(**{**self.__dict__, "attempts": self.attempts + 1})


def claim(
    session: Session, worker: str, now: datetime, until: datetime, limit: int
) -> list[Claimed]:
    """Claim up to `limit` due rows (pending and due, or claimed by someone whose claim ran out)
    for `worker` until `until`, oldest due first; the first one's attempt is started."""
    due = or_(
        and_(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == SENDING, OutboxMessage.claimed_until <= now),
    )
    ids = (
        select(OutboxMessage.id)
        .where(due)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        ids = ids.with_for_update(skip_locked=True)
    rows = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids.scalar_subquery()))
        .values(status=SENDING, claimed_until=until, claimed_by=worker)
        .returning(
            OutboxMessage.id,
            OutboxMessage.message_id,
            OutboxMessage.template,
            OutboxMessage.recipients,
            OutboxMessage.context,
            OutboxMessage.partnership_id,
            OutboxMessage.attempts,
            OutboxMessage.created_at,
        )
        .execution_options(synchronize_session=False)
    ).all()
    claimed = sorted((Claimed(*row) for row in rows), key=lambda row: row.id)
    if claimed and start(session, worker, claimed[0]):
        claimed[0] = claimed[0].started()
    return claimed


def start(session: Session, worker: str, row: Claimed) -> bool:
    """Count the attempt about to be made at `row`; False if the claim is no longer ours."""
    return _changed(
        session,
        update(OutboxMessage)
        .where(_ours(worker, row.id, row.attempts))
        .values(attempts=OutboxMessage.attempts + 1),
    )


def record(session: Session, worker: str, row: Claimed, values: dict[str, Any]) -> bool:
    """Write `row`'s outcome (`values`) and end its claim; False if the claim is no longer ours."""
    return _changed(
        session,
        update(OutboxMessage)
        .where(_ours(worker, row.id, row.attempts))
        .values(claimed_until=None, claimed_by=None, **values),
    )


def hand_back(session: Session, worker: str, rows: list[Claimed]) -> int:
    """End the claim on rows whose attempt never started (a stop, an outage): pending again."""
    if not rows:
        return 0
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_([row.id for row in rows]),
            OutboxMessage.status == SENDING,
            OutboxMessage.claimed_by == worker,
        )
        .values(status=PENDING, claimed_until=None, claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def take_back(session: Session, worker: str, max_attempts: int) -> tuple[int, int]:
    """At a daemon's start: end every claim an earlier run under `worker` left behind.

    The message that was in flight when it died is sent again (with the same Message-ID),
    unless it has used up its attempts: having killed the drainer that often, it is made a dead
    letter. Returns (handed back, dead-lettered).
    """
    mine = and_(OutboxMessage.status == SENDING, OutboxMessage.claimed_by == worker)
    dead = session.execute(
        update(OutboxMessage)
        .where(mine, OutboxMessage.attempts >= max_attempts)
        .values(status=DEAD, claimed_until=None, claimed_by=None, last_error=_STOPPED)
        .execution_options(synchronize_session=False)
    )
    back = session.execute(
        update(OutboxMessage)
        .where(mine)
        .values(status=PENDING, claimed_until=None, claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(back, "rowcount", 0) or 0), int(getattr(dead, "rowcount", 0) or 0)


def reap(session: Session, now: datetime, max_attempts: int) -> int:
    """Dead-letter rows whose claim ran out on their last allowed attempt: the drainer died
    mid-send that often, so the message itself may be what kills it."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == SENDING,
            OutboxMessage.claimed_until <= now,
            OutboxMessage.attempts >= max_attempts,
        )
        .values(status=DEAD, claimed_until=None, claimed_by=None, last_error=_STOPPED)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


_STOPPED = "no outcome after its last allowed attempt (the sender stopped while sending)"


def _ours(worker: str, row_id: int, attempts: int) -> Any:
    return and_(
        OutboxMessage.id == row_id,
        OutboxMessage.status == SENDING,
        OutboxMessage.claimed_by == worker,
        OutboxMessage.attempts == attempts,
    )


def _changed(session: Session, statement: Any) -> bool:
    result = session.execute(statement.execution_options(synchronize_session=False))
    return bool(getattr(result, "rowcount", 0))
