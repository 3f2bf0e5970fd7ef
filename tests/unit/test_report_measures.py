"""The measures' own rules: periods, shares, targets, and what a MonthlyMeasures refuses."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from ceop_workflow.engine.tiers import Tier, TierKind
from ceop_workflow.reports import charts
from ceop_workflow.reports import formatting as fmt
from ceop_workflow.reports.measures import (
    FundingMeasure,
    NotReviewed,
    ObjectivesMeasure,
    StaleEngagement,
    TierCount,
    TierMovement,
    TrendPoint,
)
from ceop_workflow.reports.periods import (
    financial_year_label,
    financial_year_start,
    month_end,
    months_back,
    months_into_financial_year,
)
from ceop_workflow.reports.samples import empty_measures, sample_measures


@pytest.mark.parametrize(
    ("day", "start", "label", "months"),
    [
        (date(2007, 3, 31), date(2006, 4, 1), "2006/07", 12),
        (date(2007, 4, 1), date(2007, 4, 1), "2007/08", 1),
        (date(2007, 11, 15), date(2007, 4, 1), "2007/08", 8),
        (date(2008, 1, 1), date(2007, 4, 1), "2007/08", 10),
        (date(1999, 4, 1), date(1999, 4, 1), "1999/00", 1),
    ],
)
def test_the_financial_year_runs_april_to_march(
    day: date, start: date, label: str, months: int
) -> None:
    assert financial_year_start(day) == start
    assert financial_year_label(day) == label
    assert months_into_financial_year(day) == months


def test_month_arithmetic() -> None:
    assert month_end(date(2008, 2, 1)) == date(2008, 2, 29)
    assert month_end(date(2007, 12, 1)) == date(2007, 12, 31)
    assert months_back(date(2008, 2, 1), 3) == [
        date(2007, 12, 1),
        date(2008, 1, 1),
        date(2008, 2, 1),
    ]


def test_the_share_is_exact_and_none_without_reviews() -> None:
    assert ObjectivesMeasure(met=7, not_met=3).share == Fraction(7, 10)
    assert ObjectivesMeasure(met=7, not_met=3).on_target is True
    assert ObjectivesMeasure(met=6, not_met=3).on_target is False
    assert ObjectivesMeasure(met=0, not_met=0).share is None
    assert ObjectivesMeasure(met=0, not_met=0).on_target is None


def test_a_partnership_not_reviewed_counts_against_the_share() -> None:
    # Two owed a review, one reviewed and met: 50%, not the 100% of "met / reviewed".
    measure = ObjectivesMeasure(met=1, not_met=0, not_reviewed=(NotReviewed("Beta", "kw"),))
    assert (measure.owed, measure.reviewed, measure.share) == (2, 1, Fraction(1, 2))
    assert measure.on_target is False
    skipped = ObjectivesMeasure(met=0, not_met=0, not_reviewed=(NotReviewed("Beta", "kw"),))
    assert skipped.share == 0


def test_funding_is_judged_against_the_pro_rata_target_and_must_exceed_the_year() -> None:
    funding = FundingMeasure(
        year_to_date=Decimal("250000"), in_month=Decimal("80000"), months_elapsed=3
    )
    assert funding.on_track_to_date == Decimal(250000)
    assert funding.on_target
    assert not funding.target_exceeded
    exactly = FundingMeasure(
        year_to_date=Decimal("1000000"), in_month=Decimal(0), months_elapsed=12
    )
    assert exactly.on_target
    assert not exactly.target_exceeded  # the strategy says "to exceed £1m pa"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: ObjectivesMeasure(met=-1, not_met=2), "cannot be negative"),
        (lambda: TrendPoint(date(2007, 1, 1), 3, 2, Decimal(0)), "between 0 and owed"),
        (
            lambda: FundingMeasure(year_to_date=Decimal(1), in_month=Decimal(2), months_elapsed=1),
            "exceeds year to date",
        ),
        (lambda: TierCount(Tier.ASSOCIATE, 1, TierKind.INDUSTRY), "only the Partner tier"),
        (lambda: TierMovement("X", Tier.PARTNER, Tier.PARTNER, date(2007, 1, 1)), "changes"),
        (lambda: StaleEngagement("X", Tier.PARTNER, "k", None, 30, 60), "idle past its limit"),
        (lambda: TrendPoint(date(2007, 1, 2), 0, 0, Decimal(0)), "first day of a month"),
    ],
)
def test_parts_refuse_figures_that_cannot_be(build: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_a_month_refuses_a_trend_or_day_that_does_not_fit() -> None:
    sample = sample_measures()
    with pytest.raises(ValueError, match="first day of a month"):
        dataclasses.replace(sample, month=date(2007, 11, 2))
    with pytest.raises(ValueError, match="not in the month"):
        dataclasses.replace(sample, as_of=date(2007, 12, 1))
    with pytest.raises(ValueError, match="end with the month"):
        dataclasses.replace(sample, trend=sample.trend[:-1])
    with pytest.raises(ValueError, match="oldest first"):
        dataclasses.replace(sample, trend=tuple(reversed(sample.trend)))
    with pytest.raises(ValueError, match="months_elapsed"):
        dataclasses.replace(sample, month=date(2007, 10, 1), as_of=date(2007, 10, 31))


def test_the_sample_month_hangs_together() -> None:
    sample = sample_measures()
    since_april = [p for p in sample.trend if p.month >= date(2007, 4, 1)]

    assert sample.funding.year_to_date == sum(p.funding_in_month for p in since_april)
    assert sum(row.count for row in sample.by_tier) == sum(
        row.count for row in sample.by_state if row.state in {"active", "renewal", "escalated"}
    )
    assert sample.tier_total(Tier.PARTNER) == 7
    assert sample.attention_count == 9
    assert (sample.initiatives_with_existing_partners, sample.initiatives_with_new_partners) == (
        3,
        1,
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(1, 8), "13%"),  # half up, not to even
        (Fraction(7, 10), "70%"),
        (Fraction(14, 19), "74%"),
        (None, "no reviews owed this month"),
    ],
)
def test_percent(value: Fraction | None, text: str) -> None:
    assert fmt.percent(value) == text


def test_money() -> None:
    assert fmt.money(Decimal("1250.5")) == "£1,250.50"
    assert fmt.money(Decimal("1000000")) == "£1,000,000"
    assert fmt.money_whole(Decimal("609950.50")) == "£609,951"
    assert fmt.money_short(Decimal("83333.33")) == "£83.3k"
    assert fmt.money_short(Decimal("1000000")) == "£1m"
    assert fmt.money_short(Decimal("0")) == "£0"
    assert fmt.money_plain(Decimal("1")) == "1.00"


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [("0", "1"), ("83333.33", "100000"), ("132000", "200000"), ("1000000", "1000000"),
     ("1000001", "2000000"), ("2100000", "2500000")],
)  # fmt: skip
def test_nice_ceiling(value: str, ceiling: str) -> None:
    assert charts.nice_ceiling(Decimal(value)) == Decimal(ceiling)


def test_the_share_line_breaks_at_months_without_reviews() -> None:
    chart = charts.share_trend(sample_measures())

    assert [len(segment.split()) for segment in chart.segments] == [8, 3]
    assert chart.columns[8].y is None
    assert chart.target_y == pytest.approx(chart.bottom - 0.7 * (chart.bottom - chart.top))


def test_gauges_stay_inside_their_width() -> None:
    empty = empty_measures(date(2008, 4, 1))
    funding = charts.funding_gauge(
        dataclasses.replace(empty.funding, year_to_date=Decimal("1800000"), in_month=Decimal(0))
    )

    assert charts.objectives_gauge(empty.objectives).fill == 0
    assert funding.fill <= funding.width
    assert funding.target_at == pytest.approx(funding.width / 2)
    assert funding.ticks[-1].label == "£2m"
