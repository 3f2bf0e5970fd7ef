"""The daemon's look at the workflows folder: new versions load without a restart.

At every sweep (and on SIGHUP) the daemon hashes the folder's `*.toml` files; when they differ
from its last look it loads new versions through the same code as `init` (`Catalog.load`). That
is all or nothing: a file with problems, or a file changed under a version already loaded,
loads nothing. The daemon then keeps running on the versions stored before, logs each problem
(one line, naming the file and the key) and records them for `status`. A definition that fails
validation never reaches the database, so nothing ever runs it.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ceop_workflow.app.catalog import newest_versions
from ceop_workflow.app.service import Service
from ceop_workflow.app.views import iso
from ceop_workflow.engine.definitions import Vocabulary
from ceop_workflow.errors import CeopWorkflowError, DefinitionError
from ceop_workflow.notify.template_files import template_names
from ceop_workflow.scheduling.lease import record_workflows

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FolderCheck:
    """What one look at the workflows folder found; `problems` empty when it loaded."""

    at: datetime
    loaded: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    running: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the folder validated (and its new versions, if any, were loaded)."""
        return not self.problems

    def summary(self, worker: str, folder: str) -> dict[str, Any]:
        """JSON-ready, for `status`."""
        return {
            "worker": worker,
            "folder": folder,
            "checked_at": iso(self.at),
            "ok": self.ok,
            "loaded": list(self.loaded),
            "problems": list(self.problems),
            "running": dict(self.running),
        }


class WorkflowWatcher:
    """Loads new definition versions when the workflows folder changes; thread-safe."""

    def __init__(self, service: Service, worker: str) -> None:
        self.service = service
        self.worker = worker
        self.folder = service.settings.workflows_path
        self._seen: str | None = None
        self._lock = threading.Lock()

    def fingerprint(self) -> str:
        """A hash of the names and contents of the folder's definition files."""
        digest = hashlib.sha256()
        if not self.folder.is_dir():
            return "missing"
        for path in sorted(self.folder.glob("*.toml")):
            try:
                content = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError as exc:
                content = f"unreadable: {exc}"
            digest.update(f"{path.name}\0{content}\0".encode())
        return digest.hexdigest()

    def check(self, force: bool = False) -> FolderCheck | None:
        """Look at the folder if it changed since the last look (always with `force`).

        Returns None when there was nothing to do, or the database could not be reached (the
        next look tries again).
        """
        with self._lock:
            seen = self.fingerprint()
            if seen == self._seen and not force:
                return None
            self._seen = seen
            try:
                return self._load()
            except CeopWorkflowError as exc:  # the database is down, or a daemon raced us
                self._seen = None
                log.error("could not load the workflows folder %s: %s", self.folder, exc)
                return None

    def _load(self) -> FolderCheck:
        service = self.service
        now = service.clock.now()
        try:
            catalog = service.catalog
            # Templates are listed afresh: a definition may name one added since the start.
            vocabulary = Vocabulary(
                catalog.registry,
                catalog.vocabulary.roles,
                template_names(service.settings.templates_path),
            )
            result = catalog.load(service.db, self.folder, now, vocabulary)
        except DefinitionError as exc:
            check = FolderCheck(now, problems=tuple(exc.problems), running=self._running())
            for problem in check.problems:
                log.error("workflow definition not loaded: %s", problem)
            log.warning(
                "nothing loaded from %s (%d problem(s)); still running on %s",
                self.folder,
                len(check.problems),
                _versions(check.running),
            )
        else:
            check = FolderCheck(now, loaded=result.loaded, running=self._running())
            if check.loaded:
                log.info(
                    "loaded %s from %s; new partnerships start on %s",
                    ", ".join(check.loaded),
                    self.folder,
                    _versions(check.running),
                )
        record_workflows(service.db, now, check.summary(self.worker, str(self.folder)))
        return check

    def _running(self) -> dict[str, int]:
        with self.service.db.reading() as session:
            return newest_versions(session)


def _versions(running: dict[str, int]) -> str:
    return ", ".join(f"{name} v{version}" for name, version in running.items()) or "nothing"
