"""The demo's story is put together from its chapters, in one place (demo/chapters.py)."""

from __future__ import annotations

from datetime import date

from ceop_workflow.demo.chapters import CHAPTERS, story
from ceop_workflow.demo.script import LAST_DAY
from ceop_workflow.demo.world import DemoWorld, Step


def _step(label: str, log: list[str]) -> Step:
    def step(_world: DemoWorld) -> None:
        log.append(label)

    return step


def test_steps_of_one_day_run_in_the_order_of_the_chapters() -> None:
    log: list[str] = []
    day, other = date(2007, 9, 3), date(2007, 9, 4)

    def first() -> list[tuple[date, Step]]:
        return [(day, _step("first a", log)), (other, _step("first b", log))]

    def second() -> list[tuple[date, Step]]:
        return [(day, _step("second a", log))]

    by_day = story([first, second])

    assert sorted(by_day) == [day, other]
    for step in by_day[day]:
        step(None)  # type: ignore[arg-type]  # these steps ignore the world
    assert log == ["first a", "second a"]


def test_the_shipped_story_falls_within_the_demo_year() -> None:
    by_day = story(CHAPTERS)

    assert by_day, "the demo has a story"
    assert min(by_day) >= date(2007, 7, 1)
    assert max(by_day) <= LAST_DAY
