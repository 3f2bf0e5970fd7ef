"""For the tests of changing a definition: a copy of the shipped workflows folder, version 2
of partnership.toml (in which `active` is renamed `running` and its timers change), and a small
book of partnerships on version 1.

Version 2's `running` state, timer by timer, against v1's `active`:
- monthly_review: changed (chased after 10 days, not 14): planned again on the same calendar;
- annual_review: changed (chased after 21 days, not 30): planned again on the same anniversary;
- stale_engagement: identical: its rows are left alone;
- renewal_notice: removed: its pending rows are cancelled;
- settling_in: new (7 days after it starts): starts from the migration.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ceop_workflow.app.service import Service
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import Timer
from tests.lifecycle import (
    BUSINESS_CASE,
    KEYWORKER,
    MEMBER_A,
    TEAM,
    Step,
    new_partnership,
    walk,
)
from tests.support import WORKFLOWS

SETTLING_IN = (
    '  { name = "settling_in", after = "7d", notify = "business_case_reminder", '
    'to = ["keyworker"] },\n'
)


def copy_shipped(folder: Path) -> Path:
    """`folder` holding a copy of the shipped workflows (version 1 of each)."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in WORKFLOWS.glob("*.toml"):
        shutil.copyfile(path, folder / path.name)
    return folder


def partnership_v2() -> str:
    """The text of partnership.toml version 2 (see the module's docstring)."""
    text = (WORKFLOWS / "partnership.toml").read_text(encoding="utf-8")
    lines = []
    for line in text.splitlines(keepends=True):
        if line.startswith("version = 1"):
            line = "version = 2\n"
        elif "renewal_notice" in line:
            continue
        elif "monthly_review" in line:
            line = line.replace('overdue_after = "14d"', 'overdue_after = "10d"')
        elif "annual_review" in line:
            line = line.replace('overdue_after = "30d"', 'overdue_after = "21d"')
        elif "stale_engagement" in line:
            line += SETTLING_IN
        line = line.replace("[states.active]", "[states.running]")
        lines.append(line.replace('"active"', '"running"'))
    v2 = "".join(lines)
    assert '"active"' not in v2 and "states.active" not in v2, "every use of the state renamed"
    return v2


def write_v2(folder: Path) -> Path:
    """Replace the folder's partnership.toml by version 2 (the admin's edit); its path."""
    path = folder / "partnership.toml"
    path.write_text(partnership_v2(), encoding="utf-8")
    return path


# -- a small book on version 1 -----------------------------------------------------------------

TO_ACTIVE = (
    Step("start_business_case", KEYWORKER, "business_case"),
    Step("submit_to_committee", KEYWORKER, "committee_review", BUSINESS_CASE),
    Step("approve", MEMBER_A, "tier_assignment"),
    Step(
        "assign_tier",
        TEAM,
        "active",
        {"tier": "Partner", "kind": "industry", "start": "2026-01-05", "end": "2027-02-01"},
    ),
)
REJECT = Step("reject", MEMBER_A, "declined", {"reason": "core policing in disguise"})


def small_book(service: Service) -> dict[str, int]:
    """Two partnerships active since the clock's now, one scoping its business case, one
    escalated and one declined (finished, so never migrated); their ids by name."""
    ids = {name: new_partnership(service, name) for name in ("A", "B", "C", "D", "E")}
    for name in ("A", "B", "D"):
        walk(service, ids[name], TO_ACTIVE)
    walk(service, ids["C"], TO_ACTIVE[:1])
    walk(service, ids["D"], [Step("escalate", KEYWORKER, "escalated", {"reason": "off track"})])
    walk(service, ids["E"], [*TO_ACTIVE[:2], REJECT])
    return ids


def timers_of(database: Database, partnership_id: int) -> dict[int, tuple[Any, ...]]:
    """Every timer row of a partnership: id -> (name, kind, period, status, due_at, created_at,
    the state its payload names)."""
    with database.reading() as session:
        return {
            t.id: (
                t.name,
                t.kind,
                t.period,
                t.status,
                t.due_at,
                t.created_at,
                t.payload.get("state"),
            )
            for t in session.scalars(select(Timer).filter_by(partnership_id=partnership_id))
        }
