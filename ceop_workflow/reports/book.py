"""What the report knows of the store, as plain data, and each measure worked out from it.

`compute` reads the database into a `Book`; everything here is pure, so each rule below can be
read (and tested) without SQL. A `Window` is the stretch of time reported on: a calendar month
in the report's time zone, cut short at `now` for a month still in progress.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from ceop_workflow.engine.cadence import local_instant
from ceop_workflow.engine.definitions import Definition
from ceop_workflow.engine.tiers import Tier, TierKind
from ceop_workflow.reports.duties import idle_limit, review_duties, waiting_states
from ceop_workflow.reports.history import Timeline
from ceop_workflow.reports.measures import (
    FeedbackItem,
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
    WaitingLead,
)
from ceop_workflow.reports.periods import next_month

ESCALATED = "escalated"
IN_KIND = "in_kind"
_TICK = timedelta(microseconds=1)
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Window:
    """[start, end) in UTC for `month` in `tz`; `end` is `now` for a month in progress."""

    month: date
    start: datetime
    end: datetime
    tz: ZoneInfo

    @classmethod
    def of(cls, month: date, tz: ZoneInfo, now: datetime | None = None) -> Window:
        """The window of `month`, cut at `now` when `now` falls inside it."""
        start = local_instant(month, time(0), tz)
        end = local_instant(next_month(month), time(0), tz)
        if now is not None:
            if now <= start:
                raise ValueError(f"{month:%B %Y} has not begun at {now.isoformat()}")
            end = min(end, now)
        return cls(month, start, end, tz)

    @property
    def last(self) -> datetime:
        """The last instant inside the window: where point-in-time figures are taken."""
        return self.end - _TICK

    @property
    def as_of(self) -> date:
        """The local day of `last`: the month's last day, or today for a month in progress."""
        return self.local(self.last)

    def local(self, moment: datetime) -> date:
        """The day `moment` falls on in the report's time zone."""
        return moment.astimezone(self.tz).date()

    def holds(self, moment: datetime) -> bool:
        """Whether `moment` lies in [start, end)."""
        return self.start <= moment < self.end


@dataclass(frozen=True)
class PartnershipFacts:
    """One partnership: who, on which definition, and its rebuilt history."""

    id: int
    partner_id: int
    partner: str
    individual: bool
    keyworker: str
    manager: str | None
    created_at: datetime
    definition: Definition
    history: Timeline


@dataclass(frozen=True)
class ReviewFacts:
    """One recorded review."""

    partnership_id: int
    kind: str
    period: str | None
    at: datetime
    all_met: bool
    feedback: str | None


@dataclass(frozen=True)
class ContributionFacts:
    """Funding or an in-kind resource, by the day it was received."""

    received_on: date
    kind: str
    value: Decimal


@dataclass(frozen=True)
class Book:
    """Everything the report reads, loaded once. `running` are the states of a partnership
    that holds a tier (active, escalated, renewal)."""

    partnerships: tuple[PartnershipFacts, ...]
    reviews: tuple[ReviewFacts, ...]
    contributions: tuple[ContributionFacts, ...]
    last_contact: Mapping[int, datetime]
    case_titles: Mapping[int, tuple[tuple[datetime, str], ...]]
    running: frozenset[str]

    def was_running(self, p: PartnershipFacts, start: datetime, end: datetime) -> bool:
        """Whether `p` held a tier at any moment of [start, end)."""
        return any(s.state in self.running for s in p.history.stints_between(start, end))


def objectives(book: Book, w: Window) -> ObjectivesMeasure:
    """The KPI's parts for the window: every organisation's partnership that owed a monthly
    review (a monthly duty fell due while it sat in a running state of its definition, or it
    had a monthly review recorded in the window), split into met, not met and not reviewed by
    its latest monthly review in the window. Individuals (Ambassadors) are reviewed yearly, so
    they would only dilute a monthly measure."""
    latest: dict[int, ReviewFacts] = {}
    for r in sorted(book.reviews, key=lambda r: r.at):
        if r.kind == ReviewKind.MONTHLY and w.holds(r.at):
            latest[r.partnership_id] = r  # later reviews overwrite earlier ones
    met = not_met = 0
    not_reviewed = []
    for p in book.partnerships:
        if p.individual:
            continue
        review = latest.get(p.id)
        if review is not None:
            met += review.all_met
            not_met += not review.all_met
        elif owed_monthly_review(book, p, w):
            not_reviewed.append(NotReviewed(p.partner, p.keyworker, p.id))
    not_reviewed.sort(key=lambda n: (n.partner, n.partnership_id or 0))
    return ObjectivesMeasure(met=met, not_met=not_met, not_reviewed=tuple(not_reviewed))


