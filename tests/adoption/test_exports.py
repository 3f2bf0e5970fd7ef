"""Exports: every table as CSV and XLSX, with cells a spreadsheet would run quoted."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from ceop_workflow.adoption.exports import COLUMNS, export_table
from ceop_workflow.adoption.sheets import neutralise
from tests.adoption.support import ADMIN, LONDON, REPO, Book, fresh_book
from tests.lifecycle import walk
from tests.versions import TO_ACTIVE

EVIL = '=HYPERLINK("http://evil.example","click")'


@pytest.mark.parametrize("value", ["=1+1", "+44 20", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_a_cell_that_would_run_is_quoted(value: str) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["NSPCC", "", "a=b", 12, -3, None])
def test_other_cells_are_left_alone(value: object) -> None:
    assert neutralise(value) == value  # type: ignore[arg-type]


@pytest.fixture
def book(tmp_path: Path) -> Iterator[Book]:
    book = fresh_book(tmp_path / "e.db", datetime(2026, 2, 2, 11, tzinfo=LONDON))
    partner = book.service.add_partner(EVIL)
    pid = book.service.create_partnership(partner, "partnership", "kw@ceop.example", ADMIN)
    book.records.log_contact(pid, "meeting", "kw@ceop.example", "-1 sent @ them")
    walk(book.service, pid, TO_ACTIVE)  # money is recorded only from a running partnership
    book.records.add_contribution(pid, "1250.50", "funding", "+bonus", None, by=ADMIN)
    yield book
    book.database.dispose()


def test_csv_export_quotes_formulas_and_keeps_the_data(book: Book) -> None:
    data = export_table(book.database, LONDON, "partnerships", "csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0]["partner"] == "'" + EVIL
    assert rows[0]["state"] == "active"
    contacts = list(
        csv.DictReader(
            io.StringIO(export_table(book.database, LONDON, "contacts", "csv").decode("utf-8-sig"))
        )
    )
    assert contacts[0]["note"] == "'-1 sent @ them"
    assert contacts[0]["at"].startswith("2026-02-02T11:00:00+00:00")


def test_xlsx_export_stores_text_not_formulas(book: Book, tmp_path: Path) -> None:
    path = tmp_path / "c.xlsx"
    path.write_bytes(export_table(book.database, LONDON, "contributions", "xlsx"))
    sheet = load_workbook(path).active
    header = [c.value for c in sheet[1]]
    assert header == list(COLUMNS["contributions"])
    row = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert row["partner"].value == "'" + EVIL
    assert row["partner"].data_type == "s"  # a string cell, not a formula ("f")
    assert row["note"].value == "'+bonus"
    assert row["value_gbp"].value == 1250.5  # numbers stay numbers


def test_every_table_exports_in_both_formats_from_the_cli(book: Book, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "CEOP_WORKFLOW_DATABASE_URL": book.settings.database.url,
    }
    for table in COLUMNS:
        for fmt in ("csv", "xlsx"):
            out = tmp_path / f"{table}.{fmt}"
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "ceop_workflow",
                    "--config",
                    str(REPO / "config.toml"),
                    "export",
                    table,
                    "--output",
                    str(out),
                ],
                capture_output=True,
                text=True,
                env=env,
                check=False,
                timeout=120,
            )
            assert result.returncode == 0, result.stderr
            assert out.stat().st_size > 0
    reviews = (tmp_path / "reviews.csv").read_text(encoding="utf-8-sig").splitlines()
    assert reviews == [",".join(COLUMNS["reviews"])]  # no reviews: the header alone
