"""The firing path's hand-written statements keep the ORM's promises, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from ceop_workflow.app.service import FireRequest
from ceop_workflow.engine.schedule import Planned
from ceop_workflow.errors import Conflict
from ceop_workflow.scheduling import rows
from ceop_workflow.store import firing
from ceop_workflow.store.models import AuditEntry, Partnership, Timer
from tests.lifecycle import HEAD, KEYWORKER, Step, new_partnership, walk
from tests.support import Core
from tests.versions import TO_ACTIVE


def test_a_partnership_changed_since_it_was_read_is_a_conflict_and_nothing_is_written(
    build: Callable[..., Core],
) -> None:
    core = build()
    pid = new_partnership(core.service)
    with core.database.unit_of_work() as session:
        p = session.get(Partnership, pid)
        assert p is not None
        read_version = p.version
        # Someone else's write, past this session's object: the version moved on.
        session.connection().execute(
            update(Partnership.__table__)
            .where(Partnership.__table__.c.id == pid)
            .values(version=read_version + 1)
        )
        with pytest.raises(Conflict):
            firing.write_partnership(session, p, {"state": "business_case"})
        state, version = session.execute(
            select(Partnership.state, Partnership.version).where(Partnership.id == pid)
        ).one()
    assert (state, version) == ("lead", read_version + 1)


def test_a_firing_writes_its_state_version_and_one_audit_row_and_the_object_agrees(
    build: Callable[..., Core],
) -> None:
    core = build()
    pid = new_partnership(core.service)
    with core.database.reading() as session:
        before = session.scalar(select(Partnership.version).where(Partnership.id == pid))
        audits = session.scalar(select(func.count()).select_from(AuditEntry))
    result = core.service.fire(FireRequest(pid, "start_business_case", KEYWORKER))
    assert result.version == before + 1
    with core.database.reading() as session:
        p = session.get(Partnership, pid)
        assert p is not None
        assert (p.state, p.version) == ("business_case", before + 1)
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == audits + 1
    # The version the caller was given is the one the next firing must name.
    with pytest.raises(Conflict):
        core.service.fire(
            FireRequest(pid, "submit_to_committee", KEYWORKER, expected_version=before)
        )


def test_placing_duty_rows_at_once_revives_cancelled_ones_and_reports_the_others(
    build: Callable[..., Core],
) -> None:
    core = build()
    pid = new_partnership(core.service)
    walk(core.service, pid, TO_ACTIVE)
    walk(core.service, pid, [Step("escalate", KEYWORKER, "escalated", {"reason": "late"})])
    now = core.clock.now()
    with core.database.unit_of_work() as session:
        cancelled = session.scalars(
            select(Timer).filter_by(partnership_id=pid, status=rows.CANCELLED).order_by(Timer.id)
        ).all()
        assert len(cancelled) >= 2
        done, revived = cancelled[0], cancelled[1]
        done.status = rows.DONE
        session.flush()
        planned = [
            Planned(pid, key, t.name, t.kind, t.due_at + timedelta(days=1), period=t.period)
            for key, t in ((done.idempotency_key, done), (revived.idempotency_key, revived))
        ]
        fresh = Planned(pid, f"p{pid}:test:new", "test", "after", now)
        statuses = rows.place_many(session, [*planned, fresh, fresh], now)
    assert statuses == {
        done.idempotency_key: rows.DONE,
        revived.idempotency_key: rows.PENDING,
        fresh.key: rows.PENDING,
    }
    with core.database.reading() as session:
        after = {
            t.idempotency_key: (t.status, t.due_at)
            for t in session.scalars(select(Timer).filter_by(partnership_id=pid))
        }
    assert after[done.idempotency_key] == (rows.DONE, done.due_at)
    assert after[revived.idempotency_key] == (rows.PENDING, planned[1].due_at)
    assert after[fresh.key] == (rows.PENDING, now)
    # And the partnership comes back to active with its duties, as before.
    walk(core.service, pid, [Step("resolve", HEAD, "active", {"resolution": "done"})])
