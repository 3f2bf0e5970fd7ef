"""How the pages say things: London times with the zone, pounds, audit entries in words, the
book sorted and paged, the partner page, the report's months and the way back from it."""

from __future__ import annotations

from datetime import datetime

from starlette.testclient import TestClient

from ceop_workflow.app.home import HomePages
from ceop_workflow.web.listing import field
from tests.web.webtools import (
    COMMITTEE,
    KEYWORKER,
    LONDON,
    STAFF,
    TEAM,
    Site,
    csrf_of,
    fire_as,
    sign_in,
)


def test_partnership_page_shows_london_times_with_the_zone_and_money_in_pounds(
    client: TestClient, site: Site
) -> None:
    site.records.add_contribution(site.active_id, "20000", "funding", "Q1 grant", by=TEAM)
    site.records.log_contact(site.active_id, "meeting", KEYWORKER, "Kick-off")
    sign_in(client, KEYWORKER)
    page = client.get(f"/partnerships/{site.active_id}").text
    assert "£20,000" in page and "20000.00" not in page
    # The contact was logged at 11:00 London on 10 March (GMT), stored in UTC.
    assert "10 March 2026, 11:00 GMT" in page
    # The seed ran at 10:00 London on 20 January: the timeline says so, in words.
    assert "20 January 2026, 10:00 GMT" in page
    assert "T10:00:00" not in page.split('id="timeline-title"')[1].split("datetime=")[0]


def test_partner_page_lists_partnerships_contacts_and_contributions(
    client: TestClient, site: Site
) -> None:
    site.records.add_contribution(site.active_id, "1250.50", "in_kind", "Venue", by=TEAM)
    site.records.log_contact(site.active_id, "request", KEYWORKER, "Asked for posters")
    partner_id = field(site.service.show(site.active_id), "partner_id")
    sign_in(client, STAFF)
    listing = client.get("/partners").text
    assert f'href="/partners/{partner_id}"' in listing and "Beacon Trust" in listing
    assert listing.index("Acme &lt;") < listing.index("Beacon Trust")
    by_name_down = client.get("/partners?sort=name&order=desc").text
    assert by_name_down.index("Beacon Trust") < by_name_down.index("Acme &lt;")
    page = client.get(f"/partners/{partner_id}")
    assert page.status_code == 200
    text = page.text
    assert "Acme &lt;script&gt;" in text and "<script>alert" not in text
    for expected in [f"/partnerships/{site.active_id}", "£1,250.50", "Asked for posters"]:
        assert expected in text
    assert "Associate" in text  # the tier of the partnership
    assert client.get("/partners/999").status_code == 404
    assert f'href="/partners/{partner_id}"' in client.get(f"/partnerships/{site.active_id}").text


def test_book_sorts_by_any_column_either_way_and_keeps_the_filters(
    client: TestClient, site: Site
) -> None:
    sign_in(client, STAFF)
    ascending = client.get("/partnerships?sort=partner&order=asc").text
    descending = client.get("/partnerships?sort=partner&order=desc").text
    assert ascending.index("Acme &lt;") < ascending.index("Beacon Trust")
    assert descending.index("Beacon Trust") < descending.index("Acme &lt;")
    assert 'aria-sort="descending"' in descending
    # The heading links keep the search and flip the order of the current column.
    filtered = client.get("/partnerships?q=trust&sort=partner&order=asc").text
    assert "/partnerships?q=trust&amp;sort=partner&amp;order=desc" in filtered
    assert client.get("/partnerships?sort=password").status_code == 422


def test_book_pages_fifty_at_a_time(client: TestClient, site: Site) -> None:
    for n in range(55):
        site.service.create_partnership(
            site.service.add_partner(f"Partner {n:02d}"), "partnership", KEYWORKER
        )
    sign_in(client, STAFF)
    first = client.get("/partnerships?sort=partner").text
    assert "57 partnerships, 1 to 50 shown" in first
    assert "Page 1 of 2" in first and "page=2" in first
    second = client.get("/partnerships?sort=partner&page=2").text
    assert "51 to 57 shown" in second and "Previous page" in second
    assert "Partner 54" not in first and "Partner 54" in second
    assert "Page 2 of 2" in client.get("/partnerships?sort=partner&page=9").text


def test_report_offers_months_with_data_and_links_back(client: TestClient, site: Site) -> None:
    site.clock.advance_to(datetime(2007, 11, 5, 10, 0, tzinfo=LONDON))
    site.records.log_contact(site.active_id, "meeting", KEYWORKER, "An old meeting")
    site.clock.advance_to(datetime(2026, 3, 10, 11, 0, tzinfo=LONDON))
    months = HomePages(site.service).report_months()
    assert months[0].isoformat() == "2026-03-01" and months[-1].isoformat() == "2007-11-01"
    sign_in(client, TEAM)
    picker = client.get("/report").text
    assert 'value="2007-11"' in picker and 'value="2026-02" selected' in picker
    report = client.get("/report/monthly?month=2007-11").text
    assert '<nav aria-label="Application"' in report
    assert 'href="/report">Choose another month</a>' in report and 'href="/">Home</a>' in report


def test_refused_form_data_is_explained_next_to_each_field_and_kept(
    client: TestClient, site: Site
) -> None:
    fire_as(site.service, site.queued_id, "approve", COMMITTEE, minutes="Approved")
    sign_in(client, TEAM)
    page = client.get(f"/partnerships/{site.queued_id}").text
    response = client.post(
        f"/partnerships/{site.queued_id}/fire/assign_tier",
        data={"csrf_token": csrf_of(page), "data.start": "tomorrow", "data.end": "2027-01-01"},
    )
    assert response.status_code == 422
    text = response.text
    prefix = f"f-{site.queued_id}-assign_tier"
    assert f'<p class="field-error" id="{prefix}-tier-error">' in text
    assert "Choose the tier." in text
    assert f'id="{prefix}-start-error"' in text and "Expected a date as YYYY-MM-DD." in text
    assert f'aria-describedby="{prefix}-start-hint {prefix}-start-error"' in text
    assert 'value="tomorrow"' in text and 'value="2027-01-01"' in text
    assert "Error 422: trigger" not in text and "missing data" not in text
    assert field(site.service.show(site.queued_id), "state") == "tier_assignment"


def test_a_malformed_address_is_explained_in_a_sentence(client: TestClient) -> None:
    sign_in(client, STAFF)
    page = client.get("/partnerships/abc")
    assert page.status_code == 422
    assert "The partnership number must be a whole number (you gave “abc”)." in page.text
    assert "path.partnership_id" not in page.text and "Input should be" not in page.text
    api = client.get("/api/partnerships/abc", headers={"Authorization": "Bearer x"})
    assert api.status_code in {401, 422}  # the API keeps its own shape
