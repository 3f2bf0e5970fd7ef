"""The engine without a database: refusals, the strategy's guards, and no state per partnership."""

from __future__ import annotations

import gc
import tracemalloc
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from ceop_workflow.engine.context import (
    BusinessCaseView,
    FireContext,
    KnownRecord,
    PartnershipView,
)
from ceop_workflow.engine.definitions import Definition, Vocabulary, load_file
from ceop_workflow.engine.fields import parse_data
from ceop_workflow.engine.machine import WorkflowMachine
from ceop_workflow.engine.rules import DEFAULT_REGISTRY
from ceop_workflow.errors import GuardFailed, MissingData, NotAllowed, NotPermitted, UnknownTrigger
from tests.support import WORKFLOWS

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ACME = PartnershipView(
    id=1,
    partner="Acme Ltd",
    individual=False,
    contractor=False,
    workflow="partnership",
    state="tier_assignment",
    tier=None,
    tier_kind=None,
    keyworker="kw@ceop.example",
    manager=None,
    commitment_start=None,
    commitment_end=None,
)
JO = replace(ACME, partner="Jo Bloggs", individual=True, workflow="ambassador")


@pytest.fixture(scope="module")
def partnership() -> WorkflowMachine:
    return WorkflowMachine(_definition("partnership"), DEFAULT_REGISTRY)


def _definition(name: str) -> Definition:
    return load_file(WORKFLOWS / f"{name}.toml", Vocabulary(DEFAULT_REGISTRY))


def context(
    machine: WorkflowMachine,
    trigger: str,
    data: dict[str, str],
    *,
    partnership: PartnershipView = ACME,
    actor: str = "team@ceop.example",
    **extra: Any,
) -> FireContext:
    """A context as the service builds it, with `data` parsed the way the CLI's would be."""
    transition = machine.definition.transition(trigger, partnership.state)
    assert transition is not None
    values = parse_data(
        {k: [v] for k, v in data.items()}, transition.requires, transition.optional, trigger
    )
    return FireContext(
        partnership=partnership,
        trigger=trigger,
        actor=actor,
        role="partnerships_team",
        data=values,
        now=NOW,
        today=NOW.date(),
        quorum=1,
        **extra,
    )


def refusal(machine: WorkflowMachine, ctx: FireContext) -> tuple[str, str]:
    with pytest.raises(GuardFailed) as caught:
        machine.fire(ctx)
    assert str(caught.value) == f"guard {caught.value.guard!r} failed: {caught.value.reason}"
    return caught.value.guard, caught.value.reason


# -- refusals before any guard -----------------------------------------------------------------


def test_an_unknown_trigger_lists_the_workflows_triggers(partnership: WorkflowMachine) -> None:
    with pytest.raises(UnknownTrigger, match="unknown trigger 'aprove' in workflow 'partnership'"):
        partnership.check("aprove", "committee_review", None, frozenset({"committee"}))
    with pytest.raises(UnknownTrigger, match="its triggers are: approve, assign_tier, defer"):
        partnership.check("aprove", "committee_review", None, frozenset({"committee"}))


def test_a_trigger_not_allowed_here_lists_the_allowed_ones(partnership: WorkflowMachine) -> None:
    with pytest.raises(NotAllowed) as caught:
        partnership.check("approve", "lead", None, frozenset({"committee"}))
    assert str(caught.value) == (
        "trigger 'approve' is not allowed from state 'lead'; "
        "allowed here: start_business_case, withdraw"
    )
    assert caught.value.allowed == ["start_business_case", "withdraw"]


@pytest.mark.parametrize(
    ("role", "held", "message"),
    [
        (None, {"staff"}, "'approve' needs one of the roles committee"),
        ("committee", {"staff"}, "the actor does not hold the role 'committee'"),
        ("staff", {"staff", "committee"}, "role 'staff' may not fire 'approve'; committee may"),
    ],
)
def test_a_role_that_may_not_fire_is_refused(
    partnership: WorkflowMachine, role: str | None, held: set[str], message: str
) -> None:
    with pytest.raises(NotPermitted, match=message):
        partnership.check("approve", "committee_review", role, frozenset(held))


def test_without_a_role_the_first_one_held_is_used(partnership: WorkflowMachine) -> None:
    transition, role = partnership.check(
        "start_business_case", "lead", None, frozenset({"staff", "partnerships_team"})
    )
    assert (transition.dest, role) == ("business_case", "partnerships_team")


# -- the strategy's guards ---------------------------------------------------------------------

CASE = {"title": "Safer schools", "core_policing": "no"}


def test_a_business_case_is_not_core_policing(partnership: WorkflowMachine) -> None:
    data = CASE | {"core_policing": "yes", "objectives": "Target 4"}
    ctx = context(partnership, "submit_to_committee", data, partnership=_at("business_case"))
    assert refusal(partnership, ctx) == (
        "not_core_policing",
        "partnerships exclude core policing functions",
    )


