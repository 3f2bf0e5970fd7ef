"""Monthly measures from a small hand-made book, built through the real use cases on SQLite.

Every expected figure below is worked out by hand from the story of five partners, told in
`book`. Times are UTC; Europe/London is on GMT until 30 March 2008, then on BST (UTC+1).
First working days (09:00 local): 1 Nov, 3 Dec 2007; 2 Jan, 1 Feb, 3 Mar, 1 Apr 2008.
Duties from workflows/: a monthly review on the first working day while `active`, overdue
after 14 days; stale after no contact for 30d (Strategic Partner), 60d (Partner), 90d
(Associate, Contributor) or 180d (Ambassador).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from ceop_workflow.app.records import Records
from ceop_workflow.app.service import FireRequest, Service
from ceop_workflow.clock import FixedClock
from ceop_workflow.config import Settings, load_settings
from ceop_workflow.engine.tiers import Tier, TierKind
from ceop_workflow.errors import BadInput
from ceop_workflow.reports.compute import compute_measures
from ceop_workflow.reports.measures import (
    FeedbackItem,
    MonthlyMeasures,
    NewInitiative,
    OpenEscalation,
    OverdueReview,
    ReviewKind,
    StaleEngagement,
    StateCount,
    TierCount,
    TierMovement,
    WaitingLead,
)
from ceop_workflow.reports.render import render_html, render_text
from ceop_workflow.store.db import Database
from tests.conftest import PG_ADMIN_URL

ROOT = Path(__file__).resolve().parents[2]
# One pytest-xdist worker builds the book once per database, for every test of this module.
pytestmark = pytest.mark.xdist_group("measures_book")
SAM = "sam.patel@ceop.example"  # keyworker of every partnership
KELLY = "kelly.burke@ceop.example"  # Partnerships Team and Head of Partnerships
PAUL = "paul.lever@ceop.example"  # Partnership Committee
OBJECTIVE = "reach"


def at(text: str) -> datetime:
    """A UTC instant written as "2008-02-05 10:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Book:
    """The use cases over one database, with a clock the story moves forward."""

    settings: Settings
    db: Database
    clock: FixedClock
    service: Service
    records: Records

    def when(self, moment: str) -> Book:
        self.clock.advance_to(at(moment))
        return self

    def fire(self, pid: int, trigger: str, actor: str, **data: str) -> None:
        self.service.fire(FireRequest(pid, trigger, actor, data={k: [v] for k, v in data.items()}))

    def lead(self, name: str, moment: str, workflow: str = "partnership", **kw: bool) -> int:
        self.when(moment)
        existing = [p for p in self.service.list() if p.partner == name]
        partner = existing[0].partner_id if existing else self.service.add_partner(name, **kw)
        manager = KELLY if name == "Citadel Bank" else None
        return self.service.create_partnership(partner, workflow, SAM, manager)

    def go_live(self, pid: int, moment: str, title: str, **tier: str) -> None:
        """Business case, committee approval and tier, all at `moment` (a minute apart)."""
        day = moment[:10]
        self.when(f"{moment}:01").fire(pid, "start_business_case", SAM)
        self.when(f"{moment}:02").fire(
            pid, "submit_to_committee", SAM, title=title, objectives=OBJECTIVE, core_policing="no"
        )
        self.when(f"{moment}:03").fire(pid, "approve", PAUL)
        self.when(f"{moment}:04").fire(pid, "assign_tier", KELLY, start=day, **tier)

    def review(self, pid: int, moment: str, met: bool, feedback: str | None = None) -> None:
        outcome = {OBJECTIVE: "met" if met else "not_met"}
        self.when(moment).records.record_review(pid, "monthly", SAM, outcome, feedback)

    def contribution(self, pid: int, received: str, gbp: str, kind: str = "funding") -> None:
        self.when(f"{received} 12:00").records.add_contribution(
            pid, gbp, kind, received_on=date.fromisoformat(received), by=SAM
        )

    def measures(self, month: date, now: str | None = None) -> MonthlyMeasures:
        with self.db.reading() as session:
            return compute_measures(
                session, month, self.settings.tz, now=None if now is None else at(now)
            )


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new database on the test PostgreSQL server
    (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('book') / 'book.db'}"
        return
    # The session's PostgreSQL prefix skips off CI and fails under CI=true when no server answers.
    prefix = request.getfixturevalue("pg_prefix")
    name = f"{prefix}_measures_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="module")
