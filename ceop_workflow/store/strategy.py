"""Tables of the strategy beyond one partnership's lifecycle (sections 2, 3, 4, 6 and 7).

The Business Plan register (objectives, targets, priority resource areas) per financial year,
its append-only change log, and initiatives: projects or resource needs that partnerships
resource. Registered on the core metadata, so Alembic and `create_all` see them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from ceop_workflow.store.base import Base

# The kind of contact that opens a case for the Partnerships Team (and of the case's alert).
CASE_KIND = "difficult_interaction"


class PlanItem(Base):
    """One entry of the register: a Business Plan objective, a target, or a priority area.

    `key` is what business cases and initiatives cite; it is unique within a financial year.
    A target names its objective in `parent`. Retired items stay, so old citations still read.
    """

    __tablename__ = "plan_items"
    __table_args__ = (UniqueConstraint("financial_year", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    financial_year: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(500))
    parent: Mapped[str | None] = mapped_column(String(50))
    # Priority areas: the section 7 criteria they meet, and their rank (1 first).
    criteria: Mapped[list[str]] = mapped_column(JSON, default=list)
    rank: Mapped[int | None] = mapped_column(Integer)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class RegisterChange(Base):
    """An append-only record of a change to the register: who, when, what it was and became."""

    __tablename__ = "register_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str]
    financial_year: Mapped[str] = mapped_column(String(7))
    key: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, Any]]


class Initiative(Base):
    """A project or resource need of CEOP, on its own small workflow (subject "initiative")."""

    __tablename__ = "initiatives"
    __table_args__ = (Index("ix_initiatives_state", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    financial_year: Mapped[str] = mapped_column(String(7))
    targets: Mapped[list[str]] = mapped_column(JSON)
    priority_area: Mapped[str | None] = mapped_column(String(50))
    owner: Mapped[str]
    resources_needed: Mapped[str | None] = mapped_column(Text)
    workflow: Mapped[str] = mapped_column(String(100))
    workflow_version: Mapped[int]
    state: Mapped[str] = mapped_column(String(100))
    state_entered_at: Mapped[datetime]
    created_at: Mapped[datetime]


class InitiativeLink(Base):
    """A partnership that resources an initiative (zero or more per initiative)."""

    __tablename__ = "initiative_links"
    __table_args__ = (UniqueConstraint("initiative_id", "partnership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"), index=True)
    linked_at: Mapped[datetime]
    linked_by: Mapped[str]


class InitiativeEvent(Base):
    """An append-only record of an initiative's creation, links and transitions."""

    __tablename__ = "initiative_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str]
    trigger: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(100))
    dest: Mapped[str] = mapped_column(String(100))
    data: Mapped[dict[str, Any]]


@sa_event.listens_for(RegisterChange, "before_update")
@sa_event.listens_for(RegisterChange, "before_delete")
@sa_event.listens_for(InitiativeEvent, "before_update")
@sa_event.listens_for(InitiativeEvent, "before_delete")
def _refuse_change(mapper: Mapper[Any], connection: object, target: object) -> None:
    raise PermissionError(f"{type(target).__name__} rows are append-only")
