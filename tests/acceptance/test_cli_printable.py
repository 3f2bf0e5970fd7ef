"""Names and notes with line breaks or control characters print escaped: a stored value can
never start a line of its own (a forged `error:` line) or send escape codes to the terminal."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ceop_workflow.errors import printable
from tests.lifecycle import KEYWORKER
from tests.support import CliResult, Core

FORGED = "Acme\nerror: database wiped\x1b[2J\u2028Ltd"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("plain name", "plain name"),
        ("a\nb", "a\\nb"),
        ("a\r\nerror: x", "a\\r\\nerror: x"),
        ("bell\x07 esc\x1b[31m", "bell\\x07 esc\\x1b[31m"),
        ("line\u2028sep\u202eevil", "line\\u2028sep\\u202eevil"),
        ("café — Ltd", "café — Ltd"),
    ],
)
def test_printable_escapes_controls_only(value: str, shown: str) -> None:
    assert printable(value) == shown


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
def test_a_forged_name_stays_on_its_line(
    build: Callable[..., Core], run_cli: Callable[..., CliResult]
) -> None:
    core = build()
    partner = core.service.add_partner(FORGED)
    pid = core.service.create_partnership(partner, "partnership", KEYWORKER)

    outputs = [
        run_cli("partnership", "list"),
        run_cli("partnership", "show", str(pid)),
        run_cli("keyworker", str(pid)),
    ]

    for code, out, err in outputs:
        assert (code, err) == (0, "")
        assert "Acme\\nerror: database wiped\\x1b[2J\\u2028Ltd" in out
        assert not any(line.startswith("error:") for line in out.splitlines())
        assert "\x1b" not in out and "\u2028" not in out