def book(database_url: str) -> Iterator[Book]:
    url = database_url
    settings = load_settings(ROOT / "config.toml", {"CEOP_WORKFLOW_DATABASE_URL": url})
    clock = FixedClock(at("2007-09-01 09:00"))
    db = Database(settings.database.url)
    b = Book(settings, db, clock, Service(settings, db, clock), Records(settings, db, clock))
    b.service.init()

    # Citadel Bank: Strategic Partner from 1 October; reviewed off track in February,
    # escalated on the 12th and terminated on the 20th (ended mid-month).
    citadel = b.lead("Citadel Bank", "2007-09-03 10:00")
    b.go_live(citadel, "2007-10-01 10:00", "Command suite", tier="strategic_partner",
              end="2010-10-01")  # fmt: skip
    b.contribution(citadel, "2007-10-15", "100000")
    b.review(citadel, "2008-02-08 11:00", met=False)
    b.when("2008-02-12 10:00").fire(citadel, "escalate", SAM, reason="Two reviews off track")
    b.when("2008-02-20 10:00").fire(citadel, "terminate", KELLY, reason="Could not be put right")

    # Beacon Trust: Associate from 5 November, last contact 20 November; reviewed in December,
    # not in January; renewed a level up (Partner, Specialist) on 10 March.
    beacon = b.lead("Beacon Trust", "2007-10-10 10:00")
    b.go_live(beacon, "2007-11-05 10:00", "Moderator training", tier="associate")
    b.when("2007-11-20 10:00").records.log_contact(beacon, "meeting", SAM)
    b.review(beacon, "2007-12-10 10:00", met=True)
    b.review(beacon, "2008-02-06 10:00", met=False)
    b.contribution(beacon, "2008-02-14", "20000")
    b.review(beacon, "2008-02-25 10:00", met=True, feedback="The workshop helped our moderators.")
    b.when("2008-03-03 10:00").fire(beacon, "start_renewal", KELLY)
    b.when("2008-03-10 10:00").fire(beacon, "renew", KELLY, tier="partner", kind="specialist",
                                    start="2008-03-10", end="2009-03-10")  # fmt: skip
    b.review(beacon, "2008-04-07 10:00", met=False)
    b.contribution(beacon, "2008-04-15", "2500", "in_kind")

    # Acme Mobile: Partner (Industry) from 7 January; a second initiative (Contributor) on
    # 14 April. Its "April" review is at 23:30 UTC on 31 March, 00:30 on 1 April in London.
    acme = b.lead("Acme Mobile", "2007-12-03 10:00")
    b.go_live(acme, "2008-01-07 10:00", "Safer mobile chat", tier="partner", kind="industry",
              end="2009-01-07")  # fmt: skip
    b.contribution(acme, "2008-01-20", "15000.50", "in_kind")
    b.review(acme, "2008-02-05 10:00", met=True)
    b.when("2008-02-20 10:00").records.log_contact(acme, "update", SAM)
    b.contribution(acme, "2008-03-31", "30000")
    b.review(acme, "2008-03-31 23:30", met=True)
    b.contribution(acme, "2008-04-01", "5000")
    acme_2 = b.lead("Acme Mobile", "2008-04-01 10:00")
    b.go_live(acme_2, "2008-04-14 10:00", "Discounted handsets", tier="contributor")

    # Delta Schools: a lead since 11 February, still waiting on its business case.
    b.lead("Delta Schools", "2008-02-11 10:00")

    # Eve Smith: an individual, Ambassador from 10 December; her monthly review does not count
    # toward the share of partnerships meeting their objectives.
    eve = b.lead("Eve Smith", "2007-11-26 10:00", "ambassador", individual=True)
    b.when("2007-11-26 10:01").fire(
        eve,
        "submit_to_committee",
        SAM,
        title="Ambassador",
        objectives=OBJECTIVE,
        core_policing="no",
    )
    b.when("2007-12-10 10:00").fire(eve, "approve", PAUL, tier="ambassador", start="2007-12-10")
    b.review(eve, "2008-02-07 10:00", met=True)

    # Gamma Telecom: a new partner, Associate from 21 April.
    gamma = b.lead("Gamma Telecom", "2008-04-02 10:00")
    b.go_live(gamma, "2008-04-21 10:00", "Report Abuse button", tier="associate")

    yield b
    db.dispose()


