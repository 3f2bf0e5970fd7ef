"""Render one month's measures as JSON, CSV, plain text or one self-contained HTML page.

JSON and CSV are for machines and spreadsheets and keep exact values (money as strings of
pounds and pence). Text and HTML are for people: the Chief Executive Management Team reads the
HTML page, which needs nothing from the network (inline CSS and SVG, no scripts, no fonts).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from ceop_workflow.reports import charts
from ceop_workflow.reports import formatting as fmt
from ceop_workflow.reports.measures import OBJECTIVES_DEFINITION, MonthlyMeasures
from ceop_workflow.reports.text import render_text

__all__ = [
    "JSON_SCHEMA",
    "measures_to_dict",
    "render_csv",
    "render_html",
    "render_json",
    "render_text",
]

JSON_SCHEMA = "ceop-workflow/monthly-measures/2"
_SHARE_PLACES = 4
# Only ever inside JSON strings (they cannot occur elsewhere in JSON), so escaping is lossless.
_HTML_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def _share(value: Fraction | None) -> str | None:
    return None if value is None else f"{fmt.fraction_to_decimal(value, _SHARE_PLACES):f}"


def measures_to_dict(measures: MonthlyMeasures) -> dict[str, Any]:
    """The measures as plain JSON-ready data; the shape is stable and versioned by "schema".

    Dates are ISO strings ("2007-11-01"); money is a string of pounds with two decimals
    ("609950.50", GBP); shares are strings with four decimals ("0.7368") or null when there
    were no reviews; enumerations are their lower-case values ("partner", "industry").
    Top-level keys: schema, month, as_of, financial_year, objectives {met, not_met,
    reviewed, owed, not_reviewed [partner, keyworker, partnership_id], share (met / owed),
    target, on_target, definition}, funding {currency, year_to_date, in_month, in_kind_year_to_date,
    in_kind_in_month, target_per_year, months_elapsed, on_track_to_date, on_target,
    target_exceeded}, initiatives {with_existing_partners, with_new_partners, items [partner,
    title, started, new_partner]}, feedback [partner, received, summary], by_tier [tier, kind,
    label, count], by_state [state, count], tier_movements [partner, from_tier, to_tier, on,
    direction], reviews {due, done, overdue_count, overdue [partner, kind, due_on,
    days_overdue, keyworker, partnership_id]}, stale_engagements [partner, tier, keyworker,
    last_contact, days_idle, limit_days, partnership_id], open_escalations [partner, since,
    reason, owner, partnership_id], leads_waiting [name, since, days_waiting, referred_by,
    partnership_id], targets [key, title, objective, partnerships, initiatives, served],
    failure_signs [kind, subject, detail], trend [month, met, owed, share, funding_in_month].
    New keys may be added within a schema version; none change meaning. Version 2: the share's
    denominator is every partnership that owed a monthly review (version 1 divided by those
    reviewed).
    """
    m, objectives, funding, reviews = (
        measures,
        measures.objectives,
        measures.funding,
        measures.reviews,
    )
    return {
        "schema": JSON_SCHEMA,
        "month": m.month.isoformat(),
        "as_of": m.as_of.isoformat(),
        "financial_year": m.financial_year,
        "objectives": {
            "met": objectives.met,
            "not_met": objectives.not_met,
            "reviewed": objectives.reviewed,
            "owed": objectives.owed,
            "not_reviewed": [
                {"partner": n.partner, "keyworker": n.keyworker, "partnership_id": n.partnership_id}
                for n in objectives.not_reviewed
            ],
            "share": _share(objectives.share),
            "target": _share(objectives.target),
            "on_target": objectives.on_target,
            "definition": OBJECTIVES_DEFINITION,
        },
        "funding": {
            "currency": "GBP",
            "year_to_date": fmt.money_plain(funding.year_to_date),
            "in_month": fmt.money_plain(funding.in_month),
            "in_kind_year_to_date": fmt.money_plain(funding.in_kind_year_to_date),
            "in_kind_in_month": fmt.money_plain(funding.in_kind_in_month),
            "target_per_year": fmt.money_plain(funding.target_per_year),
            "months_elapsed": funding.months_elapsed,
            "on_track_to_date": fmt.money_plain(funding.on_track_to_date),
            "on_target": funding.on_target,
            "target_exceeded": funding.target_exceeded,
        },
        "initiatives": {
            "with_existing_partners": m.initiatives_with_existing_partners,
            "with_new_partners": m.initiatives_with_new_partners,
            "items": [
                {
                    "partner": i.partner,
                    "title": i.title,
                    "started": i.started.isoformat(),
                    "new_partner": i.new_partner,
                }
                for i in m.initiatives
            ],
        },
        "feedback": [
            {"partner": f.partner, "received": f.received.isoformat(), "summary": f.summary}
            for f in m.feedback
        ],
        "by_tier": [
            {
                "tier": t.tier.value,
                "kind": None if t.kind is None else t.kind.value,
                "label": t.label,
                "count": t.count,
            }
            for t in m.by_tier
        ],
        "by_state": [{"state": s.state, "count": s.count} for s in m.by_state],
        "tier_movements": [
            {
                "partner": t.partner,
                "from_tier": t.from_tier.value,
                "to_tier": t.to_tier.value,
                "on": t.on.isoformat(),
                "direction": t.direction,
            }
            for t in m.tier_movements
        ],
        "reviews": {
            "due": reviews.due,
            "done": reviews.done,
            "overdue_count": reviews.overdue_count,
            "overdue": [
                {
                    "partner": r.partner,
                    "kind": r.kind.value,
                    "due_on": r.due_on.isoformat(),
                    "days_overdue": r.days_overdue,
                    "keyworker": r.keyworker,
                    "partnership_id": r.partnership_id,
                }
                for r in reviews.overdue
            ],
        },
        "stale_engagements": [
            {
                "partner": s.partner,
                "tier": s.tier.value,
                "keyworker": s.keyworker,
                "last_contact": None if s.last_contact is None else s.last_contact.isoformat(),
                "days_idle": s.days_idle,
                "limit_days": s.limit_days,
                "partnership_id": s.partnership_id,
            }
            for s in m.stale_engagements
        ],
        "open_escalations": [
            {
                "partner": e.partner,
                "since": e.since.isoformat(),
                "reason": e.reason,
                "owner": e.owner,
                "partnership_id": e.partnership_id,
            }
            for e in m.open_escalations
        ],
        "leads_waiting": [
            {
                "name": w.name,
                "since": w.since.isoformat(),
                "days_waiting": w.days_waiting,
                "referred_by": w.referred_by,
                "partnership_id": w.partnership_id,
            }
            for w in m.leads_waiting
        ],
        "targets": [
            {
                "key": t.key,
                "title": t.title,
                "objective": t.objective,
                "partnerships": list(t.partnerships),
                "initiatives": list(t.initiatives),
                "served": t.served,
            }
            for t in m.targets
        ],
        "failure_signs": [
            {"kind": f.kind, "subject": f.subject, "detail": f.detail} for f in m.failure_signs
        ],
        "trend": [
            {
                "month": p.month.isoformat(),
                "met": p.met,
                "owed": p.owed,
                "share": _share(p.share),
                "funding_in_month": fmt.money_plain(p.funding_in_month),
            }
            for p in m.trend
        ],
    }


def share_detail(m: MonthlyMeasures) -> str:
    """The KPI's parts in words, as every rendering (report, email, web) gives them."""
    o = m.objectives
    return fmt.share_detail(o.met, o.not_met, len(o.not_reviewed))