def test_an_empty_list_of_objectives_is_refused_as_data(partnership: WorkflowMachine) -> None:
    data = CASE | {"objectives": " ; "}
    with pytest.raises(MissingData, match=r"objectives=' ; ': expected at least one item"):
        context(partnership, "submit_to_committee", data, partnership=_at("business_case"))


def test_a_business_case_without_objectives_fails_its_guard(partnership: WorkflowMachine) -> None:
    ctx = context(
        partnership,
        "submit_to_committee",
        CASE | {"objectives": "Target 4"},
        partnership=_at("business_case"),
    )
    ctx.data["objectives"] = []
    assert refusal(partnership, ctx) == (
        "names_business_plan_objective",
        "the business case names no Business Plan objective or target",
    )


def _at(state: str, **changes: Any) -> PartnershipView:
    return replace(ACME, state=state, **changes)


def _case(author: str) -> BusinessCaseView:
    return BusinessCaseView("Safer schools", ("Target 4",), False, author)


def test_nobody_approves_their_own_business_case(partnership: WorkflowMachine) -> None:
    member = "paul.lever@ceop.example"
    review = _at("committee_review")
    own = context(
        partnership,
        "approve",
        {},
        partnership=review,
        actor=member,
        record=KnownRecord(_case(member)),
    )
    assert refusal(partnership, own) == (
        "not_own_business_case",
        f"{member} wrote this business case and cannot decide on it",
    )
    capitals = context(
        partnership,
        "approve",
        {},
        partnership=review,
        actor=member,
        record=KnownRecord(_case(member.upper())),
    )
    assert refusal(partnership, capitals)[0] == "not_own_business_case"
    missing = context(partnership, "approve", {}, partnership=review, actor=member)
    assert refusal(partnership, missing) == (
        "not_own_business_case",
        "there is no business case to decide on",
    )
    other = context(
        partnership,
        "approve",
        {},
        partnership=review,
        actor=member,
        record=KnownRecord(_case("kw@x.org")),
    )
    assert partnership.fire(other).dest == "tier_assignment"


TERMS_REFUSED = [
    (
        {"tier": "Strategic Partner", "start": "2026-02-01", "end": "2029-01-31"},
        "commitment_fits_tier",
        "a Strategic Partner commits for 3 years: end on or after 2029-02-01",
    ),
    (
        {"tier": "Strategic Partner", "start": "2026-02-01"},
        "commitment_fits_tier",
        "a Strategic Partner commits for 3 years: end on or after 2029-02-01",
    ),
    (
        {"tier": "Partner", "kind": "government", "start": "2026-02-01", "end": "2027-01-31"},
        "commitment_fits_tier",
        "a Partner commits for at least 1 year: end on or after 2027-02-01",
    ),
    (
        {"tier": "Partner", "kind": "government", "start": "2026-02-01"},
        "commitment_fits_tier",
        "a Partner commits for at least 1 year: end on or after 2027-02-01",
    ),
    (
        {"tier": "Contributor", "start": "2026-02-01", "end": "2027-02-01"},
        "commitment_fits_tier",
        "a Contributor makes no formal commitment: give no end date",
    ),
    (
        {"tier": "Associate", "start": "2026-02-01", "end": "2026-01-01"},
        "commitment_fits_tier",
        "the commitment ends (2026-01-01) before it starts (2026-02-01)",
    ),
    (
        {"tier": "Partner", "start": "2026-02-01", "end": "2027-02-01"},
        "tier_kind_fits_tier",
        "a Partner needs a kind: specialist, industry or government",
    ),
    (
        {"tier": "Associate", "kind": "industry", "start": "2026-02-01"},
        "tier_kind_fits_tier",
        "only a Partner has a kind; a Associate does not",
    ),
    (
        {"tier": "Ambassador", "start": "2026-02-01"},
        "tier_fits_partner",
        "Acme Ltd is an organisation and cannot be a Ambassador",
    ),
]


@pytest.mark.parametrize(("data", "guard", "reason"), TERMS_REFUSED)
def test_a_tier_and_its_term_follow_the_strategy(
    partnership: WorkflowMachine, data: dict[str, str], guard: str, reason: str
) -> None:
    assert refusal(partnership, context(partnership, "assign_tier", data)) == (guard, reason)


