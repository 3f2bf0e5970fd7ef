"""Where a partnership stood, rebuilt from audit events, and the duties its definition sets."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ceop_workflow.engine.definitions import Definition, Vocabulary, load_file
from ceop_workflow.engine.rules import DEFAULT_REGISTRY
from ceop_workflow.engine.tiers import Tier, TierKind
from ceop_workflow.reports.duties import idle_limit, review_duties, waiting_states
from ceop_workflow.reports.history import Event, Timeline, timeline

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
LONDON = ZoneInfo("Europe/London")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def definition(name: str) -> Definition:
    return load_file(WORKFLOWS / f"{name}.toml", Vocabulary(DEFAULT_REGISTRY))


@pytest.fixture
def history() -> Timeline:
    return timeline(
        [
            Event(at("2007-10-01 10:00"), "create", "", "lead", "sam"),
            Event(at("2007-10-02 10:00"), "start_business_case", "lead", "business_case", "sam"),
            Event(at("2007-10-03 10:00"), "submit_to_committee", "business_case",
                  "committee_review", "sam"),
            # A vote short of the quorum changes nothing.
            Event(at("2007-10-04 10:00"), "approve", "committee_review", "committee_review", "p"),
            Event(at("2007-10-05 10:00"), "approve", "committee_review", "tier_assignment", "q"),
            Event(at("2007-10-08 10:00"), "assign_tier", "tier_assignment", "active", "kelly",
                  data={"tier": "associate", "start": "2007-10-08"}),
            Event(at("2008-01-14 10:00"), "start_renewal", "active", "renewal", "kelly"),
            Event(at("2008-01-21 10:00"), "renew", "renewal", "active", "kelly",
                  data={"tier": "partner", "kind": "government", "start": "2008-01-21"}),
        ]
    )  # fmt: skip


def test_stints_and_tiers_follow_the_moves(history: Timeline) -> None:
    assert [s.state for s in history.stints] == [
        "lead", "business_case", "committee_review", "tier_assignment", "active", "renewal",
        "active",
    ]  # fmt: skip
    assert history.state_at(at("2007-09-30 00:00")) is None
    assert history.state_at(at("2007-10-04 12:00")) == "committee_review"
    assert history.state_at(at("2008-01-14 10:00")) == "renewal"  # from the moment it moved
    assert history.state_at(at("2009-01-01 00:00")) == "active"
    assert history.tier_at(at("2007-10-08 09:59")) is None
    setting = history.tier_at(at("2008-02-01 00:00"))
    assert setting is not None
    assert (setting.tier, setting.kind) == (Tier.PARTNER, TierKind.GOVERNMENT)
    first = history.first_tier()
    assert first is not None
    assert first.tier is Tier.ASSOCIATE


def test_monthly_duties_fall_only_while_active(history: Timeline) -> None:
    duties = review_duties(
        definition("partnership"), history, at("2007-10-01 00:00"), at("2008-03-01 00:00"), LONDON
    )

    # 1 Nov, 3 Dec, 2 Jan (1 Jan is a bank holiday); 1 Feb. Not October (active from the 8th).
    assert [d.period.key for d in duties] == ["2007-11", "2007-12", "2008-01", "2008-02"]
    assert duties[0].due_at == at("2007-11-01 09:00")  # GMT
    assert all(d.completed_by == "monthly" for d in duties)
    assert duties[0].overdue_at == at("2007-11-15 09:00")


def test_idle_limits_and_waiting_states_come_from_the_definition() -> None:
    partnership, ambassador = definition("partnership"), definition("ambassador")

    assert idle_limit(partnership, "active", Tier.STRATEGIC_PARTNER) is not None
    assert idle_limit(partnership, "active", Tier.PARTNER).days == 60  # type: ignore[union-attr]
    assert idle_limit(partnership, "escalated", Tier.PARTNER) is None
    assert idle_limit(ambassador, "active", Tier.AMBASSADOR).days == 180  # type: ignore[union-attr]
    assert waiting_states(partnership) == {"lead", "business_case"}
    assert waiting_states(ambassador) == {"nominated"}
