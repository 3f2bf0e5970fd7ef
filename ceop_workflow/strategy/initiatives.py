"""Initiatives: projects and resource needs of CEOP, each resourced by zero or more partnerships
(strategy sections 3 and 6), on a small workflow of their own from `workflows/` (a definition
with `subject = "initiative"`, so admins change it like any other).

An initiative workflow's transitions are checked for state and role like a partnership's, their
data typed the same way; they run no guards, actions or votes. Every change (creation, link,
transition) is written to `initiative_events`, append-only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ceop_workflow.app.catalog import Catalog
from ceop_workflow.app.roles import account_grants, roles_held
from ceop_workflow.clock import Clock
from ceop_workflow.config import Settings
from ceop_workflow.engine.cadence import financial_year_label
from ceop_workflow.engine.fields import parse_data, to_json
from ceop_workflow.errors import BadInput, NotFound, NotPermitted, Refused
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import Partnership
from ceop_workflow.store.strategy import Initiative, InitiativeEvent, InitiativeLink, PlanItem
from ceop_workflow.strategy.register import ItemKind, live_targets

WORKFLOW = "initiative"
# Who may propose an initiative: CEOP staff scope them, the team keeps the overview.
PROPOSERS = frozenset({"staff", "partnerships_team", "head_of_partnerships"})


@dataclass(frozen=True, slots=True)
class InitiativeView:
    """An initiative with the partnerships that resource it."""

    id: int
    title: str
    year: str
    targets: tuple[str, ...]
    priority_area: str | None
    owner: str
    resources_needed: str | None
    workflow: str
    workflow_version: int
    state: str
    created_at: str
    partnerships: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class InitiativeMove:
    """What firing a trigger on an initiative did."""

    id: int
    trigger: str
    source: str
    state: str


@dataclass(frozen=True, slots=True)
class InitiativeEventLine:
    """One change to an initiative; `data` is the event's data as stored."""

    at: str
    actor: str
    trigger: str
    source: str
    dest: str
    data: dict[str, Any]


def _row(i: Initiative, partnerships: Sequence[int]) -> InitiativeView:
    return InitiativeView(
        id=i.id,
        title=i.title,
        year=i.financial_year,
        targets=tuple(i.targets),
        priority_area=i.priority_area,
        owner=i.owner,
        resources_needed=i.resources_needed,
        workflow=i.workflow,
        workflow_version=i.workflow_version,
        state=i.state,
        created_at=i.created_at.isoformat(),
        partnerships=tuple(partnerships),
    )


