"""The monthly report reaches the management team once, on the month's first working day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ceop_workflow.app.emails import queue_monthly_report
from ceop_workflow.store.models import OutboxMessage
from tests.support import Core

LONDON = ZoneInfo("Europe/London")


def london(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def test_queued_once_from_0900_on_the_first_working_day(build: Callable[..., Core]) -> None:
    # 1 September 2008 is a Monday; 1 June 2008 a Sunday, so June's first working day is the 2nd.
    core = build(now=london("2008-06-01T10:00"))
    assert queue_monthly_report(core.service) is False  # a Sunday: not yet
    core.clock.advance_to(london("2008-06-02T08:59"))
    assert queue_monthly_report(core.service) is False  # before 09:00
    core.clock.advance_to(london("2008-06-02T09:00"))
    assert queue_monthly_report(core.service) is True
    core.clock.advance_to(london("2008-06-17T15:00"))
    assert queue_monthly_report(core.service) is False  # queued already this month

    with core.database.reading() as session:
        rows = session.scalars(select(OutboxMessage).filter_by(template="monthly_report")).all()
        assert [r.dedupe_key for r in rows] == ["monthly_report:2008-05"]
        assert rows[0].recipients == list(core.settings.members("cemt"))
        context = rows[0].context
    assert context["period"] == "May 2008"
    assert context["report"]["share"] == "no reviews owed this month"  # an empty book
    assert context["report"]["target_share"] == "70%"
    assert context["report"]["funding_target"] == "£1,000,000"
    # The email links to the full report on the web.
    assert context["link"].endswith("/report/monthly?month=2008-05")
