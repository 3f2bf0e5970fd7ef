"""A role granted to an account counts on the pages and the API, through the app's own use
cases: nothing is rebuilt per request to add it."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from ceop_workflow.app.records import Records
from ceop_workflow.app.service import Service
from tests.web.webtools import PASSWORD, Site, sign_in

GRANTED = "granted.member@ceop.example"
PLAIN = "plain.person@ceop.example"


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the use-case classes constructed while the test runs."""
    made: list[str] = []
    for cls in (Service, Records):
        original = cls.__init__

        def counting(self: object, *args: object, _o: object = original, **kw: object) -> None:
            made.append(type(self).__name__)
            _o(self, *args, **kw)  # type: ignore[operator]

        monkeypatch.setattr(cls, "__init__", counting)
    return made


def test_an_accounts_committee_role_lets_them_vote_through_the_api(
    client: TestClient, site: Site, built: list[str]
) -> None:
    site.accounts.add_user(GRANTED, ("committee",), PASSWORD)
    site.accounts.add_user(PLAIN, (), PASSWORD)
    granted = {"Authorization": f"Bearer {site.token(GRANTED)}"}
    plain = {"Authorization": f"Bearer {site.token(PLAIN)}"}
    url = f"/api/partnerships/{site.queued_id}"

    assert "approve" in client.get(url, headers=granted).json()["may_fire"]
    assert "approve" not in client.get(url, headers=plain).json()["may_fire"]
    vote = {"trigger": "approve", "data": {"minutes": "Yes"}}
    refused = client.post(f"{url}/fire", json=vote, headers=plain)
    assert (refused.status_code, refused.json()["error"]) == (403, "NotPermitted")
    done = client.post(f"{url}/fire", json=vote, headers=granted)
    assert (done.status_code, done.json()["dest"]) == (200, "tier_assignment")
    assert site.service.history(site.queued_id)[-1].actor == GRANTED
    assert "committee" in client.get("/api/me", headers=granted).json()["roles"]
    assert "committee" not in client.get("/api/me", headers=plain).json()["roles"]
    assert built == []  # the app's own service and records served every request


def test_an_accounts_committee_role_shows_the_vote_buttons_on_the_page(
    client: TestClient, site: Site, built: list[str]
) -> None:
    site.accounts.add_user(GRANTED, ("committee",), PASSWORD)
    sign_in(client, GRANTED)
    page = client.get("/committee").text
    assert f'action="/partnerships/{site.queued_id}/fire/approve"' in page
    assert built == []
    assert site.app.state.web.service is site.service
