"""The admin's workflow desk: a definition given as text is checked, compared with what is
stored, loaded as a new version, and running partnerships are migrated to it.

Everything goes through the same code as the CLI: the one typed parser
(`engine.definitions.parse`, against the installation's roles and templates), `engine.diff`,
`Catalog.store` (what `workflows load` does per file) and `Migrator` (`workflows migrate`).
Loads and migrations are recorded in `admin_actions`, each with the admin who made it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ceop_workflow.app.catalog import Catalog
from ceop_workflow.app.migration import Migrator, Move
from ceop_workflow.clock import Clock
from ceop_workflow.engine.definitions import Definition, content_hash, parse
from ceop_workflow.engine.diff import DefinitionDiff, diff
from ceop_workflow.errors import BadInput, DefinitionError, NotFound
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import AdminAction, Partnership, WorkflowDefinition

# How a definition given on the desk is named in its problems (instead of a file name).
ORIGIN = "definition"
LOADED, MIGRATED = "load_workflow", "migrate_workflow"
_KEY = re.compile(r"^([A-Za-z0-9_.\[\]'\"-]+): (.*)$", re.DOTALL)


@dataclass(frozen=True)
class Problem:
    """One problem of a definition: its key path ("" for the text as a whole) and message."""

    key: str
    message: str


@dataclass(frozen=True)
class Affected:
    """A running partnership in a state the new version removes or changes, and how."""

    partnership_id: int
    partner: str
    version: int
    state: str
    why: str


@dataclass(frozen=True)
class Examined:
    """A definition checked and compared with the newest stored version of its workflow."""

    source: str
    content_hash: str
    definition: Definition | None
    problems: tuple[Problem, ...]
    newest: int | None = None
    already_stored: bool = False
    diff: DefinitionDiff | None = None
    affected: tuple[Affected, ...] = ()

    @property
    def loadable(self) -> bool:
        """No problem, and not stored yet."""
        return self.definition is not None and not self.problems and not self.already_stored


@dataclass(frozen=True)
class Loaded:
    """A version stored from the desk."""

    name: str
    version: int
    content_hash: str


@dataclass(frozen=True)
class Planned:
    """A migration's moves (a dry run's, or the real run's) and their fingerprint."""

    name: str
    to_version: int
    dry_run: bool
    moves: tuple[Move, ...]
    fingerprint: str


@dataclass(frozen=True)
class ActionView:
    """One recorded admin action, for the admin's page."""

    at: datetime
    actor: str
    action: str
    workflow: str
    version: int
    detail: Mapping[str, Any]


def problems_of(error: DefinitionError, origin: str = ORIGIN) -> tuple[Problem, ...]:
    """The parser's `origin: key.path: message` lines, split into key path and message."""
    found = []
    for line in error.problems:
        rest = line.removeprefix(f"{origin}: ")
        match = _KEY.match(rest)
        found.append(Problem(match[1], match[2]) if match else Problem("", rest))
    return tuple(found)


def _fingerprint(moves: Sequence[Move]) -> str:
    # What a migration would do, without the timer lines (their times move with the clock).
    plan = [[m.partnership_id, m.from_version, m.from_state, m.to_state] for m in moves]
    return hashlib.sha256(json.dumps(plan).encode()).hexdigest()[:16]


def touched_states(old: Definition, change: DefinitionDiff) -> dict[str, str]:
    """Each state of `old` the change removes or alters, with how (for people)."""
    why: dict[str, str] = {}
    for state in change.states_removed:
        why[state] = "state removed"
    for state in change.states_changed:
        why.setdefault(state, "state changed (timers or final)")
    for edge in (*change.transitions_removed, *change.transitions_changed):
        trigger, _, source = edge.partition("@")
        if source in old.states:
            why.setdefault(source, f"way out changed ({trigger})")
    for edge in change.transitions_added:
        trigger, _, source = edge.partition("@")
        if source in old.states:
            why.setdefault(source, f"new way out ({trigger})")
    return why


