"""Use cases that add to a partnership's record: contacts, reviews and contributions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from ceop_workflow.app.catalog import Catalog
from ceop_workflow.app.roles import NO_GRANTS, roles_held
from ceop_workflow.app.service import Listener
from ceop_workflow.clock import Clock
from ceop_workflow.config import Settings
from ceop_workflow.engine.addresses import check_address
from ceop_workflow.engine.definitions import Vocabulary
from ceop_workflow.engine.fields import parse_data
from ceop_workflow.engine.rules import DEFAULT_REGISTRY
from ceop_workflow.errors import BadInput, NotFound, NotPermitted, Refused
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import (
    AuditEntry,
    Contact,
    Contribution,
    Partnership,
    Review,
    ReviewOutcome,
)
from ceop_workflow.strategy.benefits import check_benefits


@dataclass(frozen=True, slots=True)
class ReviewResult:
    """The review's id, the period it counts for, and whether every objective was met."""

    id: int
    period: str
    all_met: bool


class ContactKind(StrEnum):
    """The Relationship Database's kinds of contact."""

    REQUEST = "request"
    MEETING = "meeting"
    EVENT = "event"
    DIFFICULT_INTERACTION = "difficult_interaction"
    UPDATE = "update"


class ReviewKind(StrEnum):
    """Monthly by the Partnerships Team; annual at the Partnership Committee."""

    MONTHLY = "monthly"
    ANNUAL = "annual"


class ContributionKind(StrEnum):
    """Money, or a resource valued in money."""

    FUNDING = "funding"
    IN_KIND = "in_kind"


# Who may add to a partnership's record (docs/web.md, "Who may do what"). Roles are those of
# [roles] and the account, plus keyworker and manager of the partnership itself.
RECORD_KEEPERS = frozenset({"keyworker", "manager", "partnerships_team", "head_of_partnerships"})
# Any CEOP staff member logs the visits and correspondence they had with a partner (strategy,
# section 6: the team is informed of them; the keyworker is told by email). Nobody else does.
CONTACT_LOGGERS = RECORD_KEEPERS | {"staff", "committee"}
CONTRIBUTION_RECORDERS = RECORD_KEEPERS
# Who may record each kind of review.
REVIEWERS = {
    ReviewKind.MONTHLY: frozenset(
        {"partnerships_team", "head_of_partnerships", "keyworker", "manager"}
    ),
    ReviewKind.ANNUAL: frozenset({"committee", "head_of_partnerships"}),
}


def _choice(enum: type[StrEnum], value: str, what: str) -> StrEnum:
    try:
        return enum(value.strip().lower().replace("-", "_").replace(" ", "_"))
    except ValueError:
        raise BadInput(
            f"unknown {what} {value!r}; {what}s: {', '.join(e.value for e in enum)}"
        ) from None