def render_json(measures: MonthlyMeasures) -> str:
    """`measures_to_dict` as indented JSON with a final newline (see it for the keys).

    `<`, `>` and `&` are written as \\u escapes: the same strings to any JSON reader, but
    harmless if someone pastes the JSON into an HTML page.
    """
    text = json.dumps(measures_to_dict(measures), indent=2, ensure_ascii=False)
    return text.translate(_HTML_SAFE) + "\n"


def _csv_rows(m: MonthlyMeasures) -> Iterator[tuple[str, str, str]]:
    money = fmt.money_plain
    yield "month", m.month.isoformat(), ""
    yield "as_of", m.as_of.isoformat(), ""
    yield "financial_year", m.financial_year, ""
    yield "objectives_share", _share(m.objectives.share) or "", _share(m.objectives.target) or ""
    yield "objectives_met", str(m.objectives.met), ""
    yield "objectives_not_met", str(m.objectives.not_met), ""
    yield "objectives_not_reviewed", str(len(m.objectives.not_reviewed)), ""
    yield "objectives_owed", str(m.objectives.owed), ""
    yield (
        "funding_year_to_date_gbp",
        money(m.funding.year_to_date),
        money(m.funding.target_per_year),
    )
    yield "funding_on_track_to_date_gbp", money(m.funding.on_track_to_date), ""
    yield "funding_in_month_gbp", money(m.funding.in_month), ""
    yield "in_kind_year_to_date_gbp", money(m.funding.in_kind_year_to_date), ""
    yield "in_kind_in_month_gbp", money(m.funding.in_kind_in_month), ""
    yield "initiatives_with_existing_partners", str(m.initiatives_with_existing_partners), ""
    yield "initiatives_with_new_partners", str(m.initiatives_with_new_partners), ""
    yield "feedback_items", str(len(m.feedback)), ""
    for t in m.by_tier:
        key = t.tier.value if t.kind is None else f"{t.tier.value}_{t.kind.value}"
        yield f"tier_{key}", str(t.count), ""
    for s in m.by_state:
        yield f"state_{s.state}", str(s.count), ""
    moves = [t.direction for t in m.tier_movements]
    yield "tier_movements_up", str(moves.count("up")), ""
    yield "tier_movements_down", str(moves.count("down")), ""
    yield "reviews_due", str(m.reviews.due), ""
    yield "reviews_done", str(m.reviews.done), ""
    yield "reviews_overdue", str(m.reviews.overdue_count), ""
    yield "stale_engagements", str(len(m.stale_engagements)), ""
    yield "open_escalations", str(len(m.open_escalations)), ""
    yield "leads_waiting", str(len(m.leads_waiting)), ""
    yield "failure_signs", str(len(m.failure_signs)), ""


