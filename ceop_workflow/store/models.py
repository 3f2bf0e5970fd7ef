"""SQLAlchemy 2 typed models: the single source of truth for partnerships and their duties.

Every time is timezone-aware and stored as UTC (`UTCDateTime`); calendar dates that carry no
time of day (a commitment's start and end, the day a contribution was received) are plain dates.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

# Re-exported: whoever needs the metadata imports it from here, which registers every table.
from ceop_workflow.store.base import Base as Base


class Partner(Base):
    """An organisation or an individual that partners with the Centre."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)
    individual: Mapped[bool] = mapped_column(Boolean, default=False)
    # An existing contractor: its roles as partner and contractor must stay distinct.
    contractor: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]

    partnerships: Mapped[list[Partnership]] = relationship(back_populates="partner")


class WorkflowDefinition(Base):
    """One loaded version of a workflow definition, kept whole for as long as it is needed."""

    __tablename__ = "workflow_definitions"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime]


class Partnership(Base):
    """One partner's walk along one workflow; `version` guards against lost updates."""

    __tablename__ = "partnerships"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workflow", "workflow_version"],
            ["workflow_definitions.name", "workflow_definitions.version"],
            name="fk_partnerships_workflow_workflow_definitions",
        ),
        Index("ix_partnerships_state", "state"),
        Index("ix_partnerships_tier", "tier"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    workflow: Mapped[str] = mapped_column(String(100))
    workflow_version: Mapped[int]
    state: Mapped[str] = mapped_column(String(100))
    state_entered_at: Mapped[datetime]
    tier: Mapped[str | None] = mapped_column(String(50))
    tier_kind: Mapped[str | None] = mapped_column(String(50))
    tier_assigned_on: Mapped[date | None]
    keyworker: Mapped[str]
    manager: Mapped[str | None]
    commitment_start: Mapped[date | None]
    commitment_end: Mapped[date | None]
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it

    partner: Mapped[Partner] = relationship(back_populates="partnerships")
    objectives: Mapped[list[Objective]] = relationship(
        back_populates="partnership", order_by="Objective.id"
    )


class Objective(Base):
    """What a partnership is for, tied to a Business Plan objective or target."""

    __tablename__ = "objectives"
    __table_args__ = (UniqueConstraint("partnership_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"), index=True)
    name: Mapped[str]
    business_plan_ref: Mapped[str | None]
    created_at: Mapped[datetime]

    partnership: Mapped[Partnership] = relationship(back_populates="objectives")


class BusinessCase(Base):
    """The Brief Business Case put to the Partnership Committee."""

    __tablename__ = "business_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    objectives: Mapped[list[str]] = mapped_column(JSON)
    core_policing: Mapped[bool] = mapped_column(Boolean)
    benefits: Mapped[str | None] = mapped_column(Text)
    resources: Mapped[str | None] = mapped_column(Text)
    proposed_tier: Mapped[str | None] = mapped_column(String(50))
    author: Mapped[str]
    submitted_at: Mapped[datetime]


class CommitteeDecision(Base):
    """One committee member's vote or decision in one round of committee review."""

    __tablename__ = "committee_decisions"
    __table_args__ = (UniqueConstraint("partnership_id", "round_started_at", "member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"), index=True)
    # The moment the partnership entered committee review identifies the round.
    round_started_at: Mapped[datetime]
    member: Mapped[str]
    decision: Mapped[str] = mapped_column(String(50))
    conflict_of_interest_cleared: Mapped[bool] = mapped_column(Boolean, default=False)
    # Why the member cleared the conflict of interest (the member is who cleared it).
    clearance_reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]


