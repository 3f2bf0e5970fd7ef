"""Running the demo: a fresh SQLite book, seeded, then a year of days through the daemon's code.

Each simulated day: the daemon's sweep at 09:30 (reminders, chases, alerts, renewals, the
monthly report on the first working day), people's work at 11:00, the outbox drained into
the mail folder at 17:00. The same code a real daemon runs, with the clock moved by hand.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select

from ceop_workflow.clock import FixedClock
from ceop_workflow.config import DatabaseSettings, Settings
from ceop_workflow.demo.script import LAST_DAY, DemoWorld, routine, scripted
from ceop_workflow.demo.seed import DEMO_START, seed_book
from ceop_workflow.emails import queue_monthly_report
from ceop_workflow.engine.cadence import local_instant
from ceop_workflow.notify.drain import OutboxSender
from ceop_workflow.records import Records
from ceop_workflow.reports.render import render_html, render_text
from ceop_workflow.scheduling.sweep import Sweeper
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import Alert, AuditEntry, Review
from ceop_workflow.wiring import build_service

FIRST_DAY = date(2007, 7, 1)
REPORT_MONTH = date(2008, 6, 1)


@dataclass(frozen=True)
class DemoResult:
    """What the demo did and where it left its files."""

    folder: Path
    database: Path
    mail_folder: Path
    report_html: Path
    report_text: str
    emails: int
    transitions: int
    reviews: int
    alerts: int
    states: dict[str, int]
    refused: tuple[str, ...]


def days() -> Iterator[date]:
    """Every day of the demo year."""
    day = FIRST_DAY
    while day <= LAST_DAY:
        yield day
        day += timedelta(days=1)


def demo_settings(settings: Settings, folder: Path) -> Settings:
    """The user's settings with a fresh database in `folder` and mail written to a folder.

    The demo never sends real email, whatever `email.transport` says.
    """
    return dataclasses.replace(
        settings,
        database=DatabaseSettings(url=f"sqlite:///{folder / 'ceop-workflow.db'}"),
        email=dataclasses.replace(
            settings.email, transport="maildir", maildir=str(folder / "outbox")
        ),
    )


def _fresh(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for pattern in ("ceop-workflow.db*", "outbox/*.eml", "monthly-report-*.html"):
        for old in folder.glob(pattern):
            old.unlink()


def run_demo(
    settings: Settings, folder: Path, tick: Callable[[date], None] = lambda _: None
) -> DemoResult:
    """Seed the book and run the year; `tick` is called once per simulated day."""
    _fresh(folder)
    settings = demo_settings(settings, folder)
    tz = settings.tz

    def at(day: date, hour: int, minute: int = 0) -> datetime:
        return local_instant(day, time(hour, minute), tz)

    clock = FixedClock(at(DEMO_START, 10))
    database = Database(settings.database.url)
    service = build_service(settings, database, clock)
    service.init()
    records = Records(settings, database, clock, service.listeners, service.catalog)
    world = DemoWorld(service, records, seed_book(service, records))
    story = scripted()
    sweeper = Sweeper(service, "demo")
    sender = OutboxSender.from_settings(settings, database)

    def daemon(moment: datetime) -> None:
        clock.advance_to(moment)
        sweeper.sweep()
        queue_monthly_report(service)

    for day in days():
        daemon(at(day, 9, 30))
        clock.advance_to(at(day, 11))
        for step in story.get(day, []):
            step(world)
        routine(world, day)
        clock.advance_to(at(day, 17))
        sender.drain(clock.now(), max_batches=1000)
        tick(day)
    daemon(at(LAST_DAY + timedelta(days=1), 9, 30))
    sender.drain(clock.now(), max_batches=1000)

    measures = service.measures(REPORT_MONTH)
    report_html = folder / f"monthly-report-{REPORT_MONTH:%Y-%m}.html"
    report_html.write_text(render_html(measures), encoding="utf-8")
    with database.reading() as session:
        start = at(FIRST_DAY, 0)
        transitions = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.at >= start)
        )
        reviews = session.scalar(select(func.count()).select_from(Review))
        alerts = session.scalar(select(func.count()).select_from(Alert))
    states = Counter(p["state"] for p in service.list())
    database.dispose()
    mail = folder / "outbox"
    return DemoResult(
        folder=folder,
        database=folder / "ceop-workflow.db",
        mail_folder=mail,
        report_html=report_html,
        report_text=render_text(measures),
        emails=len(list(mail.glob("*.eml"))),
        transitions=int(transitions or 0),
        reviews=int(reviews or 0),
        alerts=int(alerts or 0),
        states=dict(states),
        refused=tuple(world.errors),
    )
