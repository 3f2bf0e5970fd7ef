"""Import, exports, calendars and metrics on PostgreSQL, the production database."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import icalendar
import pytest
from prometheus_client.parser import text_string_to_metric_families

from ceop_workflow.adoption.calendars import calendar_for
from ceop_workflow.adoption.exports import export_table
from ceop_workflow.adoption.health import metrics
from ceop_workflow.adoption.importer import import_partners
from ceop_workflow.clock import FixedClock
from ceop_workflow.config import load_settings
from ceop_workflow.errors import BadInput
from ceop_workflow.store.db import Database
from ceop_workflow.wiring import build_service
from tests.adoption.support import ADMIN, DATA, LONDON, REPO
from tests.integration.databases import postgres_database

pytestmark = pytest.mark.postgres


def test_the_strategys_partners_import_on_postgresql() -> None:
    with postgres_database() as url:
        settings = load_settings(REPO / "config.toml", environ={"CEOP_WORKFLOW_DATABASE_URL": url})
        database = Database(url)
        try:
            service = build_service(
                settings, database, FixedClock(datetime(2008, 1, 15, 14, tzinfo=LONDON))
            )
            service.init()
            done = import_partners(service, DATA / "strategy-partners.xlsx", ADMIN)
            assert len(done) == 31
            with pytest.raises(BadInput):  # all names exist now: refused, nothing added
                import_partners(service, DATA / "strategy-partners.xlsx", ADMIN)
            assert len(service.list()) == 31
            rows = list(
                csv.DictReader(
                    io.StringIO(
                        export_table(database, LONDON, "partnerships", "csv").decode("utf-8-sig")
                    )
                )
            )
            assert {r["partner"] for r in rows} >= {"NSPCC", "Vodafone", "Dr Helen Ward"}
            feed = icalendar.Calendar.from_ical(calendar_for(service, "sam.keyworker@ceop.example"))
            assert "Monthly review: NSPCC" in {str(e["summary"]) for e in feed.walk("VEVENT")}
            text = metrics(database, service.clock.now(), 60).decode("utf-8")
            families = {f.name: f for f in text_string_to_metric_families(text)}
            firings = {
                s.labels["trigger"]: s.value for s in families["ceop_workflow_firings"].samples
            }
            assert firings["assign_tier"] == 27
        finally:
            database.dispose()
