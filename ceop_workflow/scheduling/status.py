"""What `ceop-workflow status` reports: the last sweep, duties waiting, overdue reviews, outbox.

Every count comes from an indexed query, so status stays quick on a large book.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ceop_workflow.app.catalog import newest_versions
from ceop_workflow.app.views import iso
from ceop_workflow.notify import health, outbox
from ceop_workflow.scheduling import rows
from ceop_workflow.scheduling.alerts import LIVE
from ceop_workflow.scheduling.lease import DAEMON_LEASE, LAST_SWEEP, WORKFLOWS, lease_rows
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import Alert, OutboxMessage, Timer

OVERDUE_SUFFIX = "_overdue"


@dataclass(frozen=True, slots=True)
class LeaseView:
    """Who holds the daemon's lease, and until when."""

    holder: str
    expires_at: str | None


@dataclass(frozen=True, slots=True)
class DutyCounts:
    """Duty rows due now, late (waited over two sweep intervals), failed, and the next one."""

    due: int
    late: int
    oldest_due: str | None
    next_due: str | None
    failed: int


@dataclass(frozen=True, slots=True)
class AlertCounts:
    """Open alerts of one sort, and the oldest one's start."""

    count: int
    oldest_since: str | None


@dataclass(frozen=True, slots=True)
class Claim:
    """Outbox rows claimed by one worker, and until when the latest claim runs."""

    worker: str | None
    count: int
    until: str | None


@dataclass(frozen=True, slots=True)
class OutboxStatus:
    """The outbox: waiting, retrying, sent, dead letters, and who is sending now."""

    depth: int
    retrying: int
    oldest_waiting: str | None
    sent: int
    dead_letters: int
    sending: tuple[Claim, ...]
    now: str | None


@dataclass(frozen=True, slots=True)
class TransportDown:
    """The mail transport while it is down: since when, failed probes, the next probe."""

    down_since: str | None
    failures: int
    next_try: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class DaemonStatus:
    """A picture of the daemon's work at `now`.

    `last_sweep` and `workflows` are the documents the daemon stored about its last sweep and
    its last look at the workflows folder (`at` and `running` added).
    """

    now: str | None
    last_sweep: dict[str, Any] | None
    lease: LeaseView | None
    workflows: dict[str, Any] | None
    duties: DutyCounts
    reviews_overdue: AlertCounts
    alerts_open: AlertCounts
    outbox: OutboxStatus
    transport: TransportDown | None


def status(database: Database, now: datetime, interval_seconds: int) -> DaemonStatus:
    """The daemon's work at `now`.

    A duty is `late` when it has waited for a sweep more than two sweep intervals: the sign
    of a daemon that is down or cannot keep up.
    """
    with database.reading() as session:
        found = lease_rows(session)
        sweep, lease = found.get(LAST_SWEEP), found.get(DAEMON_LEASE)
        workflows = found.get(WORKFLOWS)
        return DaemonStatus(
            now=iso(now),
            last_sweep=None
            if sweep is None or sweep.last_sweep_at is None
            else {"at": iso(sweep.last_sweep_at), **(sweep.last_sweep or {})},
            lease=None
            if lease is None or lease.holder is None
            else LeaseView(holder=lease.holder, expires_at=iso(lease.expires_at)),
            # What the daemon's last look at the workflows folder found (scheduling.reload),
            # and the versions new partnerships start on now.
            workflows=None
            if workflows is None
            else {**(workflows.last_sweep or {}), "running": newest_versions(session)},
            duties=_duties(session, now, timedelta(seconds=2 * interval_seconds)),
            reviews_overdue=_alerts(session, overdue=True),
            alerts_open=_alerts(session, overdue=False),
            outbox=_outbox(session, now),
            transport=_transport(session),
        )


def _duties(session: Session, now: datetime, late_after: timedelta) -> DutyCounts:
    pending = Timer.status == rows.PENDING
    due, oldest = session.execute(
        select(func.count(), func.min(Timer.due_at)).where(pending, Timer.due_at <= now)
    ).one()
    late = session.scalar(select(func.count()).where(pending, Timer.due_at <= now - late_after))
    upcoming = session.scalar(select(func.min(Timer.due_at)).where(pending, Timer.due_at > now))
    failed = session.scalar(select(func.count()).where(Timer.status == rows.FAILED))
    return DutyCounts(
        due=int(due),
        late=int(late or 0),
        oldest_due=iso(oldest),
        next_due=iso(upcoming),
        failed=int(failed or 0),
    )


