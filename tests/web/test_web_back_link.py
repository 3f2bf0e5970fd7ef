"""The error page's back link: only to this site's exact origin (scheme, host and port)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from ceop_workflow.web.errors import same_origin
from tests.web.webtools import STAFF, Site, sign_in

BASE = "https://partnerships.ceop.example"


@pytest.mark.parametrize(
    "url",
    [
        f"{BASE}/partnerships/1",
        f"{BASE}",
        "HTTPS://Partnerships.CEOP.example/x",
        "https://partnerships.ceop.example:443/x",
    ],
)
def test_same_origin_accepts_this_site(url: str) -> None:
    assert same_origin(url, BASE)


@pytest.mark.parametrize(
    "url",
    [
        "https://partnerships.ceop.example.evil.com/x",
        "https://partnerships.ceop.example@evil.com/x",
        "https://user@partnerships.ceop.example/x",
        "http://partnerships.ceop.example/x",
        "https://partnerships.ceop.example:8443/x",
        "https://partnerships.ceop.example:99999/x",
        "https://partnerships.ceop.example:x/",
        "javascript:alert(1)//partnerships.ceop.example",
        "//partnerships.ceop.example/x",
        "/partnerships/1",
        "https://partnerships.ceop.example/x\nLocation: evil",
        "",
    ],
)
def test_same_origin_refuses_everything_else(url: str) -> None:
    assert not same_origin(url, BASE)


def test_the_error_page_links_back_only_into_the_site(client: TestClient, site: Site) -> None:
    sign_in(client, STAFF)
    base = site.settings.web.base_url
    own = f"{base}/partnerships?state=active"
    evil = f"{base}.evil.com/phish"

    mine = client.get("/partnerships/999", headers={"referer": own})
    theirs = client.get("/partnerships/999", headers={"referer": evil})

    assert mine.status_code == theirs.status_code == 404
    assert 'href="' + own.replace("&", "&amp;") + '"' in mine.text or f'href="{own}"' in mine.text
    assert "evil.com" not in theirs.text
