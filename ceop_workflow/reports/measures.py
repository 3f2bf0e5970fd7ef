"""One month's performance measures, as the Partnership Strategy (section 3) defines them.

These frozen dataclasses describe the figures only; they know nothing of the database (the store
side fills them) or of presentation (``render`` turns them into text, JSON, CSV or HTML).
Collections are tuples so that a ``MonthlyMeasures`` cannot change after it is built.

Names of partners, keyworkers and so on are plain strings as recorded: they are untrusted text,
and every renderer escapes them for its format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import TYPE_CHECKING

from ceop_workflow.engine.tiers import TIER_RANK, Tier, TierKind, tier_label
from ceop_workflow.reports.periods import (
    financial_year_label,
    month_end,
    months_into_financial_year,
)

if TYPE_CHECKING:  # signs builds on these measures; only the type is needed here
    from ceop_workflow.reports.signs import FailureSign, TargetDelivery

# The strategy's two headline targets (section 3): 70 percent of partnerships meeting all their
# objectives, and more than £1m of funding and resource raised a year.
OBJECTIVES_TARGET = Fraction(7, 10)
FUNDING_TARGET_PER_YEAR = Decimal("1000000")
TREND_MONTHS = 12


class ReviewKind(StrEnum):
    """Monthly reviews by the Partnerships Team; annual reviews by the Partnership Committee."""

    MONTHLY = "monthly"
    ANNUAL = "annual"


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _first_of_month(value: date, what: str) -> None:
    _require(value.day == 1, f"{what} must be the first day of a month, got {value.isoformat()}")


def _share(met: int, owed: int) -> Fraction | None:
    return Fraction(met, owed) if owed else None


@dataclass(frozen=True)
class NotReviewed:
    """A partnership that owed a monthly review in the month and had none recorded in it."""

    partner: str
    keyworker: str
    # Where to link to; not part of what the item says, so left out of equality.
    partnership_id: int | None = field(default=None, compare=False)


# The definition of the headline KPI, printed under it in the report and in docs/report.md.
OBJECTIVES_DEFINITION = (
    "Share meeting all objectives = partnerships whose latest monthly review in the month met"
    " every objective, divided by every partnership that owed a monthly review in the month"
    " (a monthly review duty fell due while it was in a running state, or it was reviewed)."
    " A partnership not reviewed counts as not meeting its objectives. Individuals"
    " (Ambassadors) are reviewed yearly and are not counted."
)


@dataclass(frozen=True)
class ObjectivesMeasure:
    """Share of the partnerships that owed a monthly review whose review met all objectives.

    The denominator (`owed`) is every organisation's partnership that owed a monthly review in
    the month: `met` met every objective at their latest monthly review in the month, `not_met`
    were reviewed and missed at least one, and `not_reviewed` (listed by name) had no review
    recorded; for the KPI a partnership not reviewed does not meet its objectives, so skipping
    reviews can never raise the share. See `OBJECTIVES_DEFINITION`.
    """

    met: int
    not_met: int
    not_reviewed: tuple[NotReviewed, ...] = ()
    target: Fraction = OBJECTIVES_TARGET

    def __post_init__(self) -> None:
        _require(self.met >= 0 and self.not_met >= 0, "objectives counts cannot be negative")
        _require(0 <= self.target <= 1, "the objectives target is a share between 0 and 1")

    @property
    def reviewed(self) -> int:
        """Partnerships with a monthly review recorded in the month."""
        return self.met + self.not_met

    @property
    def owed(self) -> int:
        """Partnerships that owed a monthly review in the month: the denominator."""
        return self.reviewed + len(self.not_reviewed)

    @property
    def share(self) -> Fraction | None:
        """`met / owed`, exactly; None when no review was owed (not a division by zero)."""
        return _share(self.met, self.owed)

    @property
    def on_target(self) -> bool | None:
        """Whether the share reached the target; None when there is no share."""
        share = self.share
        return None if share is None else share >= self.target


@dataclass(frozen=True)
class FundingMeasure:
    """Value of funding and in-kind resource raised through partnership, in GBP.

    The totals include in-kind resource; the `in_kind_*` fields say how much of each total was
    in kind rather than cash.
    """

    year_to_date: Decimal
    in_month: Decimal
    months_elapsed: int
    in_kind_year_to_date: Decimal = Decimal(0)
    in_kind_in_month: Decimal = Decimal(0)
    target_per_year: Decimal = FUNDING_TARGET_PER_YEAR

    def __post_init__(self) -> None:
        for name in ("year_to_date", "in_month", "in_kind_year_to_date", "in_kind_in_month"):
            _require(getattr(self, name) >= 0, f"funding {name} cannot be negative")
        _require(self.in_month <= self.year_to_date, "funding in the month exceeds year to date")
        _require(self.in_kind_year_to_date <= self.year_to_date, "in kind exceeds year to date")
        _require(self.in_kind_in_month <= self.in_month, "in kind exceeds the month's total")
        _require(1 <= self.months_elapsed <= 12, "months_elapsed counts April as 1, March as 12")
        _require(self.target_per_year > 0, "the funding target must be positive")

    @property
    def on_track_to_date(self) -> Decimal:
        """The share of the yearly target that months elapsed so far call for (April = 1/12)."""
        return self.target_per_year * self.months_elapsed / 12

    @property
    def on_target(self) -> bool:
        """Whether the year so far has raised at least its pro-rata share of the target."""
        return self.year_to_date >= self.on_track_to_date

    @property
    def target_exceeded(self) -> bool:
        """Whether the year's target is already exceeded ("to exceed £1m pa")."""
        return self.year_to_date > self.target_per_year