@pytest.mark.parametrize(
    "data",
    [
        {"tier": "Strategic Partner", "start": "2026-02-01", "end": "2029-02-01"},
        {"tier": "Strategic Partner", "start": "2028-02-29", "end": "2031-02-28"},
        {"tier": "Partner", "kind": "Specialist", "start": "2026-02-01", "end": "2027-02-01"},
        {"tier": "Partner", "kind": "industry", "start": "2026-02-01", "end": "2030-06-30"},
        {"tier": "associate", "start": "2026-02-01"},
        {"tier": "Contributor", "start": "2026-02-01"},
    ],
)
def test_terms_that_follow_the_strategy_pass_and_set_the_tier(
    partnership: WorkflowMachine, data: dict[str, str]
) -> None:
    ctx = context(partnership, "assign_tier", data)
    outcome = partnership.fire(ctx)
    assert (outcome.moved, outcome.dest) == (True, "active")
    [effect] = ctx.effects
    assert effect.kind == "partnership"
    assert effect.fields["commitment_start"] == date.fromisoformat(data["start"])
    assert effect.fields["tier_assigned_on"] == NOW.date()


@pytest.mark.parametrize(
    ("tier", "cleared", "guard"),
    [
        ("Partner", False, "contractor_cleared"),
        ("Associate", False, "contractor_cleared"),
        ("Contributor", False, None),
        ("Partner", True, None),
    ],
)
def test_a_contractor_goes_beyond_contributor_only_with_clearance(
    partnership: WorkflowMachine, tier: str, cleared: bool, guard: str | None
) -> None:
    data = {"tier": tier, "start": "2026-02-01"}
    if tier == "Partner":
        data |= {"kind": "industry", "end": "2027-02-01"}
    ctx = context(
        partnership,
        "assign_tier",
        data,
        partnership=replace(ACME, contractor=True),
        record=KnownRecord(cleared=cleared),
    )
    if guard is None:
        assert partnership.fire(ctx).dest == "active"
    else:
        assert refusal(partnership, ctx) == (
            guard,
            "Acme Ltd is a contractor: beyond Contributor it needs a conflict-of-interest "
            "clearance recorded in the committee's decision that approved it (a clearance from "
            "an earlier round does not carry over)",
        )


def test_an_individual_serves_as_ambassador_or_special_representative() -> None:
    ambassador = WorkflowMachine(_definition("ambassador"), DEFAULT_REGISTRY)
    review = replace(JO, state="committee_review")
    common = {"actor": "paul.lever@ceop.example", "record": KnownRecord(_case("kw@ceop.example"))}
    as_partner = context(
        ambassador,
        "approve",
        {"tier": "Associate", "start": "2026-02-01"},
        partnership=review,
        **common,
    )
    assert refusal(ambassador, as_partner) == (
        "tier_fits_partner",
        "Jo Bloggs is an individual: Ambassador or Special Representative",
    )
    as_ambassador = context(
        ambassador,
        "approve",
        {"tier": "ambassador", "start": "2026-02-01"},
        partnership=review,
        **common,
    )
    assert ambassador.fire(as_ambassador).dest == "active"


def test_the_first_failing_guard_is_the_one_reported(partnership: WorkflowMachine) -> None:
    # Ambassador for an organisation also has no end date problem; tier_fits_partner comes first.
    data = {"tier": "Ambassador", "kind": "industry", "start": "2026-02-01"}
    assert refusal(partnership, context(partnership, "assign_tier", data))[0] == "tier_fits_partner"


# -- votes ------------------------------------------------------------------------------------


def test_a_vote_moves_only_at_the_quorum(partnership: WorkflowMachine) -> None:
    ctx = context(
        partnership,
        "approve",
        {},
        partnership=_at("committee_review"),
        actor="paul.lever@ceop.example",
        record=KnownRecord(_case("kw@ceop.example")),
    )
    ctx.quorum = 3
    assert partnership.fire(ctx, votes_before=1) == type(partnership.fire(ctx, 0))(
        "committee_review", "committee_review", False, 2
    )
    moved = partnership.fire(ctx, votes_before=2)
    assert (moved.moved, moved.dest, moved.votes) == (True, "tier_assignment", 3)


# -- no state per partnership -----------------------------------------------------------------


def test_firing_for_many_partnerships_keeps_nothing_per_partnership(
    partnership: WorkflowMachine,
) -> None:
    def fire_many(first: int, count: int) -> None:
        for i in range(first, first + count):
            view = replace(ACME, id=i, partner=f"Partner {i}", state="lead")
            ctx = FireContext(
                view, "start_business_case", "kw@ceop.example", "keyworker", {}, NOW, NOW.date(), 1
            )
            assert partnership.fire(ctx).dest == "business_case"

    fire_many(0, 200)  # warm up caches
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        fire_many(1_000, 10_000)
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert len(partnership._machine.models) == 0
    # One attached model costs ~19 KiB (PITFALLS): 10,000 would be ~190 MiB. Allow 2 bytes each.
    assert grown < 20_000, f"{grown} bytes kept after 10,000 firings"
