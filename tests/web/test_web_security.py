"""Security: CSRF, forged cookies, smuggled actors, escaping, header mode, tokens."""

from __future__ import annotations

import dataclasses

import pytest
from itsdangerous import URLSafeTimedSerializer
from starlette.testclient import TestClient

from ceop_workflow.app.service import FireRequest
from ceop_workflow.config import WebSettings
from ceop_workflow.web.app import create_app
from ceop_workflow.web.auth import SESSION_COOKIE
from tests.web.webtools import COMMITTEE, EVIL, KEYWORKER, STAFF, Site, csrf_of, sign_in


def _contact_form(client: TestClient, site: Site) -> str:
    return csrf_of(client.get(f"/partnerships/{site.active_id}/contact").text)


def test_form_without_csrf_token_is_refused(client: TestClient, site: Site) -> None:
    sign_in(client, KEYWORKER)
    response = client.post(f"/partnerships/{site.active_id}/contact", data={"kind": "meeting"})
    assert response.status_code == 403
    assert "did not come from this site" in response.text
    wrong = client.post(
        f"/partnerships/{site.active_id}/contact", data={"kind": "meeting", "csrf_token": "x" * 32}
    )
    assert wrong.status_code == 403
    assert site.service.keyworker(site.active_id).last_contact is None


def test_sign_in_form_needs_its_csrf_token_too(client: TestClient) -> None:
    response = client.post("/signin", data={"email": KEYWORKER, "password": "whatever, really"})
    assert response.status_code == 403


def test_session_cookie_signed_with_another_secret_is_refused(
    client: TestClient, site: Site
) -> None:
    forged = URLSafeTimedSerializer("another secret entirely", salt="ceop-workflow.session")
    cookie = forged.dumps({"n": "nonce", "e": KEYWORKER, "s": ""})
    client.cookies.set(SESSION_COOKIE, cookie)
    response = client.get(f"/partnerships/{site.active_id}")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin")
    posted = client.post(
        f"/partnerships/{site.active_id}/contact", data={"kind": "meeting", "csrf_token": "nonce"}
    )
    assert posted.status_code == 403


def test_session_cookie_is_httponly_and_samesite(client: TestClient) -> None:
    header = client.get("/signin").headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=lax" in header and "path=/" in header


def test_smuggled_actor_does_not_change_the_recorded_actor(client: TestClient, site: Site) -> None:
    sign_in(client, KEYWORKER)
    token = _contact_form(client, site)
    client.post(
        f"/partnerships/{site.active_id}/contact",
        data={"kind": "meeting", "csrf_token": token, "by": COMMITTEE, "actor": COMMITTEE},
    )
    assert site.service.keyworker(site.active_id).last_contact.by == KEYWORKER
    page = client.get(f"/partnerships/{site.active_id}").text
    client.post(
        f"/partnerships/{site.active_id}/fire/escalate",
        data={
            "csrf_token": csrf_of(page),
            "actor": COMMITTEE,
            "data.actor": COMMITTEE,
            "role": "committee",
        },
    )
    history = site.service.history(site.active_id)
    assert all(h.actor != COMMITTEE or h.trigger == "approve" for h in history)


def test_smuggled_actor_in_a_fire_form_is_ignored(client: TestClient, site: Site) -> None:
    sign_in(client, KEYWORKER)
    page = client.get(f"/partnerships/{site.active_id}").text
    response = client.post(
        f"/partnerships/{site.active_id}/fire/escalate",
        data={"csrf_token": csrf_of(page), "actor": COMMITTEE, "data.reason": "off track"},
    )
    assert response.status_code == 303
    last = site.service.history(site.active_id)[-1]
    assert (last.trigger, last.actor) == ("escalate", KEYWORKER)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/partnerships",
        "/partnerships?q=acme",
        "/partnerships/1",
        "/partnerships/1/contact",
        "/partnerships/1/review?kind=monthly",
        "/committee",
        "/report/monthly?month=2026-03",
    ],
)
def test_partner_name_with_markup_is_escaped_on_every_page(
    client: TestClient, site: Site, path: str
) -> None:
    sign_in(client, KEYWORKER)
    page = client.get(path)
    assert page.status_code == 200
    assert "<script>" not in page.text
    if "Acme" in page.text:
        assert "Acme &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Sons" in page.text


def test_markup_in_the_committee_queue_is_escaped(client: TestClient, site: Site) -> None:
    site.service.fire(FireRequest(site.active_id, "escalate", KEYWORKER))
    sign_in(client, COMMITTEE)
    assert "<script>" not in client.get("/committee").text
    assert EVIL not in client.get("/partnerships").text


def test_pages_forbid_foreign_scripts_and_framing(client: TestClient) -> None:
    headers = client.get("/signin").headers
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"


def _header_app(site: Site, proxies: str) -> TestClient:
    web = dataclasses.replace(
        site.settings.web, auth="header", trusted_header="X-Remote-User", trusted_proxies=proxies
    )
    assert isinstance(web, WebSettings)
    settings = dataclasses.replace(site.settings, web=web)
    service = type(site.service)(
        settings, site.service.db, site.clock, site.service.catalog, site.service.listeners
    )
    return TestClient(create_app(service, site.accounts, "s" * 40), follow_redirects=False)


def test_header_mode_believes_the_trusted_proxy_only(site: Site) -> None:
    trusting = _header_app(site, "testclient")
    page = trusting.get("/", headers={"X-Remote-User": STAFF.upper()})
    assert page.status_code == 200 and STAFF in page.text
    doubting = _header_app(site, "10.0.0.1")
    assert doubting.get("/", headers={"X-Remote-User": STAFF}).status_code == 303


def test_password_change_ends_sessions(client: TestClient, site: Site) -> None:
    sign_in(client, KEYWORKER)
    assert client.get("/").status_code == 200
    site.accounts.set_password(KEYWORKER, "a brand new long password")
    assert client.get("/").status_code == 303


@pytest.mark.parametrize("header", ["nobody", "kim@localhost", "<kim@ceop.example>", " "])
def test_header_mode_signs_in_only_a_plain_address(site: Site, header: str) -> None:
    trusting = _header_app(site, "testclient")
    assert trusting.get("/", headers={"X-Remote-User": header}).status_code == 303
