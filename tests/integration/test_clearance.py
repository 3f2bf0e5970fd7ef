"""A conflict-of-interest clearance belongs to one decision (strategy section 6: partners and
SOCA contractors are kept distinct): the approval that leads to a tier above Contributor must
carry it, with who cleared it and why; a deferred round's clearance does not carry over, and a
renewal into such a tier needs a fresh one."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from ceop_workflow.errors import GuardFailed
from ceop_workflow.store.models import CommitteeDecision
from tests.lifecycle import HEAD, MEMBER_A, MEMBER_B, TEAM, TO_COMMITTEE, Step, fire, walk
from tests.lifecycle import new_partnership as new
from tests.support import Core

Build = Callable[..., Core]

CLEARED = {"conflict_of_interest_cleared": "yes", "clearance_reason": "no live tender with it"}
TERM = {"tier": "Partner", "kind": "industry", "start": "2026-02-01", "end": "2027-02-01"}
NEXT_TERM = {"tier": "Partner", "kind": "industry", "start": "2027-02-01", "end": "2028-02-01"}


def _refused(core: Core, pid: int, step: Step, message: str) -> None:
    with pytest.raises(GuardFailed, match=message) as caught:
        fire(core.service, pid, step)
    assert caught.value.exit_code == 3


def _deferred_with_clearance_then_approved(core: Core, name: str, approval: dict[str, str]) -> int:
    pid = new(core.service, name, contractor=True)
    walk(core.service, pid, TO_COMMITTEE)
    defer = {"reason": "more on the contract"} | CLEARED
    walk(core.service, pid, [Step("defer", MEMBER_A, "business_case", defer)])
    walk(
        core.service, pid, [TO_COMMITTEE[1], Step("approve", MEMBER_B, "tier_assignment", approval)]
    )
    return pid


def test_a_deferred_rounds_clearance_does_not_carry_over(build: Build) -> None:
    core = build()
    pid = _deferred_with_clearance_then_approved(core, "Juniper", {"minutes": "approved"})
    _refused(
        core,
        pid,
        Step("assign_tier", TEAM, "", TERM),
        r"guard 'contractor_cleared' failed: Juniper is a contractor: .* recorded in the "
        r"committee's decision that approved it \(a clearance from an earlier round does not",
    )
    # Contributor is as far as an uncleared contractor goes.
    walk(
        core.service,
        pid,
        [Step("assign_tier", TEAM, "active", {"tier": "Contributor", "start": "2026-02-01"})],
    )


def test_a_clearance_in_the_approving_decision_allows_the_tier(build: Build) -> None:
    core = build()
    pid = _deferred_with_clearance_then_approved(core, "Data Integration", CLEARED)
    walk(core.service, pid, [Step("assign_tier", TEAM, "active", TERM)])
    with core.database.reading() as session:
        decisions = session.scalars(
            select(CommitteeDecision).filter_by(partnership_id=pid).order_by(CommitteeDecision.id)
        ).all()
        # Who cleared it and why, on each decision that carried a clearance.
        assert [(d.decision, d.member, d.clearance_reason) for d in decisions] == [
            ("defer", MEMBER_A, "no live tender with it"),
            ("approve", MEMBER_B, "no live tender with it"),
        ]


def test_a_clearance_says_why(build: Build) -> None:
    core = build()
    pid = new(core.service, "Contrapositive", contractor=True)
    walk(core.service, pid, TO_COMMITTEE)
    _refused(
        core,
        pid,
        Step("approve", MEMBER_A, "", {"conflict_of_interest_cleared": "yes"}),
        r"guard 'clearance_explained' failed: .* give clearance_reason",
    )


def test_a_renewal_into_a_tier_above_contributor_needs_a_fresh_clearance(build: Build) -> None:
    core = build()
    pid = _deferred_with_clearance_then_approved(core, "SwapitNow", CLEARED)
    walk(core.service, pid, [Step("assign_tier", TEAM, "active", TERM)])
    walk(core.service, pid, [Step("start_renewal", HEAD, "renewal")])
    _refused(
        core,
        pid,
        Step("renew", HEAD, "", NEXT_TERM),
        r"guard 'contractor_cleared' failed: SwapitNow is a contractor: a new term beyond "
        r"Contributor needs a fresh conflict-of-interest clearance in this decision",
    )
    walk(core.service, pid, [Step("renew", HEAD, "active", NEXT_TERM | CLEARED)])
    history = core.service.history(pid)
    renewal = history[-1]
    assert (renewal.trigger, renewal.actor) == ("renew", HEAD)
    assert renewal.data["clearance_reason"] == "no live tender with it"
