"""Migrating running partnerships to version 2 of their workflow, through the use cases.

Version 2 (tests/versions.py) renames `active` to `running` and changes its timers. The book is
made at T0 (Monday 5 January 2026); the migration happens on 10 February, after a sweep has sent
February's monthly reminders, so what is pending then is all in the future.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ceop_workflow.app.migration import Migrator
from ceop_workflow.cli.workflows import draw
from ceop_workflow.errors import Refused
from ceop_workflow.scheduling.sweep import Sweeper
from ceop_workflow.store.models import AuditEntry, Partnership, Timer
from tests.lifecycle import HEAD, KEYWORKER, Step, new_partnership, walk
from tests.support import T0, Core, db_snapshot
from tests.versions import TO_ACTIVE, copy_shipped, small_book, timers_of, write_v2

MIGRATED_AT = datetime(2026, 2, 10, 9, 30, tzinfo=UTC)
ADMIN = "kelly.burke@ceop.example"


def utc(month: int, day: int, year: int = 2026) -> datetime:
    """09:00 UTC (09:00 in London in winter) on a day."""
    return datetime(year, month, day, 9, 0, tzinfo=UTC)


@pytest.fixture
def setup(
    build: Callable[..., Core], tmp_path: Path, db_url: str
) -> tuple[Core, dict[str, int], Migrator]:
    """The small book on v1, swept on 10 February, with v2 loaded but nobody moved yet."""
    folder = copy_shipped(tmp_path / "workflows")
    core = build(general__workflows_dir=str(folder))
    ids = small_book(core.service)
    core.clock.advance_to(MIGRATED_AT)
    Sweeper(core.service, "test").sweep()
    write_v2(folder)
    loaded = core.service.catalog.load(core.database, folder, MIGRATED_AT)
    assert loaded.loaded == ("partnership v2",)
    service = core.service
    return core, ids, Migrator(service.db, service.catalog, service.clock, service.listeners)


def _pending(core: Core, pid: int) -> dict[str, tuple[datetime, str | None]]:
    return {
        name: (due, period)
        for name, _kind, period, status, due, _made, _state in timers_of(
            core.database, pid
        ).values()
        if status == "pending" and _kind != "overdue"
    }


def test_a_renamed_state_moves_everyone_and_keeps_the_timers_on_their_anchors(
    setup: tuple[Core, dict[str, int], Migrator], db_url: str
) -> None:
    core, ids, migrator = setup
    a = ids["A"]
    before = timers_of(core.database, a)
    by_name = {(v[0], v[1]): k for k, v in before.items() if v[3] == "pending"}
    # On v1, in `active` since T0 with the tier assigned on 5 January: March's reminder on the
    # first working day, February's chase 14 days after its reminder, the anniversary in 2027.
    assert _pending(core, a) == {
        "monthly_review": (utc(3, 2), "2026-03"),
        "annual_review": (utc(1, 5, 2027), "2027"),
        "stale_engagement": (utc(3, 6), None),
        "renewal_notice": (utc(11, 3), None),
    }
    assert before[by_name["monthly_review", "overdue"]][4] == utc(2, 16)

    result = migrator.migrate("partnership", 2, {"active": "running"}, ADMIN)

    moved = {m.partnership_id: (m.from_state, m.to_state) for m in result.moves}
    assert moved == {
        ids["A"]: ("active", "running"),
        ids["B"]: ("active", "running"),
        ids["C"]: ("business_case", "business_case"),
        ids["D"]: ("escalated", "escalated"),
    }
    with core.database.reading() as session:
        on = dict(session.execute(select(Partnership.id, Partnership.workflow_version)).all())
        audits = session.execute(
            select(AuditEntry.partnership_id, AuditEntry.source, AuditEntry.dest).filter_by(
                trigger="migrate"
            )
        ).all()
    assert on == {ids["A"]: 2, ids["B"]: 2, ids["C"]: 2, ids["D"]: 2, ids["E"]: 1}
    assert sorted(audits) == sorted((pid, *states) for pid, states in moved.items())

    after = timers_of(core.database, a)
    # Changed timers planned again on the same calendar and anniversary, in the same rows:
    # no slip, no second row. February's chase now comes 10 days after its reminder.
    assert _pending(core, a) == {
        "monthly_review": (utc(3, 2), "2026-03"),
        "annual_review": (utc(1, 5, 2027), "2027"),
        "stale_engagement": (utc(3, 6), None),
        "settling_in": (utc(2, 17), None),  # new: seven days from the migration
    }
    for key in ("monthly_review", "every"), ("annual_review", "every"):
        assert after[by_name[key]][3] == "pending", key
    assert after[by_name["monthly_review", "overdue"]][3:5] == ("pending", utc(2, 12))
    # The identical timer's row is the very same, untouched but for the state it names.
    stale = by_name["stale_engagement", "idle"]
    assert after[stale][:6] == before[stale][:6]
    assert (before[stale][6], after[stale][6]) == ("active", "running")
    assert after[by_name["renewal_notice", "before"]][3] == "cancelled"
    assert len(after) == len(before) + 1  # only settling_in is a new row
    with core.database.reading() as session:
        assert not session.scalar(
            select(func.count()).where(Timer.status == "pending", Timer.due_at < MIGRATED_AT)
        )
        keys = session.execute(
            select(Timer.partnership_id, Timer.name, Timer.period, func.count())
            .where(Timer.status == "pending")
            .group_by(Timer.partnership_id, Timer.name, Timer.kind, Timer.period)
        ).all()
    assert all(count == 1 for *_key, count in keys)
    # Nothing is owed at the moment of the migration: no mail about the past.
    assert Sweeper(core.service, "test").sweep().claimed == 0


def test_without_the_mapping_nothing_changes(
    setup: tuple[Core, dict[str, int], Migrator], db_url: str
) -> None:
    _core, ids, migrator = setup
    snapshot = db_snapshot(db_url)
    with pytest.raises(Refused) as refused:
        migrator.migrate("partnership", 2, {}, ADMIN)
    assert f"active (partnerships {ids['A']}, {ids['B']})" in str(refused.value)
    assert db_snapshot(db_url) == snapshot


def test_a_dry_run_reports_exactly_what_the_migration_does_and_changes_nothing(
    setup: tuple[Core, dict[str, int], Migrator], db_url: str
) -> None:
    _core, ids, migrator = setup
    snapshot = db_snapshot(db_url)
    dry = migrator.migrate("partnership", 2, {"active": "running"}, ADMIN, dry_run=True)
    assert db_snapshot(db_url) == snapshot
    real = migrator.migrate("partnership", 2, {"active": "running"}, ADMIN)
    assert dry.moves == real.moves
    assert (dry.dry_run, real.dry_run) == (True, False)
    changes = {m.partnership_id: m.changes for m in real.moves}
    assert changes[ids["C"]] == ()
    # Escalated keeps the monthly review cadence, so version 2's change reaches it too.
    assert [c.split(":")[0] for c in changes[ids["D"]]] == ["timer monthly_review"]
    assert [c.split(":")[0] for c in changes[ids["A"]]] == [
        "timer renewal_notice",
        "timer monthly_review",
        "timer annual_review",
        "timer settling_in",
    ]
    assert "cancelled 1 pending duty (due 2026-11-03T09:00:00+00:00)" in changes[ids["A"]][0]
    assert changes[ids["A"]][3].endswith("new, started: due 2026-02-17T09:00:00+00:00")


def test_a_partnership_on_version_1_keeps_working_beside_version_2(
    build: Callable[..., Core], tmp_path: Path
) -> None:
    folder = copy_shipped(tmp_path / "workflows")
    core = build(general__workflows_dir=str(folder))
    service = core.service
    old = new_partnership(service, "Old Ltd")
    walk(service, old, TO_ACTIVE)
    write_v2(folder)
    service.catalog.load(core.database, folder, T0)
    new = new_partnership(service, "New Ltd")
    walk(service, new, [*TO_ACTIVE[:3], replace(TO_ACTIVE[3], dest="running")])

    # v1's triggers and states still drive the old one: out of `active` and back into it.
    walk(
        service,
        old,
        [
            Step("escalate", KEYWORKER, "escalated", {"reason": "off track"}),
            Step("resolve", HEAD, "active", {"resolution": "back on track"}),
        ],
    )
    assert (service.show(old).workflow_version, service.show(new).workflow_version) == (1, 2)
    # Its timers fall due and are handled beside those of v2: February's reminder for both,
    # and v2's settling_in (a week after the new one started).
    core.clock.advance_to(utc(2, 2))
    report = Sweeper(service, "test").sweep()
    with core.database.reading() as session:
        done = session.execute(
            select(Timer.partnership_id, Timer.name, Timer.period)
            .filter_by(status="done")
            .order_by(Timer.partnership_id, Timer.name, Timer.period)
        ).all()
    assert done == [
        (old, "monthly_review", "2026-02"),
        (new, "monthly_review", "2026-02"),
        (new, "settling_in", None),
    ]
    assert report.failed == 0
    history = service.history(old)
    assert [h.dest for h in history][-2:] == ["escalated", "active"]
    assert {h.workflow_version for h in history} == {1}
    # Its diagram is drawn from v1, marking where it stands and the way it came.
    show = service.show(old)
    drawing = draw(
        service.definition("partnership", 1),
        "mermaid",
        show.state,
        tuple(h.dest for h in history),
    )
    assert "class active current" in drawing and "running" not in drawing
    assert "running" in draw(service.definition("partnership", 2), "mermaid")


def test_a_reminder_the_daemon_still_owes_stays_owed(
    build: Callable[..., Core], tmp_path: Path
) -> None:
    folder = copy_shipped(tmp_path / "workflows")
    core = build(general__workflows_dir=str(folder))
    ids = small_book(core.service)
    core.clock.advance_to(MIGRATED_AT)  # no sweep since 2 February: its reminder is owed
    write_v2(folder)
    core.service.catalog.load(core.database, folder, MIGRATED_AT)
    owed = {
        k: v
        for k, v in timers_of(core.database, ids["A"]).items()
        if v[:2] == ("monthly_review", "every")
    }
    assert [(v[2], v[3], v[4]) for v in owed.values()] == [("2026-02", "pending", utc(2, 2))]
    service = core.service
    Migrator(service.db, service.catalog, service.clock, service.listeners).migrate(
        "partnership", 2, {"active": "running"}, ADMIN
    )
    after = timers_of(core.database, ids["A"])
    # The same row, still due on 2 February: the next sweep sends it, once.
    assert {k: after[k][2:5] for k in owed} == {k: ("2026-02", "pending", utc(2, 2)) for k in owed}
    Sweeper(service, "test").sweep()
    with core.database.reading() as session:
        sent = session.execute(
            select(Timer.partnership_id, Timer.period)
            .filter_by(name="monthly_review", kind="every", status="done")
            .order_by(Timer.partnership_id)
        ).all()
    # D, escalated, keeps its monthly reminders too.
    assert sent == [(ids["A"], "2026-02"), (ids["B"], "2026-02"), (ids["D"], "2026-02")]


def test_reviews_are_recorded_in_the_renamed_state(
    setup: tuple[Core, dict[str, int], Migrator],
) -> None:
    core, ids, migrator = setup
    v1, v2 = (core.service.definition("partnership", v) for v in (1, 2))
    assert v1.running_states == {"active", "escalated", "renewal"}
    assert v2.running_states == {"running", "escalated", "renewal"}
    migrator.migrate("partnership", 2, {"active": "running"}, ADMIN)
    pid = ids["A"]
    objectives = core.service.show(pid).objectives
    review = core.records.record_review(pid, "monthly", KEYWORKER, dict.fromkeys(objectives, "met"))
    assert review.all_met is True
