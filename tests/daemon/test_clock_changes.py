"""On the days the clocks change, a duty at a London wall-clock time fires once, at the right
UTC instant: 09:00 is 08:00 UTC from the last Sunday of March and 09:00 UTC from the last
Sunday of October; 01:30 does not exist in March (it fires at 02:00 BST, 01:00 UTC) and happens
twice in October (it fires at the first, 00:30 UTC)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from tests.daemon.support import World, london, sqlite_url, write_config

WORKFLOW = """
[workflow]
name = "clockwork"
version = 1
initial = "lead"

[states.lead]

[states.active]
timers = [{timers}]

[states.ended]
terminal = true

[[transitions]]
trigger = "activate"
source = "lead"
dest = "active"
roles = ["keyworker"]

[[transitions]]
trigger = "end"
source = "active"
dest = "ended"
roles = ["keyworker"]
"""

TIMER = (
    '{{ name = "{name}", every = "month", on = {day}, at = "{at}", '
    'notify = "monthly_review_due", to = ["keyworker"] }}'
)


def definition(spring: int, autumn: int) -> str:
    """A workflow whose active state has four monthly duties around the clock changes."""
    timers = [
        TIMER.format(name="spring_nine", day=spring, at="09:00"),
        TIMER.format(name="spring_gap", day=spring, at="01:30"),
        TIMER.format(name="autumn_nine", day=autumn, at="09:00"),
        TIMER.format(name="autumn_fold", day=autumn, at="01:30"),
    ]
    return WORKFLOW.replace("{timers}", ", ".join(timers))


def sweep_every_quarter_hour(world: World, day: date) -> dict[str, list[datetime]]:
    """Sweep from 00:00 UTC of the day before to 00:00 UTC of the day after; when each fired."""
    fired: dict[str, list[datetime]] = {}
    moment = datetime.combine(day - timedelta(days=1), time(0), tzinfo=UTC)
    seen = len(world.outbox())
    while moment <= datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC):
        world.at(moment).sweep()
        for message in world.outbox(after=seen):
            seen = message.id
            fired.setdefault(message.context["timer"], []).append(message.created_at)
        moment += timedelta(minutes=15)
    return fired


@pytest.mark.parametrize(
    ("year", "spring", "autumn"),
    [(2008, 30, 26), (2024, 31, 27)],
    ids=["2008", "2024"],
)
def test_wall_clock_duties_fire_once_at_the_right_instant(
    make_world: Callable[[Path, datetime], World],
    tmp_path: Path,
    year: int,
    spring: int,
    autumn: int,
) -> None:
    workflows = tmp_path / "workflows"
    workflows.mkdir()
    (workflows / "clockwork.toml").write_text(definition(spring, autumn), encoding="utf-8")
    config = write_config(tmp_path, sqlite_url(tmp_path), workflows=workflows)
    world = make_world(config, london(date(year, 3, spring - 3), time(12)))
    partner = world.service.add_partner("Clockwork Ltd")
    pid = world.service.create_partnership(partner, "clockwork", "kw@ceop.example")
    world.fire(pid, "activate", "kw@ceop.example")

    march = sweep_every_quarter_hour(world, date(year, 3, spring))
    assert march == {
        "spring_gap": [datetime(year, 3, spring, 1, 0, tzinfo=UTC)],
        "spring_nine": [datetime(year, 3, spring, 8, 0, tzinfo=UTC)],
    }

    world.at(datetime(year, 10, autumn - 2, tzinfo=UTC)).sweep()  # the months in between
    october = sweep_every_quarter_hour(world, date(year, 10, autumn))
    assert october == {
        "autumn_fold": [datetime(year, 10, autumn, 0, 30, tzinfo=UTC)],
        "autumn_nine": [datetime(year, 10, autumn, 9, 0, tzinfo=UTC)],
    }
