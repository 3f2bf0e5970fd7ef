"""`import partners`: a team's existing partners placed where they stand, all or none.

Each row walks the engine's own transitions from the workflow's initial state to the state
the row names (by the shortest path), so every guard applies and the timers of the state it
lands in start as they would have: the clock stands at the row's `since` date (10:00 London,
the demo's seeding hour) while its transitions fire, and its last contact is logged at that
date. The audit rows are those of the transitions, by the importing admin, each with the
comment "imported: FILE row N".

An import records decisions already taken, so the admin is vouched for every role of the
path, one imported approval stands for the committee's quorum, and the business case the
import writes is not the admin's own to approve. Reminders that fired for the past are not
sent again: the timer listener runs, the transition notices (committee packs, decisions) do
not.

Everything happens in one transaction: a bad row rolls back every row before it, and
`--dry-run` rolls back a run that went through.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ceop_workflow.adoption.partner_rows import PartnerRow, RowProblem, parse_row
from ceop_workflow.adoption.sheets import read_table
from ceop_workflow.app.roles import roles_held
from ceop_workflow.app.service import FireRequest, Service
from ceop_workflow.clock import FixedClock
from ceop_workflow.engine.cadence import local_instant
from ceop_workflow.engine.context import (
    BusinessCaseView,
    DecisionView,
    FireContext,
    PlanView,
    Record,
)
from ceop_workflow.engine.definitions import Definition, TransitionDef
from ceop_workflow.errors import BadInput, CeopWorkflowError, GuardFailed, NotPermitted
from ceop_workflow.scheduling.listener import TimerListener
from ceop_workflow.store.models import AuditEntry, Contact, Partner, Partnership

IMPORT_ROLES = ("head_of_partnerships", "partnerships_team")
"""Who may import: an import decides for the committee, so only the team's leads may."""

IMPORT_HOUR = time(10, 0)
"""The time of day the rows' dates stand for."""

_GUARD_COLUMNS = {
    "tier_fits_partner": "tier",
    "tier_kind_fits_tier": "kind",
    "commitment_fits_tier": "end",
    "contractor_cleared": "contractor",
    "names_business_plan_objective": "objectives",
    "not_core_policing": "objectives",
}


@dataclass(frozen=True)
class Imported:
    """What one row became."""

    line: int
    name: str
    partnership_id: int
    workflow: str
    state: str
    tier: str | None
    path: tuple[str, ...]


class _Vouched:
    """The record guards read, as an import sees it: the admin wrote no business case."""

    def __init__(self, record: Record) -> None:
        self.record = record

    def business_case(self) -> BusinessCaseView | None:
        case = self.record.business_case()
        return None if case is None else dataclasses.replace(case, author="(imported)")

    def round_decisions(self) -> tuple[DecisionView, ...]:
        return self.record.round_decisions()

    def cleared_by_committee(self) -> bool:
        return self.record.cleared_by_committee()

    def approval_led_here(self) -> bool:
        return self.record.approval_led_here()

    def plan_targets(self) -> PlanView | None:
        return self.record.plan_targets()


class _Importing(Service):
    """The use cases as an import runs them: the admin holds every role of the path."""

    path_roles: frozenset[str] = frozenset()

    def roles_of(
        self, actor: str, p: Partnership, granted: frozenset[str] = frozenset()
    ) -> frozenset[str]:
        return self.path_roles

    def _context(
        self,
        session: Session,
        p: Partnership,
        trigger: str,
        actor: str,
        role: str,
        values: dict[str, Any],
    ) -> FireContext:
        ctx = super()._context(session, p, trigger, actor, role, values)
        ctx.record = _Vouched(ctx.record)
        return ctx


def shortest_path(definition: Definition, target: str) -> list[TransitionDef] | None:
    """The fewest transitions from the initial state to `target`; None if it is unreachable."""
    queue: deque[tuple[str, list[TransitionDef]]] = deque([(definition.initial, [])])
    seen = {definition.initial}
    while queue:
        state, path = queue.popleft()
        if state == target:
            return path
        for transition in definition.transitions_from(state):
            if transition.dest not in seen:
                seen.add(transition.dest)
                queue.append((transition.dest, [*path, transition]))
    return None


def _values(row: PartnerRow) -> dict[str, str | None]:
    """What the row says, as the transitions' data fields are named."""
    return {
        "title": row.title or f"{row.name}: imported partnership",
        "objectives": ";".join(row.objectives) or None,
        "core_policing": "false",
        "tier": row.tier,
        "kind": row.kind,
        "start": row.start.isoformat() if row.start else None,
        "end": row.end.isoformat() if row.end else None,
        "minutes": "imported",
        "conflict_of_interest_cleared": "true" if row.contractor else "false",
        # A clearance belongs to one decision and says why: the imported approval carries it.
        "clearance_reason": "cleared before adoption; imported" if row.contractor else None,
        "reason": "imported",
        "resolution": "imported",
    }


def _data(transition: TransitionDef, row: PartnerRow) -> dict[str, list[str]]:
    wanted = {**transition.requires, **transition.optional}
    return {k: [v] for k, v in _values(row).items() if k in wanted and v is not None}