def render_csv(measures: MonthlyMeasures) -> str:
    """One row per measure under the header `measure,value,target`; blank target if none.

    Values are as in the JSON (money in pounds with two decimals, shares with four); tiers are
    `tier_<tier>[_<kind>]`, states `state_<state>`. No free text (names) appears in the CSV.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("measure", "value", "target"))
    writer.writerows(_csv_rows(measures))
    return out.getvalue()


@dataclass(frozen=True)
class _Charts:
    objectives: charts.Gauge
    funding: charts.Gauge
    share_trend: charts.TrendChart
    funding_trend: charts.TrendChart
    pyramid: charts.Pyramid


def _environment() -> Environment:
    # Built per call: the report is rendered once a month, so caching the compiled template
    # would save nothing worth a module-level cache. autoescape=True because partner names and
    # notes are untrusted text, and StrictUndefined so a typo fails instead of printing nothing.
    env = Environment(
        loader=PackageLoader("ceop_workflow.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        money=fmt.money,
        money_whole=fmt.money_whole,
        money_short=fmt.money_short,
        percent=fmt.percent,
        day=fmt.day_label,
        month=fmt.month_label,
        month_short=fmt.month_short,
        plural=fmt.plural,
    )
    return env


def render_html(measures: MonthlyMeasures, links: Sequence[tuple[str, str]] = ()) -> str:
    """One self-contained HTML page: targets against actuals, trend, tiers, what needs attention.

    `links` (label, address) are drawn as a navigation bar at the top: the web application
    passes its way back; the emailed and saved report has none.

    Every chart has a text alternative (an SVG <title>/<desc> and a table); status is given in
    words as well as colour. A Content-Security-Policy forbids scripts and network loads.
    """
    m = measures
    drawn = _Charts(
        objectives=charts.objectives_gauge(m.objectives),
        funding=charts.funding_gauge(m.funding),
        share_trend=charts.share_trend(m),
        funding_trend=charts.funding_trend(m),
        pyramid=charts.pyramid(m),
    )
    template = _environment().get_template("report.html")
    return template.render(
        m=m,
        charts=drawn,
        no_reviews=fmt.NO_REVIEWS,
        share_detail=share_detail(m),
        definition=OBJECTIVES_DEFINITION,
        monthly_target=m.funding.target_per_year / 12,
        zero=Decimal(0),
        links=list(links),
    )
