"""Difficult interactions open a case for the Partnerships Team (strategy section 6), and the
keyworker hears of contacts others log with their partner: emails, worklist and audit trail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from ceop_workflow.app.worklist import Worklist
from ceop_workflow.errors import NotPermitted, Refused
from ceop_workflow.store.models import OutboxMessage
from ceop_workflow.strategy.cases import Cases
from tests.lifecycle import (
    HEAD,
    KEYWORKER,
    MEMBER_A,
    OUTSIDER,
    TEAM,
    TO_COMMITTEE,
    Step,
    new_partnership,
    walk,
)
from tests.support import Core

Build = Callable[..., Core]
COLLEAGUE = "alex.staff@ceop.example"
ACTIVE = [
    *TO_COMMITTEE,
    Step("approve", MEMBER_A, "tier_assignment"),
    Step("assign_tier", TEAM, "active", {"tier": "Associate", "start": "2026-02-01"}),
]


def _active(core: Core, name: str) -> int:
    pid = new_partnership(core.service, name)
    walk(core.service, pid, ACTIVE)
    return pid


def _mail(core: Core, pid: int) -> list[tuple[str, list[str]]]:
    with core.database.reading() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .filter_by(partnership_id=pid)
            .where(OutboxMessage.template.in_(["difficult_interaction", "contact_logged"]))
            .order_by(OutboxMessage.id)
        ).all()
        return [(r.template, list(r.recipients)) for r in rows]


def _case_duties(core: Core, pid: int) -> list[str]:
    mine = Worklist(core.service).mine(KEYWORKER)
    return [d.name for p in mine if p.id == pid for d in p.duties if d.status == "case"]


def _case_trail(core: Core, pid: int) -> list[tuple[str, str, str | None]]:
    return [
        (h.trigger, h.actor, h.comment)
        for h in core.service.history(pid)
        if h.trigger.startswith("case_")
    ]


def test_a_difficult_interaction_opens_a_case_until_it_is_resolved(build: Build) -> None:
    core = build()
    pid = _active(core, "Example Mobile")
    cases = Cases(core.settings, core.database, core.clock)
    assert _case_duties(core, pid) == []

    core.clock.advance_to(core.clock.now() + timedelta(days=1))
    core.records.log_contact(pid, "difficult_interaction", COLLEAGUE, "Angry about the embargo")
    # One email, to the Partnerships Team and the keyworker; the keyworker gets no second one.
    assert _mail(core, pid) == [
        ("difficult_interaction", ["kelly.burke@ceop.example", TEAM, KEYWORKER]),
    ]
    assert [c.partnership for c in cases.open_cases()] == [pid]
    assert _case_duties(core, pid) == ["difficult interaction"]

    # Only those who manage the partnership resolve it; a case that is not open cannot be.
    with pytest.raises(NotPermitted):
        cases.resolve(pid, OUTSIDER, "nothing")
    core.clock.advance_to(core.clock.now() + timedelta(days=2))
    cases.resolve(pid, HEAD, "Apologised; embargo explained")
    assert cases.open_cases() == []
    assert _case_duties(core, pid) == []
    with pytest.raises(Refused, match="no open difficult-interaction case") as caught:
        cases.resolve(pid, HEAD, "again")
    assert caught.value.exit_code == 3

    assert _case_trail(core, pid) == [
        ("case_opened", COLLEAGUE, "Angry about the embargo"),
        ("case_resolved", HEAD, "Apologised; embargo explained"),
    ]
    assert core.service.show(pid).state == "active"


def test_an_escalation_closes_the_case(build: Build) -> None:
    core = build()
    pid = _active(core, "Example Search")
    core.records.log_contact(pid, "difficult_interaction", KEYWORKER, "Threatened to walk out")
    walk(core.service, pid, [Step("escalate", KEYWORKER, "escalated", {"reason": "no way on"})])
    assert Cases(core.settings, core.database, core.clock).open_cases() == []
    assert _case_trail(core, pid) == [
        ("case_opened", KEYWORKER, "Threatened to walk out"),
        ("case_escalated", KEYWORKER, "no way on"),
    ]


def test_the_keyworker_hears_of_contacts_others_log(build: Build) -> None:
    core = build()
    pid = _active(core, "Example Games")
    own = core.records.log_contact(pid, "meeting", KEYWORKER, "Quarterly catch-up")
    assert _mail(core, pid) == []
    core.records.log_contact(pid, "event", COLLEAGUE, "Met them at a conference")
    assert _mail(core, pid) == [("contact_logged", [KEYWORKER])]
    assert own > 0
