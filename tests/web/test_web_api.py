"""The JSON API: tokens, the CLI's error classes as HTTP statuses, and the OpenAPI document."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.web.webtools import COMMITTEE, KEYWORKER, STAFF, Site


def _auth(site: Site, email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site.token(email)}"}


def test_api_needs_a_token_and_ignores_cookies(client: TestClient, site: Site) -> None:
    response = client.get("/api/partnerships")
    assert response.status_code == 401
    assert response.json()["error"] == "SignInRequired"
    assert response.headers["www-authenticate"] == "Bearer"
    bad = client.get("/api/partnerships", headers={"Authorization": "Bearer ceop_nope"})
    assert bad.status_code == 401


def test_read_partnerships(client: TestClient, site: Site) -> None:
    headers = _auth(site, STAFF)
    rows = client.get("/api/partnerships", params={"q": "beacon"}, headers=headers).json()
    assert [r["id"] for r in rows] == [site.queued_id]
    one = client.get(f"/api/partnerships/{site.active_id}", headers=headers).json()
    assert one["state"] == "active" and one["objectives"] == [
        "Reach more children",
        "Share trend data",
    ]
    assert one["may_fire"] == []
    assert client.get("/api/me", headers=headers).json()["roles"] == ["staff"]


def test_fire_with_the_cli_errors_as_statuses(client: TestClient, site: Site) -> None:
    kw, member = _auth(site, KEYWORKER), _auth(site, COMMITTEE)
    url = f"/api/partnerships/{site.queued_id}/fire"
    cases = [
        (kw, {"trigger": "fly"}, 400, "UnknownTrigger"),
        (kw, {"trigger": "approve"}, 403, "NotPermitted"),
        (kw, {"trigger": "assign_tier"}, 409, "NotAllowed"),
        (member, {"trigger": "defer"}, 422, "MissingData"),
        (member, {"trigger": "approve", "expected_version": 1}, 409, "Conflict"),
        (member, {"trigger": "approve", "actor": KEYWORKER}, 422, "BadInput"),
    ]
    for headers, body, status, error in cases:
        response = client.post(url, json=body, headers=headers)
        assert (response.status_code, response.json()["error"]) == (status, error), body
    assert (
        client.post("/api/partnerships/77/fire", json={"trigger": "x"}, headers=kw).status_code
        == 404
    )
    ok = client.post(url, json={"trigger": "approve", "data": {"minutes": "Yes"}}, headers=member)
    assert ok.status_code == 200
    assert ok.json()["dest"] == "tier_assignment"
    assert site.service.history(site.queued_id)[-1].actor == COMMITTEE


def test_contact_and_review(client: TestClient, site: Site) -> None:
    kw = _auth(site, KEYWORKER)
    base = f"/api/partnerships/{site.active_id}"
    contact = client.post(f"{base}/contacts", json={"kind": "meeting", "note": "Q1"}, headers=kw)
    assert contact.status_code == 201
    wrong = client.post(f"{base}/contacts", json={"kind": "telepathy"}, headers=kw)
    assert (wrong.status_code, wrong.json()["error"]) == (422, "BadInput")
    outcomes = {"Reach more children": "met", "Share trend data": "not_met"}
    review = client.post(
        f"{base}/reviews", json={"kind": "monthly", "outcomes": outcomes}, headers=kw
    )
    assert review.status_code == 201
    assert review.json() == {"id": 1, "period": "2026-03", "all_met": False}
    staff = client.post(
        f"{base}/reviews", json={"kind": "annual", "outcomes": outcomes}, headers=_auth(site, STAFF)
    )
    assert staff.status_code == 403


def test_openapi_document_describes_only_the_api(client: TestClient) -> None:
    doc = client.get("/api/openapi.json").json()
    assert set(doc["paths"]) == {
        "/api/me",
        "/api/partnerships",
        "/api/partnerships/{partnership_id}",
        "/api/partnerships/{partnership_id}/fire",
        "/api/partnerships/{partnership_id}/contacts",
        "/api/partnerships/{partnership_id}/reviews",
    }
    assert "HTTPBearer" in doc["components"]["securitySchemes"]
