"""What each person's home page shows, by the roles they hold: read-only use cases.

A keyworker sees their partnerships and what is overdue or due first, each item with the one
action that clears it; a committee member the cases awaiting their vote, the annual reviews
due and the decisions they took; the Head of Partnerships the month at a glance (the figures
of the one `MonthlyMeasures` the report draws), what needs attention and the team's overdue
work. Someone with several roles gets every section that applies. Results are frozen
dataclasses, built in one read-only transaction per section.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ceop_workflow.app.links import path_for
from ceop_workflow.app.records import REVIEWERS, ReviewKind
from ceop_workflow.app.service import Service
from ceop_workflow.app.worklist import Duty, Worklist, looked_after_by
from ceop_workflow.engine.definitions import Definition, TransitionDef
from ceop_workflow.engine.tiers import tier_label
from ceop_workflow.reports.measures import MonthlyMeasures, OverdueReview, StaleEngagement
from ceop_workflow.reports.periods import months_back
from ceop_workflow.store.models import (
    AuditEntry,
    BusinessCase,
    CommitteeDecision,
    Contact,
    Partnership,
    Review,
)

COMMITTEE_ROLE = "committee"
HEAD_ROLE = "head_of_partnerships"
_URGENCY = {"overdue": 0, "case": 1, "due": 2, "stale": 3}
RECENT_DECISIONS = 10
RECENT_MONTHS = 13


@dataclass(frozen=True)
class Action:
    """A link that does something about an item: what it says and where it goes."""

    label: str
    href: str


def action_for(partnership_id: int, duty: Duty, roles: frozenset[str]) -> Action:
    """The page where the duty is cleared: a review's form (for those who may record it), the
    contact form, or the partnership's page."""
    if duty.name in {"monthly review", "annual review"}:
        kind = ReviewKind(duty.name.split()[0])
        if REVIEWERS[kind] & roles:
            article = "an" if kind is ReviewKind.ANNUAL else "a"
            return Action(
                f"Record {article} {duty.name}", path_for(partnership_id, f"{kind.value}_review")
            )
        who = " or ".join(sorted(r.replace("_", " ") for r in REVIEWERS[kind]))
        return Action(f"Open the partnership ({who} records it)", path_for(partnership_id))
    if duty.status == "stale":
        return Action("Log a contact", path_for(partnership_id, "contact"))
    return Action("Open the partnership", path_for(partnership_id, "view"))


@dataclass(frozen=True)
class DutyItem:
    """One thing a partnership needs, with the action that clears it."""

    partnership_id: int
    partner: str
    keyworker: str
    status: str  # overdue, case, due or stale
    name: str
    since: datetime
    action: Action


@dataclass(frozen=True)
class MyPartnership:
    """A running partnership the person is keyworker or manager of."""

    id: int
    partner: str
    state: str
    tier_label: str | None
    duties: tuple[DutyItem, ...]

    @property
    def urgency(self) -> int:
        """0 for overdue work, then an open case, due, stale; 9 when nothing is needed."""
        return min((_URGENCY.get(d.status, 8) for d in self.duties), default=9)


@dataclass(frozen=True)
class KeyworkerHome:
    """A keyworker's partnerships, the neediest first, and every item to act on, overdue first."""

    partnerships: tuple[MyPartnership, ...]
    todo: tuple[DutyItem, ...]


@dataclass(frozen=True)
class Decision:
    """One committee member's decision on a business case."""

    member: str
    decision: str
    at: datetime


@dataclass(frozen=True)
class AwaitingVote:
    """A business case before the committee that the person may still vote on."""

    id: int
    partner: str
    version: int
    since: datetime
    title: str | None
    objectives: tuple[str, ...]
    decisions: tuple[Decision, ...]
    fireable: tuple[TransitionDef, ...]


@dataclass(frozen=True)
class DecisionTaken:
    """A decision the person took as a committee member."""

    partnership_id: int
    partner: str
    decision: str
    at: datetime
    note: str | None


@dataclass(frozen=True)
class CommitteeHome:
    """Cases awaiting the member's vote, annual reviews due, and the member's own decisions."""

    awaiting: tuple[AwaitingVote, ...]
    annual_reviews: tuple[DutyItem, ...]
    decisions: tuple[DecisionTaken, ...]


@dataclass(frozen=True)
class KeyworkerLoad:
    """One member of the team and their overdue reviews and stale engagements."""

    keyworker: str
    overdue: tuple[OverdueReview, ...]
    stale: tuple[StaleEngagement, ...]


@dataclass(frozen=True)
class HeadHome:
    """The month at a glance for the Head of Partnerships: the report's own figures."""

    measures: MonthlyMeasures
    team: tuple[KeyworkerLoad, ...]

    @property
    def attention(self) -> int:
        """How many items need attention: signs of failure, escalations, waiting leads, stale."""
        m = self.measures
        return (
            len(m.failure_signs)
            + len(m.open_escalations)
            + len(m.leads_waiting)
            + len(m.stale_engagements)
        )


def team_load(measures: MonthlyMeasures) -> tuple[KeyworkerLoad, ...]:
    """Overdue reviews and stale engagements by keyworker, the most overdue keyworker first."""
    overdue: dict[str, list[OverdueReview]] = defaultdict(list)
    stale: dict[str, list[StaleEngagement]] = defaultdict(list)
    for review in measures.reviews.overdue:
        overdue[review.keyworker].append(review)
    for item in measures.stale_engagements:
        stale[item.keyworker].append(item)
    loads = [
        KeyworkerLoad(k, tuple(overdue.get(k, ())), tuple(stale.get(k, ())))
        for k in sorted(overdue.keys() | stale.keys())
    ]
    return tuple(sorted(loads, key=lambda w: (-len(w.overdue), -len(w.stale), w.keyworker)))


