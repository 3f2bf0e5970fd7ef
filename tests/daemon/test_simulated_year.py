"""A year of cadence on one partnership per tier, swept five times a day on a simulated clock.

Every monthly and annual review reminder, overdue chase, renewal notice, stale-engagement
alert and business-case reminder must fall on the day written below, exactly once. The dates
are written out by hand from the calendar (first working days of England and Wales, bank
holidays included), not computed by the code under test.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

from ceop_workflow.notify.drain import OutboxSender
from ceop_workflow.store.models import Alert, AuditEntry, Timer
from tests.daemon.support import (
    COMMITTEE,
    TEAM,
    World,
    ambassador,
    london,
    outbox_summary,
    sqlite_url,
    write_config,
)

START = date(2008, 4, 1)
END = date(2009, 4, 30)
SWEEPS = (time(0, 5), time(9, 0), time(9, 30), time(13, 0), time(18, 0))
OBJECTIVE = {"Promote Report Abuse": "met"}

FIRST_WORKING_DAYS = [
    "2008-05-01",  # 5 May is the early May bank holiday, 1 May a Thursday
    "2008-06-02",  # 1 June is a Sunday
    "2008-07-01",
    "2008-08-01",
    "2008-09-01",
    "2008-10-01",
    "2008-11-03",  # 1 November is a Saturday
    "2008-12-01",
    "2009-01-02",  # New Year's Day
    "2009-02-02",  # 1 February is a Sunday
    "2009-03-02",  # 1 March is a Sunday
    "2009-04-01",
]


def expected(ids: dict[str, int]) -> Counter[tuple[str, int, str]]:
    a, b, c, d, e, f = (ids[n] for n in ("Alpha", "Beta", "Charlie", "Delta", "Echo", "Foxtrot"))
    rows: list[tuple[str, int, str]] = []
    monthly = "monthly_review_due"
    rows += [(monthly, a, day) for day in FIRST_WORKING_DAYS]
    # Beta is in renewal from the notice on 1 January until renewed on 6 January, and keeps
    # its monthly review there (its renewal reminder, 30 days before the end, never comes).
    rows += [(monthly, b, day) for day in FIRST_WORKING_DAYS]
    rows += [(monthly, c, day) for day in FIRST_WORKING_DAYS]
    # Delta recorded its July review at 08:00 on 1 July, before the 09:00 reminder.
    rows += [(monthly, d, day) for day in FIRST_WORKING_DAYS if day != "2008-07-01"]
    rows += [("annual_review_due", p, "2009-04-01") for p in (a, c, d, f)]
    rows += [
        ("review_overdue", d, "2008-06-16"),  # June's reminder + 14 days, no review by then
        ("renewal_coming_up", b, "2009-01-01"),  # 90 days before 1 April 2009
        ("stale_engagement", c, "2008-06-30"),  # Associate: 90 days without contact
        ("stale_engagement", f, "2008-09-28"),  # Ambassador: 180 days, once though still idle
        ("business_case_reminder", e, "2008-04-15"),  # 14 days in business_case
        ("business_case_reminder", e, "2008-04-29"),  # 28 days: the manager's chaser
    ]
    return Counter((template, pid, f"{day} 09:00") for template, pid, day in rows)


class Scenario:
    """What people do during the year, besides answering reminders the next day."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.actions: dict[date, list[tuple[time, Callable[[], None]]]] = {}
        self.seen = 0

    def on(self, day: date, at: time, action: Callable[[], None]) -> None:
        self.actions.setdefault(day, []).append((at, action))

    def contacts(self, pid: int, first: date, every: int, until: date = END) -> None:
        day = first
        while day <= until:
            self.on(day, time(11), lambda pid=pid: self.contact(pid))
            day += timedelta(days=every)

    def contact(self, pid: int) -> None:
        self.world.records.log_contact(pid, "meeting", self.world.keyworker(pid))

    def review(self, pid: int, kind: str = "monthly") -> None:
        by = self.world.keyworker(pid) if kind == "monthly" else COMMITTEE
        self.world.records.record_review(pid, kind, by, OBJECTIVE)

    def answer_reminders(self, day: date, skip: set[tuple[int, str]]) -> None:
        """Each reminder sent today gets its review tomorrow at noon (unless skipped)."""
        for message in self.world.outbox(after=self.seen):
            self.seen = message.id
            kind = {"monthly_review_due": "monthly", "annual_review_due": "annual"}.get(
                message.template
            )
            pid = message.partnership_id
            if kind is None or pid is None or (pid, day.isoformat()) in skip:
                continue
            self.on(day + timedelta(days=1), time(12), lambda p=pid, k=kind: self.review(p, k))

    def run(self, skip: set[tuple[int, str]]) -> None:
        day = START + timedelta(days=1)
        while day <= END:
            events = [(at, self.world.sweep) for at in SWEEPS] + self.actions.get(day, [])
            for at, action in sorted(events, key=lambda e: e[0]):
                self.world.at(london(day, at))
                action()
            self.answer_reminders(day, skip)
            day += timedelta(days=1)


