"""The daemon: APScheduler as a clock for a few periodic jobs; all durable work is in tables.

Each process runs a `BlockingScheduler` with the in-memory job store and fixed jobs defined
here (PITFALLS: never a shared persistent job store). Plain interval triggers, a grace time of
one interval and coalescing: a late sweep still runs, once. SIGTERM or SIGINT stops within one
message (the outbox drain finishes and records the message in hand and hands the rest of its
claim back) or one batch of duties, releases the SQLite lease, and the process exits 0. Every
sweep first looks at the workflows folder, and SIGHUP looks at once (scheduling.reload): new
versions load without a restart.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from ceop_workflow.app.service import Service
from ceop_workflow.errors import StorageError
from ceop_workflow.scheduling import lease
from ceop_workflow.scheduling.reconcile import reconcile
from ceop_workflow.scheduling.reload import WorkflowWatcher
from ceop_workflow.scheduling.sweep import Sweeper, SweepReport

log = logging.getLogger(__name__)
# The report is due at 09:00 on the first working day; looking hourly is soon enough.
REPORT_CHECK_SECONDS = 3600


def default_worker_id() -> str:
    """host:pid, unique among running daemons but new at every start."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class PeriodicJob:
    """A job the scheduler runs every `seconds`; it gets the stop event to end early.
    `prepare` runs once at the daemon's start (taking back what an earlier run left)."""

    name: str
    seconds: int
    run: Callable[[threading.Event], object]
    prepare: Callable[[], object] | None = None


def extra_jobs(service: Service, worker: str | None = None) -> list[PeriodicJob]:
    """The monthly report check, hourly, and the outbox drain, every sweep interval.

    Both are safe to run in several daemons at once: the drain claims messages like the sweep
    claims duties, and the report is queued under one dedupe key per month. The drain claims
    under `worker`, so a daemon restarted under the same id takes its claims back at once.
    """
    from ceop_workflow.app.emails import queue_monthly_report
    from ceop_workflow.notify.drain import OutboxSender

    settings = service.settings
    sender = OutboxSender.from_settings(settings, service.db, worker=worker)

    def drain(stop: threading.Event) -> object:
        report = sender.drain(service.clock.now(), stop=stop)
        if report.sent or report.retrying or report.dead:
            log.info(
                "outbox: %d sent, %d to retry, %d dead letters",
                report.sent,
                report.retrying,
                report.dead,
            )
        return report

    def monthly_report(stop: threading.Event) -> object:
        queued = queue_monthly_report(service)
        if queued:
            log.info("queued last month's report for the management team")
        return queued

    # In this order, so that `--once` sends a report it has just queued.
    return [
        PeriodicJob("monthly_report", REPORT_CHECK_SECONDS, monthly_report),
        PeriodicJob("drain", settings.daemon.sweep_interval_seconds, drain, sender.take_back),
    ]


