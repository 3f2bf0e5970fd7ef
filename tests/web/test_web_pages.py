"""The pages, through a test client: sign-in, the worklist, the book, forms and refusals."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.web.webtools import COMMITTEE, KEYWORKER, STAFF, TEAM, Site, csrf_of, sign_in


def test_pages_need_sign_in_and_come_back_after(client: TestClient) -> None:
    response = client.get("/partnerships?state=active")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=%2Fpartnerships%3Fstate%3Dactive"
    page = client.get(response.headers["location"])
    signed = client.post(
        "/signin",
        data={
            "email": KEYWORKER,
            "password": "correct horse battery staple",
            "csrf_token": csrf_of(page.text),
            "next": "/partnerships?state=active",
        },
    )
    assert signed.headers["location"] == "/partnerships?state=active"


def test_wrong_password_is_refused_without_saying_which_part(client: TestClient) -> None:
    page = client.get("/signin")
    response = client.post(
        "/signin",
        data={"email": KEYWORKER, "password": "wrong password!", "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 401
    assert "do not match an account" in response.text


def test_sign_in_never_redirects_to_another_site(client: TestClient) -> None:
    page = client.get("/signin")
    response = client.post(
        "/signin",
        data={
            "email": KEYWORKER,
            "password": "correct horse battery staple",
            "csrf_token": csrf_of(page.text),
            "next": "//evil.example/",
        },
    )
    assert response.headers["location"] == "/"


def test_my_partnerships_shows_the_monthly_review_due(client: TestClient, site: Site) -> None:
    sign_in(client, KEYWORKER)
    page = client.get("/")
    assert page.status_code == 200
    assert "DUE" in page.text and "monthly review" in page.text
    assert f"/partnerships/{site.active_id}" in page.text


def test_book_filters_by_state_tier_and_name(client: TestClient, site: Site) -> None:
    sign_in(client, STAFF)
    assert "Beacon Trust" in client.get("/partnerships?q=beacon").text
    assert "Beacon Trust" not in client.get("/partnerships?state=active").text
    assert "Beacon Trust" not in client.get("/partnerships?tier=associate").text
    assert client.get("/partnerships?tier=emperor").status_code == 422


def test_partnership_page_shows_record_diagram_and_own_triggers(
    client: TestClient, site: Site
) -> None:
    sign_in(client, KEYWORKER)
    page = client.get(f"/partnerships/{site.active_id}").text
    for expected in ["Reach more children", "YOU ARE HERE", "Timeline", "assign tier"]:
        assert expected in page
    assert 'action="/partnerships/1/fire/escalate"' in page
    assert "/fire/renew" not in page


def test_stale_page_is_a_conflict(client: TestClient, site: Site) -> None:
    sign_in(client, TEAM)
    page = client.get(f"/partnerships/{site.active_id}").text
    token = csrf_of(page)
    form = {"csrf_token": token, "expected_version": "1"}
    response = client.post(f"/partnerships/{site.active_id}/fire/escalate", data=form)
    assert response.status_code == 409
    assert "changed by someone else" in response.text


def test_missing_data_is_422_said_next_to_the_field(client: TestClient, site: Site) -> None:
    sign_in(client, COMMITTEE)
    token = csrf_of(client.get("/").text)
    response = client.post(f"/partnerships/{site.queued_id}/fire/defer", data={"csrf_token": token})
    assert response.status_code == 422
    field = f"f-{site.queued_id}-defer-reason"
    assert f'<p class="field-error" id="{field}-error">' in response.text
    assert "Enter the reason." in response.text


def test_committee_queue_shows_case_and_vote_buttons_to_members_only(
    client: TestClient, site: Site
) -> None:
    sign_in(client, COMMITTEE)
    page = client.get("/committee").text
    assert "Safety messaging with Beacon Trust" in page
    assert f'action="/partnerships/{site.queued_id}/fire/approve"' in page


def test_admin_and_report_pages(client: TestClient) -> None:
    sign_in(client, TEAM)  # holds the admin role in config.toml
    admin = client.get("/admin").text
    assert "partnership" in admin and "No daemon has run" in admin
    assert 'value="2026-02" selected' in client.get("/report").text
    monthly = client.get("/report/monthly?month=2026-02")
    assert monthly.status_code == 200 and "<script" not in monthly.text.lower()
    assert "style-src 'unsafe-inline'" in monthly.headers["content-security-policy"]
    assert client.get("/report/monthly?month=2026-13").status_code == 422


def test_unknown_partnership_is_404_and_bad_id_422(client: TestClient) -> None:
    sign_in(client, STAFF)
    assert client.get("/partnerships/999").status_code == 404
    assert client.get("/partnerships/99999999999").status_code == 422
    assert client.get("/partnerships/abc").status_code == 422
