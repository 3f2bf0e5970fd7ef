"""One retry policy for everything that tries again later: outbox messages, failing duties,
and the pause after a transport outage.

A policy is a first delay (`base`), doubled after each further failure and never longer than
`cap`, and the number of attempts after which one gives up (`max_attempts`; None: never).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class RetryPolicy:
    """Doubling delays from `base`, capped at `cap`; give up after `max_attempts` attempts."""

    base: timedelta
    cap: timedelta
    max_attempts: int | None = None

    def __post_init__(self) -> None:
        if self.base < timedelta(0) or self.cap < self.base:
            raise ValueError("a retry policy needs 0 <= base <= cap")
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValueError("a retry policy needs max_attempts >= 1")

    @classmethod
    def of(cls, base_seconds: int, cap_seconds: int, max_attempts: int | None) -> RetryPolicy:
        """A policy from the settings' shape: `retry_base_seconds`, `retry_cap_seconds`,
        `max_attempts` (the same three keys in `[email]` and `[daemon]`)."""
        base = timedelta(seconds=base_seconds)
        return cls(base, max(base, timedelta(seconds=cap_seconds)), max_attempts)

    def delay(self, failures: int) -> timedelta:
        """How long to wait after the `failures`-th failure in a row (1: `base`)."""
        doublings = min(max(failures - 1, 0), 40)  # past any cap long before; no overflow
        return min(self.base * (1 << doublings), self.cap)

    def gives_up(self, attempts: int) -> bool:
        """Whether `attempts` failed attempts are all one may make."""
        return self.max_attempts is not None and attempts >= self.max_attempts
