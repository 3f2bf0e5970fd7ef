"""Typed data that a transition requires: parsing what people type into values guards can use."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from ceop_workflow.engine.addresses import address_problem
from ceop_workflow.engine.tiers import parse_tier, parse_tier_kind
from ceop_workflow.errors import BadInput, MissingData

FieldValue = str | bool | int | Decimal | date | list[str]

PENCE = Decimal("0.01")
# The largest amount a money column (Numeric(14, 2)) holds.
MAX_GBP = Decimal("999999999999.99")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def _text(raw: str) -> str:
    if not raw.strip():
        raise ValueError("must not be empty")
    return raw.strip()


def _bool(raw: str) -> bool:
    word = raw.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError("expected true or false")


def _int(raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise ValueError("expected a whole number") from None


def _gbp(raw: str) -> Decimal:
    cleaned = raw.strip().lstrip("£").replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError("expected an amount in pounds, such as 25000 or 1,250.50") from None
    if not value.is_finite() or value < 0:
        raise ValueError("expected a positive amount in pounds and pence")
    # Checked before quantize(), which raises on amounts with too many digits (1e30).
    if value > MAX_GBP:
        raise ValueError(f"expected at most £{MAX_GBP:,}")
    pounds = value.quantize(PENCE)  # kept as 1000.00, never as 1E+3
    if pounds != value:
        raise ValueError("expected a positive amount in pounds and pence")
    return pounds


def _date(raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError("expected a date as YYYY-MM-DD") from None


def _email(raw: str) -> str:
    problem = address_problem(raw.strip())
    if problem is not None:
        raise ValueError(f"expected an email address ({problem})")
    return raw.strip().lower()


def _tier(raw: str) -> str:
    try:
        return parse_tier(raw).value
    except BadInput as exc:
        raise ValueError(str(exc)) from None


def _tier_kind(raw: str) -> str:
    try:
        return parse_tier_kind(raw).value
    except BadInput as exc:
        raise ValueError(str(exc)) from None


_SCALARS: dict[str, Callable[[str], FieldValue]] = {
    "text": _text,
    "bool": _bool,
    "int": _int,
    "gbp": _gbp,
    "date": _date,
    "email": _email,
    "tier": _tier,
    "tier_kind": _tier_kind,
}
# A list is typed as one or more values of text, given by repeating the key or joined with ";".
FIELD_TYPES = frozenset([*_SCALARS, "list"])


def parse_data(
    given: Mapping[str, Sequence[str]],
    requires: Mapping[str, str],
    optional: Mapping[str, str],
    trigger: str,
) -> dict[str, FieldValue]:
    """Check and type the data given to `trigger`; every problem is reported in one message."""
    declared = {**optional, **requires}
    problems: list[str] = []
    unknown = sorted(set(given) - set(declared))
    if unknown:
        allowed = ", ".join(sorted(declared)) or "none"
        problems.append(f"unknown data {', '.join(unknown)} (accepted: {allowed})")
    missing = sorted(key for key in requires if not given.get(key))
    if missing:
        problems.append(f"missing data: {', '.join(missing)}")
    values: dict[str, FieldValue] = {}
    for key, raws in given.items():
        if key not in declared or not raws:
            continue
        kind = declared[key]
        try:
            values[key] = _parse_one(kind, raws)
        except ValueError as exc:
            problems.append(f"data {key}={'; '.join(raws)!r}: {exc}")
    if problems:
        raise MissingData(f"trigger {trigger!r}: " + "; ".join(problems))
    return values


def _parse_one(kind: str, raws: Sequence[str]) -> FieldValue:
    if kind == "list":
        items = [part.strip() for raw in raws for part in raw.split(";") if part.strip()]
        if not items:
            raise ValueError("expected at least one item")
        return items
    if len(raws) > 1:
        raise ValueError("given more than once")
    return _SCALARS[kind](raws[0])


def to_json(values: Mapping[str, FieldValue]) -> dict[str, object]:
    """The same values in a form JSON columns and `--json` output can hold."""
    out: dict[str, object] = {}
    for key, value in values.items():
        if isinstance(value, Decimal | date):
            out[key] = str(value) if isinstance(value, Decimal) else value.isoformat()
        else:
            out[key] = value
    return out
