"""The monthly report by email: to the Chief Executive Management Team, on the first working day.

Queued through the outbox with one dedupe key per month, so however many daemons run and
however often they look, the report for a month is sent once.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import select

from ceop_workflow.engine.cadence import first_working_day, local_instant
from ceop_workflow.notify.message import domain_of
from ceop_workflow.notify.outbox import enqueue
from ceop_workflow.notify.recipients import resolve
from ceop_workflow.reports.formatting import month_label
from ceop_workflow.reports.measures import MonthlyMeasures
from ceop_workflow.reports.periods import months_back
from ceop_workflow.service import Service
from ceop_workflow.store.models import OutboxMessage

SEND_AT = time(9, 0)


def report_context(m: MonthlyMeasures) -> dict[str, Any]:
    """The `monthly_report` template's context (see notifications/README.md)."""
    share = m.objectives.share
    attention = (
        [{"id": "", "partner": sign.subject, "reason": sign.detail} for sign in m.failure_signs]
        + [
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
    """On or after 09:00 of the month's first working day, queue last month's report once.

    Returns True when this call queued it; False before it is due or when it was queued already.
    """
    now = now or service.clock.now()
    tz = service.settings.tz
    today = now.astimezone(tz).date()
    first = first_working_day(today.year, today.month)
    if now < local_instant(first, SEND_AT, tz):
        return False
    month = months_back(today.replace(day=1), 2)[0]
    dedupe_key = f"monthly_report:{month:%Y-%m}"
    with service.db.reading() as session:
        # The daemon looks every hour: once queued, skip computing the month's figures again.
        if session.scalar(select(OutboxMessage.id).filter_by(dedupe_key=dedupe_key)) is not None:
            return False
    measures = service.measures(month)
    settings = service.settings
    with service.db.unit_of_work() as session:
        return enqueue(
            session,
            template="monthly_report",
            recipients=resolve(settings, ["cemt"], None),
            context={"period": month_label(month), "link": "", "report": report_context(measures)},
            dedupe_key=dedupe_key,
            now=now,
            domain=domain_of(settings.email.from_address),
        )
