"""Draining the outbox: claim due messages, send them outside any transaction, record outcomes.

No transaction is held while a message is sent (PITFALLS): claim in one short transaction,
commit, render and send, then record each outcome in another short transaction. A drainer that
dies mid-send leaves its rows `sending`; once the claim expires another drainer takes them
again, with the same Message-ID, so a receiver can spot the one possible duplicate. Outcomes:
sent; a temporary failure goes back to `pending` with a doubling delay; a permanent failure,
or a temporary one on the last allowed attempt, makes a dead letter.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from datetime import datetime, timedelta
from email.message import Message
from typing import Any, cast

from sqlalchemy import CursorResult, Table, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from ceop_workflow.config import Settings
from ceop_workflow.errors import BadInput
from ceop_workflow.notify import message
from ceop_workflow.notify.digest import Digester, DigestRule
from ceop_workflow.notify.outbox import DEAD, PENDING, SENDING, SENT
from ceop_workflow.notify.render import TemplateRenderer
from ceop_workflow.notify.transports import (
    SendResult,
    SendStatus,
    Transport,
    transport_from_settings,
)
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import OutboxMessage

log = logging.getLogger(__name__)

# Doubling stops here, so a long outage does not push retries days into the future.
MAX_RETRY_DELAY = timedelta(hours=6)


@dataclass(frozen=True)
class DrainReport:
    """What one drain did. `lost` counts outcomes not recorded because the claim had expired;
    `digests` the digests made and `folded` the (reminder, recipient) pairs folded into them."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    lost: int = 0
    digests: int = 0
    folded: int = 0

    def __add__(self, other: DrainReport) -> DrainReport:
        return DrainReport(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def __sub__(self, other: DrainReport) -> DrainReport:
        return DrainReport(*(a - b for a, b in zip(astuple(self), astuple(other), strict=True)))


@dataclass(frozen=True)
class _Claimed:
    id: int
    message_id: str
    template: str
    recipients: list[str]
    context: dict[str, Any]
    partnership_id: int | None
    attempts: int
    created_at: datetime


class OutboxSender:
    """Sends due outbox messages with a transport, retrying with backoff, dead-lettering.

    Safe to run in several processes at once against one database: each due row is claimed by
    exactly one of them (SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE on SQLite).
    """

    def __init__(
        self,
        database: Database,
        renderer: TemplateRenderer,
        transport: Transport,
        *,
        sender: str,
        max_attempts: int = 5,
        retry_base_seconds: int = 60,
        batch_size: int = 200,
        claim_seconds: int = 900,
        digester: Digester | None = None,
    ) -> None:
        if max_attempts < 1 or batch_size < 1 or claim_seconds < 1 or retry_base_seconds < 0:
            raise BadInput("outbox limits must be positive")
        self._database = database
        self._renderer = renderer
        self._transport = transport
        self._sender = sender
        self._max_attempts = max_attempts
        self._retry_base = timedelta(seconds=retry_base_seconds)
        self._batch_size = batch_size
        # Longer than the slowest batch can take, or a second drainer would send it again.
        self._claim_for = timedelta(seconds=claim_seconds)
        self._digester = digester

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        database: Database,
        *,
        renderer: TemplateRenderer | None = None,
        transport: Transport | None = None,
    ) -> OutboxSender:
        """A sender configured by `settings.email`: templates, transport, digests."""
        renderer = renderer or TemplateRenderer.from_settings(settings)
        sender = settings.email.from_address
        return cls(
            database,
            renderer,
            transport or transport_from_settings(settings),
            sender=sender,
            max_attempts=settings.email.max_attempts,
            retry_base_seconds=settings.email.retry_base_seconds,
            digester=Digester(
                DigestRule.from_settings(settings), renderer, message.domain_of(sender)
            ),
        )

    def retry_delay(self, attempts: int) -> timedelta:
        """How long to wait after the `attempts`-th failed attempt (doubling, capped)."""
        doublings = min(max(attempts - 1, 0), 30)  # past the cap anyway; avoids overflow
        return min(self._retry_base * (1 << doublings), MAX_RETRY_DELAY)

    def drain(self, now: datetime, *, max_batches: int = 10) -> DrainReport:
        """Send what is due at `now`, batch after batch, until none is left or `max_batches`."""
        report = DrainReport()
        for number in range(max_batches):
            # Digests once: `now` stands still, so later batches would find the same reminders.
            batch = self._drain_batch(now, fold=number == 0)
            report += batch
            if batch.claimed < self._batch_size:
                break
        return report

    def drain_batch(self, now: datetime) -> DrainReport:
        """Make the digests due, claim up to one batch, send it, and record each outcome."""
        return self._drain_batch(now, fold=True)

    def _drain_batch(self, now: datetime, *, fold: bool) -> DrainReport:
        with self._database.unit_of_work() as session:
            reaped = self._reap(session, now)
            # Before the claim, so that the digests go out in this very batch.
            folding = self._digester.fold(session, now) if fold and self._digester else None
            claimed = self._claim(session, now)
        start = DrainReport(
            dead=reaped,
            digests=folding.digests if folding else 0,
            folded=folding.folded if folding else 0,
        )
        if not claimed:
            return start
        results = self._send(claimed)
        with self._database.unit_of_work() as session:
            return (
                start
                + DrainReport(claimed=len(claimed))
                + self._record(session, claimed, results, now)
            )

    def _reap(self, session: Session, now: datetime) -> int:
        # A claim that expired on its last allowed attempt: the drainer died mid-send that
        # often, so the message itself may be what kills it.
        result = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.status == SENDING,
                OutboxMessage.claimed_until <= now,
                OutboxMessage.attempts >= self._max_attempts,
            )
            .values(
                status=DEAD,
                claimed_until=None,
                last_error=f"no outcome after {self._max_attempts} attempts "
                "(the sender stopped while sending)",
            )
            .execution_options(synchronize_session=False)
        )
        reaped = int(getattr(result, "rowcount", 0) or 0)
        if reaped:
            log.warning("outbox: %d messages dead-lettered after interrupted sends", reaped)
        return reaped

    def _claim(self, session: Session, now: datetime) -> list[_Claimed]:
        due = or_(
            and_(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now),
            and_(OutboxMessage.status == SENDING, OutboxMessage.claimed_until <= now),
        )
        ids = (
            select(OutboxMessage.id)
            .where(due)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(self._batch_size)
        )
        if session.get_bind().dialect.name == "postgresql":
            ids = ids.with_for_update(skip_locked=True)
        rows = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids.scalar_subquery()))
            .values(
                status=SENDING,
                claimed_until=now + self._claim_for,
                attempts=OutboxMessage.attempts + 1,
            )
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
        return sorted((_Claimed(*row) for row in rows), key=lambda claimed: claimed.id)

    def _send(self, claimed: Sequence[_Claimed]) -> list[SendResult]:
        results: dict[int, SendResult] = {}
        built: list[tuple[int, Message]] = []
        for row in claimed:
            try:
                built.append((row.id, self._build(row)))
            except BadInput as exc:
                reason = f"cannot build the message: {exc}"
                results[row.id] = SendResult(row.message_id, SendStatus.PERMANENT, reason)
        if built:
            for (row_id, _), result in zip(built, self._hand_over(built), strict=True):
                results[row_id] = result
        return [results[row.id] for row in claimed]

    def _build(self, row: _Claimed) -> Message:
        headers = {"X-Ceop-Template": row.template}
        if row.partnership_id is not None:
            headers["X-Ceop-Partnership"] = str(row.partnership_id)
        return message.build_email(
            self._renderer.render(row.template, row.context),
            self._sender,
            row.recipients,
            row.message_id,
            headers=headers,
            date=row.created_at,
        )

    def _hand_over(self, built: Sequence[tuple[int, Message]]) -> list[SendResult]:
        emails = [email for _, email in built]
        try:
            results = self._transport.send_batch(emails)
        except Exception as exc:
            # Transports report failures instead of raising; this is a bug, so log it in full,
            # but still leave the messages to be retried rather than stuck until the claim ends.
            log.exception("outbox: the transport failed unexpectedly")
            reason = f"the transport failed unexpectedly: {type(exc).__name__}: {exc}"
            return [SendResult(str(e["Message-ID"]), SendStatus.TEMPORARY, reason) for e in emails]
        if len(results) != len(emails):
            reason = f"the transport returned {len(results)} results for {len(emails)} messages"
            log.error("outbox: %s", reason)
            return [SendResult(str(e["Message-ID"]), SendStatus.TEMPORARY, reason) for e in emails]
        return results

    def _outcome(
        self, row: _Claimed, result: SendResult, now: datetime
    ) -> tuple[DrainReport, dict[str, Any]]:
        """What becomes of `row` after `result`: its report and the columns to write."""
        values: dict[str, Any] = {
            "b_error": result.reason or None,
            "b_sent_at": None,
            "b_next": None,
        }
        if result.status is SendStatus.SENT:
            values |= {"b_status": SENT, "b_sent_at": now}
            return DrainReport(sent=1), values
        if result.status is SendStatus.TEMPORARY and row.attempts < self._max_attempts:
            values |= {"b_status": PENDING, "b_next": now + self.retry_delay(row.attempts)}
            return DrainReport(retrying=1), values
        if result.status is SendStatus.TEMPORARY:
            values["b_error"] = f"gave up after {row.attempts} attempts: {result.reason}"
        values["b_status"] = DEAD
        log.warning("outbox: message %d is a dead letter: %s", row.id, values["b_error"])
        return DrainReport(dead=1), values

    def _record(
        self,
        session: Session,
        claimed: Sequence[_Claimed],
        results: Sequence[SendResult],
        now: datetime,
    ) -> DrainReport:
        """Write every outcome with one statement, but only where our claim still stands."""
        report = DrainReport()
        params: list[dict[str, Any]] = []
        outcomes: dict[int, DrainReport] = {}
        for row, result in zip(claimed, results, strict=True):
            outcome, values = self._outcome(row, result, now)
            outcomes[row.id] = outcome
            report += outcome
            params.append({"b_id": row.id, "b_attempts": row.attempts, **values})
        saved = cast("CursorResult[Any]", session.execute(_RECORD, params)).rowcount
        if saved == len(params):
            return report
        # After its claim expired another drainer owns a row: find which outcomes were not saved.
        ours = {(row.id, row.attempts) for row in claimed}
        current = session.execute(
            select(OutboxMessage.id, OutboxMessage.attempts, OutboxMessage.status).where(
                OutboxMessage.id.in_([row.id for row in claimed])
            )
        ).all()
        for row_id, attempts, status in current:
            if (row_id, attempts) not in ours or status == SENDING:
                log.warning(
                    "outbox: message %d was claimed again before its outcome was saved", row_id
                )
                report = report - outcomes[row_id] + DrainReport(lost=1)
        return report


_TABLE = cast(Table, OutboxMessage.__table__)
# One statement for a whole batch of outcomes (executemany); a NULL keeps the column as it is.
_RECORD = (
    update(_TABLE)
    .where(
        _TABLE.c.id == bindparam("b_id"),
        _TABLE.c.status == SENDING,
        _TABLE.c.attempts == bindparam("b_attempts"),
    )
    .values(
        status=bindparam("b_status"),
        claimed_until=None,
        last_error=bindparam("b_error"),
        sent_at=func.coalesce(
            bindparam("b_sent_at", type_=_TABLE.c.sent_at.type), _TABLE.c.sent_at
        ),
        next_attempt_at=func.coalesce(
            bindparam("b_next", type_=_TABLE.c.next_attempt_at.type), _TABLE.c.next_attempt_at
        ),
    )
)