def test_february_with_a_partnership_ended_mid_month(book: Book) -> None:
    m = book.measures(date(2008, 2, 1))

    assert m.as_of == date(2008, 2, 29)
    assert m.financial_year == "2007/08"
    # Acme met, Beacon's latest (25th) met, Citadel not; Eve is an individual.
    assert (m.objectives.met, m.objectives.not_met, m.objectives.owed) == (2, 1, 3)
    assert m.objectives.not_reviewed == ()
    assert m.objectives.share == Fraction(2, 3)
    assert m.funding.year_to_date == Decimal("135000.50")  # 100,000 + 15,000.50 + 20,000
    assert m.funding.in_month == Decimal("20000")
    assert m.funding.in_kind_year_to_date == Decimal("15000.50")
    assert m.funding.in_kind_in_month == 0
    assert m.funding.months_elapsed == 11
    # Due 1 Feb: Acme, Beacon, Citadel (still active then); all three reviewed in February.
    assert (m.reviews.due, m.reviews.done) == (3, 3)
    assert m.reviews.overdue == (
        OverdueReview("Beacon Trust", ReviewKind.MONTHLY, date(2008, 1, 2), 58, SAM),
    )
    assert m.stale_engagements == (
        StaleEngagement("Beacon Trust", Tier.ASSOCIATE, SAM, date(2007, 11, 20), 101, 90),
    )
    assert m.open_escalations == ()  # Citadel's escalation ended with it
    assert m.leads_waiting == (WaitingLead("Delta Schools", date(2008, 2, 11), 18, SAM),)
    assert m.by_tier == (
        TierCount(Tier.PARTNER, 1, TierKind.INDUSTRY),
        TierCount(Tier.ASSOCIATE, 1),
        TierCount(Tier.AMBASSADOR, 1),
    )
    assert m.by_state == (StateCount("lead", 1), StateCount("active", 3), StateCount("ended", 1))
    assert m.tier_movements == ()
    assert m.initiatives == ()
    assert m.feedback == (
        FeedbackItem("Beacon Trust", date(2008, 2, 25), "The workshop helped our moderators."),
    )
    trend = {p.month: (p.met, p.owed, p.funding_in_month) for p in m.trend}
    assert len(m.trend) == 12
    assert m.trend[0].month == date(2007, 3, 1)
    # Citadel went live at 10:00 on 1 October, after that month's duty (09:00): none owed.
    assert trend[date(2007, 10, 1)] == (0, 0, Decimal("100000"))
    # Citadel owed November's review and nobody recorded it.
    assert trend[date(2007, 11, 1)] == (0, 1, Decimal(0))
    # Beacon reviewed (met) in December; Citadel not reviewed: 1 of 2, not 1 of 1.
    assert trend[date(2007, 12, 1)] == (1, 2, Decimal(0))
    # Citadel and Beacon owed January's review (Acme went live on the 7th); neither done.
    assert trend[date(2008, 1, 1)] == (0, 2, Decimal("15000.50"))
    assert trend[date(2008, 2, 1)] == (2, 3, Decimal("20000"))
    assert sum(p.funding_in_month for p in m.trend) == m.funding.year_to_date


def test_february_so_far_stops_at_now(book: Book) -> None:
    m = book.measures(date(2008, 2, 1), now="2008-02-15 12:00")

    assert m.as_of == date(2008, 2, 15)
    # Beacon's met review on the 25th has not happened yet.
    assert (m.objectives.met, m.objectives.not_met, m.objectives.owed) == (1, 2, 3)
    assert m.funding.in_month == Decimal("20000")
    assert m.open_escalations == (
        OpenEscalation("Citadel Bank", date(2008, 2, 12), "Two reviews off track", KELLY),
    )
    assert m.by_tier[0] == TierCount(Tier.STRATEGIC_PARTNER, 1)  # escalated still holds it
    assert StateCount("escalated", 1) in m.by_state
    assert m.reviews.overdue[0].days_overdue == 44
    assert m.stale_engagements == ()  # Beacon idle 87 days of its 90
    assert m.leads_waiting[0].days_waiting == 4
    assert m.feedback == ()


