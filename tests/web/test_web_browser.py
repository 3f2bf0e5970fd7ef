"""Real headless Chromium against a real uvicorn: the journeys people make, by keyboard too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.webtools import ARTIFACTS, COMMITTEE, KEYWORKER, PASSWORD, STAFF, Site

pytestmark = pytest.mark.browser


@pytest.fixture
def page(web_browser: Any, live_site: str) -> Iterator[Any]:
    """A fresh browser context (no cookies) on the live site."""
    context = web_browser.new_context(base_url=live_site, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


def _sign_in(page: Any, email: str) -> None:
    page.goto("/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/")


def test_keyworker_logs_a_contact_and_records_a_monthly_review(page: Any, site: Site) -> None:
    _sign_in(page, KEYWORKER)
    assert "DUE" in page.inner_text("main")
    page.get_by_role("link", name="Acme").first.click()
    page.get_by_role("link", name="Log a contact").click()
    page.get_by_label("Kind of contact").select_option("meeting")
    page.get_by_label("What was said or agreed").fill("Agreed the Q2 campaign")
    page.get_by_role("button", name="Log contact").click()
    assert "contact logged" in page.inner_text("[role=status]")
    assert "Agreed the Q2 campaign" in page.inner_text("main")

    page.get_by_role("link", name="Record a monthly review").click()
    page.get_by_role("group", name="Reach more children").get_by_label("Met", exact=True).check()
    # Keyboard only: focus the second group's first radio and choose "Not met" with the arrows.
    page.get_by_role("group", name="Share trend data").get_by_label("Met", exact=True).focus()
    page.keyboard.press("ArrowRight")
    page.get_by_label("The partner's feedback").fill("Happy with the reach so far")
    page.get_by_role("button", name="Record review").click()
    assert "review recorded" in page.inner_text("[role=status]")
    assert "NOT all met" in page.inner_text("main")

    contact = site.service.keyworker(site.active_id)["last_contact"]
    assert (contact["by"], contact["kind"]) == (KEYWORKER, "meeting")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "partnership.png"), full_page=True)


def test_committee_member_approves_a_business_case(page: Any, site: Site) -> None:
    _sign_in(page, COMMITTEE)
    page.get_by_role("link", name="Committee").click()
    case = page.locator(f"#partnership-{site.queued_id}")
    assert "Safety messaging with Beacon Trust" in case.inner_text()
    case.get_by_label("Minutes").fill("Approved: fits the Business Plan")
    case.get_by_role("button", name="Approve").click()
    assert "approve recorded" in page.inner_text("[role=status]")
    last = site.service.history(site.queued_id)[-1]
    assert (last["trigger"], last["actor"], last["dest"]) == (
        "approve",
        COMMITTEE,
        "tier_assignment",
    )


def test_staff_without_committee_role_sees_no_approve_button_and_is_refused(
    page: Any, site: Site
) -> None:
    _sign_in(page, STAFF)
    page.goto("/committee")
    assert "Safety messaging with Beacon Trust" in page.inner_text("main")
    assert page.get_by_role("button", name="Approve").count() == 0
    page.goto(f"/partnerships/{site.queued_id}")
    assert page.get_by_role("button", name="Approve").count() == 0
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    response = page.request.post(
        f"/partnerships/{site.queued_id}/fire/approve",
        form={"csrf_token": token, "data.minutes": "sneaky"},
        max_redirects=0,
    )
    assert response.status == 403
    assert "needs one of the roles committee" in response.text()
    assert site.service.show(site.queued_id)["state"] == "committee_review"
