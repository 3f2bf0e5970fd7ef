"""What a checked workflow definition is: frozen dataclasses the engine builds machines from.

engine.definitions reads and checks files into these; nothing here reads or checks anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from ceop_workflow.engine.registry import Registry
from ceop_workflow.engine.timers import TimerDef

# The action that sets a level of commitment: the states after it are a running partnership's.
SET_TIER = "set_tier"


@dataclass(frozen=True)
class NotifyDef:
    """An email to send when a transition happens."""

    template: str
    to: tuple[str, ...]


@dataclass(frozen=True)
class StateDef:
    """A state, and the duties that run while a partnership is in it."""

    name: str
    description: str
    terminal: bool
    timers: tuple[TimerDef, ...]


@dataclass(frozen=True)
class TransitionDef:
    """One trigger from one or more states, with who may fire it and what it needs."""

    trigger: str
    sources: tuple[str, ...]
    dest: str
    roles: tuple[str, ...]
    requires: Mapping[str, str]
    optional: Mapping[str, str]
    guards: tuple[str, ...]
    actions: tuple[str, ...]
    # A vote: each firing records the actor's vote; the state changes at the committee quorum.
    vote: bool
    notify: tuple[NotifyDef, ...]
    description: str


@dataclass(frozen=True)
class Definition:
    """One version of a workflow, checked and ready to build a machine from."""

    name: str
    version: int
    initial: str
    description: str
    subject: str
    states: Mapping[str, StateDef]
    transitions: tuple[TransitionDef, ...]
    source: str
    content_hash: str
    origin: str

    @property
    def triggers(self) -> frozenset[str]:
        """Every trigger name of the workflow."""
        return frozenset(t.trigger for t in self.transitions)

    @property
    def running_states(self) -> frozenset[str]:
        """States of a running partnership: not final, and only reached once a level of
        commitment was set (`set_tier`) — where reviews are recorded and partnerships counted."""
        frontier = [t.dest for t in self.transitions if SET_TIER in t.actions]
        reached: set[str] = set()
        while frontier:
            state = frontier.pop()
            if state in reached or self.states[state].terminal:
                continue
            reached.add(state)
            frontier.extend(t.dest for t in self.transitions_from(state))
        return frozenset(reached)

    def transitions_from(self, state: str) -> list[TransitionDef]:
        """The transitions that may fire from `state`, in definition order."""
        return [t for t in self.transitions if state in t.sources]

    def transition(self, trigger: str, state: str) -> TransitionDef | None:
        """The transition `trigger` from `state`, if there is one."""
        return next((t for t in self.transitions_from(state) if t.trigger == trigger), None)


@dataclass(frozen=True)
class Vocabulary:
    """The names a definition may use besides its own states and triggers."""

    registry: Registry
    roles: frozenset[str] | None = None
    templates: frozenset[str] | None = None


def content_hash(source: str) -> str:
    """The SHA-256 of a definition's text, to notice a change made without a new version."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()
