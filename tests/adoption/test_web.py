"""/healthz, /metrics (read by prometheus_client's own parser), calendar feeds and exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from argon2 import PasswordHasher
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from starlette.testclient import TestClient

from ceop_workflow.adoption.calendars import feed_token
from ceop_workflow.adoption.importer import import_partners
from ceop_workflow.app.accounts import Accounts
from ceop_workflow.scheduling.status import status
from ceop_workflow.scheduling.sweep import Sweeper
from ceop_workflow.store.models import AuditEntry
from ceop_workflow.web.app import create_app
from tests.adoption.support import ADMIN, DATA, LONDON, Book, fresh_book
from tests.web.webtools import PASSWORD, SECRET, sign_in

IMPORTED_AT = datetime(2008, 1, 15, 14, 0, tzinfo=LONDON)
SWEPT_AT = datetime(2008, 1, 16, 9, 30, tzinfo=LONDON)


@dataclass
class Site:
    book: Book
    client: TestClient


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    """The strategy's partners imported in January 2008; nothing swept yet."""
    book = fresh_book(tmp_path / "w.db", IMPORTED_AT)
    import_partners(book.service, DATA / "strategy-partners.xlsx", ADMIN)
    accounts = Accounts(
        book.settings, book.database, book.clock, PasswordHasher(time_cost=1, memory_cost=64)
    )
    for email in (ADMIN, "sam.keyworker@ceop.example"):
        accounts.add_user(email, (), PASSWORD)
    app = create_app(book.service, accounts, SECRET)
    with TestClient(app, follow_redirects=False) as client:
        yield Site(book, client)
    book.database.dispose()


def _sweep(site: Site) -> None:
    site.book.clock.advance_to(SWEPT_AT)
    Sweeper(site.book.service, "w1").sweep()


def test_healthz_follows_the_daemons_heartbeat(site: Site) -> None:
    never = site.client.get("/healthz")
    assert never.status_code == 503
    assert never.json()["status"] == "daemon_down"
    assert never.json()["database"] == {"ok": True}
    _sweep(site)
    fresh = site.client.get("/healthz")
    assert fresh.status_code == 200, fresh.text
    assert fresh.json()["daemon"]["heartbeat_age_seconds"] == 0
    assert fresh.json()["outbox"]["dead_letters"] == 0
    site.book.clock.advance_to(SWEPT_AT + timedelta(minutes=10))  # 10 intervals of 60 s
    stale = site.client.get("/healthz")
    assert stale.status_code == 503
    assert stale.json()["daemon"]["heartbeat_age_seconds"] == 600


def test_metrics_parse_with_prometheus_clients_own_parser(site: Site) -> None:
    _sweep(site)
    site.book.clock.advance_to(SWEPT_AT + timedelta(seconds=30))
    response = site.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }
    expected = status(site.book.database, site.book.clock.now(), 60)
    assert samples[("ceop_workflow_duties_due", ())] == expected.duties.due
    assert samples[("ceop_workflow_outbox_depth", ())] == expected.outbox.depth > 0
    assert samples[("ceop_workflow_outbox_dead_letters", ())] == 0
    assert samples[("ceop_workflow_daemon_heartbeat_age_seconds", ())] == 30
    assert samples[("ceop_workflow_sweep_duration_seconds", ())] >= 0
    with site.book.database.reading() as session:
        found = session.execute(
            select(AuditEntry.trigger, func.count()).group_by(AuditEntry.trigger)
        )
        audit = {str(trigger): float(count) for trigger, count in found}
    firings = {
        dict(labels)["trigger"]: value
        for (name, labels), value in samples.items()
        if name == "ceop_workflow_firings_total"
    }
    assert firings == audit
    assert firings["assign_tier"] == 27  # every organisation of the book


def test_a_calendar_feed_is_opened_by_its_token_alone(site: Site) -> None:
    token = feed_token(site.book.database, "sam.keyworker@ceop.example", IMPORTED_AT)
    response = site.client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert "Monthly review: NSPCC" in {str(e["summary"]) for e in events}
    assert site.client.get("/calendar/" + "x" * 43 + ".ics").status_code == 404


def test_exports_are_for_the_partnerships_team(site: Site) -> None:
    assert site.client.get("/export/partnerships.csv").status_code in (302, 303, 401)
    sign_in(site.client, "sam.keyworker@ceop.example")
    assert site.client.get("/export/partnerships.csv").status_code == 403
    site.client.cookies.clear()
    sign_in(site.client, ADMIN)
    response = site.client.get("/export/partnerships.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 31
    xlsx = site.client.get("/export/reviews.xlsx")
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"  # a zip: the XLSX container
