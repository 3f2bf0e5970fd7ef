"""The register of Business Plan objectives, targets and priority resource areas, per financial
year, kept by the Head of Partnerships; every change is written to an append-only log.

Business cases and initiatives cite targets by key. Once a financial year has targets in the
register, a business case submitted in that year may cite only those (the guard
`names_business_plan_objective`); a year with none keeps free text, so an installation can
start using the register at the start of any year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ceop_workflow.app.roles import account_grants, roles_held
from ceop_workflow.clock import Clock
from ceop_workflow.config import Settings
from ceop_workflow.engine.cadence import financial_year_label
from ceop_workflow.engine.definition_rules import NAME
from ceop_workflow.errors import BadInput, NotFound, NotPermitted
from ceop_workflow.store.db import Database
from ceop_workflow.store.strategy import PlanItem, RegisterChange

MAINTAINER = "head_of_partnerships"
# Section 7: what makes a resource area a priority for partnership.
CRITERIA = ("business_objectives", "not_core_law_enforcement", "fills_resource_gap", "attractive")


class ItemKind(StrEnum):
    """What an entry of the register is."""

    OBJECTIVE = "objective"
    TARGET = "target"
    PRIORITY_AREA = "priority_area"


@dataclass(frozen=True)
class PlanTargets:
    """The live targets of one financial year, by key, with their titles."""

    year: str
    titles: dict[str, str]


def year_of(value: str | None, today: date) -> str:
    """A financial year label ("2007/08") from what someone typed, or the one `today` is in."""
    if value is None:
        return financial_year_label(today)
    text = value.strip()
    parts = text.split("/")
    if len(parts) == 2 and all(p.isdigit() for p in parts) and len(parts[0]) == 4:
        start = int(parts[0])
        if parts[1] == f"{(start + 1) % 100:02d}":
            return text
    raise BadInput(f"--year: expected a financial year such as 2007/08, got {value!r}")


# Built once, run on the session's connection: every transition notice reads it.
_LIVE_TARGETS = (
    select(PlanItem.key, PlanItem.title)
    .where(
        PlanItem.financial_year == bindparam("year"),
        PlanItem.kind == ItemKind.TARGET.value,
        PlanItem.retired.is_(False),
    )
    .order_by(PlanItem.key)
)


def live_targets(session: Session, year: str) -> PlanTargets:
    """The targets of `year` not retired (possibly none)."""
    session.flush()  # what the ORM holds back is seen, as session.execute's autoflush would
    rows = session.connection().execute(_LIVE_TARGETS, {"year": year}).all()
    return PlanTargets(year, {key: title for key, title in rows})


def _check_criteria(criteria: Sequence[str]) -> None:
    unknown = sorted(set(criteria) - set(CRITERIA))
    if unknown:
        raise BadInput(f"unknown criterion {unknown[0]!r}; criteria: {', '.join(CRITERIA)}")


@dataclass(frozen=True, slots=True)
class RegisterItem:
    """One entry of a financial year's register."""

    year: str
    kind: str
    key: str
    title: str
    parent: str | None
    criteria: tuple[str, ...]
    rank: int | None
    retired: bool


@dataclass(frozen=True, slots=True)
class RegisterChangeLine:
    """One change to the register, with the entry as it stood after it (`data`, as stored)."""

    at: str
    actor: str
    key: str
    action: str
    data: dict[str, Any]


def _row(item: PlanItem) -> RegisterItem:
    return RegisterItem(
        year=item.financial_year,
        kind=item.kind,
        key=item.key,
        title=item.title,
        parent=item.parent,
        criteria=tuple(item.criteria or []),
        rank=item.rank,
        retired=item.retired,
    )


