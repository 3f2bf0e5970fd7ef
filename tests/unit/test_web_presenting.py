"""The words the pages use for times, money and audit comments."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from ceop_workflow.web.listing import link, paginate, sort_rows
from ceop_workflow.web.presenting import actor_text, comment_text, gbp, local_time

LONDON = ZoneInfo("Europe/London")


def test_times_are_on_the_london_clock_with_the_zone_named() -> None:
    assert local_time("2008-07-01T08:00:00+00:00", LONDON) == "1 July 2008, 09:00 BST"
    assert local_time(datetime(2008, 1, 1, 9, 30, tzinfo=UTC), LONDON) == (
        "1 January 2008, 09:30 GMT"
    )
    assert local_time("2008-05-01", LONDON) == "1 May 2008"
    assert local_time(date(2008, 5, 1), LONDON) == "1 May 2008"
    assert local_time(None, LONDON) == "—"


def test_money_is_in_pounds_with_separators() -> None:
    assert gbp("20000.00") == "£20,000"
    assert gbp(Decimal("1250.5")) == "£1,250.50"


def test_a_timers_key_is_said_in_words() -> None:
    assert comment_text("timer p8:renewal_notice:commitment_end:2008-05-01") == (
        "when the renewal notice fell due (commitment end, 1 May 2008)"
    )
    assert comment_text("timer p3:monthly_review:2008-02:overdue") == (
        "when the monthly review fell due (February 2008, overdue)"
    )
    assert comment_text("timer p19:stale_engagement:2007-06-30T09:00:00+00:00:then") == (
        "when the stale engagement fell due (30 June 2007, follow-up)"
    )
    assert comment_text("Approved at the July meeting") == "Approved at the July meeting"
    assert actor_text("system") == "the daemon (on schedule)"


def test_sorting_puts_blanks_last_and_paging_clamps() -> None:
    rows = [{"id": 1, "t": "b"}, {"id": 2, "t": None}, {"id": 3, "t": "A"}]
    assert [r["id"] for r in sort_rows(rows, "t", False)] == [3, 1, 2]
    assert [r["id"] for r in sort_rows(rows, "t", True)] == [1, 3, 2]
    page = paginate(list(range(120)), 9, size=50)
    assert (page.number, page.count, page.first_index, page.last_index) == (3, 3, 101, 120)
    assert link("/p", {"q": "a b", "state": ""}, page=2) == "/p?q=a+b&page=2"