class Review(Base):
    """A monthly (Partnerships Team) or annual (Committee) review against the objectives."""

    __tablename__ = "reviews"
    __table_args__ = (Index("ix_reviews_partnership_at", "partnership_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    kind: Mapped[str] = mapped_column(String(20))
    period: Mapped[str | None] = mapped_column(String(20))
    by: Mapped[str]
    at: Mapped[datetime]
    all_met: Mapped[bool] = mapped_column(Boolean)
    feedback: Mapped[str | None] = mapped_column(Text)
    # The partner's feedback was negative: a sign of dissatisfaction (strategy section 4).
    feedback_negative: Mapped[bool] = mapped_column(Boolean, default=False)
    # At an annual review: each benefit the tier promises, and whether it was delivered.
    benefits: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    outcomes: Mapped[list[ReviewOutcome]] = relationship(order_by="ReviewOutcome.id")


class ReviewOutcome(Base):
    """Whether one objective was met at one review."""

    __tablename__ = "review_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), index=True)
    objective: Mapped[str]
    met: Mapped[bool] = mapped_column(Boolean)


class Contact(Base):
    """An entry of the Relationship Database: any contact between staff and the partner."""

    __tablename__ = "contacts"
    __table_args__ = (Index("ix_contacts_partnership_at", "partnership_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    kind: Mapped[str] = mapped_column(String(50))
    by: Mapped[str]
    at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)


class Contribution(Base):
    """Funding or an in-kind resource raised through a partnership, valued in GBP."""

    __tablename__ = "contributions"
    __table_args__ = (Index("ix_contributions_received_on", "received_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    value_gbp: Mapped[Decimal]
    received_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime]


class AuditEntry(Base):
    """An append-only record of a transition or a committee vote; nothing updates or deletes it."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_partnership_id", "partnership_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    at: Mapped[datetime]
    actor: Mapped[str]
    role: Mapped[str | None] = mapped_column(String(100))
    trigger: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(100))
    dest: Mapped[str] = mapped_column(String(100))
    workflow_version: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]]


class Timer(Base):
    """A future duty of one partnership: the database, not the scheduler, remembers it."""

    __tablename__ = "timers"
    __table_args__ = (
        Index("ix_timers_due", "status", "due_at"),
        Index("ix_timers_partnership_id", "partnership_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    due_at: Mapped[datetime]
    anchor_at: Mapped[datetime | None]
    period: Mapped[str | None] = mapped_column(String(20))
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    payload: Mapped[dict[str, Any]]
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class Alert(Base):
    """A condition raised once and then worked: open, acknowledged, resolved."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_partnership_kind", "partnership_id", "kind", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    kind: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20), default="open")
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)


class OutboxMessage(Base):
    """An email decided in the same transaction as its cause, waiting to be sent."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    message_id: Mapped[str] = mapped_column(String(255))
    template: Mapped[str] = mapped_column(String(100))
    recipients: Mapped[list[str]] = mapped_column(JSON)
    context: Mapped[dict[str, Any]]
    partnership_id: Mapped[int | None] = mapped_column(ForeignKey("partnerships.id"))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    # The drainer (a daemon's worker id) holding the claim while the row is `sending`.
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # Set on a reminder folded into a daily digest (status "digested"): the digest's row.
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))


class DaemonLease(Base):
    """Who runs the daemon's singleton duties, and what its last sweep did."""

    __tablename__ = "daemon_leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(100))
    expires_at: Mapped[datetime | None]
    last_sweep_at: Mapped[datetime | None]
    last_sweep: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class CalendarFeed(Base):
    """A person's private calendar address; only the token's SHA-256 is kept."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(unique=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]


class AdminAction(Base):
    """An append-only record of an admin's change to the installation from the web: a workflow
    version loaded, running partnerships migrated (each of which also has its AuditEntry)."""

    __tablename__ = "admin_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str]
    action: Mapped[str] = mapped_column(String(50))
    workflow: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    detail: Mapped[dict[str, Any]]


@event.listens_for(AdminAction, "before_update")
@event.listens_for(AdminAction, "before_delete")
@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_audit_change(
    mapper: Mapper[Any], connection: object, target: AuditEntry | AdminAction
) -> None:
    kind = "audit entry" if isinstance(target, AuditEntry) else "admin action"
    raise PermissionError(f"{kind} {target.id} is append-only")


# Registered on the same metadata, so Alembic and `create_all` see the web's tables too.
from ceop_workflow.store import accounts as _accounts  # noqa: E402, F401
from ceop_workflow.store import strategy as _strategy  # noqa: E402, F401
