"""Every stored version of every workflow, and the machines built from them.

Definitions live in the database whole (text and hash), so a partnership keeps working on the
version it started with after a newer one is loaded. Files in the workflows folder are only
the admin's way in: `sync` checks them and stores new versions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ceop_workflow.config import Settings
from ceop_workflow.engine.definitions import Definition, Vocabulary, load_folder, parse
from ceop_workflow.engine.machine import WorkflowMachine
from ceop_workflow.engine.registry import Registry
from ceop_workflow.errors import DefinitionError, NotFound
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import WorkflowDefinition


@dataclass(frozen=True)
class SyncResult:
    """What loading the workflows folder did, per file."""

    loaded: tuple[str, ...]
    unchanged: tuple[str, ...]


class Catalog:
    """Parsed definitions and their machines, cached by (name, version) for the process."""

    def __init__(self, registry: Registry, vocabulary: Vocabulary) -> None:
        self.registry = registry
        self.vocabulary = vocabulary
        self._machines: dict[tuple[str, int], WorkflowMachine] = {}

    @classmethod
    def for_settings(
        cls, settings: Settings, registry: Registry, templates: frozenset[str] | None
    ) -> Catalog:
        """A catalog that checks role and template names against this installation."""
        return cls(registry, Vocabulary(registry, frozenset(settings.roles), templates))

    def machine(self, session: Session, name: str, version: int) -> WorkflowMachine:
        """The machine of one stored version."""
        key = (name, version)
        if key not in self._machines:
            row = session.scalars(
                select(WorkflowDefinition).filter_by(name=name, version=version)
            ).one_or_none()
            if row is None:
                raise NotFound(f"workflow {name!r} version {version} is not loaded")
            # Roles and templates were checked when the version was loaded; a role or template
            # removed since must not strand the partnerships already on it.
            stored = Vocabulary(self.registry)
            definition = parse(row.source, f"{name} v{version} (stored)", stored)
            self._machines[key] = WorkflowMachine(definition, self.registry)
        return self._machines[key]

    def latest(self, session: Session, name: str) -> WorkflowMachine:
        """The machine of the newest stored version of `name`."""
        version = session.scalar(
            select(WorkflowDefinition.version)
            .filter_by(name=name)
            .order_by(WorkflowDefinition.version.desc())
            .limit(1)
        )
        if version is None:
            known = session.scalars(select(WorkflowDefinition.name).distinct()).all()
            raise NotFound(
                f"no workflow named {name!r} is loaded; "
                f"loaded: {', '.join(sorted(known)) or 'none'}"
                " (add it to the workflows folder and run `ceop-workflow init`)"
            )
        return self.machine(session, name, version)

    def check_folder(self, folder: Path, vocabulary: Vocabulary | None = None) -> list[Definition]:
        """Every definition in the folder, checked; all problems of all files at once.

        `vocabulary` replaces the catalog's own (a daemon re-reads the templates folder).
        """
        if not folder.is_dir():
            raise DefinitionError([f"{folder}: no such workflows folder"])
        return load_folder(folder, vocabulary or self.vocabulary)

    def sync(
        self, session: Session, folder: Path, now: datetime, vocabulary: Vocabulary | None = None
    ) -> SyncResult:
        """Store each new version in the folder; refuse changed text under a stored version.

        All or nothing: any problem in any file raises `DefinitionError` listing every problem,
        and the caller's transaction stores nothing.
        """
        loaded: list[str] = []
        unchanged: list[str] = []
        problems: list[str] = []
        for definition in self.check_folder(folder, vocabulary):
            label = f"{definition.name} v{definition.version}"
            try:
                (loaded if self.store(session, definition, now) else unchanged).append(label)
            except DefinitionError as exc:
                problems.extend(exc.problems)
        if problems:
            raise DefinitionError(problems)
        return SyncResult(tuple(loaded), tuple(unchanged))

    def store(self, session: Session, definition: Definition, now: datetime) -> bool:
        """Store one checked definition: True if stored, False if that exact text already is.

        The same version with other content raises `DefinitionError` naming `workflow.version`.
        """
        stored = session.scalars(
            select(WorkflowDefinition).filter_by(name=definition.name, version=definition.version)
        ).one_or_none()
        if stored is None:
            session.add(
                WorkflowDefinition(
                    name=definition.name,
                    version=definition.version,
                    content_hash=definition.content_hash,
                    source=definition.source,
                    loaded_at=now,
                )
            )
            return True
        if stored.content_hash == definition.content_hash:
            return False
        raise DefinitionError(
            [
                f"{definition.origin}: workflow.version: the file changed but version "
                f"{definition.version} is already loaded with other content; raise the version"
            ]
        )

    def load(
        self, database: Database, folder: Path, now: datetime, vocabulary: Vocabulary | None = None
    ) -> SyncResult:
        """`sync` in a transaction of its own: what `init`, `workflows load` and the daemon run."""
        with database.unit_of_work() as session:
            return self.sync(session, folder, now, vocabulary)


def newest_versions(session: Session) -> dict[str, int]:
    """The newest stored version of each workflow: what new partnerships start on."""
    found = session.execute(
        select(WorkflowDefinition.name, func.max(WorkflowDefinition.version)).group_by(
            WorkflowDefinition.name
        )
    ).all()
    return {name: int(version) for name, version in sorted(found)}
