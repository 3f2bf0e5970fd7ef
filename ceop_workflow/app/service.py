"""Use cases: each public method is one transaction that loads, decides, writes and commits.

Interfaces (CLI, daemon, web) call these and nothing below them, so no business rule is written
twice. Listeners let the timer and notification machinery join the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, joinedload

from ceop_workflow.app.catalog import Catalog
from ceop_workflow.app.queries import Queries
from ceop_workflow.app.roles import NO_GRANTS, roles_held
from ceop_workflow.clock import Clock
from ceop_workflow.config import SYSTEM_ACTOR, Settings
from ceop_workflow.engine.addresses import check_address
from ceop_workflow.engine.cadence import financial_year_label
from ceop_workflow.engine.context import (
    BusinessCaseView,
    DecisionView,
    FireContext,
    PartnershipView,
    PlanView,
)
from ceop_workflow.engine.definitions import Definition
from ceop_workflow.engine.fields import parse_data, to_json
from ceop_workflow.engine.machine import Outcome
from ceop_workflow.engine.rules import DEFAULT_REGISTRY
from ceop_workflow.errors import BadInput, Conflict, NotFound, NotPermitted, Refused
from ceop_workflow.store import firing
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import (
    AuditEntry,
    BusinessCase,
    CommitteeDecision,
    Objective,
    Partner,
    Partnership,
)
from ceop_workflow.store.strategy import PlanItem

# Statements of the hot path, built once: building one costs more than running it on SQLite.
# The partner comes in the same query; only the partnership row is locked.
_LOCK = (
    select(Partnership)
    .options(joinedload(Partnership.partner, innerjoin=True))
    .where(Partnership.id == bindparam("id"))
    .with_for_update(of=Partnership)
)

_LATEST_CASE = (
    select(BusinessCase)
    .where(BusinessCase.partnership_id == bindparam("id"))
    .order_by(BusinessCase.id.desc())
    .limit(1)
)
_ROUND_DECISIONS = select(CommitteeDecision).where(
    CommitteeDecision.partnership_id == bindparam("id"),
    CommitteeDecision.round_started_at == bindparam("round"),
)
# The entry that moved the partnership into its current state (votes short of quorum do not).
_LAST_MOVE = (
    select(AuditEntry.trigger, AuditEntry.data)
    .where(AuditEntry.partnership_id == bindparam("id"), AuditEntry.source != AuditEntry.dest)
    .order_by(AuditEntry.id.desc())
    .limit(1)
)
_TARGETS = select(PlanItem.key).where(
    PlanItem.financial_year == bindparam("year"),
    PlanItem.kind == "target",
    PlanItem.retired.is_(False),
)


class _StoredRecord:
    """The record guards may ask about, read in the firing's own transaction when asked."""

    def __init__(
        self, session: Session, partnership_id: int, round_started_at: datetime, today: date
    ) -> None:
        self.session = session
        self.id = partnership_id
        # The round of review is the one under way when the firing began.
        self.round_started_at = round_started_at
        self.today = today

    def business_case(self) -> BusinessCaseView | None:
        case = self.session.scalars(_LATEST_CASE, {"id": self.id}).first()
        if case is None:
            return None
        return BusinessCaseView(case.title, tuple(case.objectives), case.core_policing, case.author)

    def round_decisions(self) -> tuple[DecisionView, ...]:
        decisions = self.session.scalars(
            _ROUND_DECISIONS, {"id": self.id, "round": self.round_started_at}
        )
        return tuple(
            DecisionView(d.member, d.decision, d.conflict_of_interest_cleared) for d in decisions
        )

    def _last_move(self) -> tuple[str, dict[str, Any]] | None:
        row = self.session.execute(_LAST_MOVE, {"id": self.id}).first()
        return None if row is None else (row.trigger, row.data or {})

    def approval_led_here(self) -> bool:
        # A vote's audit entry carries its votes and quorum: the mark of a committee decision.
        move = self._last_move()
        return move is not None and "votes" in move[1]

    def cleared_by_committee(self) -> bool:
        move = self._last_move()
        if move is None or "votes" not in move[1]:
            return False
        trigger = move[0]
        # The approving round is the latest one with that decision: earlier rounds (a deferral
        # that cleared the conflict, an approval years ago) are other decisions.
        latest = self.session.scalar(
            select(func.max(CommitteeDecision.round_started_at)).where(
                CommitteeDecision.partnership_id == self.id, CommitteeDecision.decision == trigger
            )
        )
        cleared = self.session.scalar(
            select(func.count())
            .select_from(CommitteeDecision)
            .where(
                CommitteeDecision.partnership_id == self.id,
                CommitteeDecision.round_started_at == latest,
                CommitteeDecision.decision == trigger,
                CommitteeDecision.conflict_of_interest_cleared.is_(True),
                func.coalesce(CommitteeDecision.clearance_reason, "") != "",
            )
        )
        return bool(cleared)

    def plan_targets(self) -> PlanView | None:
        year = financial_year_label(self.today)
        keys = frozenset(self.session.scalars(_TARGETS, {"year": year}))
        return PlanView(year, keys) if keys else None


