"""What each kind of due duty does: outbox rows, alerts, a trigger fired as the system.

A handler runs inside the one transaction that also marks its row done (the sweep sets the
status before calling it; a handler may say `completed` or `cancelled` instead), so a crash
either keeps all of a duty's effects or none of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ceop_workflow.app.links import link_for_template
from ceop_workflow.app.service import FireRequest, FireResult
from ceop_workflow.config import SYSTEM_ACTOR, Settings
from ceop_workflow.engine.cadence import Period
from ceop_workflow.engine.definitions import Definition
from ceop_workflow.engine.schedule import (
    AFTER,
    BEFORE,
    EVERY,
    IDLE,
    IDLE_THEN,
    OVERDUE,
    PAST,
    Planned,
    due_periods,
    idle_row,
    idle_then_row,
    overdue_row,
    recurring_rule,
    reminders,
)
from ceop_workflow.engine.timers import TimerDef
from ceop_workflow.errors import Refused
from ceop_workflow.notify.context import (
    business_case_reminder,
    objectives_of,
    renewal_coming_up,
    review_due,
    review_overdue,
    stale_engagement,
)
from ceop_workflow.notify.message import domain_of
from ceop_workflow.notify.outbox import enqueue
from ceop_workflow.notify.recipients import resolve
from ceop_workflow.scheduling import rows
from ceop_workflow.scheduling.alerts import overdue_kind, raise_alert
from ceop_workflow.scheduling.plans import (
    completed_by,
    facts_of,
    last_contact_at,
    place_every,
    reviewed_periods,
)
from ceop_workflow.scheduling.reads import BatchReads
from ceop_workflow.store.models import Partnership, Timer

log = logging.getLogger(__name__)

FireIn = Callable[[Session, FireRequest], FireResult]
# The trigger fired when reviews are missed (`daemon.escalate_after_missed_reviews`).
ESCALATE_TRIGGER = "escalate"


@dataclass
class Duty:
    """One due row being handled, with everything its handler may touch."""

    session: Session
    row: Timer
    partnership: Partnership
    timer: TimerDef
    definition: Definition
    now: datetime
    settings: Settings
    fire_in: FireIn
    # What the batch read for all its partnerships at once; None: every read is a query.
    reads: BatchReads | None = None
    # What becomes of the row (a handler may say `completed` or `cancelled`) and what to add
    # to its payload: the sweep writes both with the outcome, in one statement.
    status: str = rows.DONE
    noted: dict[str, Any] = field(default_factory=dict)

    def reviewed(self, kind: str, periods: Sequence[str]) -> set[str]:
        """Which of `periods` already have a review of `kind` recorded for the partnership."""
        if self.reads is not None:
            return self.reads.reviewed(self.session, self.partnership.id, kind, periods)
        return reviewed_periods(self.session, self.partnership.id, kind, periods)

    def objectives(self) -> list[str]:
        """What the partnership is for (`context.objectives_of`)."""
        if self.reads is not None:
            return self.reads.objectives_of(self.session, self.partnership)
        return objectives_of(self.session, self.partnership)

    @property
    def tz(self) -> ZoneInfo:
        """The time zone duties are computed in."""
        return self.settings.tz

    def local_day(self, moment: datetime) -> date:
        """The day of `moment` on the local calendar."""
        return moment.astimezone(self.tz).date()

    @property
    def today(self) -> date:
        """The local day of the sweep."""
        return self.local_day(self.now)

    def link(self, template: str | None) -> str:
        """The web page where the reader of `template` acts on this partnership."""
        return link_for_template(self.settings, template or "", self.partnership.id)

    def mail(
        self, template: str | None, roles: Sequence[str], key: str, context: Mapping[str, Any]
    ) -> bool:
        """Write an outbox row (once per `key`); False when nobody is to receive it.

        `context` comes from the message's builder in `notify.context`; the timer's name is
        added, so that a message can be traced back to the duty that sent it.
        """
        if template is None:
            return False
        recipients = resolve(self.settings, roles, self.partnership)
        if not recipients:
            log.warning("timer %s: nobody holds %s; no mail", self.row.idempotency_key, roles)
            return False
        return enqueue(
            self.session,
            template=template,
            recipients=recipients,
            context={**context, "timer": self.timer.name},
            dedupe_key=f"timer:{key}",
            now=self.now,
            partnership_id=self.partnership.id,
            domain=domain_of(self.settings.email.from_address),
        )

    def fire(self, trigger: str | None, reason: str | None = None) -> str:
        """Fire `trigger` as the system in this transaction; a refusal is noted, not raised."""
        if trigger is None:
            return ""
        p = self.partnership
        transition = self.definition.transition(trigger, p.state)
        takes_reason = transition is not None and "reason" in {
            *transition.requires,
            *transition.optional,
        }
        data = {"reason": [reason]} if reason and takes_reason else {}
        request = FireRequest(
            p.id, trigger, SYSTEM_ACTOR, "system", data, f"timer {self.row.idempotency_key}"
        )
        # The row is done before the trigger fires: a firing cancels the partnership's pending
        # rows, and must not take this one with them. (Otherwise the sweep writes the row once,
        # at the end; no other write of a handler touches it: each has a key of its own.)
        rows.settle(self.session, self.row, rows.DONE, self.now, self.row.payload)
        self.session.flush()
        try:
            with self.session.begin_nested():
                result = self.fire_in(self.session, request)
        except Refused as exc:
            log.warning("timer %s: %s refused: %s", self.row.idempotency_key, trigger, exc)
            return f"{trigger} refused: {exc}"
        return f"{trigger}: {result.source} -> {result.dest}"

    def place(self, planned: Planned | None) -> None:
        """Add a follow-up row planned for this partnership."""
        if planned is not None:
            rows.place(self.session, planned, self.now)


def _anchor(duty: Duty) -> date | None:
    anchor = duty.row.payload.get("anchor")
    return date.fromisoformat(anchor) if anchor else None


def _chase(duty: Duty, period: Period, occurrence: datetime) -> Planned | None:
    return overdue_row(
        facts_of(duty.partnership), duty.timer, period, occurrence, duty.tz, duty.now
    )


def handle_every(duty: Duty) -> str:
    """Remind of a recurring review; after downtime, once for every period it missed."""
    timer, row = duty.timer, duty.row
    anchor = _anchor(duty)
    rule = recurring_rule(timer, anchor)
    due = due_periods(rule, Period.from_key(row.period or ""), duty.now, duty.tz)
    reviewed = duty.reviewed(completed_by(timer), [p.key for p, _ in due])
    sent = []
    for reminder in reminders(due, reviewed, duty.settings.daemon.catch_up):
        key = f"p{row.partnership_id}:{timer.name}:{reminder.period.key}"
        context = review_due(
            duty.session,
            duty.partnership,
            period=reminder.period.label,
            # The period's one due moment (its occurrence), as the chase, the worklist and the
            # report give it; the chase follows `overdue_after` later.
            due=duty.local_day(reminder.due_at),
            link=duty.link(timer.notify),
            objectives=duty.objectives(),
        )
        context["missed_periods"] = [p.label for p in reminder.missed]
        duty.mail(timer.notify, timer.to, key, context)
        sent.append(reminder.period.key)
    latest, latest_at = due[-1]
    if latest.key not in reviewed:
        duty.place(_chase(duty, latest, latest_at))
    place_every(
        duty.session, facts_of(duty.partnership), timer, anchor, latest_at, duty.now, duty.tz
    )
    if len(due) > 1:
        duty.noted["caught_up"] = [p.key for p, _ in due]
    fired = duty.fire(timer.trigger)
    return f"reminded {', '.join(sent) or 'nobody (reviewed)'} {fired}".strip()


def handle_overdue(duty: Duty) -> str:
    """Chase a review not recorded by its deadline, and keep an alert open until it is."""
    timer, row = duty.timer, duty.row
    kind = completed_by(timer)
    if duty.reviewed(kind, [row.period or ""]):
        duty.status = rows.COMPLETED
        return "reviewed meanwhile"
    period = Period.from_key(row.period or "")
    template = timer.spec.get("overdue_notify")
    context = review_overdue(
        duty.partnership,
        review_kind=kind,
        period=period.label,
        due=duty.local_day(row.anchor_at or row.due_at),
        today=duty.today,
        link=duty.link(template),
    )
    duty.mail(template, timer.spec.get("overdue_to") or timer.to, row.idempotency_key, context)
    raise_alert(
        duty.session,
        row.partnership_id,
        overdue_kind(timer.name),
        duty.now,
        f"{kind} review for {period.label} overdue",
    )
    return f"chased {period.key} {_escalate_if_missed(duty, period)}".strip()


def _escalate_if_missed(duty: Duty, period: Period) -> str:
    """Escalate, as the system, a partnership that has now missed `escalate_after_missed_reviews`
    monthly reviews in a row (each chased as overdue during this stay in its state and still not
    recorded), naming them in the reason kept by the audit trail. A state the escalation
    trigger cannot fire from (already escalated, renewing) keeps its cadence and is left be."""
    limit = duty.settings.daemon.escalate_after_missed_reviews
    timer, p = duty.timer, duty.partnership
    if limit < 1 or period.month is None or completed_by(timer) != "monthly":
        return ""
    if duty.definition.transition(ESCALATE_TRIGGER, p.state) is None:
        return ""
    missed = [period]
    while len(missed) < limit:
        before = missed[-1].shifted(-1)
        chase = duty.session.scalars(
            select(Timer).filter_by(idempotency_key=f"p{p.id}:{timer.name}:{before.key}:overdue")
        ).first()
        if (
            chase is None
            or chase.status != rows.DONE
            or chase.done_at is None
            or chase.done_at < p.state_entered_at
            or duty.reviewed("monthly", [before.key])
        ):
            return ""
        missed.append(before)
    months = ", ".join(m.label for m in reversed(missed))
    return duty.fire(ESCALATE_TRIGGER, f"{len(missed)} monthly reviews missed in a row ({months})")


def handle_after(duty: Duty) -> str:
    """Remind that a partnership has sat in its state for a while."""
    timer = duty.timer
    context = business_case_reminder(
        duty.session,
        duty.partnership,
        due=duty.local_day(duty.row.due_at),
        link=duty.link(timer.notify),
    )
    duty.mail(timer.notify, timer.to, duty.row.idempotency_key, context)
    return f"reminded {duty.fire(duty.timer.trigger)}".strip()


def _days_idle(duty: Duty, since: datetime) -> int:
    return (duty.now.astimezone(duty.tz).date() - since.astimezone(duty.tz).date()).days


def handle_idle(duty: Duty) -> str:
    """Raise a stale-engagement alert once, tell the keyworker, and plan the escalation."""
    timer, row = duty.timer, duty.row
    anchor = row.anchor_at or row.created_at
    last = last_contact_at(duty.session, row.partnership_id)
    facts = facts_of(duty.partnership)
    if last is not None and last > anchor:
        duty.status = rows.CANCELLED
        duty.place(idle_row(facts, timer, last, duty.tz))
        return "contact logged meanwhile"
    days = _days_idle(duty, last or anchor)
    then = idle_then_row(facts, timer, anchor, duty.now, duty.tz)
    duty.place(then)
    opened = raise_alert(
        duty.session, row.partnership_id, timer.name, duty.now, f"no contact for {days} days"
    )
    if opened:
        context = stale_engagement(
            duty.session,
            duty.partnership,
            today=duty.today,
            limit_days=int(row.payload.get("limit_days", days)),
            escalate_on=duty.local_day(then.due_at if then else duty.now),
            link=duty.link(timer.notify),
        )
        # Counted from the last contact or, without one, from when the timer started.
        context["days_idle"] = days
        if then is None:
            context["escalate_on"] = ""  # this timer escalates nothing
        duty.mail(timer.notify, timer.to, row.idempotency_key, context)
    fired = duty.fire(timer.trigger, f"no contact logged for {days} days")
    return f"{'alert raised' if opened else 'alert already open'} {fired}".strip()


def handle_idle_then(duty: Duty) -> str:
    """Still no contact some time after the alert: fire the escalation trigger."""
    row = duty.row
    anchor = row.anchor_at or row.created_at
    last = last_contact_at(duty.session, row.partnership_id)
    if last is not None and last > anchor:
        duty.status = rows.CANCELLED
        return "contact logged meanwhile"
    days = _days_idle(duty, last or anchor)
    return duty.fire(duty.timer.spec.get("then_trigger"), f"no contact logged for {days} days")


def handle_before(duty: Duty) -> str:
    """A date of the partnership is coming up (`before`) or has passed (`past`): tell people
    and fire the trigger (renewal)."""
    timer = duty.timer
    day = date.fromisoformat(str(duty.row.payload["date"]))
    context = renewal_coming_up(
        duty.partnership, term_ends=day, due=day, link=duty.link(timer.notify)
    )
    duty.mail(timer.notify, timer.to, duty.row.idempotency_key, context)
    return f"notified {duty.fire(duty.timer.trigger)}".strip()


HANDLERS: Mapping[str, Callable[[Duty], str]] = MappingProxyType(
    {
        EVERY: handle_every,
        OVERDUE: handle_overdue,
        AFTER: handle_after,
        IDLE: handle_idle,
        IDLE_THEN: handle_idle_then,
        BEFORE: handle_before,
        PAST: handle_before,
    }
)
