"""Plausible months of measures for previews, documentation and tests; no database needed.

The figures hang together the way the store's would: funding year to date is the sum of the
trend's months since April, and the month's share is the trend's last point.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ceop_workflow.engine.tiers import Tier, TierKind
from ceop_workflow.reports.measures import (
    FeedbackItem,
    FundingMeasure,
    MonthlyMeasures,
    NewInitiative,
    NotReviewed,
    ObjectivesMeasure,
    OpenEscalation,
    OverdueReview,
    ReviewKind,
    ReviewsMeasure,
    StaleEngagement,
    StateCount,
    TierCount,
    TierMovement,
    TrendPoint,
    WaitingLead,
)
from ceop_workflow.reports.periods import (
    financial_year_start,
    month_end,
    months_back,
    months_into_financial_year,
)

# (met, owed, funding raised) for December 2006 to November 2007; August owed no reviews.
_TREND = (
    (9, 14, "42000"),
    (10, 14, "65500"),
    (10, 15, "38000"),
    (11, 15, "120000"),
    (11, 16, "55000"),
    (12, 16, "84250"),
    (12, 17, "47800"),
    (13, 17, "132000"),
    (0, 0, "18500"),
    (12, 18, "96400"),
    (13, 18, "71250"),
    (14, 19, "104750.50"),
)


def sample_measures() -> MonthlyMeasures:
    """November 2007 as the CEMT might have seen it: a little behind on funding, on target."""
    month = date(2007, 11, 1)
    as_of = month_end(month)
    trend = tuple(
        TrendPoint(month=m, met=met, owed=owed, funding_in_month=Decimal(raised))
        for m, (met, owed, raised) in zip(months_back(month, 12), _TREND, strict=True)
    )
    fy_start = financial_year_start(month)
    year_to_date = sum((p.funding_in_month for p in trend if p.month >= fy_start), Decimal(0))
    return MonthlyMeasures(
        month=month,
        as_of=as_of,
        # 19 owed a review: 14 met, 4 did not, and Axios was not reviewed.
        objectives=ObjectivesMeasure(
            met=trend[-1].met,
            not_met=trend[-1].owed - trend[-1].met - 1,
            not_reviewed=(NotReviewed("Axios", "Sam Patel"),),
        ),
        funding=FundingMeasure(
            year_to_date=year_to_date,
            in_month=trend[-1].funding_in_month,
            months_elapsed=months_into_financial_year(month),
            in_kind_year_to_date=Decimal("212400"),
            in_kind_in_month=Decimal("38000"),
        ),
        # 21 monthly reviews fell due and FCO's annual one; 19 monthly reviews were done.
        reviews=ReviewsMeasure(
            due=22,
            done=19,
            overdue=(
                OverdueReview("Ford", ReviewKind.MONTHLY, date(2007, 11, 1), 29, "Sam Patel"),
                OverdueReview("FCO", ReviewKind.ANNUAL, date(2007, 11, 15), 15, "Kelly Burke"),
                OverdueReview("Miss Dorothy", ReviewKind.MONTHLY, date(2007, 11, 1), 29, "Jo Reid"),
            ),
        ),
        initiatives=(
            NewInitiative(
                "Microsoft", "Safer-by-design guide for messenger", date(2007, 11, 6), False
            ),
            NewInitiative(
                "Vodafone", "Report Abuse button on the mobile portal", date(2007, 11, 14), False
            ),
            NewInitiative(
                "Becta", "Thinkuknow lessons in the schools network", date(2007, 11, 21), False
            ),
            NewInitiative(
                "Northbridge Mobile", "Age-appropriate chat defaults", date(2007, 11, 27), True
            ),
        ),
        feedback=(
            FeedbackItem(
                "NSPCC",
                date(2007, 11, 9),
                "Joint training for helpline staff has shortened referral times.",
            ),
            FeedbackItem(
                "Serco",
                date(2007, 11, 23),
                "The secondment is valued; would like a quarterly summary of its impact.",
            ),
        ),
        by_tier=(
            TierCount(Tier.STRATEGIC_PARTNER, 6),
            TierCount(Tier.PARTNER, 2, TierKind.SPECIALIST),
            TierCount(Tier.PARTNER, 2, TierKind.INDUSTRY),
            TierCount(Tier.PARTNER, 3, TierKind.GOVERNMENT),
            TierCount(Tier.ASSOCIATE, 3),
            TierCount(Tier.CONTRIBUTOR, 4),
            TierCount(Tier.AMBASSADOR, 1),
        ),
        by_state=(
            StateCount("lead", 4),
            StateCount("business_case", 3),
            StateCount("committee_review", 2),
            StateCount("tier_assignment", 1),
            StateCount("active", 17),
            StateCount("renewal", 2),
            StateCount("escalated", 2),
            StateCount("declined", 1),
            StateCount("ended", 3),
        ),
        tier_movements=(
            TierMovement("Vodafone", Tier.PARTNER, Tier.STRATEGIC_PARTNER, date(2007, 11, 12)),
            TierMovement("AOL", Tier.CONTRIBUTOR, Tier.ASSOCIATE, date(2007, 11, 19)),
            TierMovement("Ford", Tier.PARTNER, Tier.ASSOCIATE, date(2007, 11, 28)),
        ),
        stale_engagements=(
            StaleEngagement("Yahoo! UK", Tier.CONTRIBUTOR, "Jo Reid", date(2007, 7, 30), 123, 90),
            StaleEngagement("Ofcom", Tier.PARTNER, "Sam Patel", date(2007, 9, 10), 81, 60),
        ),
        open_escalations=(
            OpenEscalation(
                "Ford", date(2007, 10, 22), "Two monthly reviews off track", "Kelly Burke"
            ),
            OpenEscalation(
                "Contrapositive",
                date(2007, 11, 19),
                "Partner and contractor roles not kept distinct",
                "Kelly Burke",
            ),
        ),
        leads_waiting=(
            WaitingLead("Harbour Payments Ltd", date(2007, 10, 8), 53, "Digital Evidence Team"),
            WaitingLead("Northern Schools Trust", date(2007, 11, 20), 10, "Education Team"),
        ),
        trend=trend,
    )


def empty_measures(month: date) -> MonthlyMeasures:
    """A month in which nothing happened: no reviews, no funding, nothing to attend to."""
    return MonthlyMeasures(
        month=month,
        as_of=month_end(month),
        objectives=ObjectivesMeasure(met=0, not_met=0),
        funding=FundingMeasure(
            year_to_date=Decimal(0),
            in_month=Decimal(0),
            months_elapsed=months_into_financial_year(month),
        ),
        reviews=ReviewsMeasure(due=0, done=0),
        trend=(TrendPoint(month=month, met=0, owed=0, funding_in_month=Decimal(0)),),
    )
