"""Links for reminder emails, and the [web] settings."""

from __future__ import annotations

import pytest

from ceop_workflow.app.links import ACTION_FOR_TEMPLATE, link_for, link_for_template
from ceop_workflow.config import load_settings
from ceop_workflow.errors import ConfigError
from tests.web.webtools import REPO


def test_links_go_where_the_reader_acts() -> None:
    settings = load_settings(
        REPO / "config.toml", environ={"CEOP_WORKFLOW_WEB_BASE_URL": "https://p.example/"}
    )
    assert link_for(settings, 12) == "https://p.example/partnerships/12"
    assert link_for(settings, 12, "contact") == "https://p.example/partnerships/12/contact"
    assert link_for(settings, 12, "monthly_review").endswith("/partnerships/12/review?kind=monthly")
    assert link_for(settings, 12, "decide") == "https://p.example/committee#partnership-12"
    assert link_for(settings, 12, "assign_tier").endswith("/partnerships/12#fire-assign_tier")
    assert link_for_template(settings, "stale_engagement", 3).endswith("/partnerships/3/contact")
    assert set(ACTION_FOR_TEMPLATE) >= {"monthly_review_due", "committee_pack"}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("AUTH", "magic", "CEOP_WORKFLOW_WEB_AUTH: must be 'local' or 'header'"),
        ("PORT", "70000", "CEOP_WORKFLOW_WEB_PORT: must be at most 65535"),
        ("BASE_URL", "ftp://x", "CEOP_WORKFLOW_WEB_BASE_URL: not of the form"),
    ],
)
def test_web_settings_are_checked(key: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(REPO / "config.toml", environ={f"CEOP_WORKFLOW_WEB_{key}": value})


def test_web_defaults() -> None:
    web = load_settings(REPO / "config.toml", environ={}).web
    assert (web.host, web.port, web.auth) == ("127.0.0.1", 8000, "local")
    assert web.proxies == frozenset({"127.0.0.1"})