def test_a_year_of_duties_falls_on_the_right_days_once(
    make_world: Callable[[Path, datetime], World], tmp_path: Path
) -> None:
    world = make_world(write_config(tmp_path, sqlite_url(tmp_path)), london(START, time(10)))
    a = world.partnership("Alpha", "strategic_partner", START, date(2011, 4, 1))
    b = world.partnership("Beta", "partner", START, date(2009, 4, 1), kind="industry")
    c = world.partnership("Charlie", "associate", START, date(2010, 4, 1))
    d = world.partnership("Delta", "contributor", START)
    world.partnership("Echo", None, stop_at="business_case")
    f = ambassador(world, "Foxtrot", START)

    scenario = Scenario(world)
    for pid in (a, b):
        scenario.contacts(pid, date(2008, 4, 10), every=14)
    scenario.contacts(d, date(2008, 4, 20), every=30)
    scenario.contacts(c, date(2008, 8, 14), every=30)
    scenario.on(date(2008, 7, 15), time(10), lambda: scenario.contact(c))
    scenario.on(
        date(2008, 7, 15),
        time(10, 30),
        lambda: world.fire(c, "resolve", TEAM, resolution="Met the partner; back on track"),
    )
    scenario.on(date(2008, 6, 20), time(12), lambda: scenario.review(d))
    scenario.on(date(2008, 7, 1), time(8), lambda: scenario.review(d))
    scenario.on(
        date(2009, 1, 6),
        time(10),
        lambda: world.fire(
            b, "renew", TEAM, tier="partner", kind="industry", start="2009-04-01", end="2010-04-01"
        ),
    )
    scenario.run(skip={(d, "2008-06-02")})

    timer_mail = [m for m in world.outbox() if m.dedupe_key.startswith("timer:")]
    got = Counter((t, pid, at) for t, pid, at in outbox_summary(timer_mail) if pid is not None)
    assert got == expected(world.ids)

    with world.service.db.reading() as session:
        audit = session.execute(
            select(AuditEntry.partnership_id, AuditEntry.trigger, AuditEntry.at)
            .filter_by(actor="system")
            .order_by(AuditEntry.id)
        ).all()
        alerts = {
            (row.partnership_id, row.kind): row.status for row in session.scalars(select(Alert))
        }
        failed = session.scalars(select(Timer).where(Timer.status == "failed")).all()
    assert [
        (pid, trigger, at.astimezone(london(START).tzinfo).strftime("%Y-%m-%d %H:%M"))
        for pid, trigger, at in audit
    ] == [
        (c, "escalate", "2008-07-14 09:00"),  # 14 days after the stale alert, still no contact
        (b, "start_renewal", "2009-01-01 09:00"),
    ]
    assert alerts == {
        (c, "stale_engagement"): "resolved",  # the contact of 15 July
        (f, "stale_engagement"): "open",  # raised once, still open
        (d, "monthly_review_overdue"): "resolved",  # June's review came on 20 June
    }
    assert failed == []

    # Every message renders with the shipped templates and leaves (into a maildir).
    drained = OutboxSender.from_settings(world.settings, world.service.db).drain(
        world.clock.now(), max_batches=100
    )
    assert (drained.sent, drained.dead) == (len(world.outbox()), 0)