class Records:
    """Adds contacts, reviews and contributions, each in one transaction."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        clock: Clock,
        listeners: Sequence[Listener] = (),
        catalog: Catalog | None = None,
    ) -> None:
        self.settings = settings
        self.db = database
        self.clock = clock
        self.listeners = list(listeners)
        # Which states are a running partnership's comes from its own workflow version.
        registry = DEFAULT_REGISTRY.with_entry_points()
        self.catalog = catalog or Catalog(registry, Vocabulary(registry))

    def _partnership(self, session: Session, partnership_id: int) -> Partnership:
        p = session.get(Partnership, partnership_id)
        if p is None:
            raise NotFound(f"no partnership with id {partnership_id}")
        return p

    def _announce(self, session: Session, p: Partnership, kind: str, row: object) -> None:
        session.flush()
        for listener in self.listeners:
            listener.recorded(session, p, kind, row)

    def log_contact(
        self,
        partnership_id: int,
        kind: str,
        by: str,
        note: str | None = None,
        *,
        granted: frozenset[str] = NO_GRANTS,
    ) -> int:
        """Add an entry to the Relationship Database; it also resets the stale-engagement clock.

        `NotPermitted` unless `by` holds one of CONTACT_LOGGERS on this partnership.
        """
        contact_kind = _choice(ContactKind, kind, "contact kind")
        by = check_address(by, "by")
        with self.db.unit_of_work() as session:
            p = self._partnership(session, partnership_id)
            self._require(p, by, CONTACT_LOGGERS, "a contact is logged", granted)
            contact = Contact(
                partnership_id=p.id,
                kind=contact_kind.value,
                by=by,
                at=self.clock.now(),
                note=note,
            )
            session.add(contact)
            self._announce(session, p, "contact", contact)
            return contact.id

    def record_review(
        self,
        partnership_id: int,
        kind: str,
        by: str,
        outcomes: Mapping[str, str],
        feedback: str | None = None,
        *,
        feedback_negative: bool = False,
        benefits: Mapping[str, str] | None = None,
        granted: frozenset[str] = NO_GRANTS,
    ) -> ReviewResult:
        """Record a review with an outcome (met / not_met) for every objective.

        `feedback_negative` marks the partner's feedback as negative (a failure sign). An
        annual review may say, for each benefit the tier promises, whether it was delivered.
        """
        review_kind = _choice(ReviewKind, kind, "review kind")
        by = check_address(by, "by")
        results = {name: self._met(name, value) for name, value in outcomes.items()}
        now = self.clock.now()
        with self.db.unit_of_work() as session:
            p = self._partnership(session, partnership_id)
            kind_ = ReviewKind(review_kind)
            self._require(p, by, REVIEWERS[kind_], f"a {kind_.value} review is recorded", granted)
            definition = self.catalog.machine(session, p.workflow, p.workflow_version).definition
            if p.state not in definition.running_states:
                raise BadInput(
                    f"partnership {p.id} is {p.state}: only running partnerships are reviewed"
                )
            objectives = {o.name for o in p.objectives}
            unknown = sorted(set(results) - objectives)
            missing = sorted(objectives - set(results))
            if unknown or missing or not results:
                raise BadInput(
                    f"partnership {p.id}: give an outcome for each objective"
                    + (f"; unknown: {', '.join(unknown)}" if unknown else "")
                    + (f"; missing: {', '.join(missing)}" if missing else "")
                    + (f"; its objectives: {', '.join(sorted(objectives)) or 'none'}")
                )
            delivered = check_benefits(self.settings, p, review_kind.value, benefits or {})
            local = now.astimezone(self.settings.tz)
            period = (
                local.strftime("%Y-%m") if review_kind == ReviewKind.MONTHLY else str(local.year)
            )
            review = Review(
                partnership_id=p.id,
                kind=review_kind.value,
                period=period,
                by=by,
                at=now,
                all_met=all(results.values()),
                feedback=feedback,
                feedback_negative=feedback_negative,
                benefits=delivered,
                outcomes=[ReviewOutcome(objective=n, met=m) for n, m in results.items()],
            )
            session.add(review)
            self._announce(session, p, "review", review)
            return ReviewResult(id=review.id, period=period, all_met=review.all_met)

    def _require(
        self,
        p: Partnership,
        by: str,
        allowed: frozenset[str],
        what: str,
        granted: frozenset[str] = NO_GRANTS,
    ) -> None:
        if not roles_held(self.settings, by, p, granted) & allowed:
            raise NotPermitted(f"not permitted: {what} by " + ", ".join(sorted(allowed)))

    @staticmethod
    def _met(name: str, value: str) -> bool:
        word = value.strip().lower().replace("-", "_")
        if word in {"met", "yes", "true"}:
            return True
        if word in {"not_met", "no", "false", "unmet"}:
            return False
        raise BadInput(f"objective {name!r}: outcome must be met or not_met, got {value!r}")

    def add_contribution(
        self,
        partnership_id: int,
        gbp: str,
        kind: str,
        note: str | None = None,
        received_on: date | None = None,
        *,
        by: str,
        granted: frozenset[str] = NO_GRANTS,
    ) -> int:
        """Record funding or an in-kind resource raised through the partnership, in GBP.

        `by` is who records it; `NotPermitted` unless they hold one of CONTRIBUTION_RECORDERS.
        """
        contribution_kind = _choice(ContributionKind, kind, "contribution kind")
        value = parse_data({"gbp": [gbp]}, {"gbp": "gbp"}, {}, "contribution add")["gbp"]
        assert isinstance(value, Decimal)
        if value <= 0:
            raise BadInput("contribution add: the amount must be more than £0")
        now = self.clock.now()
        tz = self.settings.tz
        received = received_on or now.astimezone(tz).date()
        by = check_address(by, "by")
        with self.db.unit_of_work() as session:
            p = self._partnership(session, partnership_id)
            self._require(p, by, CONTRIBUTION_RECORDERS, "a contribution is recorded", granted)
            definition = self.catalog.machine(session, p.workflow, p.workflow_version).definition
            stays = running_stays(session, p.id, definition.running_states)
            # Money counts toward the £1m only from a partnership that ran when it came in: a
            # lead or a case still before the committee has raised nothing for CEOP yet.
            if not any(
                start.astimezone(tz).date() <= received
                and (end is None or received <= end.astimezone(tz).date())
                for start, end in stays
            ):
                raise Refused(
                    f"partnership {p.id} is {p.state}"
                    + (
                        f" and was not running on {received.isoformat()}"
                        if stays
                        else " and has never been running"
                    )
                    + ": contributions are recorded only for the days a partnership ran"
                )
            contribution = Contribution(
                partnership_id=p.id,
                kind=contribution_kind.value,
                value_gbp=value,
                received_on=received,
                note=note,
                recorded_at=now,
            )
            session.add(contribution)
            self._announce(session, p, "contribution", contribution)
            return contribution.id


def running_stays(
    session: Session, partnership_id: int, running: frozenset[str]
) -> list[tuple[datetime, datetime | None]]:
    """The stretches of time the partnership spent in `running` states, from its audit trail:
    (entered, left), `left` None for a stay still going on. Adjacent running states (active,
    escalated, renewal) join into one stretch."""
    stays: list[tuple[datetime, datetime | None]] = []
    start: datetime | None = None
    for entry in session.scalars(
        select(AuditEntry)
        .filter_by(partnership_id=partnership_id)
        .order_by(AuditEntry.at, AuditEntry.id)
    ):
        if entry.source == entry.dest:
            continue  # a committee vote short of the quorum moves nothing
        if entry.dest in running and start is None:
            start = entry.at
        elif entry.dest not in running and start is not None:
            stays.append((start, entry.at))
            start = None
    if start is not None:
        stays.append((start, None))
    return stays
