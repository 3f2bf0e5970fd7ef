"""Sorting and pagination of a list page: which column, which way, which page.

Pure functions over rows (mappings or objects with attributes, so the pages do not care which
the use cases return); the links they make keep every other parameter of the query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

PAGE_SIZE = 50


def field(row: Any, name: str) -> Any:
    """A row's value by name, whether the row is a mapping or an object."""
    return row[name] if isinstance(row, Mapping) else getattr(row, name)


def _key(value: Any) -> tuple[int, Any]:
    # Blanks last whichever the direction of the rest; text compared without case.
    if value is None or value == "":
        return (1, "")
    return (0, value.lower() if isinstance(value, str) else value)


def sort_rows(rows: Sequence[Any], column: str, descending: bool) -> list[Any]:
    """The rows ordered by `column`; ties keep their order (by id, as the use case gives them)."""
    present = [r for r in rows if field(r, column) not in (None, "")]
    blank = [r for r in rows if field(r, column) in (None, "")]
    present.sort(key=lambda r: _key(field(r, column)), reverse=descending)
    return present + blank


@dataclass(frozen=True)
class Page:
    """One page of rows and where it sits among the others."""

    rows: tuple[Any, ...]
    number: int
    count: int
    total: int
    size: int

    @property
    def first_index(self) -> int:
        """The 1-based position of the page's first row (0 when there are none)."""
        return (self.number - 1) * self.size + 1 if self.rows else 0

    @property
    def last_index(self) -> int:
        """The 1-based position of the page's last row."""
        return self.first_index + len(self.rows) - 1 if self.rows else 0


def paginate(rows: Sequence[Any], number: int, size: int = PAGE_SIZE) -> Page:
    """Page `number` (from 1; past the end means the last page) of `rows`."""
    count = max(1, -(-len(rows) // size))
    number = min(max(1, number), count)
    start = (number - 1) * size
    return Page(tuple(rows[start : start + size]), number, count, len(rows), size)


def link(path: str, params: Mapping[str, str | int], **changes: str | int) -> str:
    """`path` with the query `params` and `changes` to them; empty values are left out."""
    merged = {**params, **changes}
    query = urlencode({k: v for k, v in merged.items() if v not in ("", None)})
    return f"{path}?{query}" if query else path
