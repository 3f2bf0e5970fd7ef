"""Moving running partnerships to another version of their workflow: all of them, or none.

A state the new version no longer has needs a mapping (`--map OLD=NEW`); without one the
migration is refused before anything changes, naming the partnerships in the way. Each moved
partnership gets an audit entry; listeners (the timers) recompute its duties in the same
transaction. A dry run does all of that too, reports it, and rolls it back: what it prints is
exactly what the real run would change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol, runtime_checkable

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ceop_workflow.app.catalog import Catalog
from ceop_workflow.clock import Clock
from ceop_workflow.engine.definitions import Definition
from ceop_workflow.errors import BadInput, Refused
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import AuditEntry, Partnership


@runtime_checkable
class MigrationListener(Protocol):
    """Told about each partnership moved to another version, inside the migration's transaction."""

    def migrated(
        self,
        session: Session,
        partnership: Partnership,
        old: Definition,
        new: Definition,
        old_state: str,
        now: datetime,
    ) -> Sequence[str]:
        """Recompute whatever depends on the definition (timers) as of `now`, the migration's
        time; returns one line for each change made, for the migration's report."""


@dataclass(frozen=True)
class Move:
    """One partnership's planned move."""

    partnership_id: int
    partner: str
    from_version: int
    from_state: str
    to_state: str
    changes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Migration:
    """What a migration did (or, with `dry_run`, would do): each partnership's move."""

    name: str
    to: int
    dry_run: bool
    moves: tuple[Move, ...]


class _DryRun(Exception):
    """Raised at the end of a dry run's transaction so that everything it did rolls back."""

    def __init__(self, moves: list[Move]) -> None:
        super().__init__("dry run")
        self.moves = moves


def _named(ids: Sequence[int], most: int = 50) -> str:
    """Partnership ids for a message: all of them, or the first `most` and how many more."""
    named = ", ".join(map(str, ids[:most]))
    return named if len(ids) <= most else f"{named} and {len(ids) - most} more"


class Migrator:
    """Plans and applies a migration of one workflow to one version."""

    def __init__(
        self, database: Database, catalog: Catalog, clock: Clock, listeners: Sequence[object] = ()
    ) -> None:
        self.db = database
        self.catalog = catalog
        self.clock = clock
        self.listeners = [x for x in listeners if isinstance(x, MigrationListener)]

    def migrate(
        self,
        name: str,
        to_version: int,
        mapping: Mapping[str, str],
        actor: str,
        dry_run: bool = False,
    ) -> Migration:
        """Move every running partnership of `name` to `to_version`; one transaction.

        Returns the moves, each with the changes the listeners made; with `dry_run` the same
        work is done and rolled back.
        """
        try:
            moves = self._migrate(name, to_version, mapping, actor, dry_run)
        except _DryRun as done:
            moves = done.moves
        return Migration(name=name, to=to_version, dry_run=dry_run, moves=tuple(moves))

    def _migrate(
        self, name: str, to_version: int, mapping: Mapping[str, str], actor: str, dry_run: bool
    ) -> list[Move]:
        with self.db.unit_of_work() as session:
            target = self.catalog.machine(session, name, to_version).definition
            for old_state, new_state in mapping.items():
                if new_state not in target.states:
                    raise BadInput(
                        f"--map {old_state}={new_state}: version {to_version} has no state "
                        f"{new_state!r}; its states: {', '.join(target.states)}"
                    )
            rows = session.scalars(
                select(Partnership)
                .options(joinedload(Partnership.partner, innerjoin=True))
                .filter(Partnership.workflow == name, Partnership.workflow_version != to_version)
                .order_by(Partnership.id)
                .with_for_update(of=Partnership)
            ).all()
            moves, blocked = self._plan(session, rows, target, mapping)
            if blocked:
                raise Refused(
                    f"cannot migrate {name} to v{to_version}: no mapping for "
                    + "; ".join(f"{state} (partnerships {ids})" for state, ids in blocked.items())
                    + " — give --map OLD=NEW for each"
                )
            done = self._apply(session, rows, moves, target, actor)
            if dry_run:
                raise _DryRun(done)
            return done

    def _plan(
        self,
        session: Session,
        rows: Sequence[Partnership],
        target: Definition,
        mapping: Mapping[str, str],
    ) -> tuple[list[Move], dict[str, str]]:
        moves: list[Move] = []
        blocked: dict[str, list[int]] = {}
        for p in rows:
            current = self.catalog.machine(session, p.workflow, p.workflow_version).definition
            if current.states[p.state].terminal:
                continue  # finished partnerships keep the version they finished on
            to_state = mapping.get(p.state, p.state)
            if to_state not in target.states:
                blocked.setdefault(p.state, []).append(p.id)
                continue
            moves.append(Move(p.id, p.partner.name, p.workflow_version, p.state, to_state))
        return moves, {state: _named(ids) for state, ids in blocked.items()}

    def _apply(
        self,
        session: Session,
        rows: Sequence[Partnership],
        moves: list[Move],
        target: Definition,
        actor: str,
    ) -> list[Move]:
        now = self.clock.now()
        by_id = {p.id: p for p in rows}
        done: list[Move] = []
        for move in moves:
            p = by_id[move.partnership_id]
            old = self.catalog.machine(session, p.workflow, p.workflow_version).definition
            p.workflow_version = target.version
            if move.to_state != move.from_state:
                p.state = move.to_state
            session.add(
                AuditEntry(
                    partnership_id=p.id,
                    at=now,
                    actor=actor,
                    role="admin",
                    trigger="migrate",
                    source=move.from_state,
                    dest=move.to_state,
                    workflow_version=target.version,
                    comment=f"migrated from v{move.from_version} to v{target.version}",
                    data={"from_version": move.from_version, "to_version": target.version},
                )
            )
            changes: list[str] = []
            for listener in self.listeners:
                changes += listener.migrated(session, p, old, target, move.from_state, now)
            done.append(replace(move, changes=tuple(changes)))
        session.flush()
        return done