@dataclass(frozen=True)
class TierCount:
    """How many partnerships hold a tier (for the Partner tier, per kind) at the end of the month.

    A Partner whose kind is not recorded has `kind` None.
    """

    tier: Tier
    count: int
    kind: TierKind | None = None

    def __post_init__(self) -> None:
        _require(self.count >= 0, "a tier count cannot be negative")
        _require(
            self.kind is None or self.tier is Tier.PARTNER,
            f"only the Partner tier has kinds, not {self.tier.label}",
        )

    @property
    def label(self) -> str:
        """The tier's name, with the kind for a Partner: "Partner (Industry)", "Associate"."""
        return tier_label(self.tier, self.kind)


@dataclass(frozen=True)
class StateCount:
    """How many partnerships are in one workflow state at the end of the month."""

    state: str
    count: int

    def __post_init__(self) -> None:
        _require(self.count >= 0, "a state count cannot be negative")


@dataclass(frozen=True)
class TierMovement:
    """A partnership that changed tier in the month (renewal upgrade or downgrade)."""

    partner: str
    from_tier: Tier
    to_tier: Tier
    on: date

    def __post_init__(self) -> None:
        _require(self.from_tier is not self.to_tier, "a tier movement changes the tier")

    @property
    def direction(self) -> str:
        """ "up" toward Strategic Partner (the aim of the strategy), "down" away from it, and
        "across" between the two roles of individuals (Ambassador, Special Representative)."""
        rise = TIER_RANK[self.to_tier] - TIER_RANK[self.from_tier]
        return "up" if rise > 0 else "down" if rise < 0 else "across"


@dataclass(frozen=True)
class NewInitiative:
    """An initiative started in the month; `new_partner` if the partner is new to CEOP."""

    partner: str
    title: str
    started: date
    new_partner: bool


@dataclass(frozen=True)
class FeedbackItem:
    """Feedback a partner gave on the impact of partnering with CEOP, where it was recorded."""

    partner: str
    received: date
    summary: str


@dataclass(frozen=True)
class OverdueReview:
    """A review that fell due on `due_on` and is still not done at the report's `as_of` day,
    `days_overdue` days later, past its grace period (the timer's `overdue_after`)."""

    partner: str
    kind: ReviewKind
    due_on: date
    days_overdue: int
    keyworker: str
    # Where to link to; not part of what the item says, so left out of equality.
    partnership_id: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        _require(self.days_overdue >= 0, "days overdue cannot be negative")


@dataclass(frozen=True)
class ReviewsMeasure:
    """Reviews that fell due in the month, those done in it, and all still overdue at `as_of`.

    `overdue` holds every review outstanding at `as_of`, including ones due in earlier months.
    """

    due: int
    done: int
    overdue: tuple[OverdueReview, ...] = ()

    def __post_init__(self) -> None:
        _require(self.due >= 0 and self.done >= 0, "review counts cannot be negative")

    @property
    def overdue_count(self) -> int:
        """How many reviews are overdue."""
        return len(self.overdue)


@dataclass(frozen=True)
class StaleEngagement:
    """An active partnership with no contact logged for longer than its tier allows."""

    partner: str
    tier: Tier
    keyworker: str
    last_contact: date | None
    days_idle: int
    limit_days: int
    # Where to link to; not part of what the item says, so left out of equality.
    partnership_id: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        _require(self.days_idle > self.limit_days >= 0, "a stale engagement is idle past its limit")


