"""The monthly report by email: what the `monthly_report` message says.

When it is queued (the first working day, once per month) is a use case:
`ceop_workflow.app.emails.queue_monthly_report`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ceop_workflow.app.links import link_for, report_link
from ceop_workflow.config import Settings
from ceop_workflow.reports import formatting as fmt
from ceop_workflow.reports.formatting import month_label
from ceop_workflow.reports.measures import OBJECTIVES_DEFINITION, MonthlyMeasures


def report_context(m: MonthlyMeasures, settings: Settings) -> dict[str, Any]:
    """The `monthly_report` template's `report` (see notifications/README.md): the headline
    figures written exactly as the full report writes them (same formatting functions, from
    the same `MonthlyMeasures`), and every item needing attention named and linked."""
    o, f = m.objectives, m.funding

    def link(partnership_id: int | None) -> str:
        return "" if partnership_id is None else link_for(settings, partnership_id)

    def item(partnership_id: int | None, partner: str, reason: str) -> dict[str, Any]:
        return {
            "id": partnership_id or "",
            "partner": partner,
            "reason": reason,
            "link": link(partnership_id),
        }

    attention = (
        [item(None, sign.subject, sign.detail) for sign in m.failure_signs]
        + [
            item(
                r.partnership_id,
                r.partner,
                f"{r.kind.value} review due {fmt.day_label(r.due_on)},"
                f" {r.days_overdue} days overdue",
            )
            for r in m.reviews.overdue
        ]
        + [
            item(s.partnership_id, s.partner, f"no contact for {s.days_idle} days")
            for s in m.stale_engagements
        ]
        + [
            item(e.partnership_id, e.partner, f"escalated since {fmt.day_label(e.since)}")
            for e in m.open_escalations
        ]
        + [
            item(w.partnership_id, w.name, f"lead waiting {w.days_waiting} days")
            for w in m.leads_waiting
        ]
    )
    verdict = {None: "", True: "on target", False: "below target"}[o.on_target]
    return {
        "share": fmt.percent(o.share),
        "target_share": fmt.percent(o.target),
        "verdict": verdict,
        "share_detail": fmt.share_detail(o.met, o.not_met, len(o.not_reviewed)),
        "not_reviewed": [
            {"partner": n.partner, "link": link(n.partnership_id)} for n in o.not_reviewed
        ],
        "definition": OBJECTIVES_DEFINITION,
        "financial_year": m.financial_year,
        "funding_year_to_date": fmt.money_whole(f.year_to_date),
        "funding_in_kind_year_to_date": fmt.money_whole(f.in_kind_year_to_date),
        "funding_on_track_to_date": fmt.money_whole(f.on_track_to_date),
        "funding_target": fmt.money_whole(f.target_per_year),
        "funding_verdict": "on track" if f.on_target else "behind",
        "initiatives_with_existing_partners": m.initiatives_with_existing_partners,
        "initiatives_with_new_partners": m.initiatives_with_new_partners,
        "attention_count": m.attention_count,
        "attention": attention,
    }


def monthly_report_context(
    settings: Settings, month: date, measures: MonthlyMeasures
) -> dict[str, Any]:
    """The whole context of the `monthly_report` email: period, link to the full report on
    the web, and the figures of `report_context`."""
    return {
        "period": month_label(month),
        "link": report_link(settings, month),
        "report": report_context(measures, settings),
    }
