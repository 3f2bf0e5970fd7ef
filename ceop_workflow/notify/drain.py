"""Draining the outbox: claim due messages, send them one by one, record each outcome at once.

No transaction is held while a message is sent (PITFALLS): claim in one short transaction,
commit, then for each message: render, send, and record its outcome in a short transaction of
its own before the next message goes (`notify.claims`). So a drainer killed at any moment
leaves at most one message whose fate is unknown: the one between the transport's acceptance
(for SMTP, the server's 250 to the end of the data) and the commit of its outcome. That one is
sent again, with the same Message-ID, when the claim is taken back (at once, by a daemon
starting under the same worker id) or expires (`daemon.lease_seconds`); the rest of the batch
was never started and spent no attempt.

Outcomes: sent; a temporary failure goes back to `pending` after the retry policy's delay; a
permanent failure, or a temporary one on the last allowed attempt, makes a dead letter; an
unusable transport spends no attempt and pauses the drain (`notify.health`). A stop request is
honoured between two messages: the message in hand is finished and recorded, the rest of the
claim handed back.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from dataclasses import astuple, dataclass
from datetime import datetime, timedelta
from email.message import Message
from typing import Any

from ceop_workflow.config import Settings
from ceop_workflow.engine.retry import RetryPolicy
from ceop_workflow.errors import BadInput
from ceop_workflow.notify import claims, health, message
from ceop_workflow.notify.claims import Claimed
from ceop_workflow.notify.digest import Digester, DigestRule
from ceop_workflow.notify.outbox import DEAD, PENDING, SENT
from ceop_workflow.notify.render import TemplateRenderer
from ceop_workflow.notify.transports import (
    Delivery,
    SendResult,
    SendStatus,
    Transport,
    open_delivery,
    transport_from_settings,
)
from ceop_workflow.store.db import Database

log = logging.getLogger(__name__)

# Doubling stops here, so a long outage does not push retries days into the future.
MAX_RETRY_DELAY = timedelta(hours=6)


@dataclass(frozen=True)
class DrainReport:
    """What one drain did. `lost` counts outcomes not recorded because the claim had expired;
    `digests` the digests made and `folded` the (reminder, recipient) pairs folded into them;
    `handed_back` claimed messages not tried (a stop, or the transport down); `paused` is 1 when
    the transport was down and nothing was tried."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    lost: int = 0
    digests: int = 0
    folded: int = 0
    handed_back: int = 0
    paused: int = 0

    def __add__(self, other: DrainReport) -> DrainReport:
        return DrainReport(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def __sub__(self, other: DrainReport) -> DrainReport:
        return DrainReport(*(a - b for a, b in zip(astuple(self), astuple(other), strict=True)))


def default_worker() -> str:
    """host:pid plus a random part: distinct for every sender, even in one process."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class OutboxSender:
    """Sends due outbox messages with a transport, retrying with backoff, dead-lettering.

    Safe to run in several processes at once against one database: each due row is claimed by
    exactly one of them (SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE on SQLite). `worker` names
    this sender's claims; give a daemon's sender the daemon's worker id.
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
        retry: RetryPolicy | None = None,
        outage: RetryPolicy | None = None,
        batch_size: int = 200,
        claim_seconds: int = 900,
        worker: str | None = None,
        digester: Digester | None = None,
    ) -> None:
        if max_attempts < 1 or batch_size < 1 or claim_seconds < 1 or retry_base_seconds < 0:
            raise BadInput("outbox limits must be positive")
        self._database = database
        self._renderer = renderer
        self._transport = transport
        self._sender = sender
        self.retry = retry or RetryPolicy(
            timedelta(seconds=retry_base_seconds),
            max(MAX_RETRY_DELAY, timedelta(seconds=retry_base_seconds)),
            max_attempts,
        )
        self._max_attempts = self.retry.max_attempts or max_attempts
        self.outage = outage or RetryPolicy(self.retry.base, timedelta(minutes=15))
        self._batch_size = batch_size
        # Longer than the slowest batch can take, or a second drainer would send it again.
        self._claim_for = timedelta(seconds=claim_seconds)
        self.worker = worker or default_worker()
        self._digester = digester

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        database: Database,
        *,
        renderer: TemplateRenderer | None = None,
        transport: Transport | None = None,
        worker: str | None = None,
    ) -> OutboxSender:
        """A sender configured by `settings`: templates, transport, digests, the retry and
        outage policies of `[email]`, and claims that last `daemon.lease_seconds`."""
        renderer = renderer or TemplateRenderer.from_settings(settings)
        sender = settings.email.from_address
        email = settings.email
        return cls(
            database,
            renderer,
            transport or transport_from_settings(settings),
            sender=sender,
            retry=RetryPolicy.of(
                email.retry_base_seconds, email.retry_cap_seconds, email.max_attempts
            ),
            outage=RetryPolicy.of(email.retry_base_seconds, email.outage_cap_seconds, None),
            claim_seconds=settings.daemon.lease_seconds,
            worker=worker,
            digester=Digester(
                DigestRule.from_settings(settings), renderer, message.domain_of(sender)
            ),
        )

    def retry_delay(self, attempts: int) -> timedelta:
        """How long to wait after the `attempts`-th failed attempt (doubling, capped)."""
        return self.retry.delay(attempts)

    def take_back(self) -> int:
        """End the claims an earlier run under this worker id left (at a daemon's start)."""
        with self._database.unit_of_work() as session:
            back, dead = claims.take_back(session, self.worker, self._max_attempts)
        if back or dead:
            log.info(
                "outbox: took back %d messages left claimed by an earlier run of %s "
                "(%d made dead letters after their last attempt)",
                back,
                self.worker,
                dead,
            )
        return back + dead

    def drain(
        self, now: datetime, *, max_batches: int = 10, stop: threading.Event | None = None
    ) -> DrainReport:
        """Send what is due at `now`, batch after batch, until none is left, `max_batches`,
        the transport is down, or `stop` is set (checked between two messages)."""
        state = health.check(self._database)
        if state.paused(now):
            return DrainReport(paused=1)
        report = DrainReport()
        for number in range(max_batches):
            # Digests once: `now` stands still, so later batches would find the same reminders.
            batch = self._drain_batch(now, number == 0, stop, was_down=state.down)
            report += batch
            state = health.TransportHealth() if batch.sent else state
            if batch.claimed < self._batch_size or batch.handed_back or batch.paused:
                break
        return report

    def drain_batch(self, now: datetime) -> DrainReport:
        """Make the digests due, claim up to one batch, send it, and record each outcome."""
        return self._drain_batch(now, True, None, was_down=health.check(self._database).down)

    def _drain_batch(
        self, now: datetime, fold: bool, stop: threading.Event | None, *, was_down: bool
    ) -> DrainReport:
        with self._database.unit_of_work() as session:
            reaped = claims.reap(session, now, self._max_attempts)
            # Before the claim, so that the digests go out in this very batch.
            folding = self._digester.fold(session, now) if fold and self._digester else None
            claimed = claims.claim(
                session, self.worker, now, now + self._claim_for, self._batch_size
            )
        if reaped:
            log.warning("outbox: %d messages dead-lettered after interrupted sends", reaped)
        start = DrainReport(
            dead=reaped,
            digests=folding.digests if folding else 0,
            folded=folding.folded if folding else 0,
        )
        if not claimed:
            return start
        return start + self._send_claimed(claimed, now, stop, was_down)

    def _send_claimed(
        self, claimed: list[Claimed], now: datetime, stop: threading.Event | None, was_down: bool
    ) -> DrainReport:
        report = DrainReport(claimed=len(claimed))
        current: Claimed | None = claimed[0]
        waiting = claimed[1:]
        delivery: Delivery
        try:
            delivery = open_delivery(self._transport)
        except Exception as exc:  # a bug: reported per message by _send_one
            delivery = _Raising(exc)
        try:
            while current is not None:
                result = self._send_one(delivery, current)
                usable = result.status is not SendStatus.UNAVAILABLE
                stopping = stop is not None and stop.is_set()
                upcoming = waiting.pop(0) if usable and waiting and not stopping else None
                outcome, started = self._record(current, result, now, upcoming)
                report += outcome
                if not usable:
                    health.went_down(self._database, self.worker, now, result.reason, self.outage)
                    report += DrainReport(paused=1)
                elif was_down:
                    health.came_back(self._database, self.worker, now)
                    was_down = False
                current = upcoming.started() if upcoming is not None and started else None
                if upcoming is not None and not started:
                    waiting = []  # taken over by another drainer: our claim ran out
        finally:
            delivery.close()
            report += self._hand_back(waiting)
        return report

    def _send_one(self, delivery: Delivery, row: Claimed) -> SendResult:
        try:
            email = self._build(row)
        except BadInput as exc:
            return SendResult(
                row.message_id, SendStatus.PERMANENT, f"cannot build the message: {exc}"
            )
        try:
            return delivery.send(email)
        except Exception as exc:
            # Transports report failures instead of raising; this is a bug, so log it in full,
            # but still leave the message to be retried rather than stuck until the claim ends.
            log.exception("outbox: the transport failed unexpectedly")
            reason = f"the transport failed unexpectedly: {type(exc).__name__}: {exc}"
            return SendResult(row.message_id, SendStatus.TEMPORARY, reason)

    def _build(self, row: Claimed) -> Message:
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

    def _record(
        self, row: Claimed, result: SendResult, now: datetime, upcoming: Claimed | None
    ) -> tuple[DrainReport, bool]:
        """Save `row`'s outcome and start `upcoming`'s attempt, in one short transaction."""
        outcome, values = self._outcome(row, result, now)
        with self._database.unit_of_work() as session:
            saved = claims.record(session, self.worker, row, values)
            started = upcoming is not None and claims.start(session, self.worker, upcoming)
        if not saved:
            log.warning("outbox: message %d was claimed again before its outcome was saved", row.id)
            outcome = DrainReport(lost=1)
        return outcome, started

    def _outcome(
        self, row: Claimed, result: SendResult, now: datetime
    ) -> tuple[DrainReport, dict[str, Any]]:
        """What becomes of `row` after `result`: its report and the columns to write."""
        if result.status is SendStatus.SENT:
            return DrainReport(sent=1), {
                "status": SENT,
                "sent_at": now,
                "last_error": result.reason or None,
            }
        if result.status is SendStatus.UNAVAILABLE:
            # Not the message's fault: its attempt is given back and it waits for the next try.
            return DrainReport(handed_back=1), {
                "status": PENDING,
                "attempts": row.attempts - 1,
                "last_error": result.reason,
            }
        if result.status is SendStatus.TEMPORARY and not self.retry.gives_up(row.attempts):
            return DrainReport(retrying=1), {
                "status": PENDING,
                "next_attempt_at": now + self.retry.delay(row.attempts),
                "last_error": result.reason,
            }
        error = result.reason
        if result.status is SendStatus.TEMPORARY:
            error = f"gave up after {row.attempts} attempts: {result.reason}"
        log.warning("outbox: message %d is a dead letter: %s", row.id, error)
        return DrainReport(dead=1), {"status": DEAD, "last_error": error}

    def _hand_back(self, waiting: list[Claimed]) -> DrainReport:
        if not waiting:
            return DrainReport()
        try:
            with self._database.unit_of_work() as session:
                back = claims.hand_back(session, self.worker, waiting)
        except Exception:  # the claims expire after lease_seconds anyway
            log.warning("outbox: could not hand back %d claims; they expire", len(waiting))
            return DrainReport()
        return DrainReport(handed_back=back)


class _Raising:
    """A delivery standing in for a transport that raised when opened."""

    def __init__(self, exc: Exception) -> None:
        self._exc = exc

    def send(self, message: Message) -> SendResult:
        raise self._exc

    def close(self) -> None:
        pass
