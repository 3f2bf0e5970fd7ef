"""Sign-in throttling: too many failed sign-ins pause signing in, per account and per address.

Within a window of `WINDOW` (15 minutes) from the first failure, `ACCOUNT_LIMIT` (5) failures
for one email address, or `ADDRESS_LIMIT` (20) from one client address, pause every further
attempt for that account or from that address until the window ends (docs/web.md). An email
address without an account is counted like any other, so the pause does not tell who has an
account; a paused attempt is refused before any password is checked, whoever it names.
A success clears the account's count (not the address's, or one good account would let an
address try others for ever). Failures are kept in the database, keyed by a digest, so every
web process shares them and a restart does not reset them. Time comes from the clock.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from ceop_workflow.clock import Clock
from ceop_workflow.errors import Conflict
from ceop_workflow.store.accounts import SigninFailure
from ceop_workflow.store.db import Database

ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
WINDOW = timedelta(minutes=15)


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode("utf-8", "surrogatepass")).hexdigest()


class SigninThrottle:
    """Counts failed sign-ins and says how long an account or address must wait."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        account_limit: int = ACCOUNT_LIMIT,
        address_limit: int = ADDRESS_LIMIT,
        window: timedelta = WINDOW,
    ) -> None:
        self.db = database
        self.clock = clock
        self._limits = {"account": account_limit, "address": address_limit}
        self.window = window

    def _keys(self, email: str, address: str) -> dict[str, str]:
        return {
            "account": _key("account", email.strip().lower()),
            "address": _key("address", address),
        }

    def wait_seconds(self, email: str, address: str) -> int:
        """Seconds before this account or address may try again; 0 if it may now."""
        now = self.clock.now()
        wait = 0.0
        with self.db.reading() as session:
            for kind, key in self._keys(email, address).items():
                row = session.get(SigninFailure, key)
                if row is None or row.failures < self._limits[kind]:
                    continue
                left = (row.window_started_at + self.window - now).total_seconds()
                wait = max(wait, left)
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, email: str, address: str) -> None:
        """Count one failed sign-in against the account and the address."""
        now = self.clock.now()
        try:
            with self.db.unit_of_work() as session:
                for key in self._keys(email, address).values():
                    row = session.get(SigninFailure, key, with_for_update=True)
                    if row is None:
                        session.add(SigninFailure(key=key, window_started_at=now, failures=1))
                    elif self._expired(row.window_started_at, now):
                        row.window_started_at, row.failures = now, 1
                    else:
                        row.failures += 1
        except Conflict:
            # Two first failures at once on PostgreSQL: the other one was counted.
            pass

    def succeeded(self, email: str) -> None:
        """A right password: the account starts again from no failures."""
        with self.db.unit_of_work() as session:
            row = session.get(SigninFailure, _key("account", email.strip().lower()))
            if row is not None:
                session.delete(row)

    def _expired(self, started: datetime, now: datetime) -> bool:
        return started + self.window <= now