def _later_than(previous: datetime, now: datetime) -> datetime:
    """`now`, or just after `previous` when the clock has not moved past it.

    Each entry into a state must have its own moment: the moment a partnership entered
    committee review identifies the round of votes, and with a fixed clock (`--now`) a
    deferral and a resubmission happen at the same instant.
    """
    return now if now > previous else previous + timedelta(microseconds=1)


class Listener(Protocol):
    """Joins the transaction of a use case: schedules timers, writes outbox rows."""

    def transitioned(
        self,
        session: Session,
        partnership: Partnership,
        definition: Definition,
        outcome: Outcome,
        ctx: FireContext,
    ) -> None:
        """Called after a trigger fired (or a vote was recorded), before the commit."""

    def recorded(self, session: Session, partnership: Partnership, kind: str, row: object) -> None:
        """Called after a contact, review or contribution was added, before the commit."""


@dataclass(frozen=True)
class FireRequest:
    """Someone asks to fire a trigger. `expected_version` is the version they saw, if known."""

    partnership_id: int
    trigger: str
    actor: str
    role: str | None = None
    data: Mapping[str, Sequence[str]] = field(default_factory=dict)
    comment: str | None = None
    expected_version: int | None = None
    # Roles the actor's account grants, resolved by the interface that authenticated them.
    granted: frozenset[str] = NO_GRANTS


@dataclass(frozen=True, slots=True)
class InitResult:
    """What `init` did: the schema revision before and after, and the workflows loaded."""

    database: str
    schema_before: str | None
    schema: str | None
    workflows_checked: tuple[str, ...]
    loaded: tuple[str, ...]
    unchanged: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FireResult:
    """What firing did: moved, or a vote recorded short of the quorum."""

    id: int
    trigger: str
    source: str
    dest: str
    moved: bool
    state: str
    version: int
    votes: int | None
    quorum: int | None


