"""Real daemon processes: killed with SIGKILL at random moments, stopped with SIGTERM, and
two on one SQLite database (one works, the other waits and says so)."""

from __future__ import annotations

import random
import signal
import time as clock
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.book import seed_active
from ceop_workflow.store.models import Alert, AuditEntry, OutboxMessage, Partnership, Timer
from tests.daemon.support import (
    DaemonProcess,
    World,
    daemon_process,
    handled,
    london,
    sqlite_url,
    wait_for,
    write_config,
)
from tests.support import scaled

KILLS = 12


def due_ids(world: World, now: datetime) -> set[int]:
    with world.service.db.reading() as session:
        return set(session.scalars(select(Timer.id).where(Timer.due_at <= now)))


def per_partnership(world: World, query: object) -> Counter[int]:
    with world.service.db.reading() as session:
        return Counter(pid for pid in session.scalars(query))  # type: ignore[call-overload]


def test_sigkill_at_random_moments_loses_nothing_and_doubles_nothing(
    make_world: Callable[[Path, datetime], World], tmp_path: Path
) -> None:
    config = write_config(tmp_path, sqlite_url(tmp_path), batch_size=20)
    entered = london(date(2008, 3, 10), time(10))
    world = make_world(config, entered)
    ids = seed_active(
        world.settings,
        world.service.db,
        world.service.catalog,
        400,
        entered,
        start=date(2008, 3, 10),
        end=date(2009, 3, 10),
    )
    now = "2008-12-12T09:30"
    # Per partnership: April's review (caught up to December), the stale alert due 9 May, and
    # the renewal notice of 10 December, which fires start_renewal as the system.
    due = due_ids(world, london(date(2008, 12, 12), time(9, 30)))
    assert len(due) == 3 * len(ids)

    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    runs, kills = [], 0
    while kills < KILLS:
        run = daemon_process(
            config,
            tmp_path / f"run{len(runs)}.log",
            "--now",
            now,
            "daemon",
            "--once",
            "--worker-id",
            "crashy",
        )
        runs.append(run)
        wait_for(lambda r=run: _working_or_over(r), 60, "a duty handled")
        if run.process.poll() is not None:
            break  # it finished everything before it could be killed
        # A random moment into the sweep: short, since a batched sweep gets through 400
        # partnerships in a second or two.
        clock.sleep(rng.uniform(0, 0.05))
        run.process.send_signal(signal.SIGKILL)
        run.process.wait(timeout=scaled(30))
        kills += 1
        assert_whole_batches(world, seed)
    assert kills >= 10, f"only {kills} kills before the work ran out (seed {seed})"
    for _ in range(2):  # the survivor finishes, and one more run finds nothing left
        last = daemon_process(
            config,
            tmp_path / f"run{len(runs)}.log",
            "--now",
            now,
            "daemon",
            "--once",
            "--worker-id",
            "crashy",
        )
        runs.append(last)
        assert last.wait(timeout=120) == 0, last.log

    entries = [entry for run in runs for entry in handled(run.log)]
    print(
        f"{kills} kills (seed {seed}); duties logged per run:", [len(handled(r.log)) for r in runs]
    )
    counts = Counter(timer for _, timer, _ in entries)
    assert max(counts.values()) == 1, f"handled twice (seed {seed})"
    assert set(counts) <= due
    assert "0 claimed" in runs[-1].log

    with world.service.db.reading() as session:
        left = session.scalar(select(func.count()).where(Timer.id.in_(due), Timer.status != "done"))
        states = Counter(session.scalars(select(Partnership.state)))
        pending = {
            str(t.payload.get("state"))
            for t in session.scalars(select(Timer).where(Timer.status == "pending"))
        }
    assert left == 0, f"duties lost (seed {seed})"
    assert states == Counter({"renewal": len(ids)})
    # Leaving active cancelled what was planned after; only renewal's own duties wait.
    assert pending <= {"renewal"}

    once = Counter({pid: 1 for pid in ids})
    for template in ("monthly_review_due", "stale_engagement", "renewal_coming_up"):
        query = select(OutboxMessage.partnership_id).filter_by(template=template)
        assert per_partnership(world, query) == once, template
    renewals = select(AuditEntry.partnership_id).filter_by(trigger="start_renewal")
    assert per_partnership(world, renewals) == once
    assert per_partnership(world, select(Alert.partnership_id)) == once


