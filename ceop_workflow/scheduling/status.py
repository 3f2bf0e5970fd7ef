"""What `ceop-workflow status` reports: the last sweep, duties waiting, overdue reviews, outbox.

Every count comes from an indexed query, so status stays quick on a large book.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ceop_workflow.catalog import newest_versions
from ceop_workflow.notify import outbox
from ceop_workflow.scheduling import rows
from ceop_workflow.scheduling.alerts import LIVE
from ceop_workflow.scheduling.lease import DAEMON_LEASE, LAST_SWEEP, WORKFLOWS, lease_rows
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import Alert, OutboxMessage, Timer
from ceop_workflow.views import iso

OVERDUE_SUFFIX = "_overdue"


def status(database: Database, now: datetime, interval_seconds: int) -> dict[str, Any]:
    """A JSON-ready picture of the daemon's work at `now`.

    A duty is `late` when it has waited for a sweep more than two sweep intervals: the sign
    of a daemon that is down or cannot keep up.
    """
    with database.reading() as session:
        return {
            "now": iso(now),
            **_daemon(session),
            "duties": _duties(session, now, timedelta(seconds=2 * interval_seconds)),
            "reviews_overdue": _alerts(session, overdue=True),
            "alerts_open": _alerts(session, overdue=False),
            "outbox": _outbox(session),
        }


def _daemon(session: Session) -> dict[str, Any]:
    found = lease_rows(session)
    sweep, lease = found.get(LAST_SWEEP), found.get(DAEMON_LEASE)
    workflows = found.get(WORKFLOWS)
    return {
        "last_sweep": None
        if sweep is None or sweep.last_sweep_at is None
        else {"at": iso(sweep.last_sweep_at), **(sweep.last_sweep or {})},
        "lease": None
        if lease is None or lease.holder is None
        else {"holder": lease.holder, "expires_at": iso(lease.expires_at)},
        # What the daemon's last look at the workflows folder found (scheduling.reload), and
        # the versions new partnerships start on now.
        "workflows": None
        if workflows is None
        else {**(workflows.last_sweep or {}), "running": newest_versions(session)},
    }


def _duties(session: Session, now: datetime, late_after: timedelta) -> dict[str, Any]:
    pending = Timer.status == rows.PENDING
    due, oldest = session.execute(
        select(func.count(), func.min(Timer.due_at)).where(pending, Timer.due_at <= now)
    ).one()
    late = session.scalar(select(func.count()).where(pending, Timer.due_at <= now - late_after))
    upcoming = session.scalar(select(func.min(Timer.due_at)).where(pending, Timer.due_at > now))
    failed = session.scalar(select(func.count()).where(Timer.status == rows.FAILED))
    return {
        "due": int(due),
        "late": int(late or 0),
        "oldest_due": iso(oldest),
        "next_due": iso(upcoming),
        "failed": int(failed or 0),
    }


def _alerts(session: Session, overdue: bool) -> dict[str, Any]:
    is_overdue = Alert.kind.endswith(OVERDUE_SUFFIX, autoescape=True)
    count, oldest = session.execute(
        select(func.count(), func.min(Alert.opened_at)).where(
            Alert.status.in_(LIVE), is_overdue if overdue else ~is_overdue
        )
    ).one()
    return {"count": int(count), "oldest_since": iso(oldest)}


def _outbox(session: Session) -> dict[str, Any]:
    counts = outbox.counts(session)
    oldest = session.scalar(
        select(func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status.in_([outbox.PENDING, outbox.SENDING])
        )
    )
    return {
        "depth": counts.pending + counts.sending,
        "retrying": counts.retrying,
        "oldest_waiting": iso(oldest),
        "sent": counts.sent,
        "dead_letters": counts.dead,
    }


def describe(report: dict[str, Any]) -> str:
    """The status for people, a line per topic."""
    sweep = report["last_sweep"]
    duties, mail = report["duties"], report["outbox"]
    overdue, alerts = report["reviews_overdue"], report["alerts_open"]
    lines = [
        "last sweep:      "
        + (
            "never"
            if sweep is None
            else f"{sweep['at']} by {sweep.get('worker', '?')}: {sweep.get('done', 0)} done, "
            f"{sweep.get('failed', 0)} failed in {sweep.get('seconds', 0)} s"
        ),
        f"duties due:      {duties['due']} (late: {duties['late']}, oldest due "
        f"{duties['oldest_due'] or '-'}; next {duties['next_due'] or '-'})",
        f"duties failed:   {duties['failed']}",
        f"reviews overdue: {overdue['count']} (oldest since {overdue['oldest_since'] or '-'})",
        f"alerts open:     {alerts['count']} (oldest since {alerts['oldest_since'] or '-'})",
        f"outbox:          {mail['depth']} waiting (oldest {mail['oldest_waiting'] or '-'}, "
        f"{mail['retrying']} after a failure), {mail['dead_letters']} dead letters",
    ]
    if report["lease"] is not None:
        lease = report["lease"]
        lines.insert(1, f"daemon lease:    {lease['holder']} until {lease['expires_at']}")
    if report.get("workflows"):
        lines += _workflows_lines(report["workflows"])
    return "\n".join(lines)


def _workflows_lines(found: dict[str, Any]) -> list[str]:
    running = ", ".join(f"{n} v{v}" for n, v in found.get("running", {}).items()) or "nothing"
    checked = f"checked {found.get('checked_at')} by {found.get('worker', '?')}"
    problems = found.get("problems") or []
    if not problems:
        return [f"workflows:       ok, running {running} ({checked})"]
    return [
        f"workflows:       NOT LOADED, {len(problems)} problem(s) in {found.get('folder')}; "
        f"still running {running} ({checked})",
        *(f"  {problem}" for problem in problems),
    ]


@dataclass(frozen=True)
class PendingDuty:
    """A duty row waiting for the daemon: which timer, what kind of row, when it falls due."""

    name: str
    kind: str
    due_at: datetime


def pending_duties(database: Database, partnership_id: int) -> list[PendingDuty]:
    """The partnership's pending duties, soonest first."""
    with database.reading() as session:
        found = session.execute(
            select(Timer.name, Timer.kind, Timer.due_at)
            .where(Timer.partnership_id == partnership_id, Timer.status == rows.PENDING)
            .order_by(Timer.due_at, Timer.id)
        ).all()
    return [PendingDuty(name, kind, due_at) for name, kind, due_at in found]


def next_sweep_due(database: Database, until: datetime) -> datetime | None:
    """The first moment up to `until` at which a sweep would find a duty to claim, if any.

    A duty held by a claim (or backing off after a failure) is claimable when the claim ends.
    """
    with database.reading() as session:
        found = session.execute(
            select(Timer.due_at, Timer.claimed_until).where(
                Timer.status == rows.PENDING, Timer.due_at <= until
            )
        ).all()
    return min((max(due, claim or due) for due, claim in found), default=None)
