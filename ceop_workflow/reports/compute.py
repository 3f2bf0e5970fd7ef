"""One month's measures, read from the store.

`compute_measures` loads what the report needs into a `Book` in a handful of queries (a centre
has hundreds of partnerships, not millions, so it reads them whole) and works each measure out
in `book`. Point-in-time figures (tiers, states, overdue, stale, escalated, waiting) are taken
at the end of the month, or at `now` for a month still in progress; states and tiers at that
moment are rebuilt from the audit trail, so a past month reports as it stood then.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from ceop_workflow.app.catalog import Catalog
from ceop_workflow.config import StrategySettings
from ceop_workflow.engine.definitions import Definition, Vocabulary
from ceop_workflow.engine.rules import DEFAULT_REGISTRY
from ceop_workflow.errors import BadInput
from ceop_workflow.reports import book as figures
from ceop_workflow.reports.book import (
    Book,
    ContributionFacts,
    PartnershipFacts,
    ReviewFacts,
    Window,
)
from ceop_workflow.reports.history import Event, timeline
from ceop_workflow.reports.measures import (
    TREND_MONTHS,
    FundingMeasure,
    MonthlyMeasures,
    TrendPoint,
)
from ceop_workflow.reports.periods import (
    financial_year_start,
    month_end,
    months_back,
    months_into_financial_year,
    next_month,
)
from ceop_workflow.reports.signs_store import load_signs
from ceop_workflow.reports.targets import target_delivery
from ceop_workflow.store.models import (
    AuditEntry,
    BusinessCase,
    Contact,
    Contribution,
    Partnership,
    Review,
)

__all__ = ["compute_measures"]


def compute_measures(
    session: Session,
    month: date,
    tz: ZoneInfo,
    *,
    now: datetime | None = None,
    catalog: Catalog | None = None,
    strategy: StrategySettings | None = None,
) -> MonthlyMeasures:
    """The measures of `month` (its first day) in time zone `tz`, from the store.

    Without `now` the month is taken as complete. With `now` inside the month, figures stop
    at `now` (a report on the month so far); a month that has not begun is refused. `catalog`
    parses stored workflow definitions (pass the service's, to share its registry and cache).
    """
    if month.day != 1:
        raise BadInput(f"a report month is given by its first day, not {month.isoformat()}")
    try:
        window = Window.of(month, tz, now)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    trend_start = months_back(month, TREND_MONTHS)[0]
    catalog = catalog or _default_catalog()
    book = _load(session, window, trend_start, catalog)
    stale = figures.stale_engagements(book, window)
    signs = load_signs(session, window, stale, catalog, strategy or StrategySettings())
    return MonthlyMeasures(
        month=month,
        as_of=window.as_of,
        objectives=figures.objectives(book, window),
        funding=_funding(book, window),
        reviews=figures.reviews(book, window),
        initiatives=figures.new_initiatives(book, window),
        feedback=figures.feedback(book, window),
        by_tier=figures.tier_counts(book, window),
        by_state=figures.state_counts(book, window),
        tier_movements=figures.tier_movements(book, window),
        stale_engagements=stale,
        open_escalations=figures.open_escalations(book, window),
        leads_waiting=figures.leads_waiting(book, window),
        trend=_trend(book, window, trend_start),
        failure_signs=signs,
        targets=target_delivery(session, book, window),
    )


def _default_catalog() -> Catalog:
    # Stored definitions were checked against roles and templates when they were loaded;
    # reading them back only needs the names of guards and actions.
    return Catalog(DEFAULT_REGISTRY, Vocabulary(DEFAULT_REGISTRY))


def _funding(book: Book, w: Window) -> FundingMeasure:
    year_start = financial_year_start(w.month)
    return FundingMeasure(
        year_to_date=figures.funding_between(book, year_start, w.as_of),
        in_month=figures.funding_between(book, w.month, w.as_of),
        months_elapsed=months_into_financial_year(w.month),
        in_kind_year_to_date=figures.funding_between(book, year_start, w.as_of, figures.IN_KIND),
        in_kind_in_month=figures.funding_between(book, w.month, w.as_of, figures.IN_KIND),
    )


def _trend(book: Book, w: Window, first: date) -> tuple[TrendPoint, ...]:
    points = []
    for month in months_back(w.month, TREND_MONTHS):
        part = Window.of(month, w.tz, w.end if month == w.month else None)
        parts = figures.objectives(book, part)
        raised = figures.funding_between(book, month, min(month_end(month), w.as_of))
        points.append(
            TrendPoint(month=month, met=parts.met, owed=parts.owed, funding_in_month=raised)
        )
    assert points[0].month == first
    return tuple(points)


def _load(session: Session, w: Window, trend_start: date, catalog: Catalog) -> Book:
    end = w.end
    rows = session.scalars(
        select(Partnership)
        .options(joinedload(Partnership.partner))
        .where(Partnership.created_at < end)
        .order_by(Partnership.id)
    ).all()
    events: defaultdict[int, list[Event]] = defaultdict(list)
    for entry in session.scalars(
        select(AuditEntry).where(AuditEntry.at < end).order_by(AuditEntry.at, AuditEntry.id)
    ):
        events[entry.partnership_id].append(
            Event(
                entry.at,
                entry.trigger,
                entry.source,
                entry.dest,
                entry.actor,
                entry.comment,
                entry.data or {},
            )
        )
    definitions: dict[tuple[str, int], Definition] = {}
    for p in rows:
        key = (p.workflow, p.workflow_version)
        if key not in definitions:
            definitions[key] = catalog.machine(session, *key).definition
    titles: defaultdict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for case in session.execute(
        select(BusinessCase.partnership_id, BusinessCase.submitted_at, BusinessCase.title)
        .where(BusinessCase.submitted_at < end)
        .order_by(BusinessCase.submitted_at, BusinessCase.id)
    ):
        titles[case.partnership_id].append((case.submitted_at, case.title))
    return Book(
        partnerships=tuple(
            PartnershipFacts(
                id=p.id,
                partner_id=p.partner_id,
                partner=p.partner.name,
                individual=p.partner.individual,
                keyworker=p.keyworker,
                manager=p.manager,
                created_at=p.created_at,
                definition=definitions[(p.workflow, p.workflow_version)],
                history=timeline(events[p.id]),
            )
            for p in rows
        ),
        reviews=tuple(
            ReviewFacts(r.partnership_id, r.kind, r.period, r.at, r.all_met, r.feedback)
            for r in session.scalars(select(Review).where(Review.at < end))
        ),
        contributions=tuple(
            ContributionFacts(c.received_on, c.kind, c.value_gbp)
            for c in session.scalars(
                select(Contribution).where(
                    Contribution.received_on >= min(trend_start, financial_year_start(w.month)),
                    Contribution.received_on < next_month(w.month),
                )
            )
        ),
        last_contact=dict(
            session.execute(
                select(Contact.partnership_id, func.max(Contact.at))
                .where(Contact.at < end)
                .group_by(Contact.partnership_id)
            ).all()
        ),
        case_titles={pid: tuple(items) for pid, items in titles.items()},
        running=frozenset().union(*(d.running_states for d in definitions.values())),
    )
