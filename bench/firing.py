"""Benchmark: transitions per second through `Service.fire`, against a bare SQLAlchemy Core loop.

    python bench/firing.py [--count 10000] [--db PATH]

On one SQLite file (WAL, BEGIN IMMEDIATE, as the store configures it), with 2 x COUNT
partnerships set up beforehand (untimed):
- the service fires `start_business_case` once on each of COUNT partnerships (each firing
  is one transaction: role, data, guards, the machine, the new state and an audit row);
- a bare Core loop does the same writes on the other COUNT: per transaction one UPDATE of the
  partnership (state, version), one INSERT of an audit row, and (since entering a state starts
  its timers) one INSERT of the state's two duty rows, BEGIN IMMEDIATE;
- for reference, the loop the issue first named: the UPDATE and the audit INSERT only.
Both run in alternating chunks so that background load falls on both alike. The goal is a
ratio (service / bare) of at least 0.5.

Then, under tracemalloc, the memory the engine keeps per partnership fired (expect ~0: one
Machine per definition, never one per partnership).
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Run as a script, this folder comes first on sys.path and this file would shadow the
# `transitions` library: put the repository there instead.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

from sqlalchemy import func, insert, select, update  # noqa: E402

from ceop_workflow.app.service import FireRequest, Service  # noqa: E402
from ceop_workflow.clock import FixedClock  # noqa: E402
from ceop_workflow.config import load_settings  # noqa: E402
from ceop_workflow.store.db import Database  # noqa: E402
from ceop_workflow.store.models import AuditEntry, Partner, Partnership, Timer  # noqa: E402
from ceop_workflow.wiring import build_service  # noqa: E402

KEYWORKER = "kw@ceop.example"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CHUNKS = 10
WARM_UP, MEMORY_SAMPLE = 500, 2_000


def set_up(database: Database, count: int) -> None:
    """`count` partners, each with a partnership in `lead` and its 'create' audit row."""
    partners = [
        {"id": i, "name": f"Partner {i}", "individual": False, "contractor": False,
         "created_at": START}
        for i in range(1, count + 1)
    ]  # fmt: skip
    partnerships = [
        {"id": i, "partner_id": i, "workflow": "partnership", "workflow_version": 1,
         "state": "lead", "state_entered_at": START, "keyworker": KEYWORKER,
         "created_at": START, "version": 1}
        for i in range(1, count + 1)
    ]  # fmt: skip
    audit = [
        {"partnership_id": i, "at": START, "actor": KEYWORKER, "role": None, "trigger": "create",
         "source": "", "dest": "lead", "workflow_version": 1, "comment": None, "data": {}}
        for i in range(1, count + 1)
    ]  # fmt: skip
    with database.engine.begin() as connection:
        connection.execute(insert(Partner), partners)
        connection.execute(insert(Partnership), partnerships)
        connection.execute(insert(AuditEntry), audit)


def through_service(service: Service, ids: Sequence[int]) -> None:
    """Fire one trigger on each partnership through the use case."""
    for pid in ids:
        service.fire(FireRequest(pid, "start_business_case", KEYWORKER))


def bare_core(
    database: Database, clock: FixedClock, ids: Sequence[int], with_timers: bool = True
) -> None:
    """The same writes with nothing around them: UPDATE, audit INSERT, duty rows INSERT."""
    partnerships, timers = Partnership.__table__, Timer.__table__
    for pid in ids:
        now = clock.now()
        with database.engine.begin() as connection:  # BEGIN IMMEDIATE, from the store's engine
            connection.execute(
                update(partnerships)
                .where(partnerships.c.id == pid, partnerships.c.version == 1)
                .values(state="business_case", state_entered_at=now, version=2)
            )
            connection.execute(
                insert(AuditEntry.__table__).values(
                    partnership_id=pid, at=now, actor=KEYWORKER, role="keyworker",
                    trigger="start_business_case", source="lead", dest="business_case",
                    workflow_version=1, comment=None, data={},
                )
            )  # fmt: skip
            if with_timers:
                connection.execute(insert(timers), [
                    {"partnership_id": pid, "name": name, "kind": "after", "status": "pending",
                     "due_at": now + timedelta(days=days), "anchor_at": now, "period": None,
                     "idempotency_key": f"p{pid}:{name}:{now.isoformat()}", "payload": {},
                     "created_at": now}
                    for name, days in (("business_case_reminder", 14), ("business_case_chaser", 28))
                ])  # fmt: skip


def timed(run: Callable[[Sequence[int]], None], ids: Sequence[int]) -> float:
    started = time.perf_counter()
    run(ids)
    return time.perf_counter() - started


def memory_kept(service: Service, warm: Sequence[int], sample: Sequence[int]) -> tuple[int, int]:
    """Bytes kept after firing on `sample` (after `warm`), and models attached to the machine."""
    withdraw = {"reason": ["bench"]}
    for pid in warm:
        service.fire(FireRequest(pid, "withdraw", KEYWORKER, data=withdraw))
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for pid in sample:
            service.fire(FireRequest(pid, "withdraw", KEYWORKER, data=withdraw))
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    machine = service.catalog._machines[("partnership", 1)]
    return grown, len(machine._machine.models)


def check(database: Database, count: int) -> None:
    """Both loops did what they should: every partnership moved once, one audit row each."""
    with database.engine.connect() as connection:
        moved = connection.scalar(
            select(func.count()).select_from(Partnership).filter_by(state="business_case")
        )
        audited = connection.scalar(
            select(func.count()).select_from(AuditEntry).filter_by(trigger="start_business_case")
        )
    assert moved == audited == 3 * count, (moved, audited)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="transitions (default 10000)")
    parser.add_argument("--db", type=Path, help="a new SQLite file to keep (default: temporary)")
    args = parser.parse_args(argv)
    if args.db:
        return run(args.count, args.db)
    with tempfile.TemporaryDirectory(prefix="ceop-bench-") as folder:
        return run(args.count, Path(folder) / "bench.db")


def run(count: int, path: Path) -> int:
    """Set up, time both loops, measure memory, print the figures."""
    url = f"sqlite:///{path}"
    settings = load_settings(ROOT / "config.toml", environ={"CEOP_WORKFLOW_DATABASE_URL": url})
    database = Database(url)
    clock = FixedClock(START + timedelta(days=1))
    service = build_service(settings, database, clock)
    service.init()
    set_up(database, 3 * count)

    service_ids = range(1, count + 1)
    bare_ids, plain_ids = range(count + 1, 2 * count + 1), range(2 * count + 1, 3 * count + 1)
    size = max(1, count // CHUNKS)
    service_seconds = bare_seconds = plain_seconds = 0.0
    for first in range(0, count, size):
        bare_seconds += timed(
            lambda ids: bare_core(database, clock, ids), bare_ids[first : first + size]
        )
        plain_seconds += timed(
            lambda ids: bare_core(database, clock, ids, with_timers=False),
            plain_ids[first : first + size],
        )
        service_seconds += timed(
            lambda ids: through_service(service, ids), service_ids[first : first + size]
        )
    check(database, count)
    warm = min(WARM_UP, count // 2)
    fired = min(MEMORY_SAMPLE, count - warm)
    grown, attached = memory_kept(service, service_ids[:warm], service_ids[warm : warm + fired])
    database.dispose()

    service_rate, bare_rate = count / service_seconds, count / bare_seconds
    plain_rate = count / plain_seconds
    print(f"{count:,} transitions over {count:,} partnerships, SQLite file {path}")
    print(f"Service.fire          {service_rate:9,.0f} transitions/s  ({service_seconds:.2f} s)")
    print(
        f"bare SQLAlchemy Core  {bare_rate:9,.0f} transitions/s  ({bare_seconds:.2f} s)"
        "  UPDATE + audit INSERT + duty rows INSERT: the same writes"
    )
    print(f"ratio                 {service_rate / bare_rate:9.2f}  (goal >= 0.5)")
    print(
        f"bare, 2 statements    {plain_rate:9,.0f} transitions/s  ({plain_seconds:.2f} s)"
        "  UPDATE + audit INSERT only"
    )
    print(f"ratio to that         {service_rate / plain_rate:9.2f}")
    print(
        f"engine memory         {grown / fired:9.1f} bytes per partnership "
        f"({grown:,} bytes over {fired:,} more firings, tracemalloc: caches, not state; "
        f"models attached to the machine: {attached})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
