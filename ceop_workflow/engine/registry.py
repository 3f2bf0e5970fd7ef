"""Guards and actions by name: definitions name them, code provides them.

A definition never carries code; every name it uses is resolved here before a machine is
built (PITFALLS: transitions would otherwise import a dotted path given as a string).
Other packages add their own through the `ceop_workflow.guards` and `ceop_workflow.actions`
entry-point groups.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from ceop_workflow.engine.context import FireContext

# A guard returns None when the rule holds, or the reason in words why it does not.
Guard = Callable[["FireContext"], "str | None"]
# An action records what should change; the service applies it in the same transaction.
Action = Callable[["FireContext"], None]
F = TypeVar("F", bound=Callable[..., object])
# Roles that follow from a partnership itself rather than from configuration.
RELATIONAL_ROLES = frozenset({"keyworker", "manager", "system"})


@dataclass
class Registry:
    """The guards and actions a definition may name."""

    guards: dict[str, Guard] = field(default_factory=dict)
    actions: dict[str, Action] = field(default_factory=dict)
    # The data each action reads without fail, as field = type: a transition that runs the
    # action must require it (checked when a definition is validated, not when it fires).
    needs: dict[str, Mapping[str, str]] = field(default_factory=dict)

    def guard(self, name: str) -> Callable[[Guard], Guard]:
        """Decorator: register a guard under `name`."""

        def register(fn: Guard) -> Guard:
            self.guards[name] = fn
            return fn

        return register

    def action(
        self, name: str, needs: Mapping[str, str] | None = None
    ) -> Callable[[Action], Action]:
        """Decorator: register an action under `name`, with the data it `needs`."""

        def register(fn: Action) -> Action:
            self.actions[name] = fn
            self.needs[name] = dict(needs or {})
            return fn

        return register

    def with_entry_points(self) -> Registry:
        """A copy that also holds guards and actions installed by other packages."""
        extended = Registry(dict(self.guards), dict(self.actions), dict(self.needs))
        _load(extended.guards, "ceop_workflow.guards")
        _load(extended.actions, "ceop_workflow.actions")
        return extended


def _load(target: dict[str, F], group: str) -> None:
    found: Mapping[str, F] = {ep.name: ep.load() for ep in entry_points(group=group)}
    target.update(found)
