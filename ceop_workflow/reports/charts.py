"""Geometry of the report's SVG charts, worked out in Python so the template only draws.

Every function is pure: measures in, coordinates (in the SVG's own user units) and labels out.
Text is left unescaped here; the Jinja2 template escapes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ceop_workflow.engine.tiers import Tier
from ceop_workflow.reports import formatting as fmt
from ceop_workflow.reports.measures import (
    FundingMeasure,
    MonthlyMeasures,
    ObjectivesMeasure,
    TrendPoint,
)

# Widths are close to the size each chart is shown at, so that 12-unit text reads as 12px.
GAUGE_WIDTH = 460
TREND_WIDTH = 480
TREND_HEIGHT = 236
PYRAMID_WIDTH = 480
PYRAMID_HEIGHT = 360

_PLOT_LEFT = 48
_PLOT_RIGHT = TREND_WIDTH - 8
_PLOT_TOP = 36
_PLOT_BOTTOM = TREND_HEIGHT - 40
_PYRAMID_TIERS = (Tier.STRATEGIC_PARTNER, Tier.PARTNER, Tier.ASSOCIATE, Tier.CONTRIBUTOR)
# What each level means (strategy 2.3), shown beside the pyramid when a band has no kinds.
_TIER_NOTES = {
    Tier.STRATEGIC_PARTNER: "3-year commitment",
    Tier.PARTNER: "at least 1 year",
    Tier.ASSOCIATE: "raises awareness",
    Tier.CONTRIBUTOR: "project basis, no formal commitment",
}


@dataclass(frozen=True)
class Tick:
    """A gridline or axis mark: its position along the axis and its label."""

    at: float
    label: str


@dataclass(frozen=True)
class Gauge:
    """A horizontal bar from 0 to `fill` with the target at `target_at`, all in 0..`width`.

    `marker_at` is an optional second mark (how far the year should have got by now).
    """

    width: int
    fill: float
    target_at: float
    marker_at: float | None
    ticks: tuple[Tick, ...]


@dataclass(frozen=True)
class Column:
    """One month of a trend chart: its slot, a bar or a point, and what it says in words."""

    month_label: str
    axis_label: str
    year_label: str
    x: float
    bar_left: float
    bar_width: float
    y: float | None
    value_label: str


@dataclass(frozen=True)
class TrendChart:
    """A twelve-month chart: columns, y gridlines, a target line and the line's segments."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    columns: tuple[Column, ...]
    ticks: tuple[Tick, ...]
    target_y: float
    target_label: str
    segments: tuple[str, ...]

    @property
    def summary(self) -> str:
        """Every month's value in words, for the chart's text alternative."""
        return "; ".join(f"{c.month_label}: {c.value_label}" for c in self.columns)


@dataclass(frozen=True)
class Band:
    """One level of the tier pyramid: its polygon, its count inside, its words beside it."""

    tier: Tier
    label: str
    count: int
    detail: str
    points: str
    centre_x: float
    middle_y: float
    edge_x: float


@dataclass(frozen=True)
class Pyramid:
    """The tier pyramid (organisations) with a box beneath for individuals.

    Individuals serve as Ambassadors or Special Representatives, not on the ladder.
    """

    width: int
    height: int
    label_x: float
    bands: tuple[Band, ...]
    individuals: int
    aside_x: float
    aside_y: float
    aside_width: float
    aside_height: float


def nice_ceiling(value: Decimal) -> Decimal:
    """The smallest of 1, 2, 2.5, 5 (times a power of ten) that is at least `value` (min 1)."""
    if value <= 1:
        return Decimal(1)
    magnitude = Decimal(10) ** (len(str(int(value))) - 1)
    for step in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        if value <= step * magnitude:
            return step * magnitude
    raise AssertionError("unreachable: 10 * magnitude always exceeds value")


def _scale(value: Decimal | Fraction, top: Decimal | Fraction, length: float) -> float:
    return round(float(value) / float(top) * length, 1)


def objectives_gauge(objectives: ObjectivesMeasure) -> Gauge:
    """The share meeting objectives on a 0-100% bar, target line at the target."""
    share = objectives.share or Fraction(0)
    return Gauge(
        width=GAUGE_WIDTH,
        fill=_scale(share, Fraction(1), GAUGE_WIDTH),
        target_at=_scale(objectives.target, Fraction(1), GAUGE_WIDTH),
        marker_at=None,
        ticks=tuple(
            Tick(_scale(Fraction(p, 100), Fraction(1), GAUGE_WIDTH), f"{p}%")
            for p in (0, 25, 50, 75, 100)
        ),
    )


def funding_gauge(funding: FundingMeasure) -> Gauge:
    """Funding year to date against the yearly target, with a mark where it should be by now."""
    top = nice_ceiling(max(funding.year_to_date, funding.target_per_year))
    steps = 5 if top % 5 == 0 else 4
    return Gauge(
        width=GAUGE_WIDTH,
        fill=_scale(funding.year_to_date, top, GAUGE_WIDTH),
        target_at=_scale(funding.target_per_year, top, GAUGE_WIDTH),
        marker_at=_scale(funding.on_track_to_date, top, GAUGE_WIDTH),
        ticks=tuple(
            Tick(_scale(top * i / steps, top, GAUGE_WIDTH), fmt.money_short(top * i / steps))
            for i in range(steps + 1)
        ),
    )


