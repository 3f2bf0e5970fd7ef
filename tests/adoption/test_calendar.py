"""Calendar feeds: the demo keyworker's June 2008 reviews at 09:00 London, read by two parsers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import icalendar
import pytest
import vobject

from ceop_workflow.adoption.calendars import calendar_for, feed_owner, feed_token
from ceop_workflow.app.service import Service
from ceop_workflow.clock import FixedClock
from ceop_workflow.config import load_settings
from ceop_workflow.demo.year import run_demo
from ceop_workflow.errors import NotFound
from ceop_workflow.store.db import Database
from ceop_workflow.wiring import build_service
from tests.adoption.support import LONDON, REPO, settings_for

KEYWORKER = "sam.keyworker@ceop.example"


@pytest.fixture(scope="module")
def demo_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The book the demo leaves after its year, read on 1 July 2008."""
    folder = tmp_path_factory.mktemp("demo")
    result = run_demo(load_settings(REPO / "config.toml", environ={}), folder)
    database = Database(f"sqlite:///{result.database}")
    settings = settings_for(result.database)
    yield build_service(settings, database, FixedClock(datetime(2008, 7, 1, 12, tzinfo=UTC)))
    database.dispose()


def _june_reviews(events: list[tuple[str, datetime]]) -> list[tuple[str, datetime]]:
    return [
        (summary, start)
        for summary, start in events
        if "review" in summary.lower() and (start.year, start.month) == (2008, 6)
    ]


def test_the_keyworkers_june_2008_reviews_at_london_times(demo_service: Service) -> None:
    ics = calendar_for(demo_service, KEYWORKER)

    parsed = icalendar.Calendar.from_ical(ics)
    assert [tz["tzid"] for tz in parsed.walk("VTIMEZONE")] == ["Europe/London"]
    first = [
        (str(e["summary"]), e.decoded("dtstart"))
        for e in parsed.walk("VEVENT")
        if isinstance(e.decoded("dtstart"), datetime)
    ]
    second = [
        (e.summary.value, e.dtstart.value)
        for e in vobject.readOne(ics.decode("utf-8")).vevent_list
        if isinstance(e.dtstart.value, datetime)
    ]
    june = _june_reviews(first)
    assert sorted(june) == sorted(_june_reviews(second))

    monthly = {s for s, start in june if s.startswith("Monthly review")}
    assert {"Monthly review: NSPCC", "Monthly review: Serco", "Monthly review: Vodafone"} <= (
        monthly
    )
    for summary, start in june:
        london = start.astimezone(LONDON)
        # British Summer Time: 09:00 in London is 08:00 UTC.
        assert (london.hour, london.minute) == (9, 0), summary
        assert start.astimezone(UTC).hour == 8, summary
        assert start.utcoffset() is not None and start.utcoffset().total_seconds() == 3600
    # The first working day of June 2008 was Monday the 2nd.
    assert {start.astimezone(LONDON).date() for s, start in june if s in monthly} == {
        date(2008, 6, 2)
    }
    # Sam is no keyworker or manager of Visa's: Visa is not in Sam's calendar.
    assert not any("Visa" in s for s, _ in first)


def test_renewals_and_committee_meetings_are_in_the_feed(demo_service: Service) -> None:
    member = icalendar.Calendar.from_ical(calendar_for(demo_service, "paul.lever@ceop.example"))
    summaries = {str(e["summary"]) for e in member.walk("VEVENT")}
    assert "Partnership Committee: annual review of Microsoft" in summaries
    keyworker = icalendar.Calendar.from_ical(calendar_for(demo_service, KEYWORKER))
    term_ends = {
        str(e["summary"]): e.decoded("dtstart")
        for e in keyworker.walk("VEVENT")
        if str(e["summary"]).startswith("Renewal due")
    }
    assert term_ends["Renewal due: NSPCC's term ends"] == date(2009, 4, 1)


def test_a_feed_token_opens_one_persons_calendar(tmp_path: Path) -> None:
    database = Database(settings_for(tmp_path / "t.db").database.url)
    from ceop_workflow.store import migrate

    migrate.upgrade(database)
    now = datetime(2026, 1, 5, tzinfo=UTC)
    old = feed_token(database, "Sam.Keyworker@ceop.example", now)
    new = feed_token(database, KEYWORKER, now)
    assert feed_owner(database, new) == KEYWORKER
    with pytest.raises(NotFound):
        feed_owner(database, old)  # a new link revokes the old one
    database.dispose()
