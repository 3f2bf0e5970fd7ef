"""Seeding the demo book through the same use cases people use, so every rule is applied.

Every existing partnership is (re)assigned its tier on 30 June 2007, the day the Partnerships
Team "formalised and documented existing partnerships" under the new strategy (§1); their
commitment dates are the real ones, in the past.
"""

from __future__ import annotations

from datetime import date

from ceop_workflow.app.records import Records
from ceop_workflow.app.service import FireRequest, Service
from ceop_workflow.demo.book import BOOK, LEADS, Seed

TEAM = "team@ceop.example"
COMMITTEE = ("paul.lever@ceop.example", "paul.clark@ceop.example")


def fire_with(service: Service, pid: int, trigger: str, actor: str, **data: object) -> None:
    """Fire a trigger with data given as Python values (tuples become `;`-joined lists)."""
    values = {
        key: [";".join(v) if isinstance(v, tuple) else str(v)]
        for key, v in data.items()
        if v is not None
    }
    service.fire(FireRequest(pid, trigger, actor, data=values))


def seed_partner(service: Service, records: Records, seed: Seed) -> int:
    """Walk one partner from lead to active at its tier; returns the partnership id."""
    partner_id = service.add_partner(seed.name, seed.individual, seed.contractor)
    workflow = "ambassador" if seed.individual else "partnership"
    pid = service.create_partnership(
        partner_id, workflow, seed.keyworker, "kelly.burke@ceop.example"
    )
    if not seed.individual:
        fire_with(service, pid, "start_business_case", seed.keyworker)
    fire_with(
        service,
        pid,
        "submit_to_committee",
        seed.keyworker,
        title=f"{seed.name}: partnership under the 2007/08 strategy",
        objectives=seed.objectives,
        core_policing="false",
    )
    if seed.individual:
        fire_with(
            service,
            pid,
            "approve",
            COMMITTEE[0],
            tier=seed.tier,
            start=seed.start,
            minutes="Approved as Ambassador",
        )
    else:
        cleared = "true" if seed.contractor else "false"
        fire_with(
            service,
            pid,
            "approve",
            COMMITTEE[0],
            minutes="Approved",
            conflict_of_interest_cleared=cleared,
            clearance_reason="its contracts stay apart" if seed.contractor else None,
        )
        fire_with(
            service,
            pid,
            "assign_tier",
            TEAM,
            tier=seed.tier,
            kind=seed.kind,
            start=seed.start,
            end=seed.end,
        )
    records.log_contact(pid, "meeting", seed.keyworker, "Partnership formalised under the strategy")
    return pid


def seed_lead(service: Service, name: str) -> int:
    """A new lead, waiting for its business case."""
    partner_id = service.add_partner(name)
    return service.create_partnership(
        partner_id, "partnership", "sam.keyworker@ceop.example", "kelly.burke@ceop.example"
    )


def seed_book(service: Service, records: Records) -> dict[str, int]:
    """Every partner of the book and every lead; returns partnership ids by partner name."""
    ids = {seed.name: seed_partner(service, records, seed) for seed in BOOK}
    ids |= {lead.name: seed_lead(service, lead.name) for lead in LEADS}
    return ids


DEMO_START = date(2007, 6, 30)