def _alerts(session: Session, overdue: bool) -> AlertCounts:
    is_overdue = Alert.kind.endswith(OVERDUE_SUFFIX, autoescape=True)
    count, oldest = session.execute(
        select(func.count(), func.min(Alert.opened_at)).where(
            Alert.status.in_(LIVE), is_overdue if overdue else ~is_overdue
        )
    ).one()
    return AlertCounts(count=int(count), oldest_since=iso(oldest))


def _outbox(session: Session, now: datetime) -> OutboxStatus:
    counts = outbox.counts(session)
    oldest = session.scalar(
        select(func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status.in_([outbox.PENDING, outbox.SENDING])
        )
    )
    return OutboxStatus(
        depth=counts.pending + counts.sending,
        retrying=counts.retrying,
        oldest_waiting=iso(oldest),
        sent=counts.sent,
        dead_letters=counts.dead,
        # Claimed rows, by whom and until when: a live claim is being sent; one whose claim ran
        # out was left by a drainer that stopped, and goes again at the next drain.
        sending=tuple(
            Claim(worker=worker, count=int(number), until=iso(until))
            for worker, number, until in session.execute(
                select(
                    OutboxMessage.claimed_by,
                    func.count(),
                    func.max(OutboxMessage.claimed_until),
                )
                .where(OutboxMessage.status == outbox.SENDING)
                .group_by(OutboxMessage.claimed_by)
                .order_by(OutboxMessage.claimed_by)
            )
        ),
        now=iso(now),
    )


def _transport(session: Session) -> TransportDown | None:
    state = health.read(session)
    if not state.down:
        return None
    return TransportDown(
        down_since=iso(state.since),
        failures=state.failures,
        next_try=iso(state.retry_at),
        reason=state.reason,
    )


def describe(report: DaemonStatus) -> str:
    """The status for people, a line per topic."""
    sweep = report.last_sweep
    duties, mail = report.duties, report.outbox
    overdue, alerts = report.reviews_overdue, report.alerts_open
    lines = [
        "last sweep:      "
        + (
            "never"
            if sweep is None
            else f"{sweep['at']} by {sweep.get('worker', '?')}: {sweep.get('done', 0)} done, "
            f"{sweep.get('failed', 0)} failed in {sweep.get('seconds', 0)} s"
            + (" (unfinished: still running, or stopped mid-sweep)" if sweep.get("running") else "")
        ),
        f"duties due:      {duties.due} (late: {duties.late}, oldest due "
        f"{duties.oldest_due or '-'}; next {duties.next_due or '-'})",
        f"duties failed:   {duties.failed}",
        f"reviews overdue: {overdue.count} (oldest since {overdue.oldest_since or '-'})",
        f"alerts open:     {alerts.count} (oldest since {alerts.oldest_since or '-'})",
        f"outbox:          {mail.depth} waiting (oldest {mail.oldest_waiting or '-'}, "
        f"{mail.retrying} after a failure), {mail.dead_letters} dead letters",
    ]
    lines += _sending_lines(mail)
    if report.transport:
        down = report.transport
        lines.append(
            f"transport:       DOWN since {down.down_since} ({down.failures} failed tries; "
            f"next try {down.next_try}): {down.reason}"
        )
    if report.lease is not None:
        lease = report.lease
        lines.insert(1, f"daemon lease:    {lease.holder} until {lease.expires_at}")
    if report.workflows:
        lines += _workflows_lines(report.workflows)
    return "\n".join(lines)


def _sending_lines(mail: OutboxStatus) -> list[str]:
    lines = []
    for claim in mail.sending:
        expired = claim.until is not None and mail.now is not None and claim.until <= mail.now
        lines.append(
            f"  {claim.count} of them claimed by {claim.worker or '?'} "
            + (
                f"until {claim.until}, ran out: sent again at the next drain"
                if expired
                else f"being sent (claim until {claim.until})"
            )
        )
    return lines


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
