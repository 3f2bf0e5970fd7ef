"""Reading and writing tables as CSV or XLSX, the two formats a team's spreadsheets come in.

Writing neutralises formula injection: a text cell starting with `=`, `+`, `-` or `@` (or a
tab or carriage return, which some spreadsheets strip before looking) is prefixed with a
single quote, so Excel and LibreOffice show it as text instead of evaluating it (OWASP's
"CSV injection" advice). Numbers, dates and booleans are written as values, never quoted.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ceop_workflow.errors import BadInput

FORMATS = ("csv", "xlsx")
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | Decimal | bool | date | datetime | None


def neutralise(value: Cell) -> Cell:
    """The value as it may safely go into a spreadsheet cell."""
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def format_of(path: Path, given: str | None = None) -> str:
    """`csv` or `xlsx`: the one given, else the file's extension."""
    fmt = (given or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise BadInput(f"{path}: expected a .csv or .xlsx file (or --format csv|xlsx)")
    return fmt


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def to_csv(columns: Sequence[str], rows: Iterable[Mapping[str, Cell]]) -> bytes:
    """A UTF-8 CSV (with a byte-order mark, so Excel reads the accents) of `rows`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_text(neutralise(row.get(c))) for c in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(columns: Sequence[str], rows: Iterable[Mapping[str, Cell]], title: str) -> bytes:
    """An XLSX workbook of one sheet named `title`; dates stay dates, numbers stay numbers."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(list(columns))
    for row in rows:
        cells: list[Any] = []
        for column in columns:
            value = neutralise(row.get(column))
            if isinstance(value, datetime):
                # Excel has no time zones: the local wall time, as people read it.
                value = value.replace(tzinfo=None)
            if isinstance(value, Decimal):
                value = float(value)
            cells.append(value)
        sheet.append(cells)
    # Every text cell is stored as text, never as a formula, even after the quote.
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_table(
    path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, Cell]], title: str
) -> None:
    """Write `rows` to `path` as CSV or XLSX, by its extension."""
    data = (
        to_xlsx(columns, rows, title) if format_of(path) == "xlsx" else to_csv(columns, list(rows))
    )
    path.write_bytes(data)


def read_table(path: Path) -> list[dict[str, Any]]:
    """The rows of a CSV or XLSX file (first sheet), keyed by the header row's names.

    Header names are lower-cased and stripped; blank rows are skipped. Raises BadInput for a
    file that cannot be read.
    """
    if not path.is_file():
        raise BadInput(f"{path}: no such file")
    fmt = format_of(path)
    try:
        grid = _xlsx_grid(path) if fmt == "xlsx" else _csv_grid(path)
    except (OSError, UnicodeDecodeError, csv.Error, ValueError, KeyError) as exc:
        raise BadInput(f"{path}: cannot be read as {fmt}: {exc}") from None
    if not grid:
        raise BadInput(f"{path}: the file is empty; the first row must name the columns")
    header = [str(h or "").strip().lower() for h in grid[0]]
    rows: list[dict[str, Any]] = []
    for values in grid[1:]:
        if all(v is None or str(v).strip() == "" for v in values):
            rows.append({})  # kept, so row numbers stay those people see
            continue
        rows.append({h: v for h, v in zip(header, values, strict=False) if h})
    return rows


def _csv_grid(path: Path) -> list[list[Any]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return [list(r) for r in csv.reader(handle)]


def _xlsx_grid(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, zipfile.BadZipFile) as exc:
        raise ValueError(str(exc)) from None
    try:
        sheet = book.worksheets[0]
        return [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
