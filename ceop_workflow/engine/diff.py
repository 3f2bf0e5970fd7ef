"""The differences between two versions of a workflow, state by state and edge by edge."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ceop_workflow.engine.definitions import Definition, StateDef, TransitionDef


@dataclass(frozen=True)
class DefinitionDiff:
    """Differences from `old` to `new`; transitions are named `trigger@source`."""

    states_added: tuple[str, ...]
    states_removed: tuple[str, ...]
    states_changed: tuple[str, ...]
    transitions_added: tuple[str, ...]
    transitions_removed: tuple[str, ...]
    transitions_changed: tuple[str, ...]

    @property
    def empty(self) -> bool:
        """No difference at all."""
        return not any(asdict(self).values())


def _state_shape(state: StateDef) -> tuple[object, ...]:
    return (state.terminal, state.timers)


def _transition_shape(t: TransitionDef) -> tuple[object, ...]:
    return (
        t.dest, t.roles, dict(t.requires), dict(t.optional), t.guards, t.actions, t.vote, t.notify,
    )  # fmt: skip


def _by_edge(d: Definition) -> dict[str, TransitionDef]:
    return {f"{t.trigger}@{source}": t for t in d.transitions for source in t.sources}


def diff(old: Definition, new: Definition) -> DefinitionDiff:
    """Compare two versions; descriptions are ignored, everything that runs is compared."""
    old_states, new_states = set(old.states), set(new.states)
    old_edges, new_edges = _by_edge(old), _by_edge(new)
    return DefinitionDiff(
        states_added=tuple(sorted(new_states - old_states)),
        states_removed=tuple(sorted(old_states - new_states)),
        states_changed=tuple(
            sorted(
                s
                for s in old_states & new_states
                if _state_shape(old.states[s]) != _state_shape(new.states[s])
            )
        ),
        transitions_added=tuple(sorted(set(new_edges) - set(old_edges))),
        transitions_removed=tuple(sorted(set(old_edges) - set(new_edges))),
        transitions_changed=tuple(
            sorted(
                e
                for e in set(old_edges) & set(new_edges)
                if _transition_shape(old_edges[e]) != _transition_shape(new_edges[e])
            )
        ),
    )
