"""The people of the shipped config.toml, and the default lifecycle as a list of steps.

Integration tests walk these steps through `Service.fire`, acceptance tests through the CLI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ceop_workflow.app.service import FireRequest, Service

KEYWORKER = "kw@ceop.example"  # staff (by *@ceop.example); keyworker of the partnerships made
MANAGER = "mgr@ceop.example"
TEAM = "team@ceop.example"  # partnerships_team
HEAD = "kelly.burke@ceop.example"  # head_of_partnerships and partnerships_team
MEMBER_A = "paul.lever@ceop.example"  # committee
MEMBER_B = "paul.clark@ceop.example"  # committee
OUTSIDER = "someone@elsewhere.example"  # holds no role at all

BUSINESS_CASE = {
    "title": "Safer schools programme",
    "objectives": "Business Plan objective 2: train 500 teachers;Target 4: reach 1m children",
    "core_policing": "no",
}


@dataclass(frozen=True)
class Step:
    """One firing: who fires what with which data, and the state it must leave behind."""

    trigger: str
    actor: str
    dest: str
    data: dict[str, str] = field(default_factory=dict)

    def data_args(self) -> list[str]:
        """The data as CLI options."""
        return [arg for key, value in self.data.items() for arg in ("--data", f"{key}={value}")]

    def data_lists(self) -> dict[str, list[str]]:
        """The data as `FireRequest.data`."""
        return {key: [value] for key, value in self.data.items()}


# The whole lifecycle of one organisation with a committee quorum of 2: a deferral, two votes,
# an escalation, a renewal one level up, and the end of the partnership.
MAIN_WALK = (
    Step("start_business_case", KEYWORKER, "business_case"),
    Step("submit_to_committee", KEYWORKER, "committee_review", BUSINESS_CASE),
    Step("defer", MEMBER_A, "business_case", {"reason": "Say who trains the teachers"}),
    Step("submit_to_committee", KEYWORKER, "committee_review", BUSINESS_CASE),
    Step("approve", MEMBER_A, "committee_review", {"minutes": "first vote"}),
    Step("approve", MEMBER_B, "tier_assignment"),
    Step(
        "assign_tier",
        TEAM,
        "active",
        {"tier": "Partner", "kind": "industry", "start": "2026-02-01", "end": "2027-02-01"},
    ),
    Step("escalate", KEYWORKER, "escalated", {"reason": "two monthly reviews off track"}),
    Step("resolve", HEAD, "active", {"resolution": "new delivery plan agreed"}),
    Step("start_renewal", KEYWORKER, "renewal"),
    Step(
        "renew",
        HEAD,
        "active",
        {"tier": "Strategic Partner", "start": "2027-02-01", "end": "2030-02-01"},
    ),
    Step("start_renewal", KEYWORKER, "renewal"),
    Step("end", TEAM, "ended", {"reason": "the programme is complete"}),
)

# From lead to committee review: the start of every other path.
TO_COMMITTEE = MAIN_WALK[:2]


def new_partnership(
    service: Service,
    name: str = "Acme Online Safety Ltd",
    *,
    workflow: str = "partnership",
    individual: bool = False,
    contractor: bool = False,
    keyworker: str = KEYWORKER,
) -> int:
    """A new partner on `workflow`, in its initial state; returns the partnership's id."""
    partner_id = service.add_partner(name, individual=individual, contractor=contractor)
    return service.create_partnership(partner_id, workflow, keyworker, MANAGER)


def fire(
    service: Service, partnership_id: int, step: Step, *, expected_version: int | None = None
) -> dict[str, Any]:
    """Fire one step through the service."""
    return service.fire(
        FireRequest(
            partnership_id,
            step.trigger,
            step.actor,
            data=step.data_lists(),
            expected_version=expected_version,
        )
    )


def walk(service: Service, partnership_id: int, steps: Sequence[Step]) -> None:
    """Fire each step and check the state it leaves behind."""
    for step in steps:
        result = fire(service, partnership_id, step)
        assert result.state == step.dest, (step, result)
