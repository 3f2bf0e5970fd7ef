"""Read-only use cases for people at work: what is due, the committee's queue, a full record.

Due, overdue and stale are worked out from the partnership's own workflow definition (its
state's timers) with the engine's cadence maths, so the web shows what the daemon acts on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ceop_workflow.app.roles import NO_GRANTS
from ceop_workflow.app.service import Service
from ceop_workflow.app.views import (
    PartnershipDetail,
    PartnershipSummary,
    fields_of,
    iso,
    partnership_summary,
)
from ceop_workflow.engine.cadence import AnnualRule, MonthlyRule, Period, parse_duration
from ceop_workflow.engine.definitions import Definition, TransitionDef
from ceop_workflow.engine.timers import TimerDef
from ceop_workflow.errors import NotFound, Refused
from ceop_workflow.store.models import (
    Alert,
    BusinessCase,
    CommitteeDecision,
    Contact,
    Contribution,
    DaemonLease,
    Partnership,
    Review,
)
from ceop_workflow.store.strategy import CASE_KIND
from ceop_workflow.strategy.cases import LIVE as LIVE_CASE

# The partnership page's reads, built once (building a statement costs more than running it).
_ID: BindParameter[int] = bindparam("id")
_LATEST_CASE = (
    select(BusinessCase)
    .where(BusinessCase.partnership_id == _ID)
    .order_by(BusinessCase.id.desc())
    .limit(1)
)
_CONTACTS = (
    select(Contact).where(Contact.partnership_id == _ID).order_by(Contact.at.desc()).limit(50)
)
_CONTRIBUTIONS = (
    select(Contribution).where(Contribution.partnership_id == _ID).order_by(Contribution.id)
)
_REVIEWS = (
    select(Review)
    .options(selectinload(Review.outcomes))
    .where(Review.partnership_id == _ID)
    .order_by(Review.at.desc())
    .limit(24)
)
_ROUND_DECISIONS = (
    select(CommitteeDecision)
    .where(
        CommitteeDecision.partnership_id == _ID,
        CommitteeDecision.round_started_at == bindparam("round"),
    )
    .order_by(CommitteeDecision.id)
)

_LAST_CONTACT = select(func.max(Contact.at)).where(Contact.partnership_id == _ID)
_REVIEWED = (
    select(Review.id)
    .where(
        Review.partnership_id == _ID,
        Review.kind == bindparam("kind"),
        Review.period == bindparam("period"),
    )
    .limit(1)
)
_OPEN_CASES = select(Alert.opened_at).where(
    Alert.partnership_id == _ID, Alert.kind == CASE_KIND, Alert.status.in_(LIVE_CASE)
)


@dataclass(frozen=True)
class Duty:
    """Something a partnership needs now: `status` is due, overdue or stale."""

    status: str
    name: str
    since: datetime


@dataclass(frozen=True, slots=True)
class CaseView:
    """The latest business case of a partnership."""

    title: str
    objectives: tuple[str, ...]
    core_policing: bool
    benefits: str | None
    resources: str | None
    proposed_tier: str | None
    author: str
    submitted_at: str | None


@dataclass(frozen=True, slots=True)
class DecisionLine:
    """A committee member's decision in the current round."""

    member: str
    decision: str
    note: str | None


@dataclass(frozen=True, slots=True)
class ContactLine:
    """A contact logged with the partner."""

    kind: str
    by: str
    at: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class ContributionLine:
    """Something the partner contributed; `gbp` is the value as exact decimal text."""

    kind: str
    gbp: str
    received_on: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class OutcomeLine:
    """Whether one objective was met at a review."""

    objective: str
    met: bool


@dataclass(frozen=True, slots=True)
class ReviewLine:
    """A monthly or annual review."""

    kind: str
    period: str | None
    by: str
    at: str | None
    all_met: bool
    feedback: str | None
    outcomes: tuple[OutcomeLine, ...]


@dataclass(frozen=True, slots=True)
class PartnershipRecord(PartnershipDetail):
    """Everything the partnership page shows, with the transitions the reader may fire."""

    definition: Definition
    fireable: tuple[TransitionDef, ...]
    business_case: CaseView | None
    decisions: tuple[DecisionLine, ...]
    contacts: tuple[ContactLine, ...]
    contributions: tuple[ContributionLine, ...]
    reviews: tuple[ReviewLine, ...]
    duties: tuple[Duty, ...]


@dataclass(frozen=True, slots=True)
class PartnershipForCaller(PartnershipDetail):
    """One partnership with the triggers the caller may fire now (the API's view)."""

    may_fire: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MinePartnership(PartnershipSummary):
    """A running partnership of the reader's, with what it needs now."""

    duties: tuple[Duty, ...]


@dataclass(frozen=True, slots=True)
class QueueItem(PartnershipSummary):
    """A partnership waiting on the committee: its case, the votes so far, what may be fired."""

    business_case: CaseView | None
    decisions: tuple[DecisionLine, ...]
    fireable: tuple[TransitionDef, ...]


