"""ceop-workflow as an extra case in the peer benchmarks (`/work/shared/peers`, `--extra FILE`).

    cd ../shared/peers   # or wherever the peer scripts are
    PY=/path/to/venv/bin/python bash run_all.sh --extra /path/to/repo/bench/peers_extra.py
    /path/to/venv/bin/python bench_end_to_end.py --extra /path/to/repo/bench/peers_extra.py

The venv holds the peers' requirements.txt and this project (`pip install -c constraints.txt
-e .`). The peers and the project run interleaved in the same rounds, so every ratio below is
same-run, per round (the machine is shared and noisy).

The project's case, `ceop_fire`: `Service.fire`, one transaction per firing, on a SQLite file
(WAL, BEGIN IMMEDIATE as the store configures it), 1,000 partnerships already `active` (set up
through the use cases, untimed). Each round fires a mix on each partnership in turn:
`escalate` (role check, a reason, notice emails queued in the outbox, the active state's review
timers cancelled), `resolve` (a required resolution, the timers planned again, the open case
closed), `start_renewal` (the renewal state's timers) and `renew` (five guards on tier, kind,
term, clearance and contractor, typed data, the `set_tier` action, the timers planned again):
guarded, with data, and queuing emails, not the cheapest trigger.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ceop_workflow.app.service import FireRequest, Service  # noqa: E402
from ceop_workflow.clock import FixedClock  # noqa: E402
from ceop_workflow.config import load_settings  # noqa: E402
from ceop_workflow.store.db import Database  # noqa: E402
from ceop_workflow.wiring import build_service  # noqa: E402

N_PARTNERSHIPS = 1_000
KEYWORKER = "kw@ceop.example"
TEAM = "team@ceop.example"
HEAD = "kelly.burke@ceop.example"
COMMITTEE = "paul.lever@ceop.example"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TO_ACTIVE: list[tuple[str, str, dict[str, list[str]]]] = [
    ("start_business_case", KEYWORKER, {}),
    (
        "submit_to_committee",
        KEYWORKER,
        {
            "title": ["Safer schools programme"],
            "objectives": ["Business Plan objective 2: train 500 teachers"],
            "core_policing": ["no"],
        },
    ),
    ("approve", COMMITTEE, {"minutes": ["Approved"]}),
    (
        "assign_tier",
        TEAM,
        {"tier": ["Partner"], "kind": ["industry"], "start": ["2026-02-01"], "end": ["2027-02-01"]},
    ),
]
CYCLE: list[tuple[str, str, dict[str, list[str]]]] = [
    ("escalate", KEYWORKER, {"reason": ["two monthly reviews off track"]}),
    ("resolve", HEAD, {"resolution": ["new delivery plan agreed"]}),
    ("start_renewal", TEAM, {}),
    (
        "renew",
        TEAM,
        {"tier": ["Partner"], "kind": ["industry"], "start": ["2027-02-01"], "end": ["2028-02-01"]},
    ),
]


def project_service(folder: Path) -> Service:
    """A fresh project database in `folder`, schema and shipped workflows loaded."""
    config = folder / "ceop-bench.toml"
    config.write_text(
        "\n".join(
            [
                "[database]",
                f'url = "sqlite:///{folder / "ceop-bench.db"}"',
                "[general]",
                f'workflows_dir = "{ROOT / "workflows"}"',
                f'templates_dir = "{ROOT / "notifications"}"',
                "[roles]",
                'staff = ["*@ceop.example"]',
                f'partnerships_team = ["{TEAM}", "{HEAD}"]',
                f'head_of_partnerships = ["{HEAD}"]',
                f'committee = ["{COMMITTEE}"]',
                'cemt = ["cemt@ceop.example"]',
                "",
            ]
        ),
        encoding="utf-8",
    )
    settings = load_settings(config, environ={})
    service = build_service(settings, Database(settings.database.url), FixedClock(NOW))
    service.init()
    return service


def active_partnerships(service: Service, count: int) -> list[int]:
    """`count` partnerships walked to `active` through the use cases (setup, untimed)."""
    ids = []
    for i in range(count):
        partner = service.add_partner(f"Bench partner {i}")
        pid = service.create_partnership(partner, "partnership", KEYWORKER)
        for trigger, actor, data in TO_ACTIVE:
            service.fire(FireRequest(pid, trigger, actor, data=data))
        ids.append(pid)
    return ids


def firing_step(service: Service, ids: list[int]) -> Callable[[], int]:
    """A step of 20 firings that walks each partnership round `CYCLE`."""
    order = itertools.cycle(ids)
    position: dict[int, int] = {}

    def step() -> int:
        for _ in range(20):
            pid = next(order)
            k = position.get(pid, 0)
            trigger, actor, data = CYCLE[k]
            position[pid] = (k + 1) % len(CYCLE)
            service.fire(FireRequest(pid, trigger, actor, data=data))
        return 20

    return step


def extra_cases(script: str, ctx: dict[str, Any]) -> list[tuple[str, Callable[[], Any]]]:
    """The project's firing path as a case of the end-to-end and SQLite-commit scripts."""
    if script not in {"end_to_end", "sqlite_commit"}:
        return []
    from _common import time_budget_loop  # the peers' own timing loop

    folder = Path(ctx["dbdir"]) / "ceop"
    folder.mkdir(parents=True, exist_ok=True)
    service = project_service(folder)
    step = firing_step(service, active_partnerships(service, N_PARTNERSHIPS))
    step()  # warm-up: compiled statements, the machine, the template listing
    return [("ceop_fire", lambda: time_budget_loop(step, ctx["budget"]))]


def extra_ratios(script: str) -> list[tuple[str, str, str]]:
    """The issue's rows, as same-run ratios."""
    if script == "end_to_end":
        return [
            ("ceop_fire / orm_tr_proxy (vs the naive ORM + shared Machine)", "ceop_fire",
             "orm_tr_proxy"),
            ("ceop_fire / spiff_sqlite (vs SpiffWorkflow on SQLite)", "ceop_fire",
             "spiff_sqlite"),
            ("raw_commit / ceop_fire (raw sqlite3 is this much faster)", "raw_commit",
             "ceop_fire"),
        ]  # fmt: skip
    if script == "sqlite_commit":
        return [
            ("stdlib_wal_normal_1tx / ceop_fire", "stdlib_wal_normal_1tx", "ceop_fire"),
            ("ceop_fire / orm_wal_normal_1tx", "ceop_fire", "orm_wal_normal_1tx"),
        ]
    return []
