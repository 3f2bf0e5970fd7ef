"""The sweep: claim due duty rows in batches, then handle each batch in one transaction.

Why it never doubles or loses a duty:
- a claim only marks rows as someone's for `lease_seconds`; it changes no duty;
- handling locks the batch's partnerships (in id order, the order every use case locks in),
  then its rows, and acts on a row only while it is still pending and claimed by this worker;
  the effects of every duty of the batch (outbox rows, alerts, triggers fired as the system, the
  next occurrences) and the rows' new statuses commit together, or not at all;
- each duty runs in a savepoint: one that raises is rolled back alone and set aside with its
  reason (retried later, with backoff), and the rest of its batch commits;
- a daemon that dies leaves at most claims behind: they expire, or the same worker id takes
  them back at start, and the rows are handled then, once (the keys of the outbox and the duty
  rows make whatever a retried batch writes again a no-op).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, joinedload

from ceop_workflow.app.service import Service
from ceop_workflow.engine.retry import RetryPolicy
from ceop_workflow.errors import StorageError
from ceop_workflow.scheduling import effects, rows
from ceop_workflow.scheduling.effects import Duty
from ceop_workflow.scheduling.lease import record_sweep
from ceop_workflow.scheduling.reads import BatchReads
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


class _DutyFailed(Exception):
    """A duty raised in a batch run straight through: the batch runs again, duty by duty."""


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
            for outcome in self.handle_batch(claimed, now):
                report.count(outcome)
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

    def handle_batch(self, claimed: Sequence[tuple[int, int]], now: datetime) -> list[str]:
        """Handle claimed rows in one transaction; the outcome of each, in the claim's order.

        First the whole batch straight through. Should a duty raise, nothing of the batch is
        kept and it runs again with each duty in a savepoint, so that the failing one is set
        aside alone and the rest commit. Should that fail as a whole too, its rows are handled
        one by one, each in its own transaction.
        """
        try:
            try:
                results = self._batch(claimed, now, careful=False)
            except _DutyFailed:
                results = self._batch(claimed, now, careful=True)
        except StorageError:
            raise
        except Exception:
            log.exception("a batch of %d duties failed as a whole; one by one now", len(claimed))
            return [self.handle(timer_id, pid, now) for timer_id, pid in claimed]
        # Logged once committed: a line says a duty's effects are in the database.
        for (timer_id, _), (outcome, note) in zip(claimed, results, strict=True):
            if outcome not in ("skipped", "retry", "failed"):
                log.info("%s timer %d by %s: %s", outcome, timer_id, self.worker, note)
        return [outcome for outcome, _ in results]

    def _batch(
        self, claimed: Sequence[tuple[int, int]], now: datetime, careful: bool
    ) -> list[tuple[str, str]]:
        with self.service.db.unit_of_work() as session:
            partnerships, timers = self._lock_batch(session, claimed)
            reads = BatchReads.fetch(
                session, sorted(partnerships), [t.period for t in timers.values() if t.period]
            )
            results: list[tuple[str, str]] = []
            for timer_id, pid in claimed:
                row, p = timers.get(timer_id), partnerships.get(pid)
                if row is None or p is None:
                    results.append(("skipped", ""))
                    continue
                if pid in reads.touched:
                    # An earlier duty of this batch may have fired a trigger, whose listener
                    # cancels rows past the ORM: read this one (and the partnership) again.
                    session.refresh(p)
                    session.refresh(row)
                if careful:
                    results.append(self._in_savepoint(session, row, p, now, reads))
                else:
                    try:
                        results.append(self._handle_row(session, row, p, now, reads))
                    except (StorageError, OperationalError):
                        raise
                    except Exception as exc:
                        log.info("timer %d failed; batch again, duty by duty: %s", timer_id, exc)
                        raise _DutyFailed from exc
                # What the batch read for this partnership may be stale from now on.
                reads.touched.add(pid)
            return results

    def _lock_batch(
        self, session: Session, claimed: Sequence[tuple[int, int]]
    ) -> tuple[dict[int, Partnership], dict[int, Timer]]:
        # Every partnership of the batch, then every row, each in id order: use cases lock a
        # partnership before its rows, and daemons sharing a database lock in the same order.
        partnerships = {
            p.id: p
            for p in session.scalars(
                select(Partnership)
                .where(Partnership.id.in_(sorted({pid for _, pid in claimed})))
                .options(joinedload(Partnership.partner, innerjoin=True))
                .order_by(Partnership.id)
                .with_for_update(of=Partnership)
            ).unique()
        }
        timers = {
            row.id: row
            for row in session.scalars(
                select(Timer)
                .where(Timer.id.in_(sorted(timer_id for timer_id, _ in claimed)))
                .order_by(Timer.id)
                .with_for_update()
            )
        }
        return partnerships, timers

    def _in_savepoint(
        self, session: Session, row: Timer, p: Partnership, now: datetime, reads: BatchReads
    ) -> tuple[str, str]:
        timer_id = row.id
        try:
            with session.begin_nested():
                return self._handle_row(session, row, p, now, reads)
        except (StorageError, OperationalError):
            raise
        except Exception as exc:  # one bad duty must not stop its batch: set it aside
            log.exception("timer %d failed", timer_id)
            # What the savepoint undid may have been written past the ORM (a firing, the
            # row's own status): nothing in memory is trusted any more, all is read again.
            session.expire_all()
            return self._set_back(session, timer_id, now, exc), ""

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
        if row is None:
            return "skipped", ""
        return self._handle_row(session, row, p, now)

    def _handle_row(
        self,
        session: Session,
        row: Timer,
        p: Partnership,
        now: datetime,
        reads: BatchReads | None = None,
    ) -> tuple[str, str]:
        if not self._mine(row, now):
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
        if timer is None or p.state != state:
            rows.settle(session, row, rows.CANCELLED, now, row.payload)
            return "cancelled", f"partnership {p.id} is no longer in {state!r}"
        duty = Duty(
            session,
            row,
            p,
            timer,
            definition,
            now,
            self.service.settings,
            self.service.fire_in,
            reads,
        )
        note = effects.HANDLERS[row.kind](duty)
        # The row is settled once, with its outcome, past the ORM (one prebuilt UPDATE, not a
        # flush); a firing settles it as done before it runs (Duty.fire).
        rows.settle(session, row, duty.status, now, {**row.payload, **duty.noted, "outcome": note})
        return duty.status, f"{row.idempotency_key} {note}"

    def _mine(self, row: Timer, now: datetime) -> bool:
        return row.status == rows.PENDING and row.claimed_by == self.worker and row.due_at <= now

    def _failed(self, timer_id: int, now: datetime, exc: Exception) -> str:
        with self.service.db.unit_of_work() as session:
            return self._set_back(session, timer_id, now, exc)

    def _set_back(self, session: Session, timer_id: int, now: datetime, exc: Exception) -> str:
        """Note a failed attempt on the row: retried after a backoff, or at last set aside."""
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
