"""Use cases on emails: preview one message, look at and retry the outbox, queue the report.

Each runs in one transaction, like every use case; interfaces (CLI, daemon, demo) call these
and never open a session themselves. What a message says is the notify and reports packages'
business; this module only decides when and in which transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select

from ceop_workflow.app.service import Service
from ceop_workflow.engine.cadence import first_working_day, local_instant
from ceop_workflow.notify import outbox
from ceop_workflow.notify.message import domain_of
from ceop_workflow.notify.outbox import OutboxEntry, enqueue
from ceop_workflow.notify.preview import Preview, preview
from ceop_workflow.notify.recipients import resolve
from ceop_workflow.notify.render import RenderedMessage, TemplateRenderer
from ceop_workflow.reports.mailing import monthly_report_context
from ceop_workflow.reports.periods import months_back, next_month
from ceop_workflow.store.models import OutboxMessage, Partnership

# The monthly report leaves at 09:00 local time on the month's first working day.
SEND_AT = time(9, 0)


@dataclass(frozen=True)
class RenderedPreview:
    """A message as it would be sent now: its context and recipients, and the rendered parts."""

    preview: Preview
    message: RenderedMessage


def preview_message(
    service: Service, renderer: TemplateRenderer, template: str, partnership_id: int | None
) -> RenderedPreview:
    """Message `template` for a stored partnership as it would be sent now, in one read.

    The partnership's own workflow version decides which timer sends a reminder. `NotFound`
    for an unknown template or partnership; `BadInput` when a partnership is needed.
    """
    with service.db.reading() as session:
        definition = None
        p = None if partnership_id is None else session.get(Partnership, partnership_id)
        if p is not None:
            definition = service.catalog.machine(session, p.workflow, p.workflow_version).definition
        shown = preview(
            session,
            service.settings,
            renderer,
            definition,
            template,
            partnership_id,
            service.clock.now(),
        )
    return RenderedPreview(shown, renderer.render(template, shown.context))


def outbox_entries(
    service: Service, status: str | None = None, limit: int = 100, after_id: int = 0
) -> list[OutboxEntry]:
    """The newest `limit` outbox rows (all, or those with `status`, or newer than `after_id`)."""
    with service.db.reading() as session:
        return outbox.entries(session, status, limit, after_id)


def retry_dead_letter(service: Service, outbox_id: int) -> None:
    """Make dead letter `outbox_id` (or a message whose claim ran out) due now with a fresh
    count of attempts (`outbox retry ID`); `Refused` for one under a live claim."""
    with service.db.unit_of_work() as session:
        outbox.retry_dead_letter(session, outbox_id, service.clock.now())


def retry_dead_letters(
    service: Service,
    *,
    template: str | None = None,
    error_contains: str | None = None,
    since: datetime | None = None,
) -> int:
    """Make every dead letter matching the filters due now (`outbox retry --all-dead`); how many."""
    with service.db.unit_of_work() as session:
        return outbox.retry_dead_letters(
            session,
            service.clock.now(),
            template=template,
            error_contains=error_contains,
            since=since,
        )


# How far back the monthly report catches up after downtime.
MAX_MISSED_MONTHS = 12
REPORT_KEY = "monthly_report:"


def queue_monthly_report(service: Service, now: datetime | None = None) -> bool:
    """On or after 09:00 of the month's first working day, queue last month's report once, and
    the reports of months missed since the last one queued (after downtime), each once, oldest
    first, marked late; up to a year back. A database that never queued one starts with last
    month's.

    Queued through the outbox with one dedupe key per month, so however many daemons run and
    however often they look, the report for a month is sent once. Returns True when this call
    queued any; False before it is due or when all were queued already.
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
            .where(OutboxMessage.dedupe_key.startswith(REPORT_KEY, autoescape=True))
            .order_by(OutboxMessage.dedupe_key.desc())
            .limit(1)
        )
    done = date.fromisoformat(newest.removeprefix(REPORT_KEY) + "-01") if newest else None
    if done is not None and done >= month:
        return False
    months = [m for m in months_back(month, MAX_MISSED_MONTHS) if done and m > done] or [month]
    return any([_queue_report(service, m, late=m != month, now=now) for m in months])


def _queue_report(service: Service, month: date, *, late: bool, now: datetime) -> bool:
    measures = service.measures(month)
    settings = service.settings
    due = next_month(month)
    with service.db.unit_of_work() as session:
        return enqueue(
            session,
            template="monthly_report",
            recipients=resolve(settings, ["cemt"], None),
            context=monthly_report_context(settings, month, measures)
            | {
                # A catch-up after downtime: the template says it comes late, and when it was due.
                "late": late,
                "due_on": first_working_day(due.year, due.month).isoformat(),
            },
            dedupe_key=f"{REPORT_KEY}{month:%Y-%m}",
            now=now,
            domain=domain_of(settings.email.from_address),
        )