class Service(Queries):
    """The use cases of ceop-workflow over one database."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        clock: Clock,
        catalog: Catalog | None = None,
        listeners: Sequence[Listener] = (),
    ) -> None:
        self.settings = settings
        self.db = database
        self.clock = clock
        self.catalog = catalog or Catalog.for_settings(settings, DEFAULT_REGISTRY, None)
        self.listeners = list(listeners)

    # -- setting up -------------------------------------------------------------------------

    def init(self) -> InitResult:
        """Create or upgrade the schema, then load new workflow versions from the folder."""
        # Alembic (and Mako under it) costs a third of the CLI's start-up: only init needs it.
        from ceop_workflow.store import migrate

        definitions = self.catalog.check_folder(self.settings.workflows_path)
        before, after = migrate.upgrade(self.db)
        result = self.catalog.load(self.db, self.settings.workflows_path, self.clock.now())
        return InitResult(
            database=self.db.safe_url,
            schema_before=before,
            schema=after,
            workflows_checked=tuple(f"{d.name} v{d.version}" for d in definitions),
            loaded=tuple(result.loaded),
            unchanged=tuple(result.unchanged),
        )

    def add_partner(self, name: str, individual: bool = False, contractor: bool = False) -> int:
        """Register an organisation or an individual; names are unique."""
        name = name.strip()
        if not name:
            raise BadInput("a partner needs a name")
        with self.db.unit_of_work() as session:
            existing = session.scalar(select(Partner.id).filter_by(name=name))
            if existing is not None:
                raise BadInput(f"partner {name!r} already exists with id {existing}")
            partner = Partner(
                name=name,
                individual=individual,
                contractor=contractor,
                created_at=self.clock.now(),
            )
            session.add(partner)
            session.flush()
            return partner.id

    def create_partnership(
        self, partner_id: int, workflow: str, keyworker: str, manager: str | None = None
    ) -> int:
        """Start a partner on the newest version of a workflow, in its initial state."""
        keyworker = check_address(keyworker, "keyworker")
        manager = check_address(manager, "manager") if manager else None
        now = self.clock.now()
        with self.db.unit_of_work() as session:
            partner = session.get(Partner, partner_id)
            if partner is None:
                raise NotFound(f"no partner with id {partner_id}")
            definition = self.catalog.latest(session, workflow).definition
            if definition.subject == "initiative":
                raise BadInput(f"workflow {workflow!r} is for initiatives: `initiative add`")
            if (definition.subject == "individual") != partner.individual:
                raise BadInput(
                    f"workflow {workflow!r} is for {definition.subject}s; {partner.name!r} is "
                    f"{'an individual' if partner.individual else 'an organisation'}"
                )
            partnership = Partnership(
                partner=partner,
                workflow=definition.name,
                workflow_version=definition.version,
                state=definition.initial,
                state_entered_at=now,
                keyworker=keyworker.lower(),
                manager=manager.lower() if manager else None,
                created_at=now,
            )
            session.add(partnership)
            session.flush()
            session.add(
                AuditEntry(
                    partnership_id=partnership.id,
                    at=now,
                    actor=keyworker.lower(),
                    role=None,
                    trigger="create",
                    source="",
                    dest=definition.initial,
                    workflow_version=definition.version,
                    comment=None,
                    data={},
                )
            )
            return partnership.id

    # -- firing -----------------------------------------------------------------------------

    def fire(self, request: FireRequest) -> FireResult:
        """Fire a trigger: role, data, guards, then state and audit row in one transaction.

        People fire here; the `system` actor is the daemon's alone (it uses `fire_in`).
        """
        if request.actor.strip().lower() == SYSTEM_ACTOR:
            raise NotPermitted(
                f"not permitted: the actor {SYSTEM_ACTOR!r} is reserved for the daemon"
            )
        check_address(request.actor, "actor")
        with self.db.unit_of_work() as session:
            return self.fire_in(session, request)

    def fire_in(self, session: Session, request: FireRequest) -> FireResult:
        """`fire` inside the caller's transaction (a timer marks its duty done in the same one)."""
        now = self.clock.now()
        actor = request.actor.strip().lower()
        p = self._lock(session, request.partnership_id)
        if request.expected_version is not None and p.version != request.expected_version:
            raise Conflict(
                f"partnership {p.id} was changed by someone else since it was loaded "
                f"(version {request.expected_version}, now {p.version}): reload and try again"
            )
        machine = self.catalog.machine(session, p.workflow, p.workflow_version)
        transition, role = machine.check(
            request.trigger, p.state, request.role, self.roles_of(actor, p, request.granted)
        )
        values = parse_data(request.data, transition.requires, transition.optional, request.trigger)
        ctx = self._context(session, p, request.trigger, actor, role, values)
        votes_before = 0
        if transition.vote:
            votes_before = sum(1 for d in ctx.round_decisions if d.decision == request.trigger)
        outcome = machine.fire(ctx, votes_before)
        if transition.vote or any(e.kind == "decision" for e in ctx.effects):
            self._refuse_second_decision(actor, ctx.round_decisions)
        if transition.vote:
            self._add_decision(session, p, actor, request.trigger, values)
        changes = self._apply(session, p, ctx)
        if outcome.moved:
            changes["state"] = outcome.dest
            changes["state_entered_at"] = _later_than(p.state_entered_at, now)
        # Every firing bumps the version, a vote short of the quorum too: whoever saw the
        # partnership before it must be refused by --if-version (a vote changes the round).
        firing.write_partnership(session, p, changes)
        try:
            audit_data = to_json(values)
            if outcome.votes is not None:
                audit_data |= {"votes": outcome.votes, "quorum": ctx.quorum}
            firing.append_audit(
                session,
                {
                    "partnership_id": p.id,
                    "at": now,
                    "actor": actor,
                    "role": role,
                    "trigger": request.trigger,
                    "source": outcome.source,
                    "dest": outcome.dest,
                    "workflow_version": p.workflow_version,
                    "comment": request.comment,
                    "data": audit_data,
                },
            )
            for listener in self.listeners:
                listener.transitioned(session, p, machine.definition, outcome, ctx)
            session.flush()
        except BaseException:
            # The row was written past the ORM: if a savepoint around this firing is rolled
            # back, the object must be read again rather than stay ahead of the database.
            session.expire(p)
            raise
        return FireResult(
            id=p.id,
            trigger=request.trigger,
            source=outcome.source,
            dest=outcome.dest,
            moved=outcome.moved,
            state=p.state,
            version=p.version,
            votes=outcome.votes,
            quorum=ctx.quorum if outcome.votes is not None else None,
        )

    def roles_of(
        self, actor: str, p: Partnership, granted: frozenset[str] = NO_GRANTS
    ) -> frozenset[str]:
        """The actor's roles on this partnership (roles.roles_held: the one resolver)."""
        return roles_held(self.settings, actor, p, granted)

    def _lock(self, session: Session, partnership_id: int) -> Partnership:
        # FOR UPDATE serialises firings on one partnership on PostgreSQL (votes must count
        # each other); SQLite's BEGIN IMMEDIATE already does.
        p = session.scalars(_LOCK, {"id": partnership_id}).one_or_none()
        if p is None:
            raise NotFound(f"no partnership with id {partnership_id}")
        return p

    def _context(
        self,
        session: Session,
        p: Partnership,
        trigger: str,
        actor: str,
        role: str,
        values: dict[str, Any],
    ) -> FireContext:
        now = self.clock.now()
        return FireContext(
            partnership=PartnershipView(
                id=p.id,
                partner=p.partner.name,
                individual=p.partner.individual,
                contractor=p.partner.contractor,
                workflow=p.workflow,
                state=p.state,
                tier=p.tier,
                tier_kind=p.tier_kind,
                keyworker=p.keyworker,
                manager=p.manager,
                commitment_start=p.commitment_start,
                commitment_end=p.commitment_end,
            ),
            trigger=trigger,
            actor=actor,
            role=role,
            data=values,
            now=now,
            today=now.astimezone(self.settings.tz).date(),
            quorum=self.settings.committee.quorum,
            record=_StoredRecord(
                session, p.id, p.state_entered_at, now.astimezone(self.settings.tz).date()
            ),
        )

    @staticmethod
    def _refuse_second_decision(actor: str, decisions: Sequence[DecisionView]) -> None:
        earlier = next((d for d in decisions if d.member == actor), None)
        if earlier is not None:
            raise Refused(
                f"{actor} has already decided in this round of review ({earlier.decision})"
            )

    def _add_decision(
        self, session: Session, p: Partnership, actor: str, decision: str, values: Mapping[str, Any]
    ) -> None:
        session.add(
            CommitteeDecision(
                partnership_id=p.id,
                round_started_at=p.state_entered_at,
                member=actor,
                decision=decision,
                conflict_of_interest_cleared=bool(
                    values.get("conflict_of_interest_cleared", False)
                ),
                clearance_reason=values.get("clearance_reason"),
                note=values.get("minutes") or values.get("reason"),
                at=self.clock.now(),
            )
        )

    def _apply(self, session: Session, p: Partnership, ctx: FireContext) -> dict[str, Any]:
        """Apply the effects; the partnership's own columns are returned, to be written."""
        now = self.clock.now()
        changes: dict[str, Any] = {}
        for effect in ctx.effects:
            if effect.kind == "partnership":
                for name, value in effect.fields.items():
                    if name in firing.PARTNERSHIPS.c and name != "version":
                        changes[name] = value
                    else:  # not a column: as before, an attribute of the object alone
                        setattr(p, name, value)
            elif effect.kind == "decision":
                self._add_decision(
                    session,
                    p,
                    ctx.actor,
                    ctx.trigger,
                    {
                        "conflict_of_interest_cleared": effect.fields[
                            "conflict_of_interest_cleared"
                        ],
                        "reason": effect.fields["note"],
                        "clearance_reason": effect.fields.get("clearance_reason"),
                    },
                )
            elif effect.kind == "business_case":
                session.add(BusinessCase(partnership_id=p.id, submitted_at=now, **effect.fields))
                known = {o.name for o in p.objectives}
                for name in effect.fields["objectives"]:
                    if name not in known:
                        session.add(Objective(partnership_id=p.id, name=name, created_at=now))
                        known.add(name)
            else:
                raise ValueError(f"no way to apply an effect of kind {effect.kind!r}")
        return changes