class WorkflowDesk:
    """Checks, compares, loads and migrates workflow definitions for an admin."""

    def __init__(
        self, database: Database, catalog: Catalog, clock: Clock, listeners: Sequence[object] = ()
    ) -> None:
        self.db = database
        self.catalog = catalog
        self.clock = clock
        self.listeners = listeners

    def examine(self, source: str) -> Examined:
        """Every problem of the text, or the diff against the newest stored version and the
        running partnerships sitting in the states it touches."""
        digest = content_hash(source)
        try:
            definition = parse(source, ORIGIN, self.catalog.vocabulary)
        except DefinitionError as exc:
            return Examined(source, digest, None, problems_of(exc))
        with self.db.reading() as session:
            return self._compare(session, source, digest, definition)

    def _compare(
        self, session: Session, source: str, digest: str, definition: Definition
    ) -> Examined:
        name, version = definition.name, definition.version
        versions = dict(
            session.execute(
                select(WorkflowDefinition.version, WorkflowDefinition.content_hash).filter_by(
                    name=name
                )
            ).all()
        )
        newest = max(versions, default=None)
        problems: list[Problem] = []
        if version in versions and versions[version] != definition.content_hash:
            problems.append(
                Problem(
                    "workflow.version",
                    f"version {version} is already loaded with other content; "
                    f"raise it to {(newest or 0) + 1}",
                )
            )
        elif version not in versions and newest is not None and version < newest:
            problems.append(
                Problem(
                    "workflow.version",
                    f"older than the newest loaded version {newest}; raise it to {newest + 1}",
                )
            )
        already = versions.get(version) == definition.content_hash
        if newest is None or newest == version:
            return Examined(source, digest, definition, tuple(problems), newest, already)
        current = self.catalog.machine(session, name, newest).definition
        return Examined(
            source,
            digest,
            definition,
            tuple(problems),
            newest,
            already,
            diff(current, definition),
            tuple(self._affected(session, definition)),
        )

    def _affected(self, session: Session, new: Definition) -> list[Affected]:
        rows = session.scalars(
            select(Partnership)
            .options(joinedload(Partnership.partner, innerjoin=True))
            .filter(Partnership.workflow == new.name, Partnership.workflow_version != new.version)
            .order_by(Partnership.id)
        ).all()
        touched: dict[int, dict[str, str]] = {}
        found = []
        for p in rows:
            old = self.catalog.machine(session, p.workflow, p.workflow_version).definition
            if old.states[p.state].terminal:
                continue  # finished partnerships keep their version (see migration.py)
            if p.workflow_version not in touched:
                touched[p.workflow_version] = touched_states(old, diff(old, new))
            why = touched[p.workflow_version].get(p.state)
            if why:
                found.append(Affected(p.id, p.partner.name, p.workflow_version, p.state, why))
        return found

    def stranded(self, name: str, to_version: int) -> list[str]:
        """States running partnerships of `name` sit in that version `to_version` lacks: each
        needs a mapping before a migration."""
        with self.db.reading() as session:
            target = self.catalog.machine(session, name, to_version).definition
            return sorted(
                {a.state for a in self._affected(session, target) if a.state not in target.states}
            )

    def load(self, source: str, expected_hash: str, actor: str) -> Loaded:
        """Store the text as a new version, if it is the text that was examined; recorded."""
        if content_hash(source) != expected_hash:
            raise BadInput(
                "the definition is not the one that was checked: check it again before loading"
            )
        try:
            definition = parse(source, ORIGIN, self.catalog.vocabulary)
        except DefinitionError as exc:
            raise DefinitionError([f"{p.key}: {p.message}" for p in problems_of(exc)]) from None
        with self.db.unit_of_work() as session:
            examined = self._compare(session, source, expected_hash, definition)
            if examined.problems:
                raise DefinitionError([f"{p.key}: {p.message}" for p in examined.problems])
            if not self.catalog.store(session, definition, self.clock.now()):
                raise BadInput(
                    f"{definition.name} v{definition.version} is already loaded with this text"
                )
            self._record(session, actor, LOADED, definition.name, definition.version,
                         {"content_hash": definition.content_hash})  # fmt: skip
        return Loaded(definition.name, definition.version, definition.content_hash)

    def migrate(
        self,
        name: str,
        to_version: int,
        mapping: Mapping[str, str],
        actor: str,
        dry_run: bool = True,
        expected: str | None = None,
    ) -> Planned:
        """`workflows migrate`: a dry run, or the real run of the plan a dry run showed.

        The real run needs the dry run's fingerprint: if the plan changed since (another
        partnership moved state), it is refused and nothing moves.
        """
        migrator = Migrator(self.db, self.catalog, self.clock, self.listeners)
        if not dry_run:
            if expected is None:
                raise BadInput("a migration runs only after its dry run has been shown")
            now = self.migrate(name, to_version, mapping, actor, dry_run=True)
            if now.fingerprint != expected:
                raise BadInput(
                    "the partnerships to migrate changed since the dry run: look at it again"
                )
        result = migrator.migrate(name, to_version, mapping, actor, dry_run=dry_run)
        moves = result.moves
        planned = Planned(name, to_version, dry_run, moves, _fingerprint(moves))
        if not dry_run:
            detail = {"moved": [m.partnership_id for m in moves], "mapping": dict(mapping)}
            with self.db.unit_of_work() as session:
                self._record(session, actor, MIGRATED, name, to_version, detail)
        return planned

    def _record(
        self,
        session: Session,
        actor: str,
        action: str,
        workflow: str,
        version: int,
        detail: dict[str, Any],
    ) -> None:
        session.add(
            AdminAction(
                at=self.clock.now(),
                actor=actor,
                action=action,
                workflow=workflow,
                version=version,
                detail=detail,
            )
        )

    def source(self, name: str, version: int) -> str:
        """The stored text of one version (what the desk compares against)."""
        with self.db.reading() as session:
            text = session.scalar(
                select(WorkflowDefinition.source).filter_by(name=name, version=version)
            )
        if text is None:
            raise NotFound(f"workflow {name!r} version {version} is not loaded")
        return text

    def actions(self, limit: int = 20) -> list[ActionView]:
        """The latest recorded admin actions, newest first."""
        with self.db.reading() as session:
            rows = session.scalars(
                select(AdminAction).order_by(AdminAction.id.desc()).limit(limit)
            ).all()
            return [
                ActionView(r.at, r.actor, r.action, r.workflow, r.version, dict(r.detail))
                for r in rows
            ]
