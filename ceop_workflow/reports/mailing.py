"""The monthly report by email: to the Chief Executive Management Team, on the first working day.

Queued through the outbox with one dedupe key per month, so however many daemons run and
however often they look, the report for a month is sent once. After downtime, the reports of the
months missed since the last one queued are queued too (oldest first, marked late), up to a
year back; a database that never queued one starts with last month's.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select

from ceop_workflow.engine.cadence import first_working_day, local_instant
from ceop_workflow.notify.message import domain_of
from ceop_workflow.notify.outbox import enqueue
from ceop_workflow.notify.recipients import resolve
from ceop_workflow.reports.formatting import month_label
from ceop_workflow.reports.measures import MonthlyMeasures
from ceop_workflow.reports.periods import months_back, next_month
from ceop_workflow.service import Service
from ceop_workflow.store.models import OutboxMessage

SEND_AT = time(9, 0)
# How far back a catch-up after downtime goes.
MAX_MISSED_MONTHS = 12


def report_context(m: MonthlyMeasures) -> dict[str, Any]:
    """The `monthly_report` template's context (see notifications/README.md)."""
    share = m.objectives.share
    attention = (
        [
            {
                "id": "",
                "partner": o.partner,
                "reason": f"{o.kind} review {o.days_overdue} days overdue",
            }
            for o in m.reviews.overdue
        ]
        + [
            {"id": "", "partner": s.partner, "reason": f"no contact for {s.days_idle} days"}
            for s in m.stale_engagements
        ]
        + [
            {"id": "", "partner": e.partner, "reason": f"escalated since {e.since:%d %b %Y}"}
            for e in m.open_escalations
        ]
    )
    return {
        "partnerships_active": m.objectives.active,
        "new_partnerships": m.initiatives_with_new_partners,
        "share_meeting_objectives": None if share is None else float(share),
        "target_share": float(m.objectives.target),
        "funding_year_to_date_gbp": float(m.funding.year_to_date + m.funding.in_kind_year_to_date),
        "target_gbp": float(m.funding.target_per_year),
        "attention": attention,
    }


def queue_monthly_report(service: Service, now: datetime | None = None) -> bool:
    """On or after 09:00 of the month's first working day, queue last month's report once, and
    the reports of months missed since the last one queued, each once and marked `late`.

    Returns True when this call queued any; False before it is due or when all were queued.
    """
    now = now or service.clock.now()
    tz = service.settings.tz
    today = now.astimezone(tz).date()
    first = first_working_day(today.year, today.month)
    if now < local_instant(first, SEND_AT, tz):
        return False
    month = months_back(today.replace(day=1), 2)[0]
    with service.db.reading() as session:
        # The daemon looks every hour: once queued, skip computing the month's figures again.
        newest = session.scalar(
            select(OutboxMessage.dedupe_key)
            .where(OutboxMessage.dedupe_key.startswith(KEY_PREFIX, autoescape=True))
            .order_by(OutboxMessage.dedupe_key.desc())
            .limit(1)
        )
    done = date.fromisoformat(newest.removeprefix(KEY_PREFIX) + "-01") if newest else None
    if done is not None and done >= month:
        return False
    months = [m for m in months_back(month, MAX_MISSED_MONTHS) if done and m > done] or [month]
    return any([_queue(service, m, late=m != month, now=now) for m in months])


KEY_PREFIX = "monthly_report:"


def _queue(service: Service, month: date, *, late: bool, now: datetime) -> bool:
    measures = service.measures(month)
    settings = service.settings
    due = first_working_day(next_month(month).year, next_month(month).month)
    with service.db.unit_of_work() as session:
        return enqueue(
            session,
            template="monthly_report",
            recipients=resolve(settings, ["cemt"], None),
            context={
                "period": month_label(month),
                "link": "",
                "report": report_context(measures),
                # A catch-up after downtime: the template says it comes late, and when it was due.
                "late": late,
                "due_on": due.isoformat(),
            },
            dedupe_key=f"{KEY_PREFIX}{month:%Y-%m}",
            now=now,
            domain=domain_of(settings.email.from_address),
        )
