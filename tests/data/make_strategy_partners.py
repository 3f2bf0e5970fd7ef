"""Writes the strategy's partners as an import file: `python -m tests.data.make_strategy_partners`.

The demo's book (ceop_workflow/demo/book.py) as a team would keep it in a spreadsheet, as of
30 June 2007, the day the demo's seeding formalises every partnership. Produces
tests/data/strategy-partners.xlsx (what the import test reads) and the sample CSV in docs/.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ceop_workflow.adoption.partner_rows import COLUMNS, PartnerRow, row_values
from ceop_workflow.adoption.sheets import write_table
from ceop_workflow.demo.book import BOOK, LEADS
from ceop_workflow.demo.seed import DEMO_START

REPO = Path(__file__).resolve().parents[2]
MANAGER = "kelly.burke@ceop.example"


def strategy_rows() -> list[PartnerRow]:
    """One row per partner of the book, then one per lead."""
    rows = [
        PartnerRow(
            line=0,
            name=seed.name,
            individual=seed.individual,
            contractor=seed.contractor,
            state="active",
            tier=seed.tier,
            kind=seed.kind,
            start=seed.start,
            end=seed.end,
            since=DEMO_START,
            keyworker=seed.keyworker,
            manager=MANAGER,
            last_contact=DEMO_START,
            objectives=seed.objectives,
            title=f"{seed.name}: partnership under the 2007/08 strategy",
            workflow=None,
        )
        for seed in BOOK
    ]
    rows += [
        PartnerRow(
            line=0,
            name=lead.name,
            individual=False,
            contractor=False,
            state="lead",
            tier=None,
            kind=None,
            start=None,
            end=None,
            since=DEMO_START,
            keyworker="sam.keyworker@ceop.example",
            manager=MANAGER,
            last_contact=None,
            objectives=(),
            title=None,
            workflow=None,
        )
        for lead in LEADS
    ]
    return rows


def template_rows() -> list[dict[str, object]]:
    """Two example rows for the empty template."""
    return [
        {
            "name": "Example Trust",
            "individual": "no",
            "contractor": "no",
            "state": "active",
            "tier": "Partner",
            "kind": "specialist",
            "start": date(2024, 4, 1),
            "end": date(2026, 3, 31),
            "since": date(2024, 4, 1),
            "keyworker": "kw@example.org",
            "manager": "manager@example.org",
            "last_contact": date(2024, 9, 12),
            "objectives": "Harm reduction: reach children and parents",
            "title": "Helpline referrals",
        },
        {
            "name": "A New Lead Ltd",
            "state": "lead",
            "keyworker": "kw@example.org",
        },
    ]


def main() -> None:
    values = [row_values(r) for r in strategy_rows()]
    write_table(REPO / "tests/data/strategy-partners.xlsx", COLUMNS, values, "partners")
    write_table(REPO / "docs/import/strategy-partners.csv", COLUMNS, values, "partners")
    write_table(REPO / "docs/import/partners-template.csv", COLUMNS, template_rows(), "partners")


if __name__ == "__main__":
    main()
