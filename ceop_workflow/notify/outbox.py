"""The transactional outbox: a message is a row written with the change that caused it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ceop_workflow.notify import message
from ceop_workflow.store.models import OutboxMessage

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
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    statement = (
        module.insert(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        # RETURNING, not rowcount: psycopg reports -1 for this insert, which read as "added".
        .returning(OutboxMessage.id)
    )
    return session.execute(statement).first() is not None


__all__ = ["enqueue", "message_id_for"]
