"""`report monthly` through the real CLI: each format, a file, and a bad month."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import CliResult

SQLITE_ONLY = pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_each_format_carries_the_month(run_cli: Callable[..., CliResult], workdir: Path) -> None:
    code, out, err = run_cli("report", "monthly", "--month", "2008-05", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert (data["month"], data["financial_year"]) == ("2008-05-01", "2008/09")

    code, out, _ = run_cli("report", "monthly", "--month", "2008-05", "--format", "csv")
    assert code == 0 and out.splitlines()[0] == "measure,value,target"

    code, out, _ = run_cli("report", "monthly", "--month", "2008-05")
    assert code == 0 and "May 2008" in out and "no reviews owed this month" in out

    target = workdir / "reports" / "may.html"
    code, out, _ = run_cli(
        "report", "monthly", "--month", "2008-05", "--format", "html", "--output", str(target)
    )
    assert code == 0 and out.strip() == f"wrote {target}"
    assert target.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html>")


@SQLITE_ONLY
def test_the_default_month_is_the_last_complete_one(run_cli: Callable[..., CliResult]) -> None:
    code, out, err = run_cli("report", "monthly", "--format", "json", now="2008-03-10T12:00")
    assert code == 0, err
    assert json.loads(out)["month"] == "2008-02-01"


@SQLITE_ONLY
def test_a_malformed_month_is_bad_input(run_cli: Callable[..., CliResult]) -> None:
    code, out, err = run_cli("report", "monthly", "--month", "May 2008")
    assert (code, out) == (2, "")
    assert err == "error: --month: expected YYYY-MM, got 'May 2008'\n"
