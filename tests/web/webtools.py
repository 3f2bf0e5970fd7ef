"""What the web tests share: the seeded people and partnerships, and helpers."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from starlette.testclient import TestClient

from ceop_workflow.app.accounts import Accounts
from ceop_workflow.app.records import Records
from ceop_workflow.app.service import FireRequest, Service
from ceop_workflow.clock import FixedClock
from ceop_workflow.config import Settings
from tests.integration.browser import CHROMIUM_ARGS as BROWSER_FLAGS
from tests.integration.browser import CHROMIUM_ENV, DEFAULT_CHROMIUM

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
LONDON = ZoneInfo("Europe/London")
SECRET = "test-session-secret-0123456789abcdef0123456789"
PASSWORD = "correct horse battery staple"
KEYWORKER = "kim.keyworker@ceop.example"
COMMITTEE = "paul.lever@ceop.example"
STAFF = "sam.staff@ceop.example"
TEAM = "kelly.burke@ceop.example"
EVIL = "Acme <script>alert('x')</script> & Sons"
# The browser the other browser fixtures use, with the same flags.
CHROMIUM = os.environ.get(CHROMIUM_ENV, DEFAULT_CHROMIUM)
CHROMIUM_ARGS = list(BROWSER_FLAGS)


@dataclass
class Site:
    """A seeded installation: an active partnership (`active_id`, its partner name holds
    markup) and one waiting on the committee (`queued_id`)."""

    settings: Settings
    service: Service
    records: Records
    accounts: Accounts
    clock: FixedClock
    app: FastAPI
    active_id: int
    queued_id: int

    def token(self, email: str) -> str:
        """A fresh API token for a seeded person."""
        return self.accounts.create_token(email, "test")


def fire_as(service: Service, pid: int, trigger: str, actor: str, **data: str) -> None:
    """Fire through the service, as the CLI would."""
    service.fire(FireRequest(pid, trigger, actor, data={k: [v] for k, v in data.items()}))


def seed(service: Service, name: str, approve: bool) -> int:
    """A partnership walked to committee review, or on to an active Associate."""
    pid = service.create_partnership(service.add_partner(name), "partnership", KEYWORKER)
    fire_as(service, pid, "start_business_case", KEYWORKER)
    fire_as(
        service,
        pid,
        "submit_to_committee",
        KEYWORKER,
        title=f"Safety messaging with {name}",
        objectives="Reach more children; Share trend data",
        core_policing="false",
        benefits="Thinkuknow messages in front of young users",
    )
    if approve:
        fire_as(service, pid, "approve", COMMITTEE, minutes="Approved at the January meeting")
        fire_as(service, pid, "assign_tier", TEAM, tier="associate", start="2026-01-20")
    return pid


def csrf_of(html: str) -> str:
    """The CSRF token in a page's first form."""
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def sign_in(client: TestClient, email: str) -> None:
    """Sign in through the form, as a person would."""
    page = client.get("/signin")
    response = client.post(
        "/signin",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_of(page.text), "next": "/"},
    )
    assert response.status_code == 303, response.text
