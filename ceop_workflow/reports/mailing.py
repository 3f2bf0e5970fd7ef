"""The monthly report by email: what the `monthly_report` message says.

When it is queued (the first working day, once per month) is a use case:
`ceop_workflow.emails.queue_monthly_report`.
"""

from __future__ import annotations

from typing import Any

from ceop_workflow.reports.measures import MonthlyMeasures


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
