"""The demo's story, chapter by chapter: the one place a new part of the story is added.

A chapter is a function giving the dated steps it adds to the year, `[(day, step), ...]`;
each step is called with the `DemoWorld` at 11:00 on its day, after the daemon's morning
round. Daily work (contacts, reviews, contributions) is a function of the world and the day,
called after that day's steps. To add to the story: write a module with such a function and
list it below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from ceop_workflow.demo import script, strategy
from ceop_workflow.demo.world import DemoWorld, Step

Chapter = Callable[[], Iterable[tuple[date, Step]]]
Daily = Callable[[DemoWorld, date], None]

CHAPTERS: tuple[Chapter, ...] = (script.scripted, strategy.chapter)
DAILY: tuple[Daily, ...] = (script.routine,)


def story(chapters: Iterable[Chapter] = CHAPTERS) -> dict[date, list[Step]]:
    """Every chapter's steps by day; on one day, in the order of the chapters, then as given."""
    by_day: dict[date, list[Step]] = {}
    for chapter in chapters:
        for day, step in chapter():
            by_day.setdefault(day, []).append(step)
    return by_day
