"""What guards and actions see of the world: plain frozen views, and the effects they ask for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any, Protocol

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
class PlanView:
    """The Business Plan targets registered for the financial year of the firing, by key."""

    year: str
    targets: frozenset[str]


@dataclass(frozen=True)
class Effect:
    """A change an action asks for: `kind` names it, `fields` carry the values."""

    kind: str
    fields: dict[str, Any]


class Record(Protocol):
    """What guards may look up about a partnership beyond its own row."""

    def business_case(self) -> BusinessCaseView | None:
        """The latest Brief Business Case, if any."""

    def round_decisions(self) -> tuple[DecisionView, ...]:
        """The committee's decisions in the current round of review."""

    def cleared_by_committee(self) -> bool:
        """Whether the committee approval that led into the current state carried a
        conflict-of-interest clearance with its reason (a clearance of an earlier round,
        deferred or years old, does not count: a clearance belongs to one decision)."""

    def approval_led_here(self) -> bool:
        """Whether the current state was entered by a committee approval (a vote)."""

    def plan_targets(self) -> PlanView | None:
        """The register's targets for the year, or None when the year has none registered."""


@dataclass(frozen=True)
class KnownRecord:
    """A record given whole and up front (tests, what-if checks)."""

    latest_case: BusinessCaseView | None = None
    decisions: tuple[DecisionView, ...] = ()
    cleared: bool = False
    approved_here: bool = True
    plan: PlanView | None = None

    def business_case(self) -> BusinessCaseView | None:
        return self.latest_case

    def round_decisions(self) -> tuple[DecisionView, ...]:
        return self.decisions

    def cleared_by_committee(self) -> bool:
        return self.cleared

    def approval_led_here(self) -> bool:
        return self.approved_here

    def plan_targets(self) -> PlanView | None:
        return self.plan


@dataclass
class FireContext:
    """Everything one firing knows; actions append to `effects`, guards only read.

    The record (business case, decisions) is looked up on first use and then kept, so a
    firing whose rules do not ask costs no query; the service asks before it writes.
    """

    partnership: PartnershipView
    trigger: str
    actor: str
    role: str
    data: dict[str, FieldValue]
    now: datetime
    today: date
    quorum: int
    record: Record = field(default_factory=KnownRecord)
    effects: list[Effect] = field(default_factory=list)

    @cached_property
    def business_case(self) -> BusinessCaseView | None:
        """The latest Brief Business Case of the partnership."""
        return self.record.business_case()

    @cached_property
    def round_decisions(self) -> tuple[DecisionView, ...]:
        """The committee's decisions in the current round of review."""
        return self.record.round_decisions()

    @cached_property
    def cleared_by_committee(self) -> bool:
        """Whether the approval that led into the current state carried a clearance."""
        return self.record.cleared_by_committee()

    @cached_property
    def approval_led_here(self) -> bool:
        """Whether the current state was entered by a committee approval."""
        return self.record.approval_led_here()

    @cached_property
    def plan(self) -> PlanView | None:
        """The register's targets for the firing's financial year, if it has any."""
        return self.record.plan_targets()

    def effect(self, kind: str, **fields: Any) -> None:
        """Ask the service to apply a change in the same transaction."""
        self.effects.append(Effect(kind, fields))
