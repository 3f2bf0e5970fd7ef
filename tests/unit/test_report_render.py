"""Every format of the report carries the figures, escapes names, and survives empty months."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from ceop_workflow.engine.tiers import Tier
from ceop_workflow.reports.measures import (
    OBJECTIVES_DEFINITION,
    FeedbackItem,
    MonthlyMeasures,
    NewInitiative,
    OpenEscalation,
    OverdueReview,
    ReviewKind,
    ReviewsMeasure,
    StaleEngagement,
    TierMovement,
    WaitingLead,
)
from ceop_workflow.reports.render import (
    JSON_SCHEMA,
    measures_to_dict,
    render_csv,
    render_html,
    render_json,
    render_text,
)
from ceop_workflow.reports.samples import empty_measures, sample_measures

HOSTILE = '<script>alert("x")</script>'
Renderer = Callable[[MonthlyMeasures], str]


def _with_name(measures: MonthlyMeasures, name: str) -> MonthlyMeasures:
    """The sample month with `name` in every place a free-text name or note can appear."""
    day = date(2007, 11, 5)
    return dataclasses.replace(
        measures,
        initiatives=(NewInitiative(name, name, day, True),),
        feedback=(FeedbackItem(name, day, name),),
        tier_movements=(TierMovement(name, Tier.ASSOCIATE, Tier.PARTNER, day),),
        reviews=ReviewsMeasure(
            due=1, done=0, overdue=(OverdueReview(name, ReviewKind.MONTHLY, day, 25, name),)
        ),
        stale_engagements=(StaleEngagement(name, Tier.PARTNER, name, None, 99, 60),),
        open_escalations=(OpenEscalation(name, day, name, name),),
        leads_waiting=(WaitingLead(name, day, 25, name),),
    )


def _csv(text: str) -> dict[str, tuple[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text)))
    measures = [row["measure"] for row in rows]
    assert len(measures) == len(set(measures)), "each measure appears once"
    return {row["measure"]: (row["value"], row["target"]) for row in rows}


def test_text_carries_the_headline_figures_and_the_attention_list() -> None:
    text = render_text(sample_measures())

    assert "monthly report for November 2007" in text
    assert "Financial year 2007/08" in text
    assert "Partnerships meeting all objectives: 74% (target 70%) - on target" in text
    assert "14 of 19 met all objectives (4 not met, 1 not reviewed)" in text
    assert "not reviewed: Axios (Sam Patel)" in text
    assert "divided by every partnership that owed a monthly review" in " ".join(text.split())
    assert "£609,951 (target over £1,000,000 a year; £666,667 by now) - behind" in text
    assert "in November 2007: £104,751 (of which in kind £38,000)" in text
    assert "3 with existing partners, 1 with new partners" in text
    assert "Reviews: 22 due, 19 done, 3 overdue" in text
    assert "Needs attention (9)" in text
    assert re.search(r"Yahoo! UK +Contributor +last contact 30 Jul 2007 +123 days idle", text)
    assert re.search(r"Aug 2007 +no reviews +£18,500", text)


def test_json_is_the_documented_shape_with_money_and_shares_as_strings() -> None:
    data = json.loads(render_json(sample_measures()))

    assert data["schema"] == JSON_SCHEMA
    assert list(data) == [
        "schema", "month", "as_of", "financial_year", "objectives", "funding", "initiatives",
        "feedback", "by_tier", "by_state", "tier_movements", "reviews", "stale_engagements",
        "open_escalations", "leads_waiting", "targets", "failure_signs", "trend",
    ]  # fmt: skip
    assert data["month"] == "2007-11-01"
    assert data["financial_year"] == "2007/08"
    assert data["objectives"] == {
        "met": 14, "not_met": 4, "reviewed": 18, "owed": 19,
        "not_reviewed": [{"partner": "Axios", "keyworker": "Sam Patel", "partnership_id": None}],
        "share": "0.7368", "target": "0.7000", "on_target": True,
        "definition": OBJECTIVES_DEFINITION,
    }  # fmt: skip
    funding = data["funding"]
    assert funding["year_to_date"] == "609950.50"
    assert funding["in_month"] == "104750.50"
    assert funding["target_per_year"] == "1000000.00"
    assert funding["on_track_to_date"] == "666666.67"
    assert funding["on_target"] is False
    assert data["initiatives"]["with_new_partners"] == 1
    assert {"tier": "partner", "kind": "industry", "label": "Partner (Industry)", "count": 2} in (
        data["by_tier"]
    )
    assert data["tier_movements"][0]["direction"] == "up"
    assert data["reviews"]["overdue_count"] == 3
    assert data["trend"][8] == {
        "month": "2007-08-01", "met": 0, "owed": 0, "share": None,
        "funding_in_month": "18500.00",
    }  # fmt: skip
    assert "float" not in {type(v).__name__ for v in _leaves(data)}


def _leaves(value: object) -> list[object]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def test_json_dict_and_text_agree() -> None:
    measures = sample_measures()
    assert json.loads(render_json(measures)) == measures_to_dict(measures)


def test_csv_has_one_row_per_measure_with_its_target() -> None:
    text = render_csv(sample_measures())
    rows = _csv(text)

    assert text.startswith("measure,value,target\n")
    assert rows["objectives_share"] == ("0.7368", "0.7000")
    assert rows["objectives_met"] == ("14", "")
    assert rows["funding_year_to_date_gbp"] == ("609950.50", "1000000.00")
    assert rows["funding_in_month_gbp"] == ("104750.50", "")
    assert rows["initiatives_with_existing_partners"] == ("3", "")
    assert rows["initiatives_with_new_partners"] == ("1", "")
    assert rows["tier_partner_government"] == ("3", "")
    assert rows["state_active"] == ("17", "")
    assert rows["tier_movements_up"] == ("2", "")
    assert rows["reviews_overdue"] == ("3", "")
    assert rows["leads_waiting"] == ("2", "")


def test_html_carries_the_headline_figures_and_every_name_needing_attention() -> None:
    html = render_html(sample_measures())

    for figure in ("74%", "target 70%", "£609,951", "£666,667", "£104,751", "14 of 19"):
        assert figure in html
    assert "Needs attention (9)" in html
    for name in ("Ford", "FCO", "Miss Dorothy", "Yahoo! UK", "Ofcom", "Contrapositive"):
        assert f"<td>{name}</td>" in html
    assert "Harbour Payments Ltd" in html


def test_html_is_self_contained() -> None:
    html = render_html(sample_measures())

    assert "http://" not in html
    assert "https://" not in html
    for forbidden in ("<script", "<link", "<img", "<iframe", "@import", "url(", " src=", "href="):
        assert forbidden not in html.lower()
    assert "default-src 'none'" in html

    assert html.count("<svg") == 5


def test_every_chart_has_a_text_alternative() -> None:
    html = render_html(sample_measures())
    charts = re.findall(r"<svg[^>]*>.*?</svg>", html, flags=re.DOTALL)

    assert len(charts) == 5
    for chart in charts:
        assert 'role="img"' in chart
        assert re.search(r"<svg[^>]*>\s*<title id=[^>]+>[^<]+</title>\s*<desc id=", chart)
    assert html.count("<table") >= 5  # the trend and the tiers also come as tables
    assert "August 2007: no reviews owed this month" in html  # the gap in the line, in words


def test_a_script_in_a_partner_name_is_escaped_in_html() -> None:
    html = render_html(_with_name(sample_measures(), HOSTILE))

    assert "<script" not in html.lower()
    assert html.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") >= 7


def test_json_keeps_a_hostile_name_exact_yet_safe_to_embed_in_html() -> None:
    measures = _with_name(sample_measures(), HOSTILE)
    output = render_json(measures)

    assert "<" not in output
    assert ">" not in output
    assert json.loads(output)["open_escalations"][0]["partner"] == HOSTILE


def test_text_and_csv_are_not_markup() -> None:
    measures = _with_name(sample_measures(), HOSTILE)

    assert f"{HOSTILE}  since 5 Nov 2007" in render_text(measures)
    assert "script" not in render_csv(measures)  # the CSV carries no names at all


def test_text_strips_control_characters_that_could_forge_lines() -> None:
    forged = "Evil\nNeeds attention (0)\x1b[2J"
    text = render_text(_with_name(sample_measures(), forged))

    assert "Evil Needs attention (0)" in text
    assert "\x1b" not in text
    assert text.count("\nNeeds attention (") == 1


@pytest.mark.parametrize("render", [render_html, render_text])
def test_a_month_without_reviews_says_so(render: Renderer) -> None:
    output = render(empty_measures(date(2008, 4, 1)))

    assert "no reviews owed this month" in output.lower()
    assert "Financial year 2008/09" in output or "financial year 2008/09" in output


def test_a_month_without_reviews_in_json_and_csv_has_no_share() -> None:
    measures = empty_measures(date(2008, 4, 1))

    assert measures.objectives.share is None
    assert measures_to_dict(measures)["objectives"]["share"] is None
    assert measures_to_dict(measures)["objectives"]["on_target"] is None
    assert _csv(render_csv(measures))["objectives_share"] == ("", "0.7000")


def test_a_month_with_no_history_renders() -> None:
    measures = dataclasses.replace(empty_measures(date(2008, 3, 1)), trend=())

    assert "No history yet." in render_html(measures)
    assert "no history" in render_text(measures)


def test_funding_above_the_target_is_shown_as_exceeded() -> None:
    sample = sample_measures()
    rich = dataclasses.replace(
        sample,
        funding=dataclasses.replace(sample.funding, year_to_date=Decimal("1250000.00")),
    )

    html = render_html(rich)
    assert "Target exceeded" in html
    assert "£1,250,000" in html
