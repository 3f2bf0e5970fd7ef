"""`import partners`: the strategy's partners from a spreadsheet land where the demo seeds them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ceop_workflow.adoption.importer import import_partners
from ceop_workflow.errors import BadInput, NotPermitted
from ceop_workflow.store.models import AuditEntry, OutboxMessage, Partnership, Timer
from tests.adoption.support import ADMIN, DATA, LONDON, Book, fresh_book, seeded_book

XLSX = DATA / "strategy-partners.xlsx"


def _picture(book: Book) -> dict[str, dict[str, Any]]:
    """Each partnership by partner name: where it stands and the due dates of its duties."""
    with book.database.reading() as session:
        found: dict[str, dict[str, Any]] = {}
        for p in session.scalars(select(Partnership)):
            timers = session.scalars(select(Timer).filter_by(partnership_id=p.id, status="pending"))
            found[p.partner.name] = {
                "individual": p.partner.individual,
                "contractor": p.partner.contractor,
                "workflow": (p.workflow, p.workflow_version),
                "state": p.state,
                "tier": (p.tier, p.tier_kind),
                "term": (p.commitment_start, p.commitment_end, p.tier_assigned_on),
                "people": (p.keyworker, p.manager),
                "objectives": sorted(o.name for o in p.objectives),
                "due": sorted((t.name, t.kind, t.due_at, t.period) for t in timers),
            }
        return found


def test_the_strategys_partners_import_as_the_demo_seeds_them(tmp_path: Path) -> None:
    seeded = _picture(seeded_book(tmp_path / "seeded.db"))
    # Imported six months later: the timers still start from the rows' own dates.
    book = fresh_book(tmp_path / "imported.db", datetime(2008, 1, 15, 14, 0, tzinfo=LONDON))
    done = import_partners(book.service, XLSX, ADMIN)
    imported = _picture(book)

    assert len(done) == len(seeded) == 31
    assert imported.keys() == seeded.keys()
    for name, expected in seeded.items():
        assert imported[name] == expected, name
    # Real duties, not empty lists compared with empty lists.
    assert {d[0] for d in imported["NSPCC"]["due"]} == {
        "monthly_review",
        "annual_review",
        "stale_engagement",
        "renewal_notice",
    }
    assert imported["Vodafone"]["tier"] == ("partner", "industry")


def test_imported_transitions_are_audited_by_the_admin_without_mail(tmp_path: Path) -> None:
    book = fresh_book(tmp_path / "imported.db", datetime(2008, 1, 15, 14, 0, tzinfo=LONDON))
    import_partners(book.service, XLSX, ADMIN)
    with book.database.reading() as session:
        audit = session.scalars(select(AuditEntry).join(Partnership).order_by(AuditEntry.id)).all()
        mails = session.scalar(select(func.count()).select_from(OutboxMessage))
    nspcc = [a for a in audit if a.partnership_id == 1]
    assert [a.trigger for a in nspcc] == [
        "create",
        "start_business_case",
        "submit_to_committee",
        "approve",
        "assign_tier",
    ]
    assert {a.actor for a in audit} == {ADMIN}
    assert all(a.comment == f"imported: {XLSX.name} row 2" for a in nspcc)
    # The real date, not the import's: 30 June 2007, 10:00 London.
    assert nspcc[-1].at.astimezone(LONDON).isoformat().startswith("2007-06-30T10:00")
    assert mails == 0  # no committee packs or decisions for what happened long ago


def _write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


HEADER = "name,state,tier,kind,start,end,since,keyworker,objectives"
GOOD = "Good Ltd,active,Partner,industry,2024-01-01,2025-06-01,2024-01-01,kw@ceop.example,Reach"


@pytest.mark.parametrize(
    ("bad", "where"),
    [
        (
            "Bad Ltd,active,Partner,,2024-01-01,2025-06-01,2024-01-01,kw@ceop.example,Reach",
            "row 3, column 'kind'",
        ),
        (
            "Bad Ltd,active,Strategic Partner,,2024-01-01,2025-01-01,,kw@ceop.example,Reach",
            "row 3, column 'end'",
        ),
        (
            "Bad Ltd,active,Partner,industry,1 Jan 2024,2025-06-01,,kw@ceop.example,Reach",
            "row 3, column 'start'",
        ),
        ("Bad Ltd,active,Platinum,,2024-01-01,,,kw@ceop.example,Reach", "row 3, column 'tier'"),
        ("Bad Ltd,active,Associate,,2024-01-01,,,not-an-email,Reach", "row 3, column 'keyworker'"),
        ("Bad Ltd,active,Associate,,2024-01-01,,,kw@ceop.example,", "row 3, column 'objectives'"),
        ("Bad Ltd,flying,Associate,,2024-01-01,,,kw@ceop.example,Reach", "row 3, column 'state'"),
        ("Good Ltd,lead,,,,,,kw@ceop.example,", "row 3, column 'name'"),
    ],
)
def test_a_bad_row_refuses_the_whole_file(tmp_path: Path, bad: str, where: str) -> None:
    book = fresh_book(tmp_path / "b.db", datetime(2026, 1, 5, 12, tzinfo=LONDON))
    path = _write_csv(tmp_path / "partners.csv", [HEADER, GOOD, bad])
    with pytest.raises(BadInput) as caught:
        import_partners(book.service, path, ADMIN)
    assert caught.value.message.startswith(f"partners.csv: {where}")
    assert book.service.list() == []  # the good row before it was not written either


def test_dry_run_writes_nothing_and_says_what_would_happen(tmp_path: Path) -> None:
    book = fresh_book(tmp_path / "b.db", datetime(2026, 1, 5, 12, tzinfo=LONDON))
    path = _write_csv(tmp_path / "partners.csv", [HEADER, GOOD])
    done = import_partners(book.service, path, ADMIN, dry_run=True)
    assert [(d.name, d.state, d.tier) for d in done] == [("Good Ltd", "active", "partner")]
    assert book.service.list() == []


def test_only_the_teams_leads_may_import(tmp_path: Path) -> None:
    book = fresh_book(tmp_path / "b.db", datetime(2026, 1, 5, 12, tzinfo=LONDON))
    path = _write_csv(tmp_path / "partners.csv", [HEADER, GOOD])
    with pytest.raises(NotPermitted):
        import_partners(book.service, path, "sam.keyworker@ceop.example")
    assert book.service.list() == []
