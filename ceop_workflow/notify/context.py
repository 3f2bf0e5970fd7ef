"""Template contexts: plain dicts built from rows, never rows themselves (the sandbox allows
calling public methods of whatever it is given).

One builder per message, each taking the facts only its sender knows (a due date, a period)
and reading the rest from the store, so that the senders (transition notices, the daemon's
timers) and `notifications preview` build the very same context. The keys are documented in
`notifications/README.md`; `notify.samples` holds an example of each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ceop_workflow.engine.cadence import financial_year_label
from ceop_workflow.engine.tiers import tier_label
from ceop_workflow.store.models import BusinessCase, Contact, Objective, Partnership
from ceop_workflow.strategy.register import live_targets

# How long the committee is given to decide on a business case, as said in the committee pack.
COMMITTEE_DECISION_DAYS = 14
# The sections of a Brief Business Case a reminder lists when they are still empty.
BUSINESS_CASE_SECTIONS = ("title", "objectives", "benefits", "resources")


def partnership_context(p: Partnership) -> dict[str, Any]:
    """The `partnership` variable every template receives."""
    return {
        "id": p.id,
        "partner": p.partner.name,
        "tier": tier_label(p.tier, p.tier_kind),
        "tier_kind": p.tier_kind or "",
        "state": p.state,
        "keyworker": p.keyworker,
        "manager": p.manager or "",
        "workflow": p.workflow,
        "commitment_end": p.commitment_end.isoformat() if p.commitment_end else "",
    }


# Built once: every transition that sends a notice reads it.
_LATEST_CASE = (
    select(BusinessCase)
    .where(BusinessCase.partnership_id == bindparam("partnership_id"))
    .order_by(BusinessCase.id.desc())
    .limit(1)
)


def latest_business_case(session: Session, p: Partnership) -> BusinessCase | None:
    """The newest Brief Business Case of the partnership, if any."""
    return session.scalars(_LATEST_CASE, {"partnership_id": p.id}).first()


def business_case_context(
    case: BusinessCase | None, titles: Mapping[str, str] | None = None
) -> dict[str, Any] | None:
    """The `business_case` variable of the committee pack, or None without a case.

    `targets` pairs each cited key with its title in the Business Plan register (`titles`;
    "" for a key the register does not hold, as before the register was in use).
    """
    if case is None:
        return None
    titles = titles or {}
    return {
        "title": case.title,
        "objectives": list(case.objectives),
        "targets": [{"key": k, "title": titles.get(k, "")} for k in case.objectives],
        "benefits": case.benefits or "",
        "resources": case.resources or "",
        "author": case.author,
    }


def transition_context(
    session: Session,
    p: Partnership,
    *,
    today: date,
    trigger: str,
    actor: str,
    data: Mapping[str, Any],
    link: str = "",
) -> dict[str, Any]:
    """The context of the messages a transition sends: committee pack, decision, escalation."""
    note = data.get("reason") or data.get("minutes") or ""
    return {
        "partnership": partnership_context(p),
        "link": link,
        "due": (today + timedelta(days=COMMITTEE_DECISION_DAYS)).isoformat(),
        "since": today.isoformat(),
        "reason": str(data.get("reason") or ""),
        "decision": {"decision": trigger, "member": actor, "note": str(note)},
        "business_case": business_case_context(
            latest_business_case(session, p),
            live_targets(session, financial_year_label(today)).titles,
        ),
    }


def objectives_of(session: Session, p: Partnership) -> list[str]:
    """What the partnership is for: its objectives, else those of its latest business case."""
    names = session.scalars(
        select(Objective.name).filter_by(partnership_id=p.id).order_by(Objective.id)
    ).all()
    if names:
        return list(names)
    case = latest_business_case(session, p)
    return list(case.objectives) if case is not None else []


def objectives_of_many(session: Session, partnership_ids: Sequence[int]) -> dict[int, list[str]]:
    """`objectives_of` for several partnerships, in two queries whatever their number."""
    found: dict[int, list[str]] = {pid: [] for pid in partnership_ids}
    for pid, name in session.execute(
        select(Objective.partnership_id, Objective.name)
        .where(Objective.partnership_id.in_(list(found)))
        .order_by(Objective.id)
    ):
        found[pid].append(name)
    without = [pid for pid, names in found.items() if not names]
    if without:
        # Oldest first, so the newest case of each partnership is the one left in the dict.
        for pid, objectives in session.execute(
            select(BusinessCase.partnership_id, BusinessCase.objectives)
            .where(BusinessCase.partnership_id.in_(without))
            .order_by(BusinessCase.id)
        ):
            found[pid] = list(objectives)
    return found


def last_contact_on(session: Session, p: Partnership) -> date | None:
    """The day (UTC) of the newest contact logged for the partnership, if any."""
    at = session.scalar(select(func.max(Contact.at)).filter_by(partnership_id=p.id))
    return at.date() if at is not None else None


def business_case_reminder(
    session: Session, p: Partnership, *, due: date, link: str = ""
) -> dict[str, Any]:
    """`business_case_reminder`: the sections of the latest business case still empty."""
    case = latest_business_case(session, p)
    if case is None:
        missing = list(BUSINESS_CASE_SECTIONS)
    else:
        filled = {
            "title": case.title,
            "objectives": case.objectives,
            "benefits": case.benefits,
            "resources": case.resources,
        }
        missing = [section for section in BUSINESS_CASE_SECTIONS if not filled[section]]
    return {
        "partnership": partnership_context(p),
        "link": link,
        "due": due.isoformat(),
        "missing": missing,
    }


def review_due(
    session: Session,
    p: Partnership,
    *,
    period: str,
    due: date,
    link: str = "",
    objectives: Sequence[str] | None = None,
) -> dict[str, Any]:
    """`monthly_review_due` and `annual_review_due`: the period and the objectives to review.

    `objectives`: what `objectives_of` says, when the caller read it already (a sweep reads it
    for a whole batch of partnerships at once).
    """
    return {
        "partnership": partnership_context(p),
        "link": link,
        "period": period,
        "due": due.isoformat(),
        "objectives": list(objectives) if objectives is not None else objectives_of(session, p),
    }


def review_overdue(
    p: Partnership, *, review_kind: str, period: str, due: date, today: date, link: str = ""
) -> dict[str, Any]:
    """`review_overdue`: which review, for which period, and how late it is."""
    return {
        "partnership": partnership_context(p),
        "link": link,
        "review_kind": review_kind,
        "period": period,
        "due": due.isoformat(),
        "days_overdue": max((today - due).days, 0),
    }


def stale_engagement(
    session: Session,
    p: Partnership,
    *,
    today: date,
    limit_days: int,
    escalate_on: date,
    link: str = "",
) -> dict[str, Any]:
    """`stale_engagement`: the last contact logged and how long ago it was."""
    last = last_contact_on(session, p)
    since = last if last is not None else p.created_at.date()
    return {
        "partnership": partnership_context(p),
        "link": link,
        "last_contact": last.isoformat() if last is not None else "",
        "days_idle": max((today - since).days, 0),
        "limit_days": limit_days,
        "escalate_on": escalate_on.isoformat(),
    }


def renewal_coming_up(
    p: Partnership, *, term_ends: date, due: date, link: str = ""
) -> dict[str, Any]:
    """`renewal_coming_up`: when the term ends and when to decide on a renewal."""
    return {
        "partnership": partnership_context(p),
        "link": link,
        "term_ends": term_ends.isoformat(),
        "due": due.isoformat(),
    }
