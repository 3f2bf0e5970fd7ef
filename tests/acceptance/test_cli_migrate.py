"""The admin's loop through the real CLI: load version 2, diff, migrate refused, dry run, migrate.

Version 2 (tests/versions.py) renames `active` to `running` and changes its timers; the book
(two active partnerships, one scoping, one escalated, one declined) is made in-process at T0
and swept on 10 February, when the migration happens.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ceop_workflow.scheduling.sweep import Sweeper
from tests.support import Core, db_snapshot, run_cli_in, write_config
from tests.versions import copy_shipped, small_book, timers_of, write_v2

MIGRATED_AT = datetime(2026, 2, 10, 9, 30, tzinfo=UTC)
ADMIN = "kelly.burke@ceop.example"


def _pending(core: Core, pid: int) -> dict[tuple[str, str], datetime]:
    return {
        (name, kind): due
        for name, kind, _period, status, due, _made, _state in timers_of(
            core.database, pid
        ).values()
        if status == "pending"
    }


def test_rename_a_state_through_the_cli(
    build: Callable[..., Core], tmp_path: Path, db_url: str
) -> None:
    folder = copy_shipped(tmp_path / "workflows")
    core = build(general__workflows_dir=str(folder))
    ids = small_book(core.service)
    core.clock.advance_to(MIGRATED_AT)
    Sweeper(core.service, "test").sweep()
    work = tmp_path / "cli"
    work.mkdir()
    write_config(work, db_url, general__workflows_dir=str(folder))

    def cli(*args: str) -> tuple[int, str, str]:
        return run_cli_in(work, *args, now=MIGRATED_AT)

    # A mistake in the new version: nothing loads, every problem named by file and key.
    broken = write_v2(folder)
    broken.write_text(
        broken.read_text(encoding="utf-8").replace('initial = "lead"', 'initial = "leed"'),
        encoding="utf-8",
    )
    code, out, err = cli("workflows", "load")
    assert (code, out) == (2, "")
    assert f"error: {broken}: workflow.initial: unknown state 'leed'" in err.splitlines()
    write_v2(folder)
    assert cli("workflows", "load")[:2] == (
        0,
        "loaded: partnership v2\nunchanged: ambassador v1, initiative v1\n",
    )
    code, out, _ = cli("workflows", "diff", "partnership", "1", "2")
    assert code == 0
    assert "states removed: active" in out and "states added: running" in out
    assert "2 partnership(s) on v1 in active" in out

    a, b = ids["A"], ids["B"]
    before = _pending(core, a)
    snapshot = db_snapshot(db_url)
    migrate = ("workflows", "migrate", "partnership", "--to", "2", "--actor", ADMIN)
    code, out, err = cli(*migrate)
    assert (code, out) == (3, "")
    assert f"no mapping for active (partnerships {a}, {b})" in err
    assert db_snapshot(db_url) == snapshot

    code, dry, err = cli(*migrate, "--map", "active=running", "--dry-run")
    assert (code, err) == (0, "")
    assert db_snapshot(db_url) == snapshot
    assert dry.startswith("would move 4 partnership(s) of partnership to v2\n")
    assert f"  #{a} A: v1 active -> v2 running\n" in dry
    assert dry.endswith("dry run: nothing was changed\n")

    code, done, err = cli(*migrate, "--map", "active=running")
    assert (code, err) == (0, "")
    # Exactly what the dry run said, line for line.
    assert done == dry.replace("would move", "moved").replace("dry run: nothing was changed\n", "")

    after = _pending(core, a)
    for key in (
        ("monthly_review", "every"),
        ("annual_review", "every"),
        ("stale_engagement", "idle"),
    ):
        assert after[key] == before[key], key
    assert ("renewal_notice", "before") not in after
    code, out, _ = cli("partnership", "history", str(a))
    assert code == 0 and "migrate" in out
    code, out, _ = cli("partnership", "show", str(a), "--diagram")
    assert code == 0 and "class running current" in out
