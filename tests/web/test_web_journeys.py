"""Each role's main task, started from that role's home page, in a real Chromium at desktop
and phone widths, with axe-core on every page the journey visits and a screenshot of each.

The keyworker records the monthly review that is due; the committee member votes on the case
awaiting them; the Head of Partnerships reads the month and opens the full report, then comes
back into the application. Screenshots go to test-artifacts/ (kept by CI).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from ceop_workflow.app.home import HomePages
from ceop_workflow.web.listing import field
from tests.integration.axe import audit_async
from tests.web.conftest import Journey
from tests.web.webtools import ARTIFACTS, COMMITTEE, KEYWORKER, PASSWORD, STAFF, TEAM, Site

pytestmark = pytest.mark.browser
Browse = Callable[[Journey], None]
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


async def _arrive(page: Any, where: str, shot: str) -> None:
    """Audit the page as it stands and keep a screenshot of it."""
    await audit_async(page, where)
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{shot}.png"), full_page=True)


async def _home(page: Any, email: str, width: str) -> None:
    """At the given width, sign in (audited) and land on the home page."""
    w, h = WIDTHS[width]
    await page.set_viewport_size({"width": w, "height": h})
    await page.goto("/")
    await audit_async(page, "the sign-in page")
    await page.get_by_label("Email address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/")
    assert await page.title() == "Home · CEOP Partnerships"


async def _no_sideways_scroll(page: Any) -> None:
    """The page itself never scrolls sideways (wide tables scroll inside their own box)."""
    overflow = await page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"the page is {overflow}px wider than the screen"


@pytest.mark.parametrize("width", WIDTHS)
def test_keyworker_records_the_due_review_from_the_home_page(
    browse: Browse, site: Site, width: str
) -> None:
    async def journey(page: Any) -> None:
        await _home(page, KEYWORKER, width)
        todo = page.get_by_role("list", name="To do, overdue first")
        assert "DUE Monthly review of Acme" in " ".join((await todo.inner_text()).split())
        await _no_sideways_scroll(page)
        await _arrive(page, "the keyworker's home page", f"keyworker-home-{width}")

        await todo.get_by_role("link", name="Record a monthly review").click()
        await page.wait_for_url(f"**/partnerships/{site.active_id}/review?kind=monthly")
        await _arrive(page, "the review form", f"keyworker-review-{width}")
        reach = page.get_by_role("group", name="Reach more children")
        await reach.get_by_label("Met", exact=True).check()
        trend = page.get_by_role("group", name="Share trend data")
        await trend.get_by_label("Not met", exact=True).check()
        await page.get_by_label("The partner's feedback").fill("Happy with the reach so far")
        await page.get_by_role("button", name="Record review").click()
        assert "review recorded" in await page.inner_text("[role=status]")
        await _arrive(page, "the partnership page", f"keyworker-recorded-{width}")

        await page.get_by_role("link", name="Home").click()
        assert "Nothing is due or overdue" in await page.inner_text("main")

    browse(journey)
    # Recorded, so nothing is left to do: the same read model the home page draws.
    assert HomePages(site.service).keyworker(KEYWORKER).todo == ()


@pytest.mark.parametrize("width", WIDTHS)
def test_committee_member_votes_from_the_home_page(browse: Browse, site: Site, width: str) -> None:
    async def journey(page: Any) -> None:
        await _home(page, COMMITTEE, width)
        case = page.locator(f"#partnership-{site.queued_id}")
        assert "Safety messaging with Beacon Trust" in await case.inner_text()
        await _no_sideways_scroll(page)
        await _arrive(page, "the committee member's home page", f"committee-home-{width}")

        await case.get_by_label("Minutes").fill("Approved: fits the Business Plan")
        await case.get_by_role("button", name="Approve").click()
        await page.wait_for_url("**/?done=approve")
        assert "approve recorded" in await page.inner_text("[role=status]")
        main = await page.inner_text("main")
        assert "No business case awaits your vote" in main
        assert "Beacon Trust" in main  # now among the decisions taken
        await _arrive(page, "the home page after the vote", f"committee-voted-{width}")

    browse(journey)
    last = site.service.history(site.queued_id)[-1]
    assert (field(last, "trigger"), field(last, "actor")) == ("approve", COMMITTEE)


@pytest.mark.parametrize("width", WIDTHS)
def test_head_of_partnerships_reads_the_month_from_the_home_page(
    browse: Browse, site: Site, width: str
) -> None:
    measures = site.service.measures(date(2026, 3, 1))

    async def journey(page: Any) -> None:
        await _home(page, TEAM, width)
        month = page.get_by_role("region", name="The month at a glance: March 2026")
        text = " ".join((await month.inner_text()).split())
        done, due = measures.reviews.done, measures.reviews.due
        assert f"{done} done of {due} due" in text
        assert "Needs attention" in text and "The team's overdue work" in text
        await _no_sideways_scroll(page)
        await _arrive(page, "the head's home page", f"head-home-{width}")

        await month.get_by_role("link", name="Read the full report for March 2026").click()
        await page.wait_for_url("**/report/monthly?month=2026-03")
        assert "monthly report, March 2026" in await page.inner_text("h1")
        await _arrive(page, "the monthly report", f"head-report-{width}")

        await (
            page.get_by_role("navigation", name="Application")
            .get_by_role("link", name="Choose another month")
            .click()
        )
        await page.wait_for_url("**/report")
        await _arrive(page, "the month picker", f"head-months-{width}")
        await page.get_by_role("link", name="Home").click()
        await page.wait_for_url("**/")

    browse(journey)


@pytest.mark.parametrize("width", WIDTHS)
def test_anyone_sorts_the_book_and_opens_a_partner_page(
    browse: Browse, site: Site, width: str
) -> None:
    async def journey(page: Any) -> None:
        await _home(page, STAFF, width)
        await _arrive(page, "a home page without a role section", f"staff-home-{width}")
        await page.get_by_role("link", name="See all partnerships").click()
        await page.get_by_role("link", name=re.compile(r"^Partner\W+sort ascending")).click()
        await page.wait_for_url("**/partnerships?sort=partner&order=asc")
        await page.get_by_role("link", name=re.compile(r"^Partner\W+sort descending")).click()
        rows = page.locator("tbody th")
        assert await rows.first.inner_text() == "Beacon Trust"
        await _no_sideways_scroll(page)
        await _arrive(page, "the book, sorted", f"staff-book-{width}")
        await page.get_by_role("link", name="See the partners").click()
        await page.get_by_role("link", name="Beacon Trust").click()
        assert "committee review" in await page.inner_text("main")
        await _no_sideways_scroll(page)
        await _arrive(page, "a partner page", f"staff-partner-{width}")

    browse(journey)