class Daemon:
    """One daemon process: the sweep of due duties plus the extra jobs."""

    def __init__(self, service: Service, worker: str, jobs: Sequence[PeriodicJob] = ()) -> None:
        self.service = service
        self.worker = worker
        self.sweeper = Sweeper(service, worker)
        self.watcher = WorkflowWatcher(service, worker)
        self.jobs = list(jobs)
        self.stop = threading.Event()
        # None until the first lease check, so the first wait is always logged.
        self._holding: bool | None = None
        self._scheduler: BlockingScheduler | None = None
        # When the database stopped answering (None: it answers); logged once per change.
        self._database_down: datetime | None = None
        self._outage_lock = threading.Lock()

    def prepare(self) -> None:
        """Take back this worker's stale claims and start timers running partnerships lack.

        On SQLite a daemon waiting for the lease leaves the second part to the one working.
        """
        self.sweeper.take_back_claims()
        for job in self.jobs:
            if job.prepare is not None:
                job.prepare()
        if self.may_work():
            reconcile(self.service, self.service.clock.now())

    def may_work(self) -> bool:
        """On SQLite, take or renew the lease (saying so when that changes); elsewhere True."""
        db = self.service.db
        if not lease.needs_lease(db):
            return True
        seconds = self.service.settings.daemon.lease_seconds
        state = lease.acquire(db, self.worker, self.service.clock.now(), seconds)
        if state.held and not self._holding:
            log.info("holding the SQLite daemon lease as %s", self.worker)
        elif not state.held and self._holding is not False:
            log.info(
                "waiting: another daemon (%s) holds the SQLite lease until %s; "
                "on SQLite one daemon works at a time",
                state.holder,
                state.expires_at.isoformat() if state.expires_at else "?",
            )
        self._holding = state.held
        return state.held

    def sweep(self, stop: threading.Event | None = None) -> SweepReport | None:
        """One sweep of due duties; on SQLite only while holding the lease."""
        if not self.may_work():
            return None
        return self._sweep(stop or self.stop)

    def _sweep(self, stop: threading.Event) -> SweepReport:
        """Load new workflow versions if the folder changed, then sweep."""
        self.watcher.check()
        return self.sweeper.sweep(stop)

    def run_once(self) -> SweepReport | None:
        """Prepare, sweep once, run each extra job once, release the lease."""
        self._install_signals()
        try:
            self.prepare()
            return self.work_once()
        finally:
            self.close()

    def work_once(self) -> SweepReport | None:
        """Sweep once, then run each extra job once, in order; None while another holds the
        SQLite lease. What `--once` does between `prepare` and `close`, and what a simulation
        (the demo) calls at each moment it moves the clock to.

        The sweep has just taken or renewed the lease, so the jobs do not renew it again (a
        write transaction each); were it to expire during a long drain, another daemon's
        drain would be harmless: messages are claimed like duties.
        """
        report = self.sweep()
        if report is None:
            return None
        for job in self.jobs:
            if self.stop.is_set():
                break
            self._guarded(job, needs_lease=False)()
        return report

    def run_forever(self) -> None:
        """Run the jobs on their intervals until SIGTERM or SIGINT."""
        interval = self.service.settings.daemon.sweep_interval_seconds
        self._install_signals()
        try:
            self.prepare()
            scheduler = BlockingScheduler(
                jobstores={"default": MemoryJobStore()},
                executors={"default": ThreadPoolExecutor(max_workers=4)},
                job_defaults={"coalesce": True, "max_instances": 1},
                timezone=UTC,
            )
            jobs = [PeriodicJob("sweep", interval, self._sweep), *self.jobs]
            for job in jobs:
                scheduler.add_job(
                    self._guarded(job),
                    IntervalTrigger(seconds=job.seconds, timezone=UTC),
                    id=job.name,
                    name=job.name,
                    misfire_grace_time=job.seconds,
                    next_run_time=datetime.now(UTC),
                )
            self._scheduler = scheduler
            log.info(
                "daemon %s started on %s: jobs %s every %d s",
                self.worker,
                self.service.db.safe_url,
                ", ".join(j.name for j in jobs),
                interval,
            )
            if not self.stop.is_set():
                scheduler.start()
        finally:
            self.close()
        log.info("daemon %s stopped", self.worker)

    def close(self) -> None:
        """Release the SQLite lease so that a waiting daemon need not wait for it to expire."""
        if self._holding:
            lease.release(self.service.db, self.worker)
            self._holding = None

    def _guarded(self, job: PeriodicJob, needs_lease: bool = True) -> Callable[[], None]:
        def run() -> None:
            try:
                if needs_lease and not self.may_work():
                    return
                job.run(self.stop)
            except StorageError as exc:  # an outage, not a bug: one line when it starts
                self._database_failed(exc)
                return
            except Exception:  # the daemon outlives a failed run; the next one tries again
                log.exception("job %s failed", job.name)
            self._database_answers()

        return run

    def _database_failed(self, exc: StorageError) -> None:
        with self._outage_lock:
            if self._database_down is not None:
                return
            self._database_down = datetime.now(UTC)
        log.error(
            "database unavailable since %s: %s; retrying every sweep interval",
            self._database_down.isoformat(timespec="seconds"),
            exc,
        )

    def _database_answers(self) -> None:
        with self._outage_lock:
            since, self._database_down = self._database_down, None
        if since is not None:
            log.warning(
                "database back after %s", str(datetime.now(UTC) - since).split(".", maxsplit=1)[0]
            )

    def _install_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)
        signal.signal(signal.SIGHUP, self._on_hangup)

    def _on_hangup(self, _signum: int, _frame: FrameType | None) -> None:
        # Not in the handler itself: it interrupts the main thread, which may hold the
        # scheduler's locks. The watcher's own lock keeps this apart from a sweep's look.
        log.info("SIGHUP: looking at the workflows folder %s", self.watcher.folder)
        threading.Thread(target=self._reload, name="workflows-reload", daemon=True).start()

    def _reload(self) -> None:
        try:
            self.watcher.check(force=True)
        except Exception:  # the daemon outlives a failed look; the next sweep looks again
            log.exception("looking at the workflows folder failed")

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if self.stop.is_set():
            return
        log.info(
            "%s: finishing the message or batch in hand, then stopping",
            signal.Signals(signum).name,
        )
        self.stop.set()
        scheduler = self._scheduler
        if scheduler is not None and scheduler.running:
            # From the main thread: waits for the running jobs, which stop after the message
            # (drain) or batch (sweep) in hand.
            scheduler.shutdown(wait=True)
