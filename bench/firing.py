"""Benchmark: transitions per second through `Service.fire`, against a plain Core loop.

    python bench/firing.py [--partnerships 500] [--rounds 7] [--steps 10]

On one SQLite file (WAL, BEGIN IMMEDIATE, as the store configures it), with `--partnerships`
partnerships walked to `active` through the use cases beforehand (untimed):
- the service fires the mix of bench/peers_extra.py on each partnership in turn: `escalate`
  (a reason, notice emails queued, timers cancelled), `resolve` (a required resolution, timers
  planned again, the open case closed), `start_renewal`, `renew` (five guards, typed data, an
  action); each firing one transaction;
- a plain Core loop, per transaction one UPDATE of a partnership (state, version check) and one
  INSERT of an audit row, statements built once (what the peers' Core loop does: the least a
  persisted, audited transition costs through SQLAlchemy).
A warm-up round is thrown away; then `--rounds` rounds, each running both (`--steps` x 20
firings, then as many plain transactions), the order alternating, so background load falls on
both alike. Printed: each rate's median [min-max] and the per-round ratio. There is no goal on
this ratio (the service writes 7 to 10 statements where the loop writes 2); the issue's goals
are against the peers (bench/peers_extra.py).

Then, under tracemalloc, the memory the engine keeps per firing (expect ~0: one Machine per
definition, never one per partnership).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Run as a script, this folder comes first on sys.path: put the repository there instead.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

from sqlalchemy import bindparam, insert, update  # noqa: E402

from bench.peers_extra import active_partnerships, firing_step, project_service  # noqa: E402
from ceop_workflow.app.service import Service  # noqa: E402
from ceop_workflow.store.models import AuditEntry, Partnership  # noqa: E402

KEYWORKER = "kw@ceop.example"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STEP = 20  # firings per step of bench/peers_extra.firing_step


def plain_core(service: Service, first_id: int, count: int) -> Callable[[int], None]:
    """A loop of `n` transactions (UPDATE + audit INSERT), statements built once."""
    partnerships = Partnership.__table__
    move = (
        update(partnerships)
        .where(partnerships.c.id == bindparam("p_id"), partnerships.c.version == bindparam("v"))
        .values(state=bindparam("state"), state_entered_at=bindparam("at"), version=bindparam("n"))
    )
    audit = insert(AuditEntry.__table__)
    versions = {pid: 1 for pid in range(first_id, first_id + count)}
    ids = list(versions)
    position = [0]

    def run(n: int) -> None:
        for _ in range(n):
            pid = ids[position[0] % len(ids)]
            position[0] += 1
            version = versions[pid]
            state = "escalated" if version % 2 else "active"
            with service.db.engine.begin() as connection:  # BEGIN IMMEDIATE, the store's engine
                connection.execute(
                    move, {"p_id": pid, "v": version, "state": state, "at": NOW, "n": version + 1}
                )
                connection.execute(
                    audit,
                    {"partnership_id": pid, "at": NOW, "actor": KEYWORKER, "role": "keyworker",
                     "trigger": "escalate", "source": "active", "dest": state,
                     "workflow_version": 1, "comment": None, "data": {}},
                )  # fmt: skip
            versions[pid] = version + 1

    return run


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def memory_kept(step: Callable[[], int], steps: int) -> tuple[int, int]:
    """Bytes kept after `steps` more steps of firings, and how many firings that was."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        fired = sum(step() for _ in range(steps))
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    return sum(stat.size_diff for stat in after.compare_to(before, "filename")), fired


def spread(values: list[float], digits: int = 0) -> str:
    return (
        f"{statistics.median(values):,.{digits}f} [{min(values):,.{digits}f}-"
        f"{max(values):,.{digits}f}]"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partnerships", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=10, help="steps of 20 firings per round")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ceop-bench-") as folder:
        service = project_service(Path(folder))
        # Half for the service; the loop's half are never fired through it.
        made = active_partnerships(service, 2 * args.partnerships)
        ids = made[: args.partnerships]
        plain = plain_core(service, made[args.partnerships], args.partnerships)
        step = firing_step(service, ids)
        n = args.steps * STEP
        service_rates: list[float] = []
        plain_rates: list[float] = []
        for round_ in range(args.rounds + 1):
            runs: list[tuple[list[float], Callable[[], object]]] = [
                (service_rates, lambda: [step() for _ in range(args.steps)]),
                (plain_rates, lambda: plain(n)),
            ]
            for rates, run in runs if round_ % 2 else runs[::-1]:
                seconds = timed(run)
                if round_:  # round 0 warms caches, compiled statements, the machine; dropped
                    rates.append(n / seconds)
        grown, fired = memory_kept(step, 20)
        attached = len(service.catalog._machines[("partnership", 1)]._machine.models)
        service.db.dispose()
    ratios = [s / p for s, p in zip(service_rates, plain_rates, strict=True)]
    print(f"{args.rounds} rounds of {n:,} firings each, median [min-max]:")
    print(f"Service.fire (the mix)    {spread(service_rates)} transitions/s")
    print(f"plain Core, 2 statements  {spread(plain_rates)} transitions/s")
    print(f"ratio service / plain     {spread(ratios, 2)} (per round)")
    print(
        f"engine memory kept        {grown / fired:,.1f} bytes per firing "
        f"({grown:,} bytes over {fired:,} more firings; tracemalloc: caches, not state; "
        f"models attached to the machine: {attached})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
