"""The home page per role, through a test client: each role's section and its one-click actions."""

from __future__ import annotations

from datetime import datetime

from starlette.testclient import TestClient

from tests.web.webtools import COMMITTEE, KEYWORKER, LONDON, STAFF, TEAM, Site, sign_in


def test_keyworker_home_puts_the_due_review_first_with_its_form_one_click_away(
    client: TestClient, site: Site
) -> None:
    sign_in(client, KEYWORKER)
    page = client.get("/").text
    assert "My partnerships" in page
    todo = page[page.index("To do, overdue first") : page.index("Your running partnerships")]
    assert "DUE</strong> <strong>Monthly review</strong>" in todo
    assert f'href="/partnerships/{site.active_id}/review?kind=monthly"' in todo
    assert "Record a monthly review" in todo
    # Neither the committee's nor the head's section: the keyworker holds neither role.
    assert "Cases awaiting your vote" not in page
    assert "The month at a glance" not in page


def test_committee_home_shows_the_case_awaiting_the_members_vote_with_its_forms(
    client: TestClient, site: Site
) -> None:
    sign_in(client, COMMITTEE)
    page = client.get("/").text
    assert "You are not the keyworker" not in page
    assert "Cases awaiting your vote (1)" in page
    assert "Safety messaging with Beacon Trust" in page
    assert f'action="/partnerships/{site.queued_id}/fire/approve"' in page
    assert "Decisions you took" in page
    assert "Approved</strong> <a" in page  # the seed's January approval of the active one


def test_head_home_shows_the_month_from_the_reports_measures(
    client: TestClient, site: Site
) -> None:
    sign_in(client, TEAM)
    page = client.get("/").text
    assert "The month at a glance: March 2026" in page
    assert "Partnerships meeting all objectives" in page
    assert "/report/monthly?month=2026-03" in page
    measures = site.service.measures(site.clock.now().date().replace(day=1))
    assert f"{measures.reviews.done} done of {measures.reviews.due} due" in page
    assert "The team's overdue work" in page


def test_an_account_without_a_role_section_is_pointed_to_the_book(client: TestClient) -> None:
    sign_in(client, STAFF)
    page = client.get("/").text
    assert "You are not the keyworker of any running partnership" in page
    assert 'href="/partnerships"' in page


def test_an_overdue_review_comes_first_and_says_so(client: TestClient, site: Site) -> None:
    # March's review fell due on the 2nd; 14 days later it is overdue.
    site.clock.advance_to(datetime(2026, 3, 20, 11, 0, tzinfo=LONDON))
    sign_in(client, KEYWORKER)
    page = client.get("/").text
    todo = page[page.index("To do, overdue first") : page.index("Your running partnerships")]
    assert todo.index("OVERDUE") < todo.index("Record a monthly review")
    assert "2 March 2026, 09:00 GMT" in todo
