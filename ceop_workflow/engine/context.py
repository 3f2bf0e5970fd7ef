"""What guards and actions see of the world: plain frozen views, and the effects they ask for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ceop_workflow.engine.fields import FieldValue


@dataclass(frozen=True)
class PartnershipView:
    """A partnership as it stands before the transition."""

    id: int
    partner: str
    individual: bool
    contractor: bool
    workflow: str
    state: str
    tier: str | None
    tier_kind: str | None
    keyworker: str
    manager: str | None
    commitment_start: date | None
    commitment_end: date | None


@dataclass(frozen=True)
class BusinessCaseView:
    """The latest Brief Business Case of the partnership."""

    title: str
    objectives: tuple[str, ...]
    core_policing: bool
    author: str


@dataclass(frozen=True)
class DecisionView:
    """A committee member's decision in the current round of review."""

    member: str
    decision: str
    conflict_of_interest_cleared: bool


@dataclass(frozen=True)
class Effect:
    """A change an action asks for: `kind` names it, `fields` carry the values."""

    kind: str
    fields: dict[str, Any]


@dataclass
class FireContext:
    """Everything one firing knows; actions append to `effects`, guards only read."""

    partnership: PartnershipView
    trigger: str
    actor: str
    role: str
    data: dict[str, FieldValue]
    now: datetime
    today: date
    quorum: int
    business_case: BusinessCaseView | None = None
    round_decisions: tuple[DecisionView, ...] = ()
    cleared_by_committee: bool = False
    effects: list[Effect] = field(default_factory=list)

    def effect(self, kind: str, **fields: Any) -> None:
        """Ask the service to apply a change in the same transaction."""
        self.effects.append(Effect(kind, fields))