@dataclass(frozen=True, slots=True)
class DutyStatus:
    """What one daemon duty last did, from the lease it keeps."""

    name: str
    holder: str | None
    expires_at: str | None
    last_sweep_at: str | None
    # The sweep's own summary as stored: a document the admin page prints as it is.
    last_sweep: dict[str, Any] | None


def looked_after_by(actor: str) -> Select[Partnership]:
    """Every partnership whose keyworker or manager is `actor`, with its partner, by id."""
    actor = actor.strip().lower()
    return (
        select(Partnership)
        .options(joinedload(Partnership.partner))
        .where((Partnership.keyworker == actor) | (Partnership.manager == actor))
        .order_by(Partnership.id)
    )


class Worklist:
    """Reads for the web pages, through the service the request acts with."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def fireable(
        self, session: Session, p: Partnership, actor: str, granted: frozenset[str] = NO_GRANTS
    ) -> tuple[TransitionDef, ...]:
        """The transitions from the current state the actor holds a role for (engine's check)."""
        machine = self.service.catalog.machine(session, p.workflow, p.workflow_version)
        roles = self.service.roles_of(actor, p, granted)
        allowed: list[TransitionDef] = []
        for t in machine.definition.transitions_from(p.state):
            try:
                machine.check(t.trigger, p.state, None, roles)
            except Refused:
                continue
            allowed.append(t)
        return tuple(allowed)

    def transition(self, partnership_id: int, trigger: str) -> TransitionDef | None:
        """The transition `trigger` from the partnership's current state, if there is one."""
        with self.service.db.reading() as session:
            p = session.get(Partnership, partnership_id)
            if p is None:
                raise NotFound(f"no partnership with id {partnership_id}")
            machine = self.service.catalog.machine(session, p.workflow, p.workflow_version)
            return machine.definition.transition(trigger, p.state)

    def record(
        self, partnership_id: int, actor: str, granted: frozenset[str] = NO_GRANTS
    ) -> PartnershipRecord:
        """Everything the partnership page shows, with the triggers `actor` may fire now.

        One transaction, and a number of statements that does not grow with the history.
        """
        with self.service.db.reading() as session:
            p, shown = self.service.shown_in(session, partnership_id)
            definition = self.service.catalog.machine(
                session, p.workflow, p.workflow_version
            ).definition
            ids = {"id": p.id}
            case = session.scalars(_LATEST_CASE, ids).first()
            contacts = session.scalars(_CONTACTS, ids).all()
            contributions = session.scalars(_CONTRIBUTIONS, ids).all()
            reviews = session.scalars(_REVIEWS, ids).all()
            return PartnershipRecord(
                **fields_of(shown),
                definition=definition,
                fireable=self.fireable(session, p, actor, granted),
                business_case=_case(case),
                decisions=self._decisions(session, p),
                contacts=tuple(
                    ContactLine(kind=c.kind, by=c.by, at=iso(c.at), note=c.note) for c in contacts
                ),
                contributions=tuple(
                    ContributionLine(
                        kind=c.kind,
                        gbp=str(c.value_gbp),
                        received_on=iso(c.received_on),
                        note=c.note,
                    )
                    for c in contributions
                ),
                reviews=tuple(
                    ReviewLine(
                        kind=r.kind,
                        period=r.period,
                        by=r.by,
                        at=iso(r.at),
                        all_met=r.all_met,
                        feedback=r.feedback,
                        outcomes=tuple(OutcomeLine(o.objective, o.met) for o in r.outcomes),
                    )
                    for r in reviews
                ),
                duties=self._duties(session, definition, p),
            )

    def for_caller(
        self, partnership_id: int, actor: str, granted: frozenset[str] = NO_GRANTS
    ) -> PartnershipForCaller:
        """One partnership with its history and the triggers `actor` may fire now."""
        with self.service.db.reading() as session:
            p, shown = self.service.shown_in(session, partnership_id)
            may_fire = tuple(t.trigger for t in self.fireable(session, p, actor, granted))
            return PartnershipForCaller(**fields_of(shown), may_fire=may_fire)

    @staticmethod
    def _decisions(session: Session, p: Partnership) -> tuple[DecisionLine, ...]:
        rows = session.scalars(_ROUND_DECISIONS, {"id": p.id, "round": p.state_entered_at}).all()
        return tuple(DecisionLine(d.member, d.decision, d.note) for d in rows)

    def mine(self, actor: str) -> list[MinePartnership]:
        """The actor's partnerships (as keyworker or manager) still running, with their duties."""
        query = looked_after_by(actor)
        mine: list[MinePartnership] = []
        with self.service.db.reading() as session:
            for p in session.scalars(query):
                definition = self.service.catalog.machine(
                    session, p.workflow, p.workflow_version
                ).definition
                if definition.states[p.state].terminal:
                    continue
                duties = self._duties(session, definition, p)
                mine.append(MinePartnership(**fields_of(partnership_summary(p)), duties=duties))
        return mine

    def committee_queue(self, actor: str, granted: frozenset[str] = NO_GRANTS) -> list[QueueItem]:
        """Partnerships waiting on the committee, with the business case and the votes so far."""
        queue: list[QueueItem] = []
        query = select(Partnership).options(joinedload(Partnership.partner))
        with self.service.db.reading() as session:
            for p in session.scalars(query.order_by(Partnership.state_entered_at)):
                definition = self.service.catalog.machine(
                    session, p.workflow, p.workflow_version
                ).definition
                if not any("committee" in t.roles for t in definition.transitions_from(p.state)):
                    continue
                case = session.scalars(_LATEST_CASE, {"id": p.id}).first()
                queue.append(
                    QueueItem(
                        **fields_of(partnership_summary(p)),
                        business_case=_case(case),
                        decisions=self._decisions(session, p),
                        fireable=self.fireable(session, p, actor, granted),
                    )
                )
        return queue

    def daemon_status(self) -> list[DutyStatus]:
        """What each daemon duty last did, from the leases the daemon keeps."""
        with self.service.db.reading() as session:
            return [
                DutyStatus(
                    name=d.name,
                    holder=d.holder,
                    expires_at=iso(d.expires_at),
                    last_sweep_at=iso(d.last_sweep_at),
                    last_sweep=d.last_sweep,
                )
                for d in session.scalars(select(DaemonLease).order_by(DaemonLease.name))
            ]

    def _duties(self, session: Session, definition: Definition, p: Partnership) -> tuple[Duty, ...]:
        now = self.service.clock.now()
        tz = self.service.settings.tz
        duties: list[Duty] = []
        for timer in definition.states[p.state].timers:
            duty = self._duty(session, timer, p, now)
            if duty is not None:
                # Shown on the local calendar, as emails and the report show the same moment.
                duties.append(replace(duty, since=duty.since.astimezone(tz)))
        # An open case of a difficult interaction stays on the worklist until it is closed.
        for opened in session.scalars(_OPEN_CASES, {"id": p.id}):
            duties.append(Duty("case", "difficult interaction", opened.astimezone(tz)))
        return tuple(sorted(duties, key=lambda d: d.since))

    def _duty(
        self, session: Session, timer: TimerDef, p: Partnership, now: datetime
    ) -> Duty | None:
        if timer.kind == "every":
            return self._recurring(session, timer, p, now)
        spec, at = timer.spec, time.fromisoformat(timer.at)
        if timer.kind == "idle":
            last = session.scalar(_LAST_CONTACT, {"id": p.id})
            since = max(filter(None, [last, p.state_entered_at]))
            after = spec["after"]
            if isinstance(after, dict):
                after = after.get(p.tier or "", after.get("default"))
            if after is None or now - since < parse_duration(after):
                return None
            return Duty("stale", "no contact logged", since)
        if timer.kind == "after":
            if now - p.state_entered_at < parse_duration(spec["after"]):
                return None
            return Duty("due", timer.name.replace("_", " "), p.state_entered_at)
        past = timer.kind == "past"
        field = getattr(p, str(spec["past" if past else "before"]), None)
        tz = self.service.settings.tz
        if isinstance(field, date):
            offset = timedelta(days=parse_duration(spec["by"]).days)
            start = field + offset if past else field - offset
            if now.astimezone(tz).date() >= start:
                since = datetime.combine(start, at, tzinfo=tz)
                return Duty("due", timer.name.replace("_", " "), since)
        return None

    def _recurring(
        self, session: Session, timer: TimerDef, p: Partnership, now: datetime
    ) -> Duty | None:
        """A monthly or annual review: due from its occurrence this period until recorded."""
        spec, tz = timer.spec, self.service.settings.tz
        at = time.fromisoformat(timer.at)
        kind = str(spec.get("completed_by", "monthly"))
        local = now.astimezone(tz)
        rule: MonthlyRule | AnnualRule
        if spec["every"] == "month":
            rule, period = MonthlyRule(spec["on"], at), Period(local.year, local.month)
        else:
            anchor = p.tier_assigned_on or p.commitment_start
            if anchor is None or local.year <= anchor.year:
                return None
            rule, period = AnnualRule(anchor, at), Period(local.year)
        due_at = rule.occurrence(period, tz)
        if due_at > now or due_at < p.state_entered_at:
            return None
        if self._reviewed(session, p, kind, period):
            return None
        late = spec.get("overdue_after")
        overdue = late is not None and now >= due_at + parse_duration(late)
        return Duty("overdue" if overdue else "due", f"{kind} review", due_at)

    @staticmethod
    def _reviewed(session: Session, p: Partnership, kind: str, period: Period) -> bool:
        found = session.scalar(_REVIEWED, {"id": p.id, "kind": kind, "period": period.key})
        return found is not None


def _case(case: BusinessCase | None) -> CaseView | None:
    if case is None:
        return None
    return CaseView(
        title=case.title,
        objectives=tuple(case.objectives),
        core_policing=case.core_policing,
        benefits=case.benefits,
        resources=case.resources,
        proposed_tier=case.proposed_tier,
        author=case.author,
        submitted_at=iso(case.submitted_at),
    )
