"""The workflow drawn for a page without JavaScript: states in order, where the partnership is,
and where it has been, in words as well as in colour."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ceop_workflow.engine.definitions import Definition


@dataclass(frozen=True)
class StateStep:
    """One state of the diagram and the ways out of it."""

    name: str
    description: str
    terminal: bool
    current: bool
    visited: bool
    exits: tuple[tuple[str, str], ...]


def steps(definition: Definition, current: str, path: Iterable[str]) -> list[StateStep]:
    """The states from the initial one, breadth first along the transitions; final states last."""
    order = [definition.initial]
    for name in order:
        for t in definition.transitions:
            if name in t.sources and t.dest not in order:
                order.append(t.dest)
    order += [s for s in definition.states if s not in order]
    order.sort(key=lambda name: definition.states[name].terminal)
    seen = set(path)
    return [
        StateStep(
            name=name,
            description=definition.states[name].description,
            terminal=definition.states[name].terminal,
            current=name == current,
            visited=name in seen and name != current,
            exits=tuple((t.trigger, t.dest) for t in definition.transitions if name in t.sources),
        )
        for name in order
    ]
