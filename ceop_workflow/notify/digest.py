"""Daily digests: several reminders for one person on one day become one `daily_digest` email.

Runs at drain time, in the transaction that claims the next batch, before the claim. The rule
(also in `notifications/README.md`):

- Only reminders (`REMINDERS`) that are due, `pending` and never tried (`attempts == 0`) are
  folded: a message that may already have reached its readers is never folded into another.
- A recipient gets a digest when they hold one of `email.digest_roles` for the reminder:
  `keyworker` and `manager` are read from the reminder's own `partnership` (as it was queued),
  other roles from `[roles]`.
- Reminders are grouped per recipient and per local (London) day the reminder was queued. A
  group of two or more becomes one digest; a group of one is sent on its own, unchanged.
- Every (reminder, recipient) pair stays accounted for in exactly one row. A reminder with
  other recipients too is split per recipient: the digested part becomes its own row, status
  `digested`, `digest_id` = the digest's row; the original keeps the other recipients and is
  sent as usual. A reminder wholly folded is marked `digested` itself. Each digest item names
  its reminder's row (`outbox_id`).
- A reminder whose subject cannot be rendered is left out (it is sent, and fails, on its own),
  and a digest that cannot be rendered is not made: its reminders are sent one by one.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ceop_workflow.config import Settings
from ceop_workflow.errors import BadInput
from ceop_workflow.notify import message
from ceop_workflow.notify.outbox import DIGESTED, PENDING, insert_row
from ceop_workflow.notify.render import TemplateRenderer
from ceop_workflow.store.models import OutboxMessage

log = logging.getLogger(__name__)

DIGEST_TEMPLATE = "daily_digest"
REMINDERS = frozenset(
    {
        "business_case_reminder",
        "monthly_review_due",
        "review_overdue",
        "annual_review_due",
        "stale_engagement",
        "renewal_coming_up",
        "renewal_overdue",
        # Not a timer's reminder but a request to act, and members get many on one day.
        "committee_pack",
    }
)
# Looked at per drain; more than this many due reminders wait for the next batch.
MAX_CANDIDATES = 5000
_KEY_LIMIT = 255


@dataclass(frozen=True)
class DigestRule:
    """Who gets digests: holders of `roles`, judged per reminder."""

    roles: frozenset[str]
    settings: Settings

    @classmethod
    def from_settings(cls, settings: Settings) -> DigestRule:
        """The rule of `email.digest_roles`."""
        return cls(frozenset(settings.email.digest_roles), settings)

    @property
    def tz(self) -> ZoneInfo:
        """The zone whose calendar days group the reminders."""
        return self.settings.tz

    def wants(self, address: str, context: Mapping[str, Any]) -> bool:
        """Whether `address` receives this reminder in a role that gets digests."""
        partnership = context.get("partnership")
        p = partnership if isinstance(partnership, Mapping) else {}
        for role in self.roles:
            if role in ("keyworker", "manager"):
                if address == str(p.get(role) or "").lower():
                    return True
            elif self.settings.holds(address, role):
                return True
        return False


@dataclass(frozen=True)
class _Reminder:
    id: int
    dedupe_key: str
    template: str
    recipients: list[str]
    context: dict[str, Any]
    partnership_id: int | None
    next_attempt_at: datetime
    created_at: datetime


@dataclass(frozen=True)
class FoldReport:
    """What one fold did: digests made and (reminder, recipient) pairs folded into them."""

    digests: int = 0
    folded: int = 0


class Digester:
    """Folds each person's due reminders of a day into one digest row, in the caller's session."""

    def __init__(self, rule: DigestRule, renderer: TemplateRenderer, domain: str) -> None:
        self._rule = rule
        self._renderer = renderer
        self._domain = domain

    def fold(self, session: Session, now: datetime) -> FoldReport:
        """Make the digests due at `now`; leaves lone reminders alone."""
        if not self._rule.roles:
            return FoldReport()
        if DIGEST_TEMPLATE not in self._renderer.known_templates():
            log.warning("outbox: no %s template; reminders are sent one by one", DIGEST_TEMPLATE)
            return FoldReport()
        groups: dict[tuple[str, date], list[_Reminder]] = defaultdict(list)
        for row in self._candidates(session, now):
            day = row.created_at.astimezone(self._rule.tz).date()
            for address in row.recipients:
                if self._rule.wants(address, row.context):
                    groups[(address, day)].append(row)
        taken: dict[int, dict[str, int]] = defaultdict(dict)  # row id -> recipient -> digest
        report = FoldReport()
        for (address, day), rows in groups.items():
            if len(rows) < 2:
                continue
            digest_id, folded = self._make_digest(session, address, day, rows, now)
            if digest_id is None:
                continue
            for row in folded:
                taken[row.id][address] = digest_id
            report = FoldReport(report.digests + 1, report.folded + len(folded))
        by_id = {row.id: row for rows in groups.values() for row in rows}
        for row_id, digests in taken.items():
            self._account(session, by_id[row_id], digests)
        if report.digests:
            log.info("outbox: %d reminders folded into %d digests", report.folded, report.digests)
        return report

    def _candidates(self, session: Session, now: datetime) -> list[_Reminder]:
        query = (
            select(
                OutboxMessage.id,
                OutboxMessage.dedupe_key,
                OutboxMessage.template,
                OutboxMessage.recipients,
                OutboxMessage.context,
                OutboxMessage.partnership_id,
                OutboxMessage.next_attempt_at,
                OutboxMessage.created_at,
            )
            .where(
                OutboxMessage.status == PENDING,
                OutboxMessage.attempts == 0,
                OutboxMessage.template.in_(sorted(REMINDERS)),
                OutboxMessage.next_attempt_at <= now,
            )
            .order_by(OutboxMessage.id)
            .limit(MAX_CANDIDATES)
        )
        if session.get_bind().dialect.name == "postgresql":
            # Wait for (not skip) a concurrent drainer's fold, so that nobody sees half a day.
            query = query.with_for_update(of=OutboxMessage)
        return [_Reminder(*row) for row in session.execute(query).all()]

    def _make_digest(
        self,
        session: Session,
        address: str,
        day: date,
        rows: Sequence[_Reminder],
        now: datetime,
    ) -> tuple[int | None, list[_Reminder]]:
        items: list[dict[str, Any]] = []
        folded: list[_Reminder] = []
        for row in rows:
            item = self._item(row, day)
            if item is not None:
                items.append(item)
                folded.append(row)
        if len(folded) < 2:
            return None, []
        context = {"recipient": address, "date": day.isoformat(), "link": "", "items": items}
        try:
            self._renderer.render(DIGEST_TEMPLATE, context)
        except BadInput as exc:
            log.warning("outbox: digest for %s on %s not made: %s", address, day, exc)
            return None, []
        key = _bounded(f"digest:{address}:{day.isoformat()}:{folded[0].id}")
        digest_id = insert_row(
            session,
            {
                "dedupe_key": key,
                "message_id": message.message_id_for(key, self._domain),
                "template": DIGEST_TEMPLATE,
                "recipients": [address],
                "context": context,
                "partnership_id": None,
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            },
        )
        return digest_id, folded if digest_id is not None else []

    def _item(self, row: _Reminder, day: date) -> dict[str, Any] | None:
        try:
            return digest_item(self._renderer, row.template, row.context, day, row.id)
        except BadInput as exc:
            log.warning("outbox: reminder %d left out of a digest: %s", row.id, exc)
            return None

    def _account(self, session: Session, row: _Reminder, digests: Mapping[str, int]) -> None:
        """Split `row` so each of its recipients is in exactly one row: sent or digested."""
        folded = [address for address in row.recipients if address in digests]
        rest = [address for address in row.recipients if address not in digests]
        if rest:
            values: dict[str, Any] = {"recipients": rest}
            children = folded
        else:
            keep = folded[0]
            values = {"recipients": [keep], "status": DIGESTED, "digest_id": digests[keep]}
            children = folded[1:]
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.status == PENDING)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        for address in children:
            key = _bounded(f"{row.dedupe_key}|to:{address}")
            insert_row(
                session,
                {
                    "dedupe_key": key,
                    "message_id": message.message_id_for(key, self._domain),
                    "template": row.template,
                    "recipients": [address],
                    "context": row.context,
                    "partnership_id": row.partnership_id,
                    "status": DIGESTED,
                    "attempts": 0,
                    "next_attempt_at": row.next_attempt_at,
                    "created_at": row.created_at,
                    "digest_id": digests[address],
                },
            )


def digest_item(
    renderer: TemplateRenderer,
    template: str,
    context: Mapping[str, Any],
    day: date,
    outbox_id: int | None = None,
) -> dict[str, Any]:
    """One item of a digest standing for reminder `template` with `context`.

    Its summary is the reminder's own subject; `TemplateError` if that cannot be rendered.
    """
    item: dict[str, Any] = {
        "kind": template,
        "partnership": context.get("partnership") or {},
        "due": str(context.get("due") or context.get("escalate_on") or day.isoformat()),
        "summary": renderer.render_subject(template, context),
        "link": str(context.get("link") or ""),
        "outbox_id": outbox_id,
    }
    if template == "review_overdue":
        item["review_kind"] = str(context.get("review_kind") or "monthly")
    return item


def _bounded(key: str) -> str:
    """A dedupe key that fits the column: long ones keep a prefix and gain a hash."""
    if len(key) <= _KEY_LIMIT:
        return key
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"{key[: _KEY_LIMIT - 34]}#{digest}"
