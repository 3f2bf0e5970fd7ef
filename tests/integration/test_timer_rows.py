"""Duty rows keyed by idempotency key come back to life, on both databases."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from ceop_workflow.store.models import Timer
from tests.lifecycle import HEAD, KEYWORKER, Step, new_partnership, walk
from tests.support import Core
from tests.versions import TO_ACTIVE


def test_a_state_left_and_entered_again_in_one_month_brings_its_reminder_back(
    build: Callable[..., Core],
) -> None:
    core = build()
    pid = new_partnership(core.service)
    walk(core.service, pid, TO_ACTIVE)
    walk(
        core.service,
        pid,
        [
            Step("escalate", KEYWORKER, "escalated", {"reason": "off track"}),
            Step("resolve", HEAD, "active", {"resolution": "back on track"}),
        ],
    )
    with core.database.reading() as session:
        monthly = session.execute(
            select(Timer.id, Timer.period, Timer.status).filter_by(
                partnership_id=pid, name="monthly_review"
            )
        ).all()
    # February's reminder was cancelled on escalation and is pending again: one row, revived
    # (on PostgreSQL the insert's rowcount of -1 once read as "added" and left it cancelled).
    assert [(period, status) for _id, period, status in monthly] == [("2026-02", "pending")]
