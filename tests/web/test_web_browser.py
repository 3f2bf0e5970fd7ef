"""Real headless Chromium against a real uvicorn: the journeys people make, by keyboard too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.web.conftest import Journey
from tests.web.webtools import ARTIFACTS, COMMITTEE, KEYWORKER, PASSWORD, STAFF, Site

pytestmark = pytest.mark.browser
Browse = Callable[[Journey], None]


async def _sign_in(page: Any, email: str) -> None:
    await page.goto("/")
    await page.get_by_label("Email address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/")


def test_keyworker_logs_a_contact_and_records_a_monthly_review(browse: Browse, site: Site) -> None:
    async def journey(page: Any) -> None:
        await _sign_in(page, KEYWORKER)
        assert "DUE" in await page.inner_text("main")
        await page.get_by_role("link", name="Acme").first.click()
        await page.get_by_role("link", name="Log a contact").click()
        await page.get_by_label("Kind of contact").select_option("meeting")
        await page.get_by_label("What was said or agreed").fill("Agreed the Q2 campaign")
        await page.get_by_role("button", name="Log contact").click()
        assert "contact logged" in await page.inner_text("[role=status]")
        assert "Agreed the Q2 campaign" in await page.inner_text("main")

        await page.get_by_role("link", name="Record a monthly review").click()
        reach = page.get_by_role("group", name="Reach more children")
        await reach.get_by_label("Met", exact=True).check()
        # Keyboard only: focus the next group's first radio, choose "Not met" with an arrow.
        trend = page.get_by_role("group", name="Share trend data")
        await trend.get_by_label("Met", exact=True).focus()
        await page.keyboard.press("ArrowRight")
        await page.get_by_label("The partner's feedback").fill("Happy with the reach so far")
        await page.get_by_role("button", name="Record review").click()
        assert "review recorded" in await page.inner_text("[role=status]")
        assert "NOT all met" in await page.inner_text("main")
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "partnership.png"), full_page=True)

    browse(journey)
    contact = site.service.keyworker(site.active_id).last_contact
    assert (contact.by, contact.kind) == (KEYWORKER, "meeting")


def test_committee_member_approves_a_business_case(browse: Browse, site: Site) -> None:
    async def journey(page: Any) -> None:
        await _sign_in(page, COMMITTEE)
        await page.get_by_role("link", name="Committee").click()
        case = page.locator(f"#partnership-{site.queued_id}")
        assert "Safety messaging with Beacon Trust" in await case.inner_text()
        await case.get_by_label("Minutes").fill("Approved: fits the Business Plan")
        await case.get_by_role("button", name="Approve").click()
        assert "approve recorded" in await page.inner_text("[role=status]")

    browse(journey)
    last = site.service.history(site.queued_id)[-1]
    assert (last.trigger, last.actor, last.dest) == (
        "approve",
        COMMITTEE,
        "tier_assignment",
    )


def test_staff_without_committee_role_sees_no_approve_button_and_is_refused(
    browse: Browse, site: Site
) -> None:
    async def journey(page: Any) -> None:
        await _sign_in(page, STAFF)
        await page.goto("/committee")
        assert "Safety messaging with Beacon Trust" in await page.inner_text("main")
        assert await page.get_by_role("button", name="Approve").count() == 0
        await page.goto(f"/partnerships/{site.queued_id}")
        assert await page.get_by_role("button", name="Approve").count() == 0
        token = await page.locator("input[name=csrf_token]").first.get_attribute("value")
        response = await page.request.post(
            f"/partnerships/{site.queued_id}/fire/approve",
            form={"csrf_token": token, "data.minutes": "sneaky"},
            max_redirects=0,
        )
        assert response.status == 403
        assert "needs one of the roles committee" in await response.text()

    browse(journey)
    assert site.service.show(site.queued_id).state == "committee_review"
