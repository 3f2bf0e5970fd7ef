"""The sweep: claim due duty rows in small batches, then handle each in its own transaction.

Why it never doubles or loses a duty:
- a claim only marks rows as someone's for `lease_seconds`; it changes no duty;
- handling locks the partnership, then re-reads the row under lock, and acts only while it is
  still pending and claimed by this worker; the effects (outbox rows, alerts, a trigger fired
  as the system, the next occurrence) and the row's new status commit together;
- a daemon that dies leaves at most claims behind: they expire, or the same worker id takes
  them back at start, and the rows are handled then, once.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ceop_workflow.app.service import Service
from ceop_workflow.engine.retry import RetryPolicy
from ceop_workflow.errors import StorageError
from ceop_workflow.scheduling import effects, rows
from ceop_workflow.scheduling.effects import Duty
from ceop_workflow.scheduling.lease import record_sweep
from ceop_workflow.store.models import Partnership, Timer

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    """What one sweep did; kept in the database for `status` and logged."""

    worker: str
    at: str
    claimed: int = 0
    done: int = 0
    completed: int = 0
    cancelled: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    batches: int = 0
    seconds: float = 0.0
    stopped: bool = False
    # True in the record kept after each batch, False once the sweep ended: a daemon killed
    # mid-sweep leaves what it did visible to `status`, marked unfinished.
    running: bool = False
    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: str) -> None:
        """Add one handled row to the tally of its outcome."""
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        tally = {"retry": "retried"}.get(outcome, outcome)
        if tally in {"done", "completed", "cancelled", "skipped", "retried", "failed"}:
            setattr(self, tally, getattr(self, tally) + 1)


class Sweeper:
    """Runs sweeps for one worker over the service's database."""

    def __init__(self, service: Service, worker: str) -> None:
        self.service = service
        self.worker = worker
        daemon = service.settings.daemon
        self.batch_size = daemon.batch_size
        self.lease = timedelta(seconds=daemon.lease_seconds)
        self.retry = RetryPolicy.of(
            daemon.retry_base_seconds, daemon.retry_cap_seconds, daemon.max_attempts
        )

    def take_back_claims(self) -> int:
        """Release the claims a previous run under this worker id left behind."""
        with self.service.db.unit_of_work() as session:
            released = rows.release_claims(session, self.worker)
        if released:
            log.info("took back %d claims left by an earlier run of %s", released, self.worker)
        return released

    def sweep(self, stop: threading.Event | None = None) -> SweepReport:
        """Handle every duty due now, batch by batch; stops early between batches on `stop`."""
        now = self.service.clock.now()
        started = time.perf_counter()
        report = SweepReport(self.worker, now.isoformat())
        while stop is None or not stop.is_set():
            claimed = self._claim(now)
            if not claimed:
                break
            report.batches += 1
            report.claimed += len(claimed)
            for timer_id, partnership_id in claimed:
                report.count(self.handle(timer_id, partnership_id, now))
            report.running = True
            report.seconds = round(time.perf_counter() - started, 3)
            record_sweep(self.service.db, now, asdict(report))
            # A short batch is no sign of the end: other daemons may hold the rest for now.
        report.stopped = stop is not None and stop.is_set()
        report.running = False
        report.seconds = round(time.perf_counter() - started, 3)
        record_sweep(self.service.db, now, asdict(report))
        log.info(
            "sweep at %s: %d claimed, %d done, %d completed, %d cancelled, %d skipped, "
            "%d failed in %.3f s",
            report.at,
            report.claimed,
            report.done,
            report.completed,
            report.cancelled,
            report.skipped,
            report.failed,
            report.seconds,
        )
        return report

    def _claim(self, now: datetime) -> list[tuple[int, int]]:
        with self.service.db.unit_of_work() as session:
            return rows.claim(session, self.worker, now, now + self.lease, self.batch_size)

    def handle(self, timer_id: int, partnership_id: int, now: datetime) -> str:
        """Handle one claimed row in its own transaction; returns its outcome."""
        try:
            with self.service.db.unit_of_work() as session:
                outcome, note = self._handle(session, timer_id, partnership_id, now)
        except StorageError:
            raise
        except Exception as exc:  # one bad duty must not stop the others: count and retry it
            log.exception("timer %d failed", timer_id)
            return self._failed(timer_id, now, exc)
        if outcome != "skipped":
            log.info("%s timer %d by %s: %s", outcome, timer_id, self.worker, note)
        return outcome

    def _handle(
        self, session: Session, timer_id: int, partnership_id: int, now: datetime
    ) -> tuple[str, str]:
        # Partnership first, then the row: the order every use case locks in, so no deadlock.
        p = session.scalars(
            select(Partnership)
            .filter_by(id=partnership_id)
            .options(joinedload(Partnership.partner, innerjoin=True))
            .with_for_update(of=Partnership)
        ).one()
        row = session.get(Timer, timer_id, with_for_update=True)
        if row is None or not self._mine(row, now):
            return "skipped", ""
        definition = self.service.catalog.machine(
            session, p.workflow, p.workflow_version
        ).definition
        state = str(row.payload.get("state", ""))
        timer = (
            next((t for t in definition.states[state].timers if t.name == row.name), None)
            if state in definition.states
            else None
        )
        row.claimed_until = None
        row.done_at = now
        if timer is None or p.state != state:
            row.status = rows.CANCELLED
            return "cancelled", f"partnership {p.id} is no longer in {state!r}"
        # Done before the handler runs, so a trigger it fires cannot cancel this row as pending
        # (Duty.fire flushes first).
        row.status = rows.DONE
        duty = Duty(
            session, row, p, timer, definition, now, self.service.settings, self.service.fire_in
        )
        note = effects.HANDLERS[row.kind](duty)
        row.payload = {**row.payload, "outcome": note}
        return row.status, f"{row.idempotency_key} {note}"

    def _mine(self, row: Timer, now: datetime) -> bool:
        return row.status == rows.PENDING and row.claimed_by == self.worker and row.due_at <= now

    def _failed(self, timer_id: int, now: datetime, exc: Exception) -> str:
        with self.service.db.unit_of_work() as session:
            row = session.get(Timer, timer_id, with_for_update=True)
            if row is None or row.status != rows.PENDING:
                return "skipped"
            attempts = int(row.payload.get("attempts", 0)) + 1
            row.payload = {**row.payload, "attempts": attempts, "last_error": str(exc)[:500]}
            row.claimed_by = None
            if self.retry.gives_up(attempts):
                row.status, row.done_at, row.claimed_until = rows.FAILED, now, None
                log.error("timer %d set aside after %d attempts: %s", timer_id, attempts, exc)
                return "failed"
            row.claimed_until = now + self.retry.delay(attempts)
        return "retry"
