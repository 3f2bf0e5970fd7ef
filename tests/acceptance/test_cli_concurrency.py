"""Two processes fire at one partnership at once: one wins, the other is told of the conflict."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.lifecycle import KEYWORKER, MEMBER_A, MEMBER_B, TEAM, TO_COMMITTEE, new_partnership, walk
from tests.support import Core, cli_env, scaled, write_config

# (trigger, the two actors, the steps before, the state the winner leaves behind)
RACES = {
    "start": ("start_business_case", (KEYWORKER, TEAM), (), "business_case"),
    # Two committee members vote at once with a quorum of 2: both saw no vote yet.
    "vote": ("approve", (MEMBER_A, MEMBER_B), TO_COMMITTEE, "committee_review"),
}


@pytest.mark.parametrize("race", list(RACES))
def test_two_processes_fire_at_once_and_exactly_one_wins(
    build: Callable[..., Core], workdir: Path, db_url: str, race: str
) -> None:
    trigger, actors, before, dest = RACES[race]
    write_config(workdir, db_url, committee__quorum=2)
    core = build(committee__quorum=2)
    pid = new_partnership(core.service)
    walk(core.service, pid, before)
    seen = core.service.show(pid).version

    # Both start together; whichever the database lets in first wins, the other must see that.
    args = ["-m", "ceop_workflow", "fire", str(pid), trigger, "--if-version", str(seen)]
    processes = [
        subprocess.Popen(
            [sys.executable, *args, "--actor", actor],
            cwd=workdir,
            env=cli_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for actor in actors
    ]
    results = [(p.wait(timeout=scaled(60)), *p.communicate()) for p in processes]

    assert sorted(code for code, _, _ in results) == [0, 3], results
    (_, won, won_err), (_, _, lost_err) = sorted(results, key=lambda r: r[0])
    assert won_err == ""
    assert won.startswith(f"#{pid}: ")
    assert "Traceback" not in lost_err
    assert lost_err.count("\n") == 1
    assert lost_err.startswith("error: ")
    assert "changed by someone else" in lost_err

    shown = core.service.show(pid)
    assert (shown.state, shown.version) == (dest, seen + 1)
    assert [h.trigger for h in shown.history].count(trigger) == 1