class HomePages:
    """The sections of a home page, read through the service the request acts with."""

    def __init__(self, service: Service, granted: frozenset[str] = frozenset()) -> None:
        self.service = service
        # The roles the person's account grants, counted with [roles] by the one resolver.
        self.granted = granted
        self.worklist = Worklist(service)

    def _definition(self, session: Session, p: Partnership) -> Definition:
        return self.service.catalog.machine(session, p.workflow, p.workflow_version).definition

    def _items(
        self, session: Session, definition: Definition, p: Partnership, actor: str
    ) -> list[DutyItem]:
        # The worklist's own duty maths, so the home page shows what the daemon acts on.
        duties = self.worklist._duties(session, definition, p)
        roles = self.service.roles_of(actor, p, self.granted)
        return [
            DutyItem(
                p.id,
                p.partner.name,
                p.keyworker,
                d.status,
                d.name,
                d.since,
                action_for(p.id, d, roles),
            )
            for d in duties
        ]

    def keyworker(self, actor: str) -> KeyworkerHome:
        """The actor's running partnerships (as keyworker or manager) and what they need."""
        query = looked_after_by(actor)
        mine: list[MyPartnership] = []
        with self.service.db.reading() as session:
            for p in session.scalars(query):
                definition = self._definition(session, p)
                if definition.states[p.state].terminal:
                    continue
                items = tuple(self._items(session, definition, p, actor))
                mine.append(
                    MyPartnership(
                        p.id, p.partner.name, p.state, tier_label(p.tier, p.tier_kind), items
                    )
                )
        mine.sort(key=lambda m: (m.urgency, m.partner.lower()))
        todo = sorted(
            (d for m in mine for d in m.duties), key=lambda d: (_URGENCY.get(d.status, 8), d.since)
        )
        return KeyworkerHome(tuple(mine), tuple(todo))

    def committee(self, actor: str) -> CommitteeHome:
        """What waits on this committee member, and what they decided lately."""
        actor = actor.strip().lower()
        awaiting: list[AwaitingVote] = []
        annual: list[DutyItem] = []
        query = select(Partnership).options(joinedload(Partnership.partner))
        with self.service.db.reading() as session:
            for p in session.scalars(query.order_by(Partnership.state_entered_at)):
                definition = self._definition(session, p)
                if definition.states[p.state].terminal:
                    continue
                if any(COMMITTEE_ROLE in t.roles for t in definition.transitions_from(p.state)):
                    vote = self._awaiting(session, p, actor)
                    if vote is not None:
                        awaiting.append(vote)
                annual += [
                    d
                    for d in self._items(session, definition, p, actor)
                    if d.name == "annual review"
                ]
            decisions = self._decided(session, actor)
        annual.sort(key=lambda d: (_URGENCY.get(d.status, 8), d.since))
        return CommitteeHome(tuple(awaiting), tuple(annual), decisions)

    def _awaiting(self, session: Session, p: Partnership, actor: str) -> AwaitingVote | None:
        decisions = tuple(
            Decision(d.member, d.decision, d.at)
            for d in session.scalars(
                select(CommitteeDecision)
                .filter_by(partnership_id=p.id, round_started_at=p.state_entered_at)
                .order_by(CommitteeDecision.id)
            )
        )
        fireable = tuple(self.worklist.fireable(session, p, actor, self.granted))
        if not fireable or any(d.member == actor for d in decisions):
            return None
        case = session.scalars(
            select(BusinessCase).filter_by(partnership_id=p.id).order_by(BusinessCase.id.desc())
        ).first()
        return AwaitingVote(
            id=p.id,
            partner=p.partner.name,
            version=p.version,
            since=p.state_entered_at,
            title=case.title if case else None,
            objectives=tuple(case.objectives) if case else (),
            decisions=decisions,
            fireable=fireable,
        )

    @staticmethod
    def _decided(session: Session, actor: str) -> tuple[DecisionTaken, ...]:
        rows = session.execute(
            select(CommitteeDecision, Partnership)
            .join(Partnership, Partnership.id == CommitteeDecision.partnership_id)
            .options(joinedload(Partnership.partner))
            .where(CommitteeDecision.member == actor)
            .order_by(CommitteeDecision.at.desc(), CommitteeDecision.id.desc())
            .limit(RECENT_DECISIONS)
        ).all()
        return tuple(DecisionTaken(p.id, p.partner.name, d.decision, d.at, d.note) for d, p in rows)

    def head(self) -> HeadHome:
        """This month so far, as the monthly report counts it, and the team's overdue work."""
        today = self.service.clock.now().astimezone(self.service.settings.tz).date()
        measures = self.service.measures(today.replace(day=1))
        return HeadHome(measures, team_load(measures))

    def report_months(self) -> tuple[date, ...]:
        """The last 13 months and every month anything happened in, newest first.

        So the report's month picker offers the months that have data, however long ago (the
        demo's 2007/08), and not only the last year of the calendar.
        """
        tz = self.service.settings.tz
        now = self.service.clock.now().astimezone(tz)
        months = set(months_back(date(now.year, now.month, 1), RECENT_MONTHS))
        with self.service.db.reading() as session:
            for column in (AuditEntry.at, Review.at, Contact.at):
                for moment in session.scalars(select(column).distinct()):
                    local = moment.astimezone(tz)
                    months.add(date(local.year, local.month, 1))
        return tuple(sorted(months, reverse=True))