class PartnerImport:
    """Imports checked rows through the engine, all in one transaction."""

    def __init__(self, service: Service, actor: str, source: str) -> None:
        actor = actor.strip().lower()
        held = roles_held(service.settings, actor, granted=service.granted_roles(actor))
        if not held & set(IMPORT_ROLES):
            raise NotPermitted(
                "not permitted: importing partners needs one of the roles "
                + ", ".join(IMPORT_ROLES)
            )
        settings = dataclasses.replace(
            service.settings,
            committee=dataclasses.replace(service.settings.committee, quorum=1),
        )
        self.clock = FixedClock(service.clock.now())
        self.now = service.clock.now()
        listeners = [x for x in service.listeners if isinstance(x, TimerListener)]
        self.service = _Importing(settings, service.db, self.clock, service.catalog, listeners)
        self.tz = settings.tz
        self.actor = actor
        self.source = source

    def run(self, rows: Sequence[PartnerRow], dry_run: bool = False) -> list[Imported]:
        """Import every row or none; with `dry_run`, roll back what went through."""
        done: list[Imported] = []
        try:
            with self.service.db.unit_of_work() as session:
                self._check_names(session, rows)
                done = [self._import(session, row) for row in rows]
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        return done

    def _check_names(self, session: Session, rows: Sequence[PartnerRow]) -> None:
        seen: dict[str, int] = {}
        for row in rows:
            key = row.name.casefold()
            if key in seen:
                raise RowProblem(row.line, "name", f"{row.name!r} is also on row {seen[key]}")
            seen[key] = row.line
            existing = session.scalar(select(Partner.id).filter_by(name=row.name))
            if existing is not None:
                raise RowProblem(row.line, "name", f"partner {row.name!r} exists (id {existing})")

    def _at(self, day: date, line: int, column: str) -> datetime:
        moment = local_instant(day, IMPORT_HOUR, self.tz)
        if moment > self.now:
            raise RowProblem(line, column, f"{day} is in the future")
        return moment

    def _import(self, session: Session, row: PartnerRow) -> Imported:
        since = row.since or row.start or self.now.astimezone(self.tz).date()
        self.clock.advance_to(self._at(since, row.line, "since" if row.since else "start"))
        name = row.workflow or ("ambassador" if row.individual else "partnership")
        try:
            definition = self.service.catalog.latest(session, name).definition
        except CeopWorkflowError as exc:
            raise RowProblem(row.line, "workflow", exc.message) from None
        if (definition.subject == "individual") != row.individual:
            raise RowProblem(
                row.line, "individual", f"workflow {name!r} is for {definition.subject}s"
            )
        if row.state not in definition.states:
            states = ", ".join(definition.states)
            raise RowProblem(row.line, "state", f"no state {row.state!r} in {name}: {states}")
        path = shortest_path(definition, row.state)
        if path is None:
            raise RowProblem(row.line, "state", f"{row.state!r} cannot be reached in {name}")
        p = self._create(session, row, definition)
        self.service.path_roles = frozenset(r for t in path for r in t.roles)
        comment = f"imported: {self.source} row {row.line}"
        for transition in path:
            request = FireRequest(
                p.id, transition.trigger, self.actor, data=_data(transition, row), comment=comment
            )
            try:
                self.service.fire_in(session, request)
            except GuardFailed as exc:
                column = _GUARD_COLUMNS.get(exc.guard, "state")
                raise RowProblem(row.line, column, f"{transition.trigger}: {exc.reason}") from None
            except CeopWorkflowError as exc:
                raise RowProblem(row.line, _column_in(exc.message), exc.message) from None
        if row.last_contact is not None:
            self._contact(session, p, row)
        return Imported(
            row.line, row.name, p.id, name, p.state, p.tier, tuple(t.trigger for t in path)
        )

    def _create(self, session: Session, row: PartnerRow, definition: Definition) -> Partnership:
        now = self.clock.now()
        partner = Partner(
            name=row.name, individual=row.individual, contractor=row.contractor, created_at=now
        )
        p = Partnership(
            partner=partner,
            workflow=definition.name,
            workflow_version=definition.version,
            state=definition.initial,
            state_entered_at=now,
            keyworker=row.keyworker,
            manager=row.manager,
            created_at=now,
        )
        session.add_all([partner, p])
        session.flush()
        session.add(
            AuditEntry(
                partnership_id=p.id,
                at=now,
                actor=self.actor,
                role=None,
                trigger="create",
                source="",
                dest=definition.initial,
                workflow_version=definition.version,
                comment=f"imported: {self.source} row {row.line}",
                data={},
            )
        )
        return p

    def _contact(self, session: Session, p: Partnership, row: PartnerRow) -> None:
        assert row.last_contact is not None
        contact = Contact(
            partnership_id=p.id,
            kind="update",
            by=row.keyworker,
            at=self._at(row.last_contact, row.line, "last_contact"),
            note=f"last contact before the import ({self.source} row {row.line})",
        )
        session.add(contact)
        session.flush()
        for listener in self.service.listeners:
            listener.recorded(session, p, "contact", contact)


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def _column_in(message: str) -> str:
    for column in ("tier", "kind", "start", "end", "objectives", "title", "keyworker"):
        if repr(column) in message or f" {column}" in message:
            return column
    return "state"


def read_partner_rows(path: Path, default_state: str = "active") -> list[PartnerRow]:
    """Every row of the file, checked; `BadInput` names the file, row and column."""
    raw_rows = read_table(path)
    rows: list[PartnerRow] = []
    for index, raw in enumerate(raw_rows, start=2):
        if not raw:
            continue
        try:
            rows.append(parse_row(raw, index, default_state))
        except RowProblem as exc:
            raise BadInput(f"{path.name}: {exc.message}") from None
    if not rows:
        raise BadInput(f"{path.name}: no rows to import")
    return rows


def import_partners(
    service: Service, path: Path, actor: str, dry_run: bool = False
) -> list[Imported]:
    """Read, check and import a file of partners, all or none."""
    rows = read_partner_rows(path)
    try:
        return PartnerImport(service, actor, path.name).run(rows, dry_run)
    except RowProblem as exc:
        raise BadInput(f"{path.name}: {exc.message}") from None