@dataclass(frozen=True)
class OpenEscalation:
    """A partnership escalated (off-track reviews or a difficult situation) and not yet resolved."""

    partner: str
    since: date
    reason: str
    owner: str
    # Where to link to; not part of what the item says, so left out of equality.
    partnership_id: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class WaitingLead:
    """A lead referred to the Partnerships Team that still waits for its brief business case."""

    name: str
    since: date
    days_waiting: int
    referred_by: str
    # Where to link to; not part of what the item says, so left out of equality.
    partnership_id: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        _require(self.days_waiting >= 0, "days waiting cannot be negative")


@dataclass(frozen=True)
class TrendPoint:
    """One month of the trend: the objectives share's parts (`met` of the `owed`, as in
    `ObjectivesMeasure`) and the funding raised in it."""

    month: date
    met: int
    owed: int
    funding_in_month: Decimal

    def __post_init__(self) -> None:
        _first_of_month(self.month, "a trend month")
        _require(0 <= self.met <= self.owed, "trend: met must be between 0 and owed")
        _require(self.funding_in_month >= 0, "trend: funding cannot be negative")

    @property
    def share(self) -> Fraction | None:
        """`met / owed`, or None for a month in which no review was owed."""
        return _share(self.met, self.owed)


@dataclass(frozen=True, kw_only=True)
class MonthlyMeasures:
    """Everything the monthly report to the Chief Executive Management Team shows.

    `month` is the first day of the month reported on. `as_of` is the day the point-in-time
    figures (tiers, states, overdue, stale, escalations, waiting leads) were taken: the month's
    last day, or an earlier day of the month for a report on a month still in progress.
    `trend` holds up to twelve months, oldest first, ending with `month`.
    """

    month: date
    as_of: date
    objectives: ObjectivesMeasure
    funding: FundingMeasure
    reviews: ReviewsMeasure
    initiatives: tuple[NewInitiative, ...] = ()
    feedback: tuple[FeedbackItem, ...] = ()
    by_tier: tuple[TierCount, ...] = ()
    by_state: tuple[StateCount, ...] = ()
    tier_movements: tuple[TierMovement, ...] = ()
    stale_engagements: tuple[StaleEngagement, ...] = ()
    open_escalations: tuple[OpenEscalation, ...] = ()
    leads_waiting: tuple[WaitingLead, ...] = ()
    trend: tuple[TrendPoint, ...] = ()
    # Signs of a failing strategy (section 4), from `reports.signs`.
    failure_signs: tuple[FailureSign, ...] = ()
    # Delivery of the register's targets through partnerships, from `reports.targets`.
    targets: tuple[TargetDelivery, ...] = ()

    def __post_init__(self) -> None:
        _first_of_month(self.month, "the report month")
        _require(
            self.month <= self.as_of <= month_end(self.month),
            f"as_of {self.as_of.isoformat()} is not in the month {self.month:%Y-%m}",
        )
        _require(
            self.funding.months_elapsed == self.months_into_financial_year,
            "funding.months_elapsed does not match the report month",
        )
        months = [point.month for point in self.trend]
        _require(len(months) <= TREND_MONTHS, f"the trend holds at most {TREND_MONTHS} months")
        _require(months == sorted(set(months)), "trend months must be distinct, oldest first")
        _require(not months or months[-1] == self.month, "the trend must end with the month")

    @property
    def financial_year(self) -> str:
        """The financial year of the month, e.g. "2007/08"."""
        return financial_year_label(self.month)

    @property
    def months_into_financial_year(self) -> int:
        """1 for April, 12 for March."""
        return months_into_financial_year(self.month)

    @property
    def initiatives_with_existing_partners(self) -> int:
        """New initiatives started in the month with partners CEOP already had."""
        return sum(1 for item in self.initiatives if not item.new_partner)

    @property
    def initiatives_with_new_partners(self) -> int:
        """New initiatives started in the month with partners new to CEOP."""
        return sum(1 for item in self.initiatives if item.new_partner)

    def tier_total(self, tier: Tier) -> int:
        """Partnerships in `tier` at `as_of`, all kinds together."""
        return sum(row.count for row in self.by_tier if row.tier is tier)

    @property
    def attention_count(self) -> int:
        """Items that need someone to act: overdue, stale, escalated or waiting."""
        return (
            self.reviews.overdue_count
            + len(self.stale_engagements)
            + len(self.open_escalations)
            + len(self.leads_waiting)
            + len(self.failure_signs)
        )
