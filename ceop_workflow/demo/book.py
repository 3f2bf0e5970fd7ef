"""The organisations the strategy names, at the levels it gives them, plus a few new leads.

Objectives are the Business Plan areas a partnership serves (strategy §2: partnerships must
deliver one or more Business Plan objectives or targets). Dates and figures are illustrative.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Seed:
    """One partner as it stands when the demo year begins (1 July 2007)."""

    name: str
    tier: str
    kind: str | None = None
    start: date = date(2006, 10, 1)
    end: date | None = None
    objectives: tuple[str, ...] = ("reach_children_parents",)
    contractor: bool = False
    individual: bool = False
    keyworker: str = "kelly.burke@ceop.example"
    # How often staff log a contact, in days; None: engagement lapses (a stale partner).
    contact_every: int | None = 21
    # Funding or resources given each quarter, in GBP (in kind for most).
    quarterly_gbp: int = 0
    funding: bool = False


# Business Plan targets, cited by their key in the register (titles: demo/strategy.py).
REACH = "reach_children_parents"
INTEL = "intel_identify_offenders"
OPS = "victim_identification"
TRAINING = "thinkuknow_training"
INFRA = "core_infrastructure"

STRATEGIC = [
    Seed(
        "NSPCC",
        "strategic_partner",
        start=date(2006, 4, 1),
        end=date(2009, 4, 1),
        objectives=(REACH, TRAINING),
        quarterly_gbp=60_000,
        keyworker="sam.keyworker@ceop.example",
    ),
    Seed(
        "Microsoft",
        "strategic_partner",
        start=date(2006, 4, 1),
        end=date(2009, 4, 1),
        objectives=(INTEL, OPS, INFRA),
        quarterly_gbp=90_000,
        funding=True,
    ),
    Seed(
        "Serco",
        "strategic_partner",
        start=date(2006, 9, 1),
        end=date(2009, 9, 1),
        objectives=(INFRA, OPS),
        quarterly_gbp=45_000,
        keyworker="sam.keyworker@ceop.example",
    ),
    Seed(
        "Visa",
        "strategic_partner",
        start=date(2006, 9, 1),
        end=date(2009, 9, 1),
        objectives=(INTEL,),
        quarterly_gbp=30_000,
        funding=True,
    ),
    Seed(
        "Lexis Nexis",
        "strategic_partner",
        start=date(2007, 1, 15),
        end=date(2010, 1, 15),
        objectives=(INTEL, OPS),
        quarterly_gbp=25_000,
    ),
]
PARTNERS = [
    Seed(
        "Ford",
        "partner",
        "specialist",
        end=date(2008, 9, 30),
        objectives=(REACH,),
        quarterly_gbp=10_000,
        funding=True,
    ),
    Seed(
        "Volkswagen",
        "partner",
        "specialist",
        end=date(2008, 9, 30),
        objectives=(REACH,),
        quarterly_gbp=8_000,
        funding=True,
    ),
    # Vodafone's term ends in the demo year: renewal notice in spring, renewed a level up.
    Seed(
        "Vodafone",
        "partner",
        "industry",
        start=date(2007, 5, 1),
        end=date(2008, 5, 1),
        objectives=(REACH, INTEL),
        quarterly_gbp=20_000,
        keyworker="sam.keyworker@ceop.example",
    ),
    Seed(
        "Axios",
        "partner",
        "specialist",
        end=date(2008, 10, 1),
        objectives=(INFRA,),
        quarterly_gbp=6_000,
    ),
    Seed(
        "Churches' Child Protection Advisory Service",
        "partner",
        "specialist",
        end=date(2008, 10, 1),
        objectives=(TRAINING,),
        quarterly_gbp=2_000,
    ),
]
GOVERNMENT = [
    Seed(
        name,
        "partner",
        "government",
        end=date(2009, 3, 31),
        objectives=(objective,),
        quarterly_gbp=gbp,
        funding=True,
        contact_every=35,
    )
    for name, objective, gbp in [
        ("FCO", OPS, 25_000),
        ("Ofcom", REACH, 5_000),
        ("DfES", TRAINING, 30_000),
        ("Charity Commission", REACH, 0),
        ("Becta", TRAINING, 10_000),
        ("EU", INTEL, 40_000),
    ]
]
ASSOCIATES = [
    Seed("Miss Dorothy", "associate", objectives=(REACH,), contact_every=45),
    Seed("Oakfield Primary School", "associate", objectives=(TRAINING,), contact_every=60),
    # Nobody has been in touch since the spring: the daemon raises a stale-engagement alert
    # and, when still idle, escalates it.
    Seed("St Mary's High School", "associate", objectives=(TRAINING,), contact_every=None),
]
CONTRIBUTORS = [
    Seed(
        name,
        "contributor",
        objectives=(objective,),
        contractor=contractor,
        quarterly_gbp=gbp,
        contact_every=50,
    )
    for name, objective, contractor, gbp in [
        ("Yahoo! UK", REACH, False, 3_000),
        ("AOL", REACH, False, 3_000),
        ("AEP", TRAINING, False, 1_000),
        ("Juniper", INFRA, True, 12_000),
        ("Data Integration", INFRA, True, 8_000),
        ("SwapitNow", REACH, False, 500),
        ("Contrapositive", REACH, False, 1_500),
        ("Blackberry", INTEL, False, 4_000),
    ]
]
AMBASSADORS = [
    Seed(
        "Dr Helen Ward",
        "ambassador",
        individual=True,
        objectives=(REACH,),
        contact_every=60,
        start=date(2007, 2, 1),
    ),
]
BOOK = [*STRATEGIC, *PARTNERS, *GOVERNMENT, *ASSOCIATES, *CONTRIBUTORS, *AMBASSADORS]


@dataclass(frozen=True)
class Lead:
    """A new lead that walks the path during the demo year."""

    name: str
    objectives: tuple[str, ...]
    approve_on: date | None  # None: the committee defers it, then it waits


LEADS = [
    Lead("Bebo", (REACH, INTEL), date(2007, 10, 10)),
    Lead("Carphone Warehouse", (REACH,), None),
    Lead("Internet Watch Foundation", (INTEL, OPS), date(2008, 2, 13)),
]
