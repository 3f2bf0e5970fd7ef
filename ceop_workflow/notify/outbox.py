"""The transactional outbox: a message is a row written with the change that caused it.

A row's life: `pending` (due at `next_attempt_at`) → `sending` (claimed by one drainer until
`claimed_until`) → `sent`; or back to `pending` with a later `next_attempt_at` after a
temporary failure; or `dead` (a dead letter) after a permanent failure or too many attempts. A
dead letter goes back to `pending` only when someone retries it by id. A reminder folded into a
daily digest becomes `digested`, with `digest_id` naming the digest's row (`notify.digest`).
This module writes rows and answers questions about them; `notify.drain` sends them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ceop_workflow.errors import NotFound, Refused
from ceop_workflow.notify import message
from ceop_workflow.store.models import OutboxMessage

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
DEAD = "dead"
DIGESTED = "digested"
STATUSES = (PENDING, SENDING, SENT, DEAD, DIGESTED)
DEFAULT_DOMAIN = "ceop-workflow.local"


def message_id_for(dedupe_key: str, domain: str = DEFAULT_DOMAIN) -> str:
    """A Message-ID derived from the dedupe key, so a resend of one message keeps its identity."""
    return message.message_id_for(dedupe_key, domain)


def enqueue(
    session: Session,
    *,
    template: str,
    recipients: Sequence[str],
    context: Mapping[str, Any],
    dedupe_key: str,
    now: datetime,
    partnership_id: int | None = None,
    domain: str = DEFAULT_DOMAIN,
) -> bool:
    """Add a message in the caller's transaction; False when its dedupe key was already used.

    The context must be JSON-ready plain data: it is rendered when the message is sent.
    `domain` goes into the Message-ID (pass the domain of `email.from_address`).
    """
    if not recipients:
        return False
    values = {
        "dedupe_key": dedupe_key,
        "message_id": message_id_for(dedupe_key, domain),
        "template": template,
        "recipients": list(recipients),
        "context": dict(context),
        "partnership_id": partnership_id,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    return insert_row(session, values) is not None


def insert_row(session: Session, values: Mapping[str, Any]) -> int | None:
    """Insert one outbox row given all its columns; its id, or None if the dedupe key was used."""
    # On the session's connection, in its transaction: a third of the time of session.execute.
    # Flush first, as session.execute would, so rows this one refers to are written before it.
    session.flush()
    connection = session.connection()
    row = connection.execute(_INSERTS[connection.dialect.name], dict(values)).first()
    return None if row is None else int(row[0])


# RETURNING, not rowcount: psycopg reports -1 for this insert, which read as "added".
_INSERTS = {
    name: module.insert(OutboxMessage)
    .on_conflict_do_nothing(index_elements=["dedupe_key"])
    .returning(OutboxMessage.id)
    for name, module in (("postgresql", postgresql), ("sqlite", sqlite))
}


@dataclass(frozen=True)
class OutboxCounts:
    """How many messages are in each state; `retrying` are pending after a failed attempt."""

    pending: int
    retrying: int
    sending: int
    sent: int
    dead: int
    # Reminders folded into a digest; the digest itself is counted by its own status.
    digested: int = 0


@dataclass(frozen=True)
class DeadLetter:
    """A message that will not be sent unless someone retries it."""

    id: int
    template: str
    recipients: tuple[str, ...]
    attempts: int
    last_error: str
    created_at: datetime


def retry_dead_letter(session: Session, outbox_id: int, now: datetime) -> None:
    """Make dead letter `outbox_id` due again at `now`, with a fresh count of attempts.

    `NotFound` if there is no such message, `Refused` if it is not a dead letter.
    """
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status == DEAD)
        .values(status=PENDING, attempts=0, next_attempt_at=now, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0):
        return
    status = session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == outbox_id))
    if status is None:
        raise NotFound(f"no outbox message {outbox_id}")
    raise Refused(f"outbox message {outbox_id} is {status}, not a dead letter")


def counts(session: Session) -> OutboxCounts:
    """How many messages are pending, retrying, being sent, sent, dead and digested."""
    by_status: dict[str, int] = {
        status: number
        for status, number in session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    }
    retrying = session.scalar(
        select(func.count()).where(OutboxMessage.status == PENDING, OutboxMessage.attempts > 0)
    )
    return OutboxCounts(
        pending=by_status.get(PENDING, 0),
        retrying=int(retrying or 0),
        sending=by_status.get(SENDING, 0),
        sent=by_status.get(SENT, 0),
        dead=by_status.get(DEAD, 0),
        digested=by_status.get(DIGESTED, 0),
    )


def dead_letters(session: Session, limit: int = 100) -> list[DeadLetter]:
    """The dead letters, oldest first, with the reason each was given up."""
    rows = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == DEAD)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
        .limit(limit)
    )
    return [
        DeadLetter(
            id=row.id,
            template=row.template,
            recipients=tuple(row.recipients),
            attempts=row.attempts,
            last_error=row.last_error or "",
            created_at=row.created_at,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class OutboxEntry:
    """One outbox row as `outbox list` shows it."""

    id: int
    status: str
    template: str
    recipients: tuple[str, ...]
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    sent_at: datetime | None
    last_error: str
    message_id: str
    partnership_id: int | None
    digest_id: int | None


def entries(
    session: Session, status: str | None = None, limit: int = 100, after_id: int = 0
) -> list[OutboxEntry]:
    """The newest `limit` rows (all, or those with `status`), newest first.

    `after_id` keeps only rows added after that one (what a step of a scenario queued).
    """
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    if after_id:
        query = query.where(OutboxMessage.id > after_id)
    return [
        OutboxEntry(
            id=row.id,
            status=row.status,
            template=row.template,
            recipients=tuple(row.recipients),
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at,
            created_at=row.created_at,
            sent_at=row.sent_at,
            last_error=row.last_error or "",
            message_id=row.message_id,
            partnership_id=row.partnership_id,
            digest_id=row.digest_id,
        )
        for row in session.scalars(query)
    ]
