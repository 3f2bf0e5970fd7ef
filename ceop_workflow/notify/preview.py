"""`notifications preview`: a message as it would be sent today for one stored partnership.

The context comes from the same builders the senders use (`notify.context`). What only the
scheduler knows at the moment a reminder fires (the period, the due date) is worked out here
as it would be for a reminder going out today, from the timer in the partnership's workflow
that sends the message. `monthly_report` is about no partnership: it is shown with its sample.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ceop_workflow.app.links import link_for_template
from ceop_workflow.config import Settings
from ceop_workflow.engine.bank_holidays import first_working_day
from ceop_workflow.engine.cadence import Period, add_years, parse_duration
from ceop_workflow.engine.definitions import Definition, NotifyDef
from ceop_workflow.engine.timers import TimerDef
from ceop_workflow.errors import BadInput, NotFound
from ceop_workflow.notify import context as build
from ceop_workflow.notify.contact_notices import ROLES as CONTACT_ROLES
from ceop_workflow.notify.contact_notices import contact_context
from ceop_workflow.notify.digest import DIGEST_TEMPLATE, REMINDERS, digest_item
from ceop_workflow.notify.recipients import resolve
from ceop_workflow.notify.render import TemplateRenderer
from ceop_workflow.notify.samples import sample_contexts
from ceop_workflow.store.models import AuditEntry, CommitteeDecision, Contact, Partnership

NO_PARTNERSHIP = frozenset({"monthly_report"})


@dataclass(frozen=True)
class Preview:
    """The context a message would be rendered with, who would get it, and how it was built."""

    template: str
    context: dict[str, Any]
    recipients: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class _Today:
    session: Session
    settings: Settings
    definition: Definition
    partnership: Partnership
    today: date

    def timer(self, template: str) -> TimerDef | None:
        """The timer of the workflow that sends `template` (on time or when overdue)."""
        for state in self.definition.states.values():
            for timer in state.timers:
                if template in (timer.notify, timer.spec.get("overdue_notify")):
                    return timer
        return None

    def duration(self, template: str, key: str, default: str) -> timedelta:
        """A duration of the timer sending `template`, or `default` without one."""
        timer = self.timer(template)
        value = timer.spec.get(key, default) if timer is not None else default
        if isinstance(value, dict):  # per tier
            value = value.get(self.partnership.tier or "", value.get("default", default))
        return parse_duration(str(value))

    def review(self, kind: str, back: int = 0) -> tuple[str, date]:
        """The period and due day of the `kind` review due this month or year (`back` earlier)."""
        if kind == "annual":
            anchor = self.partnership.tier_assigned_on or self.partnership.created_at.date()
            due = add_years(anchor, self.today.year - anchor.year - back)
            # Labelled by the anniversary's year, as the daemon's reminder labels it.
            return Period(due.year).label, due
        month = Period(self.today.year, self.today.month).shifted(-back)
        timer = self.timer("monthly_review_due")
        on = timer.spec.get("on") if timer is not None else "first_working_day"
        if isinstance(on, int):
            last = calendar.monthrange(month.year, month.month or 1)[1]
            due = date(month.year, month.month or 1, min(on, last))
        else:
            due = first_working_day(month.year, month.month or 1)
        return month.label, due


def _business_case_reminder(t: _Today) -> dict[str, Any]:
    entered = t.partnership.state_entered_at.astimezone(t.settings.tz).date()
    due = entered + t.duration("business_case_reminder", "after", "14d")
    return build.business_case_reminder(t.session, t.partnership, due=due)


def _monthly_review_due(t: _Today) -> dict[str, Any]:
    period, due = t.review("monthly")
    return build.review_due(t.session, t.partnership, period=period, due=due)


def _annual_review_due(t: _Today) -> dict[str, Any]:
    period, due = t.review("annual")
    return build.review_due(t.session, t.partnership, period=period, due=due)


def _review_overdue(t: _Today) -> dict[str, Any]:
    timer = t.timer("review_overdue")
    kind = str(timer.spec.get("completed_by", "monthly")) if timer is not None else "monthly"
    period, due = t.review(kind, back=1)
    return build.review_overdue(
        t.partnership, review_kind=kind, period=period, due=due, today=t.today
    )


def _stale_engagement(t: _Today) -> dict[str, Any]:
    limit = t.duration("stale_engagement", "after", "60d")
    then = t.duration("stale_engagement", "then_after", "14d")
    return build.stale_engagement(
        t.session, t.partnership, today=t.today, limit_days=limit.days, escalate_on=t.today + then
    )


def _renewal_coming_up(t: _Today) -> dict[str, Any]:
    notice = t.duration("renewal_coming_up", "by", "90d")
    ends = t.partnership.commitment_end or t.today + notice
    return build.renewal_coming_up(t.partnership, term_ends=ends, due=ends - notice)


def _renewal_overdue(t: _Today) -> dict[str, Any]:
    ends = t.partnership.commitment_end or t.today
    return build.renewal_coming_up(t.partnership, term_ends=ends, due=ends)


def _transition(t: _Today, template: str) -> dict[str, Any]:
    p = t.partnership
    decision = t.session.scalars(
        select(CommitteeDecision)
        .filter_by(partnership_id=p.id)
        .order_by(CommitteeDecision.id.desc())
    ).first()
    audit = t.session.scalars(
        select(AuditEntry).filter_by(partnership_id=p.id).order_by(AuditEntry.id.desc())
    ).first()
    if template == "decision_made" and decision is not None:
        trigger, actor, data = decision.decision, decision.member, {"reason": decision.note or ""}
    else:
        trigger = next(
            (tr.trigger for tr in t.definition.transitions if template in _templates(tr.notify)),
            "",
        )
        actor = audit.actor if audit is not None else p.keyworker
        data = {"reason": (audit.comment or "") if audit is not None else ""}
    context = build.transition_context(
        t.session, p, today=t.today, trigger=trigger, actor=actor, data=data
    )
    if template == "committee_pack" and context["business_case"] is None:
        raise BadInput(
            f"partnership {p.id} has no business case yet; committee_pack is sent with one"
        )
    if template == "escalation":
        context["since"] = p.state_entered_at.astimezone(t.settings.tz).date().isoformat()
    return context


def _templates(notify: Iterable[NotifyDef]) -> set[str]:
    return {n.template for n in notify}


# One per reminder (notify.digest.REMINDERS); a test checks the two lists agree.
REMINDER_BUILDERS: dict[str, Callable[[_Today], dict[str, Any]]] = {
    "business_case_reminder": _business_case_reminder,
    "monthly_review_due": _monthly_review_due,
    "annual_review_due": _annual_review_due,
    "review_overdue": _review_overdue,
    "stale_engagement": _stale_engagement,
    "renewal_coming_up": _renewal_coming_up,
    "renewal_overdue": _renewal_overdue,
    "committee_pack": lambda t: _transition(t, "committee_pack"),
}


def preview(
    session: Session,
    settings: Settings,
    renderer: TemplateRenderer,
    definition: Definition | None,
    template: str,
    partnership_id: int | None,
    now: datetime,
) -> Preview:
    """The context and recipients of `template` for the partnership, as if sent at `now`.

    `definition` is the partnership's workflow version (None only for `monthly_report`).
    """
    if template not in renderer.known_templates():
        known = ", ".join(sorted(renderer.known_templates()))
        raise NotFound(f"no template {template!r}; known: {known}")
    if template in NO_PARTNERSHIP or template not in sample_contexts():
        if template in NO_PARTNERSHIP:
            note = f"{template} is not about one partnership: shown with its sample data"
            recipients = resolve(settings, ["cemt"], None)
        else:
            note = f"{template} is not sent by ceop-workflow itself: shown with sample data"
            recipients = []
        return Preview(template, sample_contexts()[template][0], tuple(recipients), note)
    if partnership_id is None:
        raise BadInput(f"{template} is about a partnership: give --partnership ID")
    p = session.get(Partnership, partnership_id)
    if p is None:
        raise NotFound(f"no partnership {partnership_id}")
    if definition is None:
        raise BadInput(f"the workflow of partnership {partnership_id} is needed for a preview")
    t = _Today(session, settings, definition, p, now.astimezone(settings.tz).date())
    if template == DIGEST_TEMPLATE:
        return _digest(t, renderer)
    if template in CONTACT_ROLES:
        return _contact_notice(t, template)
    context = REMINDER_BUILDERS[template](t) if template in REMINDERS else _transition(t, template)
    # The link the sender would put in: the page where this message's reader acts.
    context["link"] = link_for_template(settings, template, p.id)
    return Preview(template, context, tuple(resolve(settings, _roles(t, template), p)))


def _contact_notice(t: _Today, template: str) -> Preview:
    """A contact notice for the partnership's latest contact (a sample one if it has none)."""
    p = t.partnership
    contact = t.session.scalars(
        select(Contact)
        .filter_by(partnership_id=p.id)
        .order_by(Contact.at.desc(), Contact.id.desc())
    ).first()
    note = ""
    if contact is None:
        moment = datetime.combine(t.today, time(12, 0), tzinfo=t.settings.tz)
        contact = Contact(partnership_id=p.id, kind=template, by="someone@ceop.example", at=moment)
        note = "the partnership has no contact logged yet: shown with a sample one"
    context = contact_context(t.settings, p, contact)
    recipients = tuple(resolve(t.settings, CONTACT_ROLES[template], p))
    return Preview(template, context, recipients, note)


def _roles(t: _Today, template: str) -> list[str]:
    roles: list[str] = []
    for transition in t.definition.transitions:
        for notice in transition.notify:
            if notice.template == template:
                roles += notice.to
    for state in t.definition.states.values():
        for timer in state.timers:
            if timer.notify == template:
                roles += timer.to
            if timer.spec.get("overdue_notify") == template:
                roles += list(timer.spec.get("overdue_to", []))
    return list(dict.fromkeys(roles))


def _digest(t: _Today, renderer: TemplateRenderer) -> Preview:
    items = []
    for template in sorted(REMINDERS):
        if template in renderer.known_templates():
            try:
                context = REMINDER_BUILDERS[template](t)
            except BadInput:
                continue  # e.g. no business case yet: no committee pack to show
            context["link"] = link_for_template(t.settings, template, t.partnership.id)
            items.append(digest_item(renderer, template, context, t.today))
    keyworker = t.partnership.keyworker.lower()
    context = {
        "recipient": keyworker,
        "date": t.today.isoformat(),
        "link": "",
        "items": items,
    }
    note = "every reminder of this partnership, as one digest for its keyworker"
    return Preview(DIGEST_TEMPLATE, context, (keyworker,), note)
