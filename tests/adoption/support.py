"""Helpers of the adoption tests: a fresh SQLite book, seeded as the demo seeds it or not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from ceop_workflow.app.records import Records
from ceop_workflow.app.service import Service
from ceop_workflow.clock import FixedClock
from ceop_workflow.config import Settings, load_settings
from ceop_workflow.demo.seed import DEMO_START, seed_book
from ceop_workflow.engine.cadence import local_instant
from ceop_workflow.store.db import Database
from ceop_workflow.wiring import build_service

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
LONDON = ZoneInfo("Europe/London")
SEEDED_AT = local_instant(DEMO_START, time(10), LONDON)
ADMIN = "kelly.burke@ceop.example"


@dataclass
class Book:
    """A database with its use cases on a fixed clock."""

    path: Path
    settings: Settings
    database: Database
    clock: FixedClock
    service: Service
    records: Records


def settings_for(path: Path) -> Settings:
    """The repository's settings on the SQLite file `path`."""
    return load_settings(
        REPO / "config.toml", environ={"CEOP_WORKFLOW_DATABASE_URL": f"sqlite:///{path}"}
    )


def fresh_book(path: Path, at: datetime = SEEDED_AT) -> Book:
    """An initialised, empty book whose clock stands at `at`."""
    settings = settings_for(path)
    database = Database(settings.database.url)
    clock = FixedClock(at)
    service = build_service(settings, database, clock)
    service.init()
    records = Records(settings, database, clock, service.listeners, service.catalog)
    return Book(path, settings, database, clock, service, records)


def seeded_book(path: Path) -> Book:
    """The demo's seeding, exactly as `run_demo` does it before the year begins."""
    book = fresh_book(path)
    seed_book(book.service, book.records)
    return book
