"""Sign-in throttling (docs/web.md): per account and per client address, on the site's clock,
the same for unknown and known accounts, and checked before any password."""

from __future__ import annotations

from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from ceop_workflow.app.throttle import ACCOUNT_LIMIT, ADDRESS_LIMIT, WINDOW
from tests.web.webtools import KEYWORKER, PASSWORD, STAFF, TEAM, Site, csrf_of

WRONG = "not the right password at all"


def _attempt(client: TestClient, email: str, password: str) -> tuple[int, str]:
    page = client.get("/signin")
    response = client.post(
        "/signin",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text)},
    )
    return response.status_code, response.text


def _other_address(site: Site, host: str) -> TestClient:
    return TestClient(site.app, follow_redirects=False, client=(host, 50000))


def test_an_account_is_paused_after_its_failures_even_with_the_right_password(
    client: TestClient, site: Site
) -> None:
    for _ in range(ACCOUNT_LIMIT):
        assert _attempt(client, KEYWORKER, WRONG)[0] == 401

    status, page = _attempt(client, KEYWORKER, PASSWORD)
    assert status == 429
    assert "Too many failed sign-ins: try again in 15 minutes." in page
    # From another address too: the pause is the account's.
    with _other_address(site, "192.0.2.7") as elsewhere:
        assert _attempt(elsewhere, KEYWORKER, PASSWORD)[0] == 429
    # Other accounts from the same address are not paused.
    assert _attempt(client, STAFF, PASSWORD)[0] == 303
    client.cookies.clear()

    site.clock.advance_to(site.clock.now() + WINDOW - timedelta(seconds=1))
    assert _attempt(client, KEYWORKER, PASSWORD)[0] == 429
    site.clock.advance_to(site.clock.now() + timedelta(seconds=1))
    assert _attempt(client, KEYWORKER, PASSWORD)[0] == 303


def test_an_address_is_paused_after_its_failures_across_accounts(
    client: TestClient, site: Site
) -> None:
    for n in range(ADDRESS_LIMIT):
        # Different addresses each time, so no account reaches its own limit.
        assert _attempt(client, f"guess{n}@ceop.example", WRONG)[0] == 401

    status, _ = _attempt(client, TEAM, PASSWORD)
    assert status == 429
    with _other_address(site, "192.0.2.8") as elsewhere:
        assert _attempt(elsewhere, TEAM, PASSWORD)[0] == 303


def test_a_success_clears_the_accounts_count(client: TestClient) -> None:
    for _ in range(ACCOUNT_LIMIT - 1):
        assert _attempt(client, KEYWORKER, WRONG)[0] == 401
    assert _attempt(client, KEYWORKER, PASSWORD)[0] == 303
    client.cookies.clear()
    for _ in range(ACCOUNT_LIMIT - 1):
        assert _attempt(client, KEYWORKER, WRONG)[0] == 401

    assert _attempt(client, KEYWORKER, PASSWORD)[0] == 303


def test_the_pause_does_not_tell_who_has_an_account(site: Site) -> None:
    pages = {}
    for email, host in ((KEYWORKER, "192.0.2.10"), ("nobody.here@ceop.example", "192.0.2.11")):
        with _other_address(site, host) as client:
            for _ in range(ACCOUNT_LIMIT):
                assert _attempt(client, email, WRONG)[0] == 401
            status, page = _attempt(client, email, WRONG)
            pages[email] = (status, page.replace(csrf_of(page), "TOKEN"))

    assert pages[KEYWORKER] == pages["nobody.here@ceop.example"]
    assert pages[KEYWORKER][0] == 429


def test_a_paused_attempt_checks_no_password(
    client: TestClient, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(ACCOUNT_LIMIT):
        _attempt(client, KEYWORKER, WRONG)
    checked: list[str] = []
    real = site.accounts.authenticate
    monkeypatch.setattr(site.accounts, "authenticate", lambda e, p: checked.append(e) or real(e, p))

    assert _attempt(client, KEYWORKER, PASSWORD)[0] == 429
    assert checked == []


def test_a_trusted_proxy_forwards_the_address_and_others_cannot(site: Site) -> None:
    """Behind the proxy (127.0.0.1 in config.toml) each client has its own count."""
    with _other_address(site, "127.0.0.1") as proxy:
        for n in range(ADDRESS_LIMIT):
            page = proxy.get("/signin")
            proxy.post(
                "/signin",
                data={
                    "email": f"someone{n}@ceop.example",
                    "password": WRONG,
                    "csrf_token": csrf_of(page.text),
                },
                headers={"x-forwarded-for": "198.51.100.1"},
            )
            proxy.cookies.clear()
        page = proxy.get("/signin")
        paused = proxy.post(
            "/signin",
            data={"email": TEAM, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
            headers={"x-forwarded-for": "198.51.100.1"},
        )
        assert paused.status_code == 429
        fresh = proxy.post(
            "/signin",
            data={"email": TEAM, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
            headers={"x-forwarded-for": "198.51.100.2"},
        )
        assert fresh.status_code == 303
    with _other_address(site, "192.0.2.9") as direct:
        page = direct.get("/signin")
        spoofed = direct.post(
            "/signin",
            data={"email": TEAM, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
            headers={"x-forwarded-for": "198.51.100.1"},
        )
        assert spoofed.status_code == 303  # its own address, not the forwarded one
