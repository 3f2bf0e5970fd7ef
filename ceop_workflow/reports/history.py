"""Where a partnership stood at any moment, rebuilt from its append-only audit trail.

A partnership row only says where it is now; a report on a past month needs where it was then.
Every state change (create, transition, migration) appends an audit entry, so the entries, in
order, give each stay in a state (a `Stint`) and each tier set (a `TierSetting`). Pure code:
the caller turns audit rows into `Event`s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ceop_workflow.engine.tiers import Tier, TierKind


@dataclass(frozen=True)
class Event:
    """One audit entry, as the report needs it."""

    at: datetime
    trigger: str
    source: str
    dest: str
    actor: str
    comment: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def moved(self) -> bool:
        """Whether the partnership changed state (a committee vote short of quorum does not)."""
        return self.source != self.dest


@dataclass(frozen=True)
class Stint:
    """A stay in one state from `start` until `end` (None: still there); `entry` led in."""

    state: str
    start: datetime
    end: datetime | None
    entry: Event

    def covers(self, moment: datetime) -> bool:
        """Whether the partnership was in this state at `moment` (start inclusive)."""
        return self.start <= moment and (self.end is None or moment < self.end)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Whether any part of the stint lies in [start, end)."""
        return self.start < end and (self.end is None or self.end > start)


@dataclass(frozen=True)
class TierSetting:
    """A level of commitment agreed at `at` (tier assignment, renewal, an Ambassador's approval)."""

    at: datetime
    tier: Tier
    kind: TierKind | None


@dataclass(frozen=True)
class Timeline:
    """A partnership's stints and tier settings, oldest first."""

    stints: tuple[Stint, ...]
    tiers: tuple[TierSetting, ...]

    def stint_at(self, moment: datetime) -> Stint | None:
        """The stint that covers `moment`, or None before the partnership existed."""
        return next((s for s in reversed(self.stints) if s.covers(moment)), None)

    def state_at(self, moment: datetime) -> str | None:
        """The state at `moment`, or None before the partnership existed."""
        stint = self.stint_at(moment)
        return None if stint is None else stint.state

    def tier_at(self, moment: datetime) -> TierSetting | None:
        """The tier last agreed at or before `moment`, or None if none was yet."""
        return next((t for t in reversed(self.tiers) if t.at <= moment), None)

    def stints_between(self, start: datetime, end: datetime) -> list[Stint]:
        """The stints that overlap [start, end), oldest first."""
        return [s for s in self.stints if s.overlaps(start, end)]

    def first_tier(self) -> TierSetting | None:
        """The partnership's first tier: the day its initiative went live."""
        return self.tiers[0] if self.tiers else None


def _tier_setting(event: Event) -> TierSetting | None:
    tier = event.data.get("tier")
    if not event.moved or not isinstance(tier, str):
        return None
    kind = event.data.get("kind")
    return TierSetting(event.at, Tier(tier), TierKind(kind) if isinstance(kind, str) else None)


def timeline(events: Iterable[Event]) -> Timeline:
    """Build the timeline of one partnership from its audit events, given oldest first."""
    entries = [e for e in events if e.moved]
    stints = tuple(
        Stint(
            state=event.dest,
            start=event.at,
            end=entries[i + 1].at if i + 1 < len(entries) else None,
            entry=event,
        )
        for i, event in enumerate(entries)
    )
    tiers = tuple(t for t in map(_tier_setting, entries) if t is not None)
    return Timeline(stints, tiers)
