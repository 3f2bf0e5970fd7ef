"""`/healthz` and `/metrics`: is the service alive, and what the daemon is doing, for monitors.

Both read the same figures as `ceop-workflow status` (scheduling.status) at the moment they are
asked, from the database, so any number of web processes report the same thing and a restart
loses no counter: firings per trigger are counted from the append-only audit trail.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text

from ceop_workflow.errors import StorageError
from ceop_workflow.scheduling.status import status
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import AuditEntry

PREFIX = "ceop_workflow"
STALE_AFTER_INTERVALS = 3
"""The daemon counts as down when its last sweep is older than this many sweep intervals."""


def _age(now: datetime, iso: str | None) -> float | None:
    if iso is None:
        return None
    return round((now - datetime.fromisoformat(iso)).total_seconds(), 3)


def health(database: Database, now: datetime, interval_seconds: int) -> tuple[bool, dict[str, Any]]:
    """(healthy, details): the database answers and the daemon swept lately.

    Dead letters are reported but do not make the service unhealthy: they need a person, not
    a restart.
    """
    try:
        with database.reading() as session:
            session.execute(text("SELECT 1"))
        report = status(database, now, interval_seconds)
    except StorageError as exc:
        return False, {"status": "down", "database": {"ok": False, "error": exc.message}}
    sweep = report.last_sweep
    age = _age(now, sweep["at"]) if sweep else None
    limit = STALE_AFTER_INTERVALS * interval_seconds
    daemon_ok = age is not None and age <= limit
    details = {
        "status": "ok" if daemon_ok else "daemon_down",
        "database": {"ok": True},
        "daemon": {
            "ok": daemon_ok,
            "last_sweep_at": sweep["at"] if sweep else None,
            "heartbeat_age_seconds": age,
            "stale_after_seconds": limit,
        },
        "outbox": {
            "depth": report.outbox.depth,
            "dead_letters": report.outbox.dead_letters,
        },
    }
    return daemon_ok, details


class BookCollector(Collector):
    """Reads the figures from the database at each scrape."""

    def __init__(self, database: Database, now: datetime, interval_seconds: int) -> None:
        self.database = database
        self.now = now
        self.interval_seconds = interval_seconds

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        report = status(self.database, self.now, self.interval_seconds)
        duties, mail = report.duties, report.outbox
        yield _gauge("duties_due", "Duties due now and waiting for a sweep.", duties.due)
        yield _gauge("duties_late", "Duties waiting more than two sweep intervals.", duties.late)
        yield _gauge("duties_failed", "Duties set aside as failed.", duties.failed)
        yield _gauge(
            "reviews_overdue", "Reviews overdue (open alerts).", report.reviews_overdue.count
        )
        yield _gauge("outbox_depth", "Emails waiting to be sent.", mail.depth)
        yield _gauge("outbox_dead_letters", "Emails given up on after retries.", mail.dead_letters)
        sweep = report.last_sweep
        if sweep is not None:
            yield _gauge(
                "sweep_duration_seconds", "How long the last sweep took.", sweep.get("seconds", 0)
            )
            yield _gauge(
                "daemon_heartbeat_age_seconds",
                "Seconds since the daemon's last sweep.",
                _age(self.now, sweep["at"]) or 0,
            )
        firings = CounterMetricFamily(
            f"{PREFIX}_firings",
            "Transitions fired, by trigger (the audit trail).",
            labels=["trigger"],
        )
        for trigger, count in self._firings():
            firings.add_metric([trigger], count)
        yield firings

    def _firings(self) -> list[tuple[str, int]]:
        with self.database.reading() as session:
            rows = session.execute(
                select(AuditEntry.trigger, func.count())
                .group_by(AuditEntry.trigger)
                .order_by(AuditEntry.trigger)
            ).all()
        return [(str(trigger), int(count)) for trigger, count in rows]


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"{PREFIX}_{name}", documentation, value=value)


def metrics(database: Database, now: datetime, interval_seconds: int) -> bytes:
    """The Prometheus text exposition of the figures at `now`."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(BookCollector(database, now, interval_seconds))
    return generate_latest(registry)
