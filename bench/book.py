"""Build a large book of active partnerships fast, with the duty rows the listener would make.

Going through the use cases costs five transactions per partnership; this writes the same rows
in bulk: partners, partnerships in `active`, and each one's timer rows planned by the same
pure functions the listener uses (planned once, then copied under each partnership's id).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select

from ceop_workflow.app.catalog import Catalog
from ceop_workflow.config import Settings
from ceop_workflow.engine.schedule import Facts, Planned, entry_rows
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import Partner, Partnership, Timer, WorkflowDefinition

CHUNK = 5_000


def seed_active(
    settings: Settings,
    database: Database,
    catalog: Catalog,
    count: int,
    entered_at: datetime,
    tier: str = "partner",
    kind: str | None = "industry",
    start: date | None = None,
    end: date | None = None,
    prefix: str = "Partner",
) -> list[int]:
    """Insert `count` partnerships active since `entered_at`, with their timers; their ids."""
    with database.reading() as session:
        version = session.scalar(
            select(WorkflowDefinition.version)
            .filter_by(name="partnership")
            .order_by(WorkflowDefinition.version.desc())
        )
        assert version is not None, "run init first"
        definition = catalog.machine(session, "partnership", version).definition
    tz = settings.tz
    start = start or entered_at.astimezone(tz).date()
    template = Facts(0, "active", tier, start, start, end)
    planned: list[Planned] = []
    for timer in definition.states["active"].timers:
        planned += entry_rows(template, timer, entered_at, tz, start)
    ids: list[int] = []
    for first in range(0, count, CHUNK):
        size = min(CHUNK, count - first)
        with database.unit_of_work() as session:
            partners = session.scalars(
                insert(Partner).returning(Partner.id, sort_by_parameter_order=True),
                [
                    {
                        "name": f"{prefix} {first + i}",
                        "individual": False,
                        "contractor": False,
                        "created_at": entered_at,
                    }
                    for i in range(size)
                ],
            ).all()
            chunk = session.scalars(
                insert(Partnership).returning(Partnership.id, sort_by_parameter_order=True),
                [
                    {
                        "partner_id": partner,
                        "workflow": "partnership",
                        "workflow_version": version,
                        "state": "active",
                        "state_entered_at": entered_at,
                        "tier": tier,
                        "tier_kind": kind,
                        "tier_assigned_on": start,
                        "keyworker": f"kw{partner}@ceop.example",
                        "manager": "manager@ceop.example",
                        "commitment_start": start,
                        "commitment_end": end,
                        "created_at": entered_at,
                        "version": 1,
                    }
                    for partner in partners
                ],
            ).all()
            session.execute(insert(Timer), _timer_rows(chunk, planned, entered_at))
            ids.extend(chunk)
    return ids


def _timer_rows(
    ids: Sequence[int], planned: Sequence[Planned], now: datetime
) -> list[dict[str, Any]]:
    rows = []
    for pid in ids:
        for plan in planned:
            mine = replace(plan, partnership_id=pid, key=f"p{pid}:" + plan.key.split(":", 1)[1])
            rows.append(
                {
                    "partnership_id": pid,
                    "name": mine.name,
                    "kind": mine.kind,
                    "status": "pending",
                    "due_at": mine.due_at,
                    "anchor_at": mine.anchor_at,
                    "period": mine.period,
                    "idempotency_key": mine.key,
                    "payload": dict(mine.payload),
                    "created_at": now,
                }
            )
    return rows
