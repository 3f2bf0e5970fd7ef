"""What a scenario step expects, checked against what the real code did.

Each check is one line for people: what was expected and, when it fails, what happened
instead. Duties and emails are compared as whole lists (in any order), so a duty or a message
nobody expected fails the step too: that is how a flood of reminders shows up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ceop_workflow.app.service import Service
from ceop_workflow.notify.outbox import OutboxEntry
from ceop_workflow.scenarios.spec import DutyExpected, EmailExpected, Step
from ceop_workflow.scheduling.status import PendingDuty, pending_duties


@dataclass(frozen=True)
class Check:
    """One expectation of one step and whether it held."""

    passed: bool
    what: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}  {self.what}" + (
            f": {self.detail}" if self.detail else ""
        )


def check_step(
    service: Service,
    step: Step,
    ids: Mapping[str, int],
    refusal: str | None,
    queued: Sequence[OutboxEntry],
) -> list[Check]:
    """Every check of a step, in the order of the file's `expect` table."""
    tz = service.settings.tz
    expect = step.expect
    checks = [_refusal(step, refusal)] if step.do != "wait" or expect.refused else []
    for label, state in expect.states.items():
        actual = service.show(ids[label]).state
        checks.append(
            Check(True, f"state of {label} is {state!r}")
            if actual == state
            else Check(False, f"state of {label}", f"expected {state!r}, got {actual!r}")
        )
    for label, duties in expect.duties.items():
        pending = pending_duties(service.db, ids[label])
        checks.append(_duties(label, duties, pending, tz))
    if expect.emails is not None:
        checks.append(_emails(expect.emails, queued, ids))
    return checks


def _refusal(step: Step, refusal: str | None) -> Check:
    wanted = step.expect.refused
    if not wanted:
        if refusal is None:
            return Check(True, f"{step.do} done")
        return Check(False, f"{step.do} done", f"refused: {refusal}")
    words = wanted if isinstance(wanted, str) else ""
    what = "refused" + (f" with {words!r}" if words else "")
    if refusal is None:
        return Check(False, what, "it was not refused")
    if words.lower() not in refusal.lower():
        return Check(False, what, f"refused with another reason: {refusal}")
    return Check(True, what, refusal)


def _local(moment: datetime, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%Y-%m-%d %H:%M}"


def _duties(
    label: str, expected: Sequence[DutyExpected], pending: list[PendingDuty], tz: ZoneInfo
) -> Check:
    left = list(pending)
    missing = []
    for duty in expected:
        match = next(
            (
                p
                for p in left
                if p.name == duty.name
                and (duty.kind is None or p.kind == duty.kind)
                and (duty.due is None or p.due_at == duty.due)
            ),
            None,
        )
        if match is None:
            missing.append(duty)
        else:
            left.remove(match)
    what = f"duties of {label}: " + (
        ", ".join(_describe(d.name, d.kind, d.due, tz) for d in expected) or "none"
    )
    if not missing and not left:
        return Check(True, what)
    actual = ", ".join(_describe(p.name, p.kind, p.due_at, tz) for p in pending) or "none"
    return Check(False, f"duties of {label}", f"expected {what.split(': ', 1)[1]}; got {actual}")


def _describe(name: str, kind: str | None, due: datetime | None, tz: ZoneInfo) -> str:
    return name + (f" ({kind})" if kind else "") + (f" due {_local(due, tz)}" if due else "")


def _emails(
    expected: Sequence[EmailExpected], queued: Sequence[OutboxEntry], ids: Mapping[str, int]
) -> Check:
    left = list(queued)
    missing = []
    for email in expected:
        match = next(
            (
                q
                for q in left
                if q.template == email.template
                and (email.to is None or tuple(sorted(r.lower() for r in q.recipients)) == email.to)
                and (email.partnership is None or q.partnership_id == ids[email.partnership])
            ),
            None,
        )
        if match is None:
            missing.append(email)
        else:
            left.remove(match)
    wanted = ", ".join(_mail(e.template, e.to) for e in expected) or "none"
    if not missing and not left:
        return Check(True, f"emails queued: {wanted}")
    actual = ", ".join(_mail(q.template, q.recipients) for q in reversed(queued))
    return Check(False, "emails queued", f"expected {wanted}; got {actual or 'none'}")


def _mail(template: str, to: Sequence[str] | None) -> str:
    return template + (f" to {', '.join(to)}" if to else "")
