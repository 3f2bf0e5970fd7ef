"""What the demo's steps act on: the use cases, the partnerships by name, and cheap reads.

The routine looks at every partnership's state each working day (some 8,000 looks a year).
`show` loads a partnership's whole history, so the world reads every state in one query and
keeps them until something may have moved them: `moved()` after a step or a daemon round.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from ceop_workflow.app.records import Records
from ceop_workflow.app.service import Service
from ceop_workflow.errors import CeopWorkflowError

Step = Callable[["DemoWorld"], None]


@dataclass
class DemoWorld:
    """The demo's actors, the ids of the partnerships they act on, and what they remember."""

    service: Service
    records: Records
    ids: dict[str, int]
    # States where a partnership is running (reviewed, contacted), from the workflows' own
    # definitions.
    running: frozenset[str]
    rng: random.Random = field(default_factory=lambda: random.Random(2007))
    review_days: dict[tuple[str, str], date] = field(default_factory=dict)
    contacted: dict[str, date] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    _states: dict[int, str] | None = None

    def state(self, name: str) -> str:
        """The current state of the named partnership (all states read in one query)."""
        if self._states is None:
            self._states = self.service.states()
        return self._states[self.ids[name]]

    def is_running(self, name: str) -> bool:
        """Whether the named partnership exists yet and is in a running state."""
        return name in self.ids and self.state(name) in self.running

    def moved(self) -> None:
        """States may have changed (a step fired a trigger, the daemon swept): read them again
        when next asked. Contacts, reviews and contributions never change a state."""
        self._states = None

    def attempt(self, what: str, action: Callable[[], object]) -> None:
        """Do one step; a refusal is kept for the summary instead of ending the demo."""
        try:
            action()
        except CeopWorkflowError as exc:
            self.errors.append(f"{what}: {exc}")