def test_march_a_month_with_no_reviews(book: Book) -> None:
    m = book.measures(date(2008, 3, 1))

    assert m.as_of == date(2008, 3, 31)
    # Acme's review at 23:30 UTC on 31 March is already April in London. Both owed March's
    # review and neither was reviewed in March: 0%, not "no reviews", and both are named.
    assert (m.objectives.met, m.objectives.not_met, m.objectives.owed) == (0, 0, 2)
    assert [n.partner for n in m.objectives.not_reviewed] == ["Acme Mobile", "Beacon Trust"]
    assert m.objectives.share == 0
    assert m.funding.year_to_date == Decimal("165000.50")
    assert m.funding.in_month == Decimal("30000")
    assert m.funding.months_elapsed == 12
    # Due 3 Mar 09:00: Acme, and Beacon (its renewal began at 10:00); neither reviewed.
    assert (m.reviews.due, m.reviews.done) == (2, 0)
    # Beacon's duties went with the stay in `active` that its renewal ended.
    assert m.reviews.overdue == (
        OverdueReview("Acme Mobile", ReviewKind.MONTHLY, date(2008, 3, 3), 28, SAM),
    )
    assert m.stale_engagements == ()
    assert m.tier_movements == (
        TierMovement("Beacon Trust", Tier.ASSOCIATE, Tier.PARTNER, date(2008, 3, 10)),
    )
    assert m.tier_movements[0].direction == "up"
    assert m.by_tier == (
        TierCount(Tier.PARTNER, 1, TierKind.SPECIALIST),
        TierCount(Tier.PARTNER, 1, TierKind.INDUSTRY),
        TierCount(Tier.AMBASSADOR, 1),
    )
    assert m.leads_waiting[0].days_waiting == 49
    assert "0 of 2 met all objectives (0 not met, 2 not reviewed)" in render_text(m)
    assert "not reviewed: Beacon Trust" in render_text(m)
    assert "Not reviewed: Acme Mobile, Beacon Trust" in render_html(m)


def test_april_starts_a_new_financial_year(book: Book) -> None:
    m = book.measures(date(2008, 4, 1))

    assert m.financial_year == "2008/09"
    assert m.funding.months_elapsed == 1
    # 5,000 and 2,500 (in kind); the 30,000 of 31 March belongs to 2007/08.
    assert m.funding.year_to_date == Decimal("7500")
    assert m.funding.in_month == Decimal("7500")
    assert m.funding.in_kind_year_to_date == Decimal("2500")
    # Acme (00:30 BST on 1 April, met) and Beacon (7 April, not met); Acme's second
    # partnership and Gamma went live in April, after April's duty: they owed no review.
    assert (m.objectives.met, m.objectives.not_met, m.objectives.owed) == (1, 1, 2)
    assert (m.reviews.due, m.reviews.done) == (2, 2)
    assert m.reviews.overdue == (
        OverdueReview("Acme Mobile", ReviewKind.MONTHLY, date(2008, 3, 3), 58, SAM),
    )
    assert m.stale_engagements == (
        StaleEngagement("Acme Mobile", Tier.PARTNER, SAM, date(2008, 2, 20), 70, 60),
    )
    assert m.initiatives == (
        NewInitiative("Acme Mobile", "Discounted handsets", date(2008, 4, 14), False),
        NewInitiative("Gamma Telecom", "Report Abuse button", date(2008, 4, 21), True),
    )
    assert m.by_state == (StateCount("lead", 1), StateCount("active", 5), StateCount("ended", 1))
    assert sum(t.count for t in m.by_tier) == 5
    trend = {p.month: (p.met, p.owed, p.funding_in_month) for p in m.trend}
    assert trend[date(2008, 3, 1)] == (0, 2, Decimal("30000"))
    assert trend[date(2008, 4, 1)] == (1, 2, Decimal("7500"))
    assert m.trend[0].month == date(2007, 5, 1)


def test_tiers_rebuilt_from_the_audit_trail_match_the_partnerships_now(book: Book) -> None:
    m = book.measures(date(2008, 4, 1))
    now = [p for p in book.service.list() if p.state in {"active", "escalated", "renewal"}]

    assert sorted((t.tier.value, t.kind and t.kind.value) for t in m.by_tier) == sorted(
        (p.tier, p.tier_kind) for p in now
    )


def test_a_month_is_named_by_its_first_day_and_must_have_begun(book: Book) -> None:
    with pytest.raises(BadInput, match="first day"):
        book.measures(date(2008, 2, 5))
    with pytest.raises(BadInput, match="has not begun"):
        book.measures(date(2008, 5, 1), now="2008-04-30 12:00")