def _columns(
    trend: tuple[TrendPoint, ...], ys: list[float | None], labels: list[str]
) -> tuple[Column, ...]:
    slot = (_PLOT_RIGHT - _PLOT_LEFT) / max(len(trend), 1)
    columns = []
    for i, (point, y, label) in enumerate(zip(trend, ys, labels, strict=True)):
        x = _PLOT_LEFT + slot * (i + 0.5)
        first = i == 0 or point.month.month == 1
        columns.append(
            Column(
                month_label=fmt.month_label(point.month),
                axis_label=fmt.month_short(point.month)[:3],
                year_label=str(point.month.year) if first else "",
                x=round(x, 1),
                bar_left=round(x - slot * 0.3, 1),
                bar_width=round(slot * 0.6, 1),
                y=y,
                value_label=label,
            )
        )
    return tuple(columns)


def _y(value: Decimal | Fraction, top: Decimal | Fraction) -> float:
    return round(_PLOT_BOTTOM - _scale(value, top, _PLOT_BOTTOM - _PLOT_TOP), 1)


def share_trend(measures: MonthlyMeasures) -> TrendChart:
    """The share meeting objectives month by month; months without reviews break the line."""
    trend = measures.trend
    ys = [None if p.share is None else _y(p.share, Fraction(1)) for p in trend]
    labels = [
        fmt.percent(p.share) + ("" if p.share is None else f" ({p.met} of {p.owed})") for p in trend
    ]
    columns = _columns(trend, ys, labels)
    segments: list[str] = []
    run: list[str] = []
    for column in (*columns, None):
        if column is not None and column.y is not None:
            run.append(f"{column.x},{column.y}")
            continue
        if len(run) > 1:
            segments.append(" ".join(run))
        run = []
    return TrendChart(
        width=TREND_WIDTH,
        height=TREND_HEIGHT,
        left=_PLOT_LEFT,
        right=_PLOT_RIGHT,
        top=_PLOT_TOP,
        bottom=_PLOT_BOTTOM,
        columns=columns,
        ticks=tuple(Tick(_y(Fraction(p, 100), Fraction(1)), f"{p}%") for p in (0, 25, 50, 75, 100)),
        target_y=_y(measures.objectives.target, Fraction(1)),
        target_label=f"target {fmt.percent(measures.objectives.target)}",
        segments=tuple(segments),
    )


def funding_trend(measures: MonthlyMeasures) -> TrendChart:
    """Funding raised month by month as bars, against a twelfth of the yearly target."""
    trend = measures.trend
    monthly_target = measures.funding.target_per_year / 12
    top = nice_ceiling(max([monthly_target, *(p.funding_in_month for p in trend)]))
    ys: list[float | None] = [_y(p.funding_in_month, top) for p in trend]
    labels = [fmt.money_whole(p.funding_in_month) for p in trend]
    return TrendChart(
        width=TREND_WIDTH,
        height=TREND_HEIGHT,
        left=_PLOT_LEFT,
        right=_PLOT_RIGHT,
        top=_PLOT_TOP,
        bottom=_PLOT_BOTTOM,
        columns=_columns(trend, ys, labels),
        ticks=tuple(Tick(_y(top * i / 4, top), fmt.money_short(top * i / 4)) for i in range(5)),
        target_y=_y(monthly_target, top),
        target_label=(
            f"{fmt.money_short(monthly_target)} a month"
            f" = {fmt.money_short(measures.funding.target_per_year)} a year"
        ),
        segments=(),
    )


def pyramid(measures: MonthlyMeasures) -> Pyramid:
    """Strategic Partner at the apex down to Contributor at the base; individuals beneath.

    The shape is fixed, not scaled to the counts: it shows the ladder an organisation climbs
    (the aim is to move organisations up), and each band carries its count.
    """
    apex_x, top_half, base_half = 110.0, 16.0, 110.0
    band_height, gap = 70.0, 4.0
    depth = band_height * len(_PYRAMID_TIERS)

    def half(y: float) -> float:
        return top_half + (base_half - top_half) * y / depth

    bands = []
    for i, tier in enumerate(_PYRAMID_TIERS):
        y0, y1 = i * band_height, (i + 1) * band_height - gap
        corners = (
            (apex_x - half(y0), y0),
            (apex_x + half(y0), y0),
            (apex_x + half(y1), y1),
            (apex_x - half(y1), y1),
        )
        kinds = [row for row in measures.by_tier if row.tier is tier and row.kind is not None]
        middle = (y0 + y1) / 2
        bands.append(
            Band(
                tier=tier,
                label=tier.label,
                count=measures.tier_total(tier),
                detail=" · ".join(
                    f"{row.kind.value.title()} {row.count}" for row in kinds if row.kind
                )
                or _TIER_NOTES[tier],
                points=" ".join(f"{x:.1f},{y:.1f}" for x, y in corners),
                centre_x=apex_x,
                middle_y=round(middle, 1),
                edge_x=round(apex_x + half(middle) + 6, 1),
            )
        )
    aside_y = depth + 12
    return Pyramid(
        width=PYRAMID_WIDTH,
        height=PYRAMID_HEIGHT,
        label_x=2 * base_half + 24,
        bands=tuple(bands),
        individuals=sum(measures.tier_total(t) for t in Tier if t.for_individuals),
        aside_x=apex_x - base_half,
        aside_y=aside_y,
        aside_width=2 * base_half,
        aside_height=PYRAMID_HEIGHT - aside_y - 2,
    )
