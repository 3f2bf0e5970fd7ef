"""Rows of `daemon_leases`: the SQLite daemon's lease, what the last sweep did, and what the
last look at the workflows folder found.

On SQLite only one daemon works at a time (one writer anyway): it holds the `daemon` lease and
renews it each sweep; another waits until it is released or expires. On PostgreSQL daemons
share work through claims instead and take no lease.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ceop_workflow.store.db import Database
from ceop_workflow.store.models import DaemonLease

DAEMON_LEASE = "daemon"
LAST_SWEEP = "sweep"
WORKFLOWS = "workflows"


@dataclass(frozen=True)
class LeaseState:
    """Whether this daemon holds the lease, and who does if not."""

    held: bool
    holder: str | None
    expires_at: datetime | None


def needs_lease(database: Database) -> bool:
    """Whether daemons on this database run one at a time (SQLite) or share work (PostgreSQL)."""
    return database.dialect == "sqlite"


def _row(session: Session, name: str) -> DaemonLease:
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        module.insert(DaemonLease).values(name=name).on_conflict_do_nothing(index_elements=["name"])
    )
    row = session.get(DaemonLease, name, with_for_update=True)
    assert row is not None
    return row


def acquire(database: Database, worker: str, now: datetime, seconds: int) -> LeaseState:
    """Take or renew the lease for `seconds`; it is free when released, expired or ours."""
    with database.unit_of_work() as session:
        row = _row(session, DAEMON_LEASE)
        free = row.holder in (None, worker) or row.expires_at is None or row.expires_at <= now
        if not free:
            return LeaseState(False, row.holder, row.expires_at)
        row.holder = worker
        row.expires_at = now + timedelta(seconds=seconds)
        return LeaseState(True, worker, row.expires_at)


def release(database: Database, worker: str) -> None:
    """Give the lease up at a clean stop, so the next daemon need not wait for it to expire."""
    with database.unit_of_work() as session:
        row = session.get(DaemonLease, DAEMON_LEASE, with_for_update=True)
        if row is not None and row.holder == worker:
            row.holder = None
            row.expires_at = None


def record_sweep(database: Database, now: datetime, summary: dict[str, Any]) -> None:
    """Remember the latest sweep (by any daemon) for `status`."""
    _record(database, LAST_SWEEP, now, summary)


def record_workflows(database: Database, now: datetime, summary: dict[str, Any]) -> None:
    """Remember the latest look at the workflows folder (by any daemon) for `status`."""
    _record(database, WORKFLOWS, now, summary)


def _record(database: Database, name: str, now: datetime, summary: dict[str, Any]) -> None:
    with database.unit_of_work() as session:
        row = _row(session, name)
        row.holder = str(summary.get("worker", ""))
        row.last_sweep_at = now
        row.last_sweep = summary


def lease_rows(session: Session) -> dict[str, DaemonLease]:
    """The rows by name, for `status`."""
    return {
        name: row
        for name in (DAEMON_LEASE, LAST_SWEEP, WORKFLOWS)
        if (row := session.get(DaemonLease, name)) is not None
    }