def owed_monthly_review(book: Book, p: PartnershipFacts, w: Window) -> bool:
    """Whether a monthly review duty of `p` fell due in the window in a running state."""
    return any(
        duty.completed_by == ReviewKind.MONTHLY and duty.state in book.running
        for duty in review_duties(p.definition, p.history, w.start, w.end, w.tz)
    )


def funding_between(book: Book, first: date, last: date, kind: str | None = None) -> Decimal:
    """Contributions received from `first` to `last` inclusive (of one kind, if given)."""
    return sum(
        (
            c.value
            for c in book.contributions
            if first <= c.received_on <= last and (kind is None or c.kind == kind)
        ),
        Decimal(0),
    )


def tier_counts(book: Book, w: Window) -> tuple[TierCount, ...]:
    """Partnerships holding each tier (and kind) at the end of the window, top tier first."""
    counts: Counter[tuple[Tier, TierKind | None]] = Counter()
    for p in book.partnerships:
        setting = p.history.tier_at(w.last)
        if p.history.state_at(w.last) in book.running and setting is not None:
            counts[(setting.tier, setting.kind)] += 1
    tiers, kinds = list(Tier), [None, *TierKind]
    order = sorted(counts, key=lambda key: (tiers.index(key[0]), kinds.index(key[1])))
    return tuple(TierCount(tier, counts[(tier, kind)], kind) for tier, kind in order)


def state_counts(book: Book, w: Window) -> tuple[StateCount, ...]:
    """Partnerships in each state at the end of the window, in the order their definitions
    list the states (the most used definition first); states nobody is in are left out."""
    counts = Counter(
        state for p in book.partnerships if (state := p.history.state_at(w.last)) is not None
    )
    used = Counter(p.definition.name for p in book.partnerships)
    definitions = {p.definition.name: p.definition for p in book.partnerships}
    order: list[str] = []
    for name in sorted(definitions, key=lambda n: (-used[n], n)):
        order += [s for s in definitions[name].states if s not in order]
    order += sorted(s for s in counts if s not in order)
    return tuple(StateCount(s, counts[s]) for s in order if counts[s])


def tier_movements(book: Book, w: Window) -> tuple[TierMovement, ...]:
    """Changes from one tier to another agreed in the window (a first tier is no movement)."""
    moves = []
    for p in book.partnerships:
        for before, after in zip(p.history.tiers, p.history.tiers[1:], strict=False):
            if w.holds(after.at) and after.tier is not before.tier:
                moves.append(TierMovement(p.partner, before.tier, after.tier, w.local(after.at)))
    return tuple(sorted(moves, key=lambda m: (m.on, m.partner)))


def new_initiatives(book: Book, w: Window) -> tuple[NewInitiative, ...]:
    """Partnerships that took their first tier in the window (went live), titled by their
    business case; `new_partner` when the partner had no partnership live before."""
    went_live = {
        p.id: first.at for p in book.partnerships if (first := p.history.first_tier()) is not None
    }
    items = []
    for p in book.partnerships:
        live = went_live.get(p.id)
        if live is None or not w.holds(live):
            continue
        earlier = any(
            other.partner_id == p.partner_id and other.id != p.id and went_live[other.id] < live
            for other in book.partnerships
            if other.id in went_live
        )
        titles = [title for at, title in book.case_titles.get(p.id, ()) if at <= live]
        title = titles[-1] if titles else f"{p.definition.name} (no business case)"
        items.append(NewInitiative(p.partner, title, w.local(live), not earlier))
    return tuple(sorted(items, key=lambda i: (i.started, i.partner)))


