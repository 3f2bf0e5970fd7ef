"""Time comes from a clock passed in, so a year of cadence can be simulated in seconds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Something that says what time it is, always timezone-aware."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that says what it is told; `advance_to` moves it (simulations, tests, --now)."""

    def __init__(self, at: datetime) -> None:
        self._at = _aware(at)

    def now(self) -> datetime:
        return self._at

    def advance_to(self, at: datetime) -> None:
        self._at = _aware(at)


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError(f"a clock needs a timezone-aware time, got {at.isoformat()}")
    return at.astimezone(UTC)