class Initiatives:
    """Proposes, links, fires and lists initiatives, each change in one transaction."""

    def __init__(
        self, settings: Settings, database: Database, clock: Clock, catalog: Catalog
    ) -> None:
        self.settings = settings
        self.db = database
        self.clock = clock
        self.catalog = catalog

    def _roles(self, actor: str, needed: frozenset[str]) -> frozenset[str]:
        with self.db.reading() as session:
            roles = self._held(session, actor)
        if not roles & needed:
            raise NotPermitted(
                f"not permitted: this needs one of the roles {', '.join(sorted(needed))}"
            )
        return roles

    def add(
        self,
        title: str,
        *,
        targets: Sequence[str],
        owner: str,
        actor: str,
        priority_area: str | None = None,
        resources_needed: str | None = None,
    ) -> int:
        """Propose an initiative serving one or more Business Plan targets; returns its id.

        When the financial year has targets registered, each cited one must be among them, and
        a priority area must be one of the year's too.
        """
        actor = actor.strip().lower()
        self._roles(actor, PROPOSERS)
        title, targets = title.strip(), [t.strip() for t in targets if t.strip()]
        if not title:
            raise BadInput("an initiative needs a title")
        if not targets:
            raise BadInput("an initiative serves at least one Business Plan target (--target)")
        now = self.clock.now()
        year = financial_year_label(now.astimezone(self.settings.tz).date())
        with self.db.unit_of_work() as session:
            self._check_plan(session, year, targets, priority_area)
            definition = self.catalog.latest(session, WORKFLOW).definition
            if definition.subject != WORKFLOW:
                raise BadInput(f"workflow {WORKFLOW!r} is not for initiatives")
            initiative = Initiative(
                title=title,
                financial_year=year,
                targets=targets,
                priority_area=priority_area,
                owner=owner.strip().lower(),
                resources_needed=resources_needed,
                workflow=definition.name,
                workflow_version=definition.version,
                state=definition.initial,
                state_entered_at=now,
                created_at=now,
            )
            session.add(initiative)
            session.flush()
            self._event(session, initiative, actor, "create", "", {"targets": targets})
            return initiative.id

    @staticmethod
    def _check_plan(
        session: Session, year: str, targets: Sequence[str], priority_area: str | None
    ) -> None:
        plan = live_targets(session, year)
        unknown = [t for t in targets if plan.titles and t not in plan.titles]
        if unknown:
            raise Refused(
                f"{unknown[0]!r} is not a target in the {year} Business Plan register; "
                f"its targets: {', '.join(sorted(plan.titles))}"
            )
        if priority_area is not None:
            areas = set(
                session.scalars(
                    select(PlanItem.key).filter_by(
                        financial_year=year, kind=ItemKind.PRIORITY_AREA.value, retired=False
                    )
                )
            )
            if priority_area not in areas:
                raise Refused(
                    f"{priority_area!r} is not a priority area in the {year} register; "
                    f"its priority areas: {', '.join(sorted(areas)) or 'none'}"
                )

    def _event(
        self,
        session: Session,
        i: Initiative,
        actor: str,
        trigger: str,
        source: str,
        data: Mapping[str, Any],
    ) -> None:
        session.add(
            InitiativeEvent(
                initiative_id=i.id,
                at=self.clock.now(),
                actor=actor,
                trigger=trigger,
                source=source,
                dest=i.state,
                data=dict(data),
            )
        )

    def _held(self, session: Session, actor: str) -> frozenset[str]:
        return roles_held(self.settings, actor, granted=account_grants(session, actor))

    def _get(self, session: Session, initiative_id: int) -> Initiative:
        i = session.get(Initiative, initiative_id, with_for_update=True)
        if i is None:
            raise NotFound(f"no initiative with id {initiative_id}")
        return i

    def _link(self, session: Session, i: Initiative, partnership_id: int, actor: str) -> bool:
        if session.get(Partnership, partnership_id) is None:
            raise NotFound(f"no partnership with id {partnership_id}")
        if session.scalar(
            select(InitiativeLink.id).filter_by(initiative_id=i.id, partnership_id=partnership_id)
        ):
            return False
        session.add(
            InitiativeLink(
                initiative_id=i.id,
                partnership_id=partnership_id,
                linked_at=self.clock.now(),
                linked_by=actor,
            )
        )
        return True

    def link(self, initiative_id: int, partnership_id: int, actor: str) -> None:
        """Record that a partnership resources the initiative (once; linking again is a no-op)."""
        actor = actor.strip().lower()
        self._roles(actor, PROPOSERS)
        with self.db.unit_of_work() as session:
            i = self._get(session, initiative_id)
            if self._link(session, i, partnership_id, actor):
                self._event(session, i, actor, "link", i.state, {"partnership": partnership_id})

    def fire(
        self, initiative_id: int, trigger: str, actor: str, data: Mapping[str, Sequence[str]]
    ) -> InitiativeMove:
        """Move the initiative along its workflow; data `partnership` links that partnership."""
        actor = actor.strip().lower()
        with self.db.unit_of_work() as session:
            i = self._get(session, initiative_id)
            machine = self.catalog.machine(session, i.workflow, i.workflow_version)
            transition, role = machine.check(trigger, i.state, None, self._held(session, actor))
            if transition.guards or transition.actions or transition.vote:
                raise BadInput(
                    f"workflow {i.workflow!r}: {trigger!r} has guards, actions or a vote, "
                    "which initiative workflows do not run"
                )
            values = parse_data(data, transition.requires, transition.optional, trigger)
            partnership = values.get("partnership")
            if isinstance(partnership, int):
                self._link(session, i, partnership, actor)
            source = i.state
            i.state, i.state_entered_at = transition.dest, self.clock.now()
            self._event(session, i, actor, trigger, source, to_json(values) | {"role": role})
            return InitiativeMove(id=i.id, trigger=trigger, source=source, state=i.state)

    def all(self, state: str | None = None) -> list[InitiativeView]:
        """Initiatives (of one state, if given) with the partnerships that resource them."""
        with self.db.reading() as session:
            query = select(Initiative).order_by(Initiative.id)
            if state:
                query = query.filter_by(state=state)
            rows = session.scalars(query).all()
            links: dict[int, list[int]] = {}
            for initiative_id, partnership_id in session.execute(
                select(InitiativeLink.initiative_id, InitiativeLink.partnership_id).order_by(
                    InitiativeLink.id
                )
            ):
                links.setdefault(initiative_id, []).append(partnership_id)
            return [_row(i, links.get(i.id, [])) for i in rows]

    def history(self, initiative_id: int) -> list[InitiativeEventLine]:
        """Every change to the initiative, oldest first."""
        with self.db.reading() as session:
            if session.get(Initiative, initiative_id) is None:
                raise NotFound(f"no initiative with id {initiative_id}")
            events = session.scalars(
                select(InitiativeEvent)
                .filter_by(initiative_id=initiative_id)
                .order_by(InitiativeEvent.id)
            ).all()
            return [
                InitiativeEventLine(
                    at=e.at.isoformat(),
                    actor=e.actor,
                    trigger=e.trigger,
                    source=e.source,
                    dest=e.dest,
                    data=e.data,
                )
                for e in events
            ]
