"""The one check of email addresses: what passes, what does not and why, on one line."""

from __future__ import annotations

import pytest

from ceop_workflow.engine.addresses import address_problem, check_address
from ceop_workflow.errors import BadInput

GOOD = [
    "kw@ceop.example",
    "Kelly.Burke@CEOP.example",
    "first.last+tag@mail.partner-school.org.uk",
    "o'brien@ceop.example",
    "a@b.co",
]

BAD = [
    ("kw@ceop.example\nBcc: evil@x.y", "it contains a line break or another control character"),
    ("nobody", "it has no @"),
    ("", "it is empty"),
    ("kw@@ceop.example", "it needs exactly one @"),
    ("kw @ceop.example", "it contains a space"),
    ("kw@ceop.example\x00", "it contains a line break or another control character"),
    ("kw@céop.example", "it contains characters other than ASCII"),
    ("kw@localhost", "the domain needs a dot (e.g. ceop.example)"),
    ("kw@ceop..example", "the domain is not letters, digits and inner hyphens between dots"),
    ("kw@-ceop.example", "the domain is not letters, digits and inner hyphens between dots"),
    ("kw@ceop.123", "the domain does not end in a name of letters"),
    (".kw@ceop.example", "the part before @ is not letters, digits and .!#$%&'*+/=?^_`{|}~-"),
    ('"kw"@ceop.example', "the part before @ is not letters, digits and .!#$%&'*+/=?^_`{|}~-"),
    ("<kw@ceop.example>", "the part before @ is not letters, digits and .!#$%&'*+/=?^_`{|}~-"),
    ("k" * 65 + "@ceop.example", "the part before @ is longer than 64 characters"),
    ("k@" + ("c" * 60 + ".") * 5 + "example", "it is longer than 254 characters"),
]  # fmt: skip


@pytest.mark.parametrize("address", GOOD)
def test_good_addresses_pass_trimmed_and_lower_cased(address: str) -> None:
    assert address_problem(address) is None
    assert check_address(f"  {address} ", "--by") == address.lower()


@pytest.mark.parametrize(("address", "why"), BAD)
def test_bad_addresses_say_why(address: str, why: str) -> None:
    assert address_problem(address) == why


def test_the_error_is_one_line_naming_where_and_showing_the_value_escaped() -> None:
    with pytest.raises(BadInput) as caught:
        check_address("kw@ceop.example\nBcc: evil@x.y", "--keyworker")

    assert str(caught.value) == (
        "--keyworker: 'kw@ceop.example\\nBcc: evil@x.y' is not an email address: "
        "it contains a line break or another control character"
    )


def test_a_long_value_is_cut_in_the_message() -> None:
    with pytest.raises(BadInput) as caught:
        check_address("x" * 500, "--by")

    assert len(str(caught.value)) < 160
