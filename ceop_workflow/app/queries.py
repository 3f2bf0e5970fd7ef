"""Use cases that only read: partnerships, their history, workflow versions and the measures.

`Service` inherits these, so interfaces have one object to call; each runs in a read-only
transaction that does not block writers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ceop_workflow.app.catalog import Catalog
from ceop_workflow.app.roles import account_grants
from ceop_workflow.app.views import (
    AuditLine,
    PartnershipDetail,
    PartnershipSummary,
    audit_view,
    iso,
    partnership_detail,
    partnership_summary,
)
from ceop_workflow.clock import Clock
from ceop_workflow.config import Settings
from ceop_workflow.engine.definitions import Definition
from ceop_workflow.engine.diff import diff
from ceop_workflow.engine.tiers import parse_tier
from ceop_workflow.errors import NotFound
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import (
    AuditEntry,
    Contact,
    Objective,
    Partnership,
    WorkflowDefinition,
)

if TYPE_CHECKING:
    from ceop_workflow.reports.measures import MonthlyMeasures


_PARTNERSHIP = (
    select(Partnership)
    .options(joinedload(Partnership.partner), selectinload(Partnership.objectives))
    .where(Partnership.id == bindparam("id"))
)
_HISTORY = (
    select(AuditEntry).where(AuditEntry.partnership_id == bindparam("id")).order_by(AuditEntry.id)
)


@dataclass(frozen=True, slots=True)
class WorkflowDiff:
    """What changed from version `from_` to `to`, and who sits in the states it touches.

    Transitions are named `trigger@source`. In JSON `from_` is printed as `from`.
    """

    name: str
    from_: int
    to: int
    states_added: tuple[str, ...]
    states_removed: tuple[str, ...]
    states_changed: tuple[str, ...]
    transitions_added: tuple[str, ...]
    transitions_removed: tuple[str, ...]
    transitions_changed: tuple[str, ...]
    partnerships_in_touched_states: dict[str, int]


@dataclass(frozen=True, slots=True)
class WorkflowVersion:
    """A stored workflow version and how many partnerships are on it."""

    name: str
    version: int
    partnerships: int
    loaded_at: str | None
    content_hash: str


@dataclass(frozen=True, slots=True)
class LastContact:
    """The latest contact logged with a partner."""

    kind: str
    by: str
    at: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class Keyworker:
    """Who to talk to before any engagement with a partner."""

    id: int
    partner: str
    keyworker: str
    manager: str | None
    state: str
    last_contact: LastContact | None


class Queries:
    """The read side of the use cases."""

    settings: Settings
    db: Database
    clock: Clock
    catalog: Catalog

    @classmethod
    def over(cls, settings: Settings, db: Database, clock: Clock, catalog: Catalog) -> Queries:
        """The read side alone (a command that only reads skips the write side's imports)."""
        queries = cls()
        queries.settings, queries.db, queries.clock, queries.catalog = settings, db, clock, catalog
        return queries

    def definition(self, name: str, version: int | None = None) -> Definition:
        """A stored version of a workflow (default: the newest)."""
        with self.db.reading() as session:
            if version is None:
                return self.catalog.latest(session, name).definition
            return self.catalog.machine(session, name, version).definition

    def diff(self, name: str, old: int, new: int) -> WorkflowDiff:
        """What changed from version `old` to `new`, and who sits in the states it touches."""
        with self.db.reading() as session:
            before = self.catalog.machine(session, name, old).definition
            after = self.catalog.machine(session, name, new).definition
            counts = dict(
                session.execute(
                    select(Partnership.state, func.count())
                    .filter_by(workflow=name, workflow_version=old)
                    .group_by(Partnership.state)
                ).all()
            )
        changes = diff(before, after)
        touched = [*changes.states_removed, *changes.states_changed]
        return WorkflowDiff(
            name=name,
            from_=old,
            to=new,
            states_added=changes.states_added,
            states_removed=changes.states_removed,
            states_changed=changes.states_changed,
            transitions_added=changes.transitions_added,
            transitions_removed=changes.transitions_removed,
            transitions_changed=changes.transitions_changed,
            partnerships_in_touched_states={s: counts.get(s, 0) for s in touched},
        )

    def measures(self, month: date) -> MonthlyMeasures:
        """The strategy's measures for `month` (its first day), as of now if it is not over."""
        # Imported here for start-up time alone (~60 ms of CPU every command would pay), not to
        # dodge a cycle: tests/unit/test_layers.py counts this import and finds none.
        from ceop_workflow.reports.compute import compute_measures

        with self.db.reading() as session:
            return compute_measures(
                session,
                month,
                self.settings.tz,
                now=self.clock.now(),
                catalog=self.catalog,
                strategy=self.settings.strategy,
            )

    def workflow_versions(self) -> list[WorkflowVersion]:
        """Every stored workflow version, with how many partnerships are on it."""
        on_version = (
            select(Partnership.workflow, Partnership.workflow_version, func.count().label("n"))
            .group_by(Partnership.workflow, Partnership.workflow_version)
            .subquery()
        )
        query = (
            select(WorkflowDefinition, on_version.c.n)
            .outerjoin(
                on_version,
                (on_version.c.workflow == WorkflowDefinition.name)
                & (on_version.c.workflow_version == WorkflowDefinition.version),
            )
            .order_by(WorkflowDefinition.name, WorkflowDefinition.version)
        )
        with self.db.reading() as session:
            return [
                WorkflowVersion(
                    name=d.name,
                    version=d.version,
                    partnerships=n or 0,
                    loaded_at=iso(d.loaded_at),
                    content_hash=d.content_hash[:12],
                )
                for d, n in session.execute(query)
            ]

    def show(self, partnership_id: int) -> PartnershipDetail:
        """One partnership with its objectives, history and the triggers open to it now."""
        with self.db.reading() as session:
            return self.show_in(session, partnership_id)

    def show_in(self, session: Session, partnership_id: int) -> PartnershipDetail:
        """`show` inside the caller's transaction."""
        return self.shown_in(session, partnership_id)[1]

    def shown_in(
        self, session: Session, partnership_id: int
    ) -> tuple[Partnership, PartnershipDetail]:
        """The partnership's row and `show`'s picture of it, for use cases that read on."""
        p = session.scalars(_PARTNERSHIP, {"id": partnership_id}).first()
        if p is None:
            raise NotFound(f"no partnership with id {partnership_id}")
        definition = self.catalog.machine(session, p.workflow, p.workflow_version).definition
        triggers = tuple(t.trigger for t in definition.transitions_from(p.state))
        return p, partnership_detail(p, triggers, self._history(session, p.id))

    def granted_roles(self, actor: str) -> frozenset[str]:
        """The roles `actor`'s account grants (none without an enabled account), for an
        interface that did not authenticate them through the account (the CLI's --actor)."""
        with self.db.reading() as session:
            return account_grants(session, actor)

    def states(self) -> dict[int, str]:
        """Every partnership's current state by id, in one query.

        For callers that look at many partnerships often (the demo, day after day): nothing
        else is loaded, where `show` loads a partner, objectives and the whole history.
        """
        with self.db.reading() as session:
            return {
                pid: state
                for pid, state in session.execute(select(Partnership.id, Partnership.state))
            }

    def objectives(self, partnership_id: int) -> list[str]:
        """The names of a partnership's objectives, in the order they were set (one query)."""
        query = select(Objective.name).filter_by(partnership_id=partnership_id)
        with self.db.reading() as session:
            names = list(session.scalars(query.order_by(Objective.id)))
            if not names and session.get(Partnership, partnership_id) is None:
                raise NotFound(f"no partnership with id {partnership_id}")
            return names

    def history(self, partnership_id: int) -> tuple[AuditLine, ...]:
        """The audit trail of one partnership, oldest first."""
        with self.db.reading() as session:
            if session.get(Partnership, partnership_id) is None:
                raise NotFound(f"no partnership with id {partnership_id}")
            return self._history(session, partnership_id)

    @staticmethod
    def _history(session: Session, partnership_id: int) -> tuple[AuditLine, ...]:
        entries = session.scalars(_HISTORY, {"id": partnership_id})
        return tuple(audit_view(e) for e in entries)

    def list(self, state: str | None = None, tier: str | None = None) -> list[PartnershipSummary]:
        """Partnerships, optionally of one state and one tier, by id."""
        query = (
            select(Partnership).options(joinedload(Partnership.partner)).order_by(Partnership.id)
        )
        if state:
            query = query.filter_by(state=state)
        if tier:
            query = query.filter_by(tier=parse_tier(tier).value)
        with self.db.reading() as session:
            return [partnership_summary(p) for p in session.scalars(query)]

    def keyworker(self, partnership_id: int) -> Keyworker:
        """Who to talk to before any engagement with this partner, as the strategy asks."""
        with self.db.reading() as session:
            p = session.get(Partnership, partnership_id)
            if p is None:
                raise NotFound(f"no partnership with id {partnership_id}")
            last = session.scalars(
                select(Contact).filter_by(partnership_id=p.id).order_by(Contact.at.desc())
            ).first()
            return Keyworker(
                id=p.id,
                partner=p.partner.name,
                keyworker=p.keyworker,
                manager=p.manager,
                state=p.state,
                last_contact=None
                if last is None
                else LastContact(kind=last.kind, by=last.by, at=iso(last.at), note=last.note),
            )