class Register:
    """Reads and changes the register; only the Head of Partnerships changes it."""

    def __init__(self, settings: Settings, database: Database, clock: Clock) -> None:
        self.settings = settings
        self.db = database
        self.clock = clock

    def _today(self) -> date:
        return self.clock.now().astimezone(self.settings.tz).date()

    def _maintainer(self, actor: str) -> str:
        actor = actor.strip().lower()
        with self.db.reading() as session:
            granted = account_grants(session, actor)
        if MAINTAINER not in roles_held(self.settings, actor, granted=granted):
            raise NotPermitted(f"not permitted: the register is kept by the role {MAINTAINER}")
        return actor

    def _log(self, session: Session, actor: str, item: PlanItem, action: str) -> None:
        session.add(
            RegisterChange(
                at=self.clock.now(),
                actor=actor,
                financial_year=item.financial_year,
                key=item.key,
                action=action,
                # The log keeps the entry as a JSON document (criteria as a list).
                data=asdict(_row(item)) | {"criteria": list(item.criteria or [])},
            )
        )

    def add(
        self,
        kind: str,
        key: str,
        title: str,
        *,
        actor: str,
        year: str | None = None,
        parent: str | None = None,
        criteria: Sequence[str] = (),
        rank: int | None = None,
    ) -> RegisterItem:
        """Add an objective, a target (of an objective: `parent`) or a priority area."""
        actor = self._maintainer(actor)
        fy = year_of(year, self._today())
        try:
            item_kind = ItemKind(kind)
        except ValueError:
            raise BadInput(
                f"unknown kind {kind!r}; kinds: {', '.join(k.value for k in ItemKind)}"
            ) from None
        if not NAME.match(key):
            raise BadInput(f"key {key!r}: lower-case letters, digits and _, starting with a letter")
        if not title.strip():
            raise BadInput(f"key {key!r}: a title is needed")
        _check_criteria(criteria)
        if (item_kind is ItemKind.TARGET) != (parent is not None):
            raise BadInput("a target names its objective with --objective; nothing else does")
        now = self.clock.now()
        with self.db.unit_of_work() as session:
            if session.scalar(select(PlanItem.id).filter_by(financial_year=fy, key=key)):
                raise BadInput(f"the {fy} register already has {key!r}")
            if parent is not None and not session.scalar(
                select(PlanItem.id).filter_by(
                    financial_year=fy, key=parent, kind=ItemKind.OBJECTIVE.value
                )
            ):
                raise NotFound(f"the {fy} register has no objective {parent!r}")
            item = PlanItem(
                financial_year=fy,
                kind=item_kind.value,
                key=key,
                title=title.strip(),
                parent=parent,
                criteria=list(criteria),
                rank=rank,
                retired=False,
                created_at=now,
                updated_at=now,
            )
            session.add(item)
            self._log(session, actor, item, "add")
            return _row(item)

    def change(
        self,
        key: str,
        *,
        actor: str,
        year: str | None = None,
        title: str | None = None,
        rank: int | None = None,
        criteria: Sequence[str] | None = None,
        retire: bool = False,
    ) -> RegisterItem:
        """Retitle, re-rank, re-criteria or retire an entry; the old values stay in the log."""
        actor = self._maintainer(actor)
        fy = year_of(year, self._today())
        with self.db.unit_of_work() as session:
            item = session.scalars(
                select(PlanItem).filter_by(financial_year=fy, key=key)
            ).one_or_none()
            if item is None:
                raise NotFound(f"the {fy} register has no {key!r}")
            if title is not None:
                item.title = title.strip()
            if rank is not None:
                item.rank = rank
            if criteria is not None:
                _check_criteria(criteria)
                item.criteria = list(criteria)
            if retire:
                item.retired = True
            item.updated_at = self.clock.now()
            self._log(session, actor, item, "retire" if retire else "change")
            return _row(item)

    def items(self, year: str | None = None) -> list[RegisterItem]:
        """The register of one financial year: objectives, targets, then priority areas by rank."""
        fy = year_of(year, self._today())
        order = {k.value: i for i, k in enumerate(ItemKind)}
        with self.db.reading() as session:
            rows = session.scalars(select(PlanItem).filter_by(financial_year=fy)).all()
            found = [_row(r) for r in rows]
        return sorted(found, key=lambda r: (order[r.kind], r.rank or 0, r.key))

    def changes(self, year: str | None = None) -> list[RegisterChangeLine]:
        """The log of changes to one financial year's register, oldest first."""
        fy = year_of(year, self._today())
        with self.db.reading() as session:
            rows = session.scalars(
                select(RegisterChange).filter_by(financial_year=fy).order_by(RegisterChange.id)
            ).all()
            return [
                RegisterChangeLine(
                    at=r.at.isoformat(), actor=r.actor, key=r.key, action=r.action, data=r.data
                )
                for r in rows
            ]