def feedback(book: Book, w: Window) -> tuple[FeedbackItem, ...]:
    """Partner feedback recorded with a review in the window."""
    names = {p.id: p.partner for p in book.partnerships}
    items = [
        FeedbackItem(names[r.partnership_id], w.local(r.at), r.feedback.strip())
        for r in book.reviews
        if w.holds(r.at) and r.feedback and r.feedback.strip()
    ]
    return tuple(sorted(items, key=lambda f: (f.received, f.partner)))


def reviews(book: Book, w: Window) -> ReviewsMeasure:
    """Review duties due in the window and how many were done (a review of the duty's kind
    recorded for its period before the window's end); overdue: every duty of the current stay
    in a state still not done once its grace (`overdue_after`) has run out."""
    done = {(r.partnership_id, r.kind, r.period) for r in book.reviews if r.at < w.end}
    due_count = done_count = 0
    overdue = []
    for p in book.partnerships:
        for duty in review_duties(p.definition, p.history, w.start, w.end, w.tz):
            due_count += 1
            done_count += (p.id, duty.completed_by, duty.period.key) in done
        stint = p.history.stint_at(w.last)
        if stint is None:
            continue
        for duty in review_duties(p.definition, p.history, stint.start, w.end, w.tz):
            if duty.overdue_at <= w.last and (p.id, duty.completed_by, duty.period.key) not in done:
                due_on = w.local(duty.due_at)
                overdue.append(
                    OverdueReview(
                        p.partner,
                        ReviewKind(duty.completed_by),
                        due_on,
                        (w.as_of - due_on).days,
                        p.keyworker,
                        p.id,
                    )
                )
    overdue.sort(key=lambda r: (r.due_on, r.partner))
    return ReviewsMeasure(due=due_count, done=done_count, overdue=tuple(overdue))


def stale_engagements(book: Book, w: Window) -> tuple[StaleEngagement, ...]:
    """Partnerships whose state has an `idle` timer and that, at the end of the window, have
    gone longer than their tier allows without a logged contact. The clock starts at the last
    contact or at entering the state, whichever is later; whole days are compared."""
    items = []
    for p in book.partnerships:
        stint, setting = p.history.stint_at(w.last), p.history.tier_at(w.last)
        if stint is None or setting is None:
            continue
        limit = idle_limit(p.definition, stint.state, setting.tier)
        if limit is None:
            continue
        contact = book.last_contact.get(p.id)
        since = max(contact, stint.start) if contact else stint.start
        idle_days, limit_days = (w.end - since) // _DAY, math.ceil(limit / _DAY)
        if idle_days > limit_days:
            last_contact = None if contact is None else w.local(contact)
            items.append(
                StaleEngagement(
                    p.partner, setting.tier, p.keyworker, last_contact, idle_days, limit_days, p.id
                )
            )
    return tuple(sorted(items, key=lambda s: (-s.days_idle, s.partner)))


def open_escalations(book: Book, w: Window) -> tuple[OpenEscalation, ...]:
    """Partnerships in the `escalated` state at the end of the window, with why and since when."""
    items = []
    for p in book.partnerships:
        stint = p.history.stint_at(w.last)
        if stint is None or stint.state != ESCALATED:
            continue
        reason = stint.entry.data.get("reason") or stint.entry.comment
        items.append(
            OpenEscalation(
                p.partner,
                w.local(stint.start),
                str(reason) if reason else f"escalated by {stint.entry.actor}",
                p.manager or p.keyworker,
                p.id,
            )
        )
    return tuple(sorted(items, key=lambda e: (e.since, e.partner)))


def leads_waiting(book: Book, w: Window) -> tuple[WaitingLead, ...]:
    """Partnerships still before their business case went to the committee, at the end of the
    window, with who referred them (whoever created the lead) and how long they have waited."""
    items = []
    for p in book.partnerships:
        stint = p.history.stint_at(w.last)
        if stint is None or stint.state not in waiting_states(p.definition):
            continue
        since = w.local(p.created_at)
        referred_by = p.history.stints[0].entry.actor
        items.append(WaitingLead(p.partner, since, (w.as_of - since).days, referred_by, p.id))
    return tuple(sorted(items, key=lambda lead: (lead.since, lead.name)))
