"""Three daemon processes on one PostgreSQL database share 5,000 due duties: each is handled
exactly once, as counted in the database, the outbox and the daemons' own logs."""

from __future__ import annotations

import time as time_module
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.book import seed_active
from ceop_workflow.store.models import OutboxMessage, Timer
from tests.daemon.support import World, daemon_process, handled, london, write_config

DUTIES = 5_000


@pytest.mark.postgres
def test_three_daemons_share_5000_duties_once(
    make_world: Callable[[Path, datetime], World], tmp_path: Path, postgres_url: str
) -> None:
    config = write_config(tmp_path, postgres_url, batch_size=50)
    entered = london(date(2008, 4, 1), time(10))
    world = make_world(config, entered)
    ids = seed_active(
        world.settings,
        world.service.db,
        world.service.catalog,
        DUTIES,
        entered,
        end=date(2009, 4, 1),
    )
    with world.service.db.reading() as session:
        due = set(session.scalars(select(Timer.id).where(Timer.due_at <= london(date(2008, 5, 1)))))
    assert len(due) == DUTIES  # May's monthly review of each partnership, nothing else

    started = time_module.perf_counter()
    workers = [
        daemon_process(
            config,
            tmp_path / f"{name}.log",
            *("--now", "2008-05-01T09:00", "daemon", "--once", "--worker-id", name),
        )
        for name in ("w1", "w2", "w3")
    ]
    codes = [w.wait(timeout=300) for w in workers]
    logs = [w.log for w in workers]
    print(f"three daemons took {time_module.perf_counter() - started:.1f} s")
    assert codes == [0, 0, 0], logs

    entries = [entry for log in logs for entry in handled(log)]
    by_timer = Counter(timer for _, timer, _ in entries)
    assert set(by_timer) == due
    assert max(by_timer.values()) == 1
    per_worker = Counter(worker for _, _, worker in entries)
    print("duties handled per daemon:", dict(per_worker))
    assert len(per_worker) >= 2, per_worker  # the work was shared

    with world.service.db.reading() as session:
        statuses = {
            status: n
            for status, n in session.execute(
                select(Timer.status, func.count()).where(Timer.id.in_(due)).group_by(Timer.status)
            )
        }
        mail = session.execute(
            select(OutboxMessage.partnership_id, func.count())
            .filter_by(template="monthly_review_due")
            .group_by(OutboxMessage.partnership_id)
        ).all()
        next_rows = session.scalar(
            select(func.count()).where(Timer.status == "pending", Timer.period == "2008-06")
        )
    assert statuses == {"done": DUTIES}
    assert sorted((pid, n) for pid, n in mail) == [(pid, 1) for pid in ids]
    assert next_rows == DUTIES  # each handled duty planned its next period once
