"""What the store promises on SQLite and PostgreSQL: times, versions, the schema, the audit."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, select, text, update
from sqlalchemy.exc import DBAPIError, StatementError

from ceop_workflow.errors import BadInput, Conflict, DefinitionError, UnknownTrigger
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import AdminAction, AuditEntry, Base, Partnership
from tests.lifecycle import (
    BUSINESS_CASE,
    KEYWORKER,
    MAIN_WALK,
    MEMBER_A,
    MEMBER_B,
    TO_COMMITTEE,
    Step,
    fire,
    new_partnership,
)
from tests.support import WORKFLOWS, Core, db_snapshot

Build = Callable[..., Core]
LONDON = ZoneInfo("Europe/London")


def test_times_are_stored_as_utc_and_come_back_aware(build: Build) -> None:
    summer = datetime(2026, 7, 1, 10, 30, tzinfo=LONDON)  # 09:30 UTC
    core = build(now=summer - timedelta(hours=1))
    pid = new_partnership(core.service)
    core.clock.advance_to(summer)
    fire(core.service, pid, MAIN_WALK[0])
    with core.database.reading() as session:
        p = session.get(Partnership, pid)
        assert p is not None
        assert p.state_entered_at == summer
        assert p.state_entered_at.tzinfo is UTC
        assert p.state_entered_at.hour == 9
        audit = session.scalars(select(AuditEntry).filter_by(partnership_id=pid)).all()
        assert {a.at.utcoffset() for a in audit} == {timedelta(0)}
    assert core.service.show(pid).history[-1].at == "2026-07-01T09:30:00+00:00"


def test_a_naive_time_is_refused(build: Build) -> None:
    core = build()
    pid = new_partnership(core.service)
    with pytest.raises(StatementError, match="naive datetime"), core.database.unit_of_work() as s:
        p = s.get(Partnership, pid)
        assert p is not None
        p.state_entered_at = datetime(2026, 1, 1, 9, 0)  # naive: the point of the test


def test_if_version_refuses_a_stale_request_and_changes_nothing(build: Build, db_url: str) -> None:
    core = build(committee__quorum=2)
    pid = new_partnership(core.service)
    for step in TO_COMMITTEE:
        fire(core.service, pid, step)
    seen = core.service.show(pid).version
    fire(core.service, pid, Step("approve", MEMBER_A, ""), expected_version=seen)
    before = db_snapshot(db_url)
    # The second member saw the partnership before the first vote: refused, even for a vote.
    with pytest.raises(Conflict, match=rf"changed by someone else.*version {seen}, now {seen + 1}"):
        fire(core.service, pid, Step("approve", MEMBER_B, ""), expected_version=seen)
    assert db_snapshot(db_url) == before
    result = fire(core.service, pid, Step("approve", MEMBER_B, ""), expected_version=seen + 1)
    assert (result.state, result.version) == ("tier_assignment", seen + 2)


@pytest.mark.postgres
@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
def test_a_stale_write_from_another_session_is_a_conflict(build: Build) -> None:
    core = build()
    pid = new_partnership(core.service)
    conflict = pytest.raises(Conflict, match="changed by someone else meanwhile")
    with conflict, core.database.unit_of_work() as session:
        stale = session.get(Partnership, pid)
        assert stale is not None and stale.version == 1
        fire(core.service, pid, MAIN_WALK[0])  # another session commits version 2
        stale.keyworker = "someone.else@ceop.example"
    p = core.service.show(pid)
    assert (p.state, p.keyworker, p.version) == ("business_case", "kw@ceop.example", 2)


def test_the_migration_and_the_models_agree(db_url: str) -> None:
    database = Database(db_url)
    try:
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        database.dispose()


def test_audit_entries_cannot_be_updated_or_deleted(build: Build, db_url: str) -> None:
    core = build()
    pid = new_partnership(core.service)
    fire(core.service, pid, MAIN_WALK[0])
    before = db_snapshot(db_url)
    with pytest.raises(PermissionError, match="append-only"), core.database.unit_of_work() as s:
        entry = s.scalars(select(AuditEntry)).first()
        assert entry is not None
        entry.comment = "rewritten"
    with pytest.raises(PermissionError, match="append-only"), core.database.unit_of_work() as s:
        s.delete(s.scalars(select(AuditEntry)).first())
    # Around the ORM, the database itself refuses.
    refused = (Conflict, DBAPIError)
    with pytest.raises(refused, match="append-only"), core.database.unit_of_work() as s:
        s.execute(update(AuditEntry).values(comment="rewritten"))
    with pytest.raises(refused, match="append-only"), core.database.unit_of_work() as s:
        s.execute(text("DELETE FROM audit_entries"))
    assert db_snapshot(db_url) == before


def test_admin_actions_cannot_be_updated_or_deleted(build: Build, db_url: str) -> None:
    core = build()
    with core.database.unit_of_work() as s:
        s.add(
            AdminAction(
                at=core.clock.now(),
                actor="admin@ceop.example",
                action="load_workflow",
                workflow="partnership",
                version=2,
                detail={},
            )
        )
    before = db_snapshot(db_url)
    with pytest.raises(PermissionError, match="append-only"), core.database.unit_of_work() as s:
        action = s.scalars(select(AdminAction)).one()
        action.actor = "someone.else@ceop.example"
    refused = (Conflict, DBAPIError)
    with pytest.raises(refused, match="append-only"), core.database.unit_of_work() as s:
        s.execute(update(AdminAction).values(actor="someone.else@ceop.example"))
    with pytest.raises(refused, match="append-only"), core.database.unit_of_work() as s:
        s.execute(text("DELETE FROM admin_actions"))
    assert db_snapshot(db_url) == before


def test_a_partnership_stays_on_the_version_it_started_with(
    build: Build, tmp_path: Path, db_url: str
) -> None:
    folder = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS, folder)
    core = build(general__workflows_dir=str(folder))
    old = new_partnership(core.service, "Old Ltd")
    v1 = (folder / "partnership.toml").read_text(encoding="utf-8")
    # Version 2 adds a "pause" from lead.
    v2 = v1.replace("version = 1", "version = 2") + (
        '\n[[transitions]]\ntrigger = "pause"\nsource = "lead"\ndest = "business_case"\n'
        'roles = ["keyworker"]\n'
    )
    (folder / "partnership.toml").write_text(v2, encoding="utf-8")
    assert core.service.init().loaded == ("partnership v2",)
    new = new_partnership(core.service, "New Ltd")
    assert [core.service.show(i).workflow_version for i in (old, new)] == [1, 2]
    with pytest.raises(UnknownTrigger, match="'pause'"):
        fire(core.service, old, Step("pause", "kw@ceop.example", ""))
    assert fire(core.service, new, Step("pause", "kw@ceop.example", "")).state == ("business_case")
    # Changing version 2 without raising its number is refused, and nothing is loaded.
    (folder / "partnership.toml").write_text(v2 + "\n# changed\n", encoding="utf-8")
    before = db_snapshot(db_url)
    with pytest.raises(DefinitionError, match=r"partnership\.toml: workflow\.version: .*raise"):
        core.service.init()
    assert db_snapshot(db_url) == before


def test_a_firing_whose_rules_ask_nothing_costs_three_statements(build: Build) -> None:
    core = build()
    warm, pid = new_partnership(core.service, "Warm Ltd"), new_partnership(core.service)
    fire(core.service, warm, MAIN_WALK[0])  # loads and caches the workflow's machine
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        # Writing the duties of the state entered is the timer listener's part (tests/daemon).
        if " timers " not in statement:
            statements.append(statement.split()[0].upper())

    event.listen(core.database.engine, "before_cursor_execute", record)
    try:
        fire(core.service, pid, MAIN_WALK[0])
    finally:
        event.remove(core.database.engine, "before_cursor_execute", record)
    # Lock and read (with the partner), the audit row, the versioned state change: no lookups
    # of business cases or committee decisions that no rule of this transition asks for.
    assert sorted(s for s in statements if s not in {"BEGIN", "COMMIT"}) == [
        "INSERT",
        "SELECT",
        "UPDATE",
    ]


@pytest.mark.postgres
@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
def test_a_value_too_long_for_its_column_is_bad_input(build: Build, db_url: str) -> None:
    core = build()
    pid = new_partnership(core.service)
    fire(core.service, pid, MAIN_WALK[0])
    before = db_snapshot(db_url)
    too_long = pytest.raises(BadInput, match="does not fit the database: value too long")
    with too_long:
        core.service.add_partner("x" * 300)
    with too_long:
        fire(
            core.service,
            pid,
            Step("submit_to_committee", KEYWORKER, "", BUSINESS_CASE | {"title": "t" * 600}),
        )
    assert db_snapshot(db_url) == before
