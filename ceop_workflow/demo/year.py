"""Running the demo: a fresh SQLite book, seeded, then a year of days through the real daemon.

The `Daemon` that `ceop-workflow daemon` runs does the work, with its start-up reconciliation
once the book is seeded; only its clock is simulated. Each day it makes one round at 09:30
(`Daemon.work_once`: the sweep, with its reminders, chases, alerts and renewals; the monthly
report on the first working day; the outbox drained into the mail folder), then people work
at 11:00 (the chapters' steps, then the daily routine); their emails leave at the next round.
A day when nothing is due and no email waits has no round: it would find nothing to do, and
on most days of the year that is so (a round costs as much as a day's work).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, or_, select

from ceop_workflow.app.records import Records
from ceop_workflow.app.service import Service
from ceop_workflow.clock import FixedClock
from ceop_workflow.config import DatabaseSettings, Settings
from ceop_workflow.daemon import Daemon, extra_jobs
from ceop_workflow.demo.chapters import DAILY, story
from ceop_workflow.demo.script import LAST_DAY
from ceop_workflow.demo.seed import DEMO_START, seed_book
from ceop_workflow.demo.strategy import keep_register
from ceop_workflow.demo.world import DemoWorld
from ceop_workflow.engine.cadence import first_working_day, local_instant
from ceop_workflow.notify import outbox
from ceop_workflow.reports.render import render_html, render_text
from ceop_workflow.scheduling import rows as timer_rows
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import Alert, AuditEntry, OutboxMessage, Review, Timer
from ceop_workflow.wiring import build_service

FIRST_DAY = date(2007, 7, 1)
DEMO_WORKER = "demo"
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


def _running_states(service: Service) -> frozenset[str]:
    return service.definition("partnership").running_states | (
        service.definition("ambassador").running_states
    )


def _daemon_has_work(database: Database, now: datetime, tz: ZoneInfo) -> bool:
    """Whether a daemon round at `now` has anything to do: a duty due, an email waiting to
    leave, or the monthly report due (from 09:00 on the first working day of a month)."""
    today = now.astimezone(tz).date()
    if today == first_working_day(today.year, today.month):
        return True
    with database.reading() as session:
        duty = select(Timer.id).where(Timer.status == timer_rows.PENDING, Timer.due_at <= now)
        mail = select(OutboxMessage.id).where(
            OutboxMessage.status == outbox.PENDING,
            OutboxMessage.next_attempt_at <= now,
        )
        return bool(session.scalar(select(or_(exists(duty), exists(mail)))))


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
    world = DemoWorld(service, records, seed_book(service, records), _running_states(service))
    keep_register(world)  # the Business Plan register the business cases cite
    steps = story()
    daemon = Daemon(service, DEMO_WORKER, extra_jobs(service))

    def daemon_round(moment: datetime) -> None:
        clock.advance_to(moment)
        if not _daemon_has_work(database, moment, settings.tz):
            return  # its round would find nothing to do: let the clock run on
        if daemon.work_once() is None:
            raise RuntimeError("the demo's daemon lost its SQLite lease")
        world.moved()

    try:
        daemon.prepare()  # as at every daemon start: reconcile the timers of the seeded book
        for day in days():
            daemon_round(at(day, 9, 30))
            clock.advance_to(at(day, 11))
            for step in steps.get(day, []):
                step(world)
                world.moved()
            for daily in DAILY:
                daily(world, day)
                world.moved()
            tick(day)
        # The morning after: the June report is queued and sent.
        daemon_round(at(LAST_DAY + timedelta(days=1), 9, 30))
    finally:
        daemon.close()

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
    states = Counter(p.state for p in service.list())
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