def assert_whole_batches(world: World, seed: int) -> None:
    """After a kill: each duty row done has its effects, and no effect is there without it.

    A batch's rows, mails, alerts and firings commit together: a kill mid-batch leaves none
    of them, a kill after its commit all of them.
    """
    with world.service.db.reading() as session:
        done = Counter(
            session.scalars(
                select(Timer.kind).where(Timer.status == "done", Timer.name != "monthly_review")
            )
        )
        done_every = session.scalar(
            select(func.count()).where(Timer.status == "done", Timer.kind == "every")
        )
        mail = Counter(session.scalars(select(OutboxMessage.template)))
        alerts = session.scalar(select(func.count()).select_from(Alert))
        renewals = session.scalar(
            select(func.count()).select_from(AuditEntry).filter_by(trigger="start_renewal")
        )
    assert mail["monthly_review_due"] == done_every, f"seed {seed}"
    assert mail["stale_engagement"] == alerts == done["idle"], f"seed {seed}"
    assert mail["renewal_coming_up"] == renewals == done["before"], f"seed {seed}"


def _working_or_over(run: DaemonProcess) -> bool:
    return "done timer" in run.log or run.process.poll() is not None


@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_second_daemon_waits_on_sqlite_and_a_signal_stops_after_the_batch(
    make_world: Callable[[Path, datetime], World], tmp_path: Path, stop_with: signal.Signals
) -> None:
    config = write_config(tmp_path, sqlite_url(tmp_path), batch_size=50, sweep_interval_seconds=1)
    entered = london(date(2008, 4, 1), time(10))
    world = make_world(config, entered)
    seed_active(world.settings, world.service.db, world.service.catalog, 600, entered)
    now = "2008-05-01T09:00"
    due = due_ids(world, london(date(2008, 5, 1)))

    first = daemon_process(config, tmp_path / "a.log", "--now", now, "daemon", "--worker-id", "A")
    wait_for(lambda: "done timer" in first.log, 60, "A to start working")
    second = daemon_process(config, tmp_path / "b.log", "--now", now, "daemon", "--worker-id", "B")
    wait_for(lambda: "waiting: another daemon (A)" in second.log, 60, "B to say it waits")
    assert "done timer" not in second.log

    first.process.send_signal(stop_with)
    assert first.wait(timeout=60) == 0, first.log
    assert "finishing the message or batch in hand" in first.log
    with world.service.db.reading() as session:
        done_by_a = session.scalar(select(func.count()).where(Timer.claimed_by == "A"))
        held_by_a = session.scalar(
            select(func.count()).where(Timer.claimed_by == "A", Timer.status == "pending")
        )
    assert done_by_a is not None and done_by_a % 50 == 0  # whole batches only
    assert held_by_a == 0  # nothing left half-done

    wait_for(lambda: "holding the SQLite daemon lease as B" in second.log, 60, "B to take over")
    wait_for(lambda: _left(world, due) == 0, 120, "B to finish")
    second.process.send_signal(signal.SIGTERM)
    assert second.wait(timeout=60) == 0, second.log

    entries = handled(first.log) + handled(second.log)
    counts = Counter(timer for _, timer, _ in entries)
    assert set(counts) == due and max(counts.values()) == 1


def _left(world: World, due: set[int]) -> int:
    with world.service.db.reading() as session:
        left = session.scalar(
            select(func.count()).where(Timer.id.in_(due), Timer.status == "pending")
        )
    return int(left or 0)
