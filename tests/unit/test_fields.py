"""Typed transition data: what people type becomes values, or one message with every problem."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ceop_workflow.engine.fields import FIELD_TYPES, parse_data, to_json
from ceop_workflow.errors import MissingData


def one(kind: str, *raws: str) -> object:
    return parse_data({"x": list(raws)}, {"x": kind}, {}, "t")["x"]


@pytest.mark.parametrize(
    ("kind", "raw", "value"),
    [
        ("text", "  Safer schools ", "Safer schools"),
        ("bool", "Yes", True),
        ("bool", "n", False),
        ("bool", "FALSE", False),
        ("int", " 12 ", 12),
        ("gbp", "£1,250.50", Decimal("1250.50")),
        ("gbp", "25000", Decimal("25000")),
        ("gbp", "1.500", Decimal("1.50")),
        ("gbp", "999999999999.99", Decimal("999999999999.99")),
        ("date", "2026-02-01", date(2026, 2, 1)),
        ("email", " Kelly.Burke@CEOP.example ", "kelly.burke@ceop.example"),
        ("tier", "Strategic Partner", "strategic_partner"),
        ("tier", "special-representative", "special_representative"),
        ("tier_kind", "Government", "government"),
    ],
)
def test_each_type_parses_what_people_type(kind: str, raw: str, value: object) -> None:
    assert one(kind, raw) == value


@pytest.mark.parametrize(
    ("kind", "raw", "why"),
    [
        ("text", "   ", "must not be empty"),
        ("bool", "maybe", "expected true or false"),
        ("int", "twelve", "expected a whole number"),
        ("gbp", "lots", "expected an amount in pounds"),
        ("gbp", "-5", "expected a positive amount in pounds and pence"),
        ("gbp", "1.005", "expected a positive amount in pounds and pence"),
        ("gbp", "NaN", "expected a positive amount in pounds and pence"),
        ("gbp", "Infinity", "expected a positive amount in pounds and pence"),
        ("gbp", "1e30", "expected at most"),
        ("gbp", "1000000000000", "expected at most"),
        ("date", "01/02/2026", "expected a date as YYYY-MM-DD"),
        ("email", "kelly", "expected an email address"),
        ("tier", "Gold", "unknown tier 'Gold'; tiers: Strategic Partner, Partner"),
        ("tier_kind", "charity", "unknown kind of Partner 'charity'"),
    ],
)
def test_a_malformed_value_is_named_with_why(kind: str, raw: str, why: str) -> None:
    with pytest.raises(MissingData) as caught:
        one(kind, raw)
    assert str(caught.value).startswith(f"trigger 't': data x={raw!r}: ")
    assert why in str(caught.value)


def test_an_amount_is_kept_in_pounds_and_pence() -> None:
    assert str(one("gbp", "1e3")) == "1000.00"
    assert to_json({"x": one("gbp", "2.5")}) == {"x": "2.50"}


def test_a_list_is_given_by_repeating_the_key_or_with_semicolons() -> None:
    assert one("list", "A;B", " C ") == ["A", "B", "C"]
    with pytest.raises(MissingData, match="expected at least one item"):
        one("list", ";")


def test_a_scalar_given_twice_is_refused() -> None:
    with pytest.raises(MissingData, match="x='1; 2': given more than once"):
        one("int", "1", "2")


def test_every_problem_is_reported_in_one_message() -> None:
    with pytest.raises(MissingData) as caught:
        parse_data(
            {"colour": ["red"], "start": ["soon"]},
            {"tier": "tier", "start": "date"},
            {"end": "date"},
            "assign_tier",
        )
    assert str(caught.value) == (
        "trigger 'assign_tier': unknown data colour (accepted: end, start, tier); "
        "missing data: tier; data start='soon': expected a date as YYYY-MM-DD"
    )


def test_optional_data_may_be_left_out_and_unknown_data_is_refused() -> None:
    assert parse_data({}, {}, {"reason": "text"}, "end") == {}
    with pytest.raises(MissingData, match=r"unknown data reason \(accepted: none\)"):
        parse_data({"reason": ["x"]}, {}, {}, "start_renewal")


def test_to_json_keeps_what_json_can_hold() -> None:
    values = parse_data(
        {"on": ["2026-02-01"], "ok": ["yes"], "items": ["a;b"]},
        {"on": "date", "ok": "bool", "items": "list"},
        {},
        "t",
    )
    assert to_json(values) == {"on": "2026-02-01", "ok": True, "items": ["a", "b"]}


def test_every_declared_type_has_a_parser() -> None:
    for kind in FIELD_TYPES - {"list"}:
        with pytest.raises(MissingData):
            one(kind, "\u2603 not a value \u2603") if kind != "text" else one(kind, " ")
