"""The default lifecycle through the service, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from ceop_workflow.app.service import FireRequest
from ceop_workflow.errors import GuardFailed, NotAllowed, Refused
from tests.lifecycle import (
    HEAD,
    KEYWORKER,
    MAIN_WALK,
    MEMBER_A,
    MEMBER_B,
    TEAM,
    TO_COMMITTEE,
    Step,
    fire,
    new_partnership,
    walk,
)
from tests.support import T0, Core, db_snapshot

Build = Callable[..., Core]


def test_the_main_walk_from_lead_to_ended(build: Build) -> None:
    core = build(committee__quorum=2)
    pid = new_partnership(core.service)
    moments = []
    for index, step in enumerate(MAIN_WALK, start=1):
        core.clock.advance_to(T0 + timedelta(days=index))
        moments.append(core.clock.now())
        result = fire(core.service, pid, step)
        assert result.state == step.dest, step
        assert result.version == 1 + index, "every firing bumps the version by one"

    shown = core.service.show(pid)
    assert shown.state == "ended"
    assert (shown.tier, shown.tier_kind) == ("strategic_partner", None)
    assert (shown.commitment_start, shown.commitment_end) == ("2027-02-01", "2030-02-01")
    assert shown.objectives == (
        "Business Plan objective 2: train 500 teachers",
        "Target 4: reach 1m children",
    )
    assert shown.triggers == ()
    history = shown.history
    assert (history[0].trigger, history[0].source, history[0].dest) == ("create", "", "lead")
    assert [(h.trigger, h.actor, h.dest) for h in history[1:]] == [
        (s.trigger, s.actor, s.dest) for s in MAIN_WALK
    ]
    sources = ["lead"] + [s.dest for s in MAIN_WALK[:-1]]
    assert [h.source for h in history[1:]] == sources
    assert [h.at for h in history[1:]] == [m.isoformat() for m in moments]
    assert history[5].data | history[6].data == {
        "minutes": "first vote",
        "votes": 2,
        "quorum": 2,
    }
    assert history[5].data["votes"] == 1
    assert core.service.history(pid) == history


def test_a_vote_short_of_the_quorum_is_recorded_and_stays(build: Build) -> None:
    core = build(committee__quorum=2)
    pid = new_partnership(core.service)
    walk(core.service, pid, TO_COMMITTEE)
    first = fire(core.service, pid, Step("approve", MEMBER_A, "committee_review"))
    assert (first.moved, first.votes, first.quorum) == (False, 1, 2)
    assert first.state == "committee_review"
    second = fire(core.service, pid, Step("approve", MEMBER_B, "tier_assignment"))
    assert (second.moved, second.votes, second.source) == (
        True,
        2,
        "committee_review",
    )


@pytest.mark.parametrize("second", ["approve", "defer"])
def test_a_member_decides_once_per_round(build: Build, db_url: str, second: str) -> None:
    core = build(committee__quorum=2)
    pid = new_partnership(core.service)
    walk(core.service, pid, TO_COMMITTEE)
    fire(core.service, pid, Step("approve", MEMBER_A, "committee_review"))
    before = db_snapshot(db_url)
    with pytest.raises(Refused, match=r"paul\.lever@ceop\.example has already decided.*approve"):
        fire(
            core.service,
            pid,
            Step(second, MEMBER_A, "", {"reason": "again"} if second == "defer" else {}),
        )
    assert db_snapshot(db_url) == before


def test_a_new_round_after_a_deferral_counts_votes_afresh(build: Build) -> None:
    core = build(committee__quorum=2)
    pid = new_partnership(core.service)
    walk(core.service, pid, [*TO_COMMITTEE])
    fire(core.service, pid, Step("approve", MEMBER_A, "committee_review"))
    core.clock.advance_to(T0 + timedelta(hours=1))
    walk(core.service, pid, [Step("defer", MEMBER_B, "business_case", {"reason": "more"})])
    core.clock.advance_to(T0 + timedelta(hours=2))
    walk(core.service, pid, [TO_COMMITTEE[1]])
    # MEMBER_A's vote of the first round does not count; MEMBER_B may decide again.
    walk(core.service, pid, [Step("approve", MEMBER_B, "committee_review")])
    walk(core.service, pid, [Step("approve", MEMBER_A, "tier_assignment")])


def test_a_round_is_new_even_when_the_clock_has_not_moved(build: Build) -> None:
    # `--now` fixes the clock for a whole simulation: a deferral and a resubmission may happen
    # at the same instant, and the second round must not inherit the first one's decisions.
    core = build()
    pid = new_partnership(core.service)
    walk(core.service, pid, TO_COMMITTEE)
    walk(core.service, pid, [Step("defer", MEMBER_A, "business_case", {"reason": "more"})])
    walk(core.service, pid, [TO_COMMITTEE[1], Step("approve", MEMBER_A, "tier_assignment")])


def test_reject_declines_and_nothing_leaves_declined(build: Build) -> None:
    core = build()
    pid = new_partnership(core.service)
    walk(core.service, pid, [*TO_COMMITTEE, Step("reject", MEMBER_A, "declined", {"reason": "x"})])
    with pytest.raises(NotAllowed, match=r"allowed here: none \(the state is final\)"):
        fire(core.service, pid, Step("start_business_case", KEYWORKER, ""))


@pytest.mark.parametrize("steps_before", [0, 1])
def test_withdraw_from_lead_or_business_case(build: Build, steps_before: int) -> None:
    core = build()
    pid = new_partnership(core.service)
    walk(core.service, pid, MAIN_WALK[:steps_before])
    walk(core.service, pid, [Step("withdraw", TEAM, "ended", {"reason": "no capacity"})])


def test_an_escalation_may_end_in_termination(build: Build) -> None:
    core = build()
    pid = new_partnership(core.service)
    walk(core.service, pid, [*TO_COMMITTEE, Step("approve", MEMBER_A, "tier_assignment")])
    walk(
        core.service,
        pid,
        [
            Step("assign_tier", TEAM, "active", {"tier": "Contributor", "start": "2026-02-01"}),
            Step("escalate", KEYWORKER, "escalated"),
            Step("terminate", HEAD, "ended", {"reason": "reputational risk"}),
        ],
    )


def test_nobody_decides_on_a_business_case_they_wrote(build: Build, db_url: str) -> None:
    core = build()
    # A committee member who is also the keyworker writes the business case.
    pid = new_partnership(core.service, keyworker=MEMBER_A)
    walk(core.service, pid, [Step("start_business_case", MEMBER_A, "business_case")])
    walk(
        core.service,
        pid,
        [Step("submit_to_committee", MEMBER_A, "committee_review", TO_COMMITTEE[1].data)],
    )
    before = db_snapshot(db_url)
    with pytest.raises(GuardFailed, match=r"'not_own_business_case'.*wrote this business case"):
        fire(core.service, pid, Step("approve", MEMBER_A, ""))
    assert db_snapshot(db_url) == before
    walk(core.service, pid, [Step("approve", MEMBER_B, "tier_assignment")])


def _to_tier_assignment(core: Core, name: str, *, contractor: bool, cleared: bool) -> int:
    pid = new_partnership(core.service, name, contractor=contractor)
    walk(core.service, pid, TO_COMMITTEE)
    data = {"conflict_of_interest_cleared": "yes" if cleared else "no"}
    if cleared:
        data["clearance_reason"] = "no contract under tender with this partner"
    walk(core.service, pid, [Step("approve", MEMBER_A, "tier_assignment", data)])
    return pid


PARTNER_TERM = {"tier": "Partner", "kind": "specialist", "start": "2026-02-01", "end": "2027-02-01"}


def test_a_contractor_goes_beyond_contributor_only_when_cleared(build: Build) -> None:
    core = build()
    pid = _to_tier_assignment(core, "Uncleared Ltd", contractor=True, cleared=False)
    with pytest.raises(GuardFailed, match=r"'contractor_cleared'.*conflict-of-interest clearance"):
        fire(core.service, pid, Step("assign_tier", TEAM, "", PARTNER_TERM))
    walk(
        core.service,
        pid,
        [Step("assign_tier", TEAM, "active", {"tier": "Contributor", "start": "2026-02-01"})],
    )

    cleared = _to_tier_assignment(core, "Cleared Ltd", contractor=True, cleared=True)
    walk(core.service, cleared, [Step("assign_tier", TEAM, "active", PARTNER_TERM)])


def test_a_role_not_allowed_to_fire_is_refused_with_the_roles_that_may(build: Build) -> None:
    core = build()
    pid = new_partnership(core.service)
    walk(core.service, pid, TO_COMMITTEE)
    with pytest.raises(Refused, match="'approve' needs one of the roles committee"):
        core.service.fire(FireRequest(pid, "approve", TEAM))


def test_the_ambassador_path(build: Build) -> None:
    core = build()
    pid = new_partnership(core.service, "Jo Bloggs", workflow="ambassador", individual=True)
    assert core.service.show(pid).state == "nominated"
    case = {"title": "Jo as Ambassador", "objectives": "Target 4", "core_policing": "false"}
    term = {"tier": "Special Representative", "start": "2026-02-01"}
    walk(
        core.service,
        pid,
        [
            Step("submit_to_committee", KEYWORKER, "committee_review", case),
            Step("approve", MEMBER_A, "active", term),
            Step("step_down", KEYWORKER, "ended"),
        ],
    )
    assert core.service.show(pid).tier == "special_representative"
