"""Transport health, apart from message health: a circuit breaker for the outbox drain.

When the transport cannot be used at all (the SMTP server refuses connections, times out,
says 4xx on connect, refuses the login), no message is at fault: the drain hands its claims
back without spending an attempt and pauses, probing again after the outage policy's delay
(doubling, capped). The state lives in the `daemon_leases` row named `transport`, so every
daemon, `--once` run and `status` sees it, and it is logged once per change: when the transport
goes down (and since when), and when it is back (after how long).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ceop_workflow.engine.retry import RetryPolicy
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import DaemonLease

log = logging.getLogger(__name__)
TRANSPORT = "transport"


@dataclass(frozen=True)
class TransportHealth:
    """Down since `since` (None: up), after `failures` failed probes; next probe `retry_at`."""

    since: datetime | None = None
    failures: int = 0
    retry_at: datetime | None = None
    reason: str = ""

    @property
    def down(self) -> bool:
        """Whether the last use of the transport failed."""
        return self.since is not None

    def paused(self, now: datetime) -> bool:
        """Whether the drain should leave the transport alone at `now`."""
        return self.retry_at is not None and now < self.retry_at


def read(session: Session) -> TransportHealth:
    """The transport's health as last recorded (up if never recorded)."""
    row = session.get(DaemonLease, TRANSPORT)
    data = (row.last_sweep or {}) if row is not None else {}
    since = data.get("since")
    if not since:
        return TransportHealth()
    retry_at = data.get("retry_at")
    return TransportHealth(
        since=datetime.fromisoformat(since),
        failures=int(data.get("failures", 0)),
        retry_at=datetime.fromisoformat(retry_at) if retry_at else None,
        reason=str(data.get("reason", "")),
    )


def check(database: Database) -> TransportHealth:
    """`read` in a transaction of its own."""
    with database.reading() as session:
        return read(session)


def went_down(
    database: Database, worker: str, now: datetime, reason: str, policy: RetryPolicy
) -> TransportHealth:
    """Record a failed use of the transport; log it if it was up until now."""
    with database.unit_of_work() as session:
        before = read(session)
        failures = before.failures + 1
        health = TransportHealth(
            since=before.since or now,
            failures=failures,
            retry_at=now + policy.delay(failures),
            reason=reason,
        )
        _write(session, worker, now, health)
    if not before.down:
        log.warning(
            "outbox: transport down since %s: %s; pausing the drain, next try at %s "
            "(messages keep their attempts)",
            now.isoformat(),
            reason,
            health.retry_at.isoformat() if health.retry_at else "?",
        )
    else:
        log.debug("outbox: transport still down (%d tries): %s", failures, reason)
    return health


def came_back(database: Database, worker: str, now: datetime) -> None:
    """Record that the transport worked; log it if it was down."""
    with database.unit_of_work() as session:
        before = read(session)
        if not before.down:
            return
        _write(session, worker, now, TransportHealth())
    assert before.since is not None
    log.warning(
        "outbox: transport back at %s after %s down (%d failed tries)",
        now.isoformat(),
        now - before.since,
        before.failures,
    )


def _write(session: Session, worker: str, now: datetime, health: TransportHealth) -> None:
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        module.insert(DaemonLease)
        .values(name=TRANSPORT)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    row = session.get(DaemonLease, TRANSPORT, with_for_update=True)
    assert row is not None
    row.holder = worker
    row.last_sweep_at = now
    row.last_sweep = {
        "since": None if health.since is None else health.since.isoformat(),
        "failures": health.failures,
        "retry_at": None if health.retry_at is None else health.retry_at.isoformat(),
        "reason": health.reason,
    }
