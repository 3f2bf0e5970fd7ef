"""Benefits by level (section 2.3): the annual review records which were delivered and the
committee sees the gaps; negative partner feedback is a failure sign (section 4)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from ceop_workflow.errors import BadInput
from ceop_workflow.strategy.benefits import benefit_gaps
from tests.lifecycle import MEMBER_A, TEAM, TO_COMMITTEE, Step, new_partnership, walk
from tests.support import Core

LONDON = ZoneInfo("Europe/London")
OBJECTIVES = {
    "Business Plan objective 2: train 500 teachers": "met",
    "Target 4: reach 1m children": "met",
}
PARTNER = {"tier": "Partner", "kind": "industry", "start": "2007-04-02", "end": "2008-04-02"}


def _partner(core: Core) -> int:
    pid = new_partnership(core.service, "Example Mobile")
    walk(
        core.service,
        pid,
        [
            *TO_COMMITTEE,
            Step("approve", MEMBER_A, "tier_assignment"),
            Step("assign_tier", TEAM, "active", PARTNER),
        ],
    )
    return pid


def test_the_committee_sees_benefits_not_delivered(build: Callable[..., Core]) -> None:
    core = build(now=datetime(2007, 4, 2, 10, tzinfo=LONDON))
    pid = _partner(core)
    promised = core.settings.strategy.benefits_for("partner")
    assert len(promised) == 4
    # Before any annual review, every promised benefit is a gap: not recorded.
    [before] = benefit_gaps(core.settings, core.database)
    assert [g.status for g in before.gaps] == ["not recorded"] * 4

    with pytest.raises(BadInput, match="not a benefit of the tier partner; its benefits: "):
        core.records.record_review(
            pid, "annual", MEMBER_A, OBJECTIVES, benefits={"yacht": "delivered"}
        )
    with pytest.raises(BadInput, match="benefits are recorded at the annual review"):
        core.records.record_review(
            pid, "monthly", TEAM, OBJECTIVES, benefits={promised[0]: "delivered"}
        )
    core.records.record_review(
        pid,
        "annual",
        MEMBER_A,
        OBJECTIVES,
        benefits={promised[0]: "delivered", promised[1]: "delivered", promised[2]: "not_delivered"},
    )
    [after] = benefit_gaps(core.settings, core.database)
    assert after.partner == "Example Mobile"
    assert [(g.benefit, g.status) for g in after.gaps] == [
        (promised[2], "not delivered"),
        (promised[3], "not recorded"),
    ]


def test_negative_feedback_is_a_failure_sign(build: Callable[..., Core]) -> None:
    core = build(now=datetime(2007, 4, 2, 10, tzinfo=LONDON))
    pid = _partner(core)
    core.clock.advance_to(datetime(2007, 5, 10, 10, tzinfo=LONDON))
    core.records.record_review(
        pid, "monthly", TEAM, OBJECTIVES, "Nobody answers our calls", feedback_negative=True
    )
    core.clock.advance_to(datetime(2007, 6, 5, 10, tzinfo=LONDON))
    may = core.service.measures(date(2007, 5, 1))
    assert [s.text for s in may.failure_signs if s.kind == "negative_feedback"] == [
        "Example Mobile: negative feedback on 10 May 2007: Nobody answers our calls"
    ]
    june = core.service.measures(date(2007, 6, 1))
    assert [s for s in june.failure_signs if s.kind == "negative_feedback"] == []
