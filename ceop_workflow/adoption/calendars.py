"""A person's calendar as an iCalendar feed (RFC 5545): due reviews, committee meetings, renewals.

Events come from the duty rows the daemon works from, so the calendar shows exactly what the
reminders say: a review's event starts when its reminder is due (09:00 London on the first
working day of the month, by the bundled workflows). Times carry TZID=Europe/London (the
configured zone) with its VTIMEZONE, so calendar programs show them at the right hour on both
sides of a clock change. Reviews already recorded stay in the calendar, as past meetings do.

Who sees what: the roles a timer reminds (`to` in the workflow) decide; `keyworker` and
`manager` are those of the partnership, the others those of config.toml's [roles]. An annual
review reminds the committee: for its members it is a Partnership Committee meeting.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, joinedload

from ceop_workflow.app.links import path_for
from ceop_workflow.app.service import Service
from ceop_workflow.engine.definitions import Definition
from ceop_workflow.engine.schedule import BEFORE, EVERY
from ceop_workflow.engine.timers import TimerDef
from ceop_workflow.errors import BadInput, NotFound
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import CalendarFeed, Partnership, Timer, WorkflowDefinition

PRODID = "-//CEOP//ceop-workflow//EN"
REVIEW_MINUTES = 30
HISTORY = timedelta(days=366)
"""How far back reviews already done stay in the calendar."""
_SHOWN = (EVERY, BEFORE)
_SKIPPED_STATUS = ("cancelled",)


@dataclass(frozen=True)
class Entry:
    """One event of the feed, before it is written as iCalendar."""

    uid: str
    summary: str
    start: datetime | date
    minutes: int
    description: str
    url: str


def _timer_def(definition: Definition, name: str) -> TimerDef | None:
    for state in definition.states.values():
        for timer in state.timers:
            if timer.name == name:
                return timer
    return None


def _reminded(service: Service, email: str, p: Partnership, roles: Iterable[str]) -> bool:
    held = service.settings.roles_of(email)
    for role in roles:
        if role == "keyworker" and p.keyworker == email:
            return True
        if role == "manager" and p.manager == email:
            return True
        if role in held:
            return True
    return False


def _title(timer: TimerDef, row: Timer, p: Partnership, email_holds_committee: bool) -> str:
    partner = p.partner.name
    if row.kind == BEFORE:
        return f"Renewal notice: {partner} (term ends {p.commitment_end})"
    review = str(timer.spec.get("completed_by", "monthly"))
    if review == "annual" and email_holds_committee and "committee" in timer.to:
        return f"Partnership Committee: annual review of {partner}"
    return f"{review.capitalize()} review: {partner}"


def _reminded_roles(service: Service, session: Session) -> set[str]:
    """The configured roles any stored workflow's timers remind."""
    found: set[str] = set()
    for name, version in session.execute(
        select(WorkflowDefinition.name, WorkflowDefinition.version)
    ):
        definition = service.catalog.machine(session, name, version).definition
        found |= {r for s in definition.states.values() for t in s.timers for r in t.to}
    return found - {"keyworker", "manager"}


def entries_for(service: Service, session: Session, email: str, now: datetime) -> list[Entry]:
    """The events of `email`'s calendar, in the order they happen."""
    base = service.settings.web.base_url.rstrip("/")
    committee = "committee" in service.settings.roles_of(email)
    query = (
        select(Timer, Partnership)
        .join(Partnership, Timer.partnership_id == Partnership.id)
        .options(joinedload(Partnership.partner))
        .where(Timer.kind.in_(_SHOWN), Timer.status.not_in(_SKIPPED_STATUS))
        # Outstanding duties whenever they fell due; done ones for a year, as a diary keeps.
        .where(or_(Timer.status == "pending", Timer.due_at >= now - HISTORY))
        .order_by(Timer.due_at, Timer.id)
    )
    if not service.settings.roles_of(email) & _reminded_roles(service, session):
        # Someone reminded only as keyworker or manager: let the database pick their rows.
        query = query.where(or_(Partnership.keyworker == email, Partnership.manager == email))
    rows = session.execute(query).all()
    found: list[Entry] = []
    for row, p in rows:
        definition = service.catalog.machine(session, p.workflow, p.workflow_version).definition
        timer = _timer_def(definition, row.name)
        if timer is None or not _reminded(service, email, p, timer.to):
            continue
        url = f"{base}{path_for(p.id)}"
        found.append(
            Entry(
                uid=f"timer-{row.id}@ceop-workflow",
                summary=_title(timer, row, p, committee),
                start=row.due_at.astimezone(service.settings.tz),
                minutes=REVIEW_MINUTES,
                description=f"{p.partner.name}, {p.state}; {url}",
                url=url,
            )
        )
    found += _term_ends(service, session, email, base)
    return found


def _term_ends(service: Service, session: Session, email: str, base: str) -> list[Entry]:
    """All-day events on the day each of the person's commitments ends."""
    rows = session.scalars(
        select(Partnership)
        .options(joinedload(Partnership.partner))
        .where(Partnership.commitment_end.is_not(None))
        .where((Partnership.keyworker == email) | (Partnership.manager == email))
        .order_by(Partnership.commitment_end, Partnership.id)
    ).all()
    return [
        Entry(
            uid=f"term-end-{p.id}-{p.commitment_end}@ceop-workflow",
            summary=f"Renewal due: {p.partner.name}'s term ends",
            start=p.commitment_end,
            minutes=0,
            description=f"{p.partner.name}, {p.state}; {base}{path_for(p.id)}",
            url=f"{base}{path_for(p.id)}",
        )
        for p in rows
        if p.commitment_end is not None
    ]


def render(entries: Iterable[Entry], name: str, stamp: datetime) -> bytes:
    """The entries as an RFC 5545 calendar, with the VTIMEZONE of every zone used."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for entry in entries:
        event = Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", stamp)
        event.add("summary", entry.summary)
        event.add("description", entry.description)
        event.add("url", entry.url)
        event.add("dtstart", entry.start)
        if isinstance(entry.start, datetime):
            event.add("dtend", entry.start + timedelta(minutes=entry.minutes))
        else:
            event.add("dtend", entry.start + timedelta(days=1))
        cal.add_component(event)
    cal.add_missing_timezones()
    data: bytes = cal.to_ical()
    return data


def calendar_for(service: Service, email: str) -> bytes:
    """`email`'s calendar as an .ics file."""
    email = email.strip().lower()
    if "@" not in email:
        raise BadInput(f"not an email address: {email!r}")
    with service.db.reading() as session:
        entries = entries_for(service, session, email, service.clock.now())
    return render(entries, f"ceop-workflow: {email}", service.clock.now())


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def feed_token(database: Database, email: str, now: datetime) -> str:
    """A new private feed token for `email`; the one it had before stops working."""
    email = email.strip().lower()
    if "@" not in email:
        raise BadInput(f"not an email address: {email!r}")
    token = secrets.token_urlsafe(32)
    with database.unit_of_work() as session:
        session.execute(delete(CalendarFeed).where(CalendarFeed.email == email))
        session.add(CalendarFeed(email=email, token_sha256=_sha(token), created_at=now))
    return token


def feed_owner(database: Database, token: str) -> str:
    """Whose feed `token` opens; `NotFound` for an unknown token."""
    with database.reading() as session:
        email = session.scalar(
            select(CalendarFeed.email).where(CalendarFeed.token_sha256 == _sha(token))
        )
    if email is None:
        raise NotFound("no such calendar")
    return email
