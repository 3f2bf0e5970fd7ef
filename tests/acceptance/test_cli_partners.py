"""`partner list`: every partner by name, what it is, its partnerships and the running ones."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.support import CliResult

KEYWORKER = "kim.keyworker@ceop.example"


def test_partner_list_counts_partnerships_and_the_running_ones(
    run_cli: Callable[..., CliResult],
) -> None:
    assert run_cli("partner", "list") == (0, "(none)\n", "")
    nspcc = run_cli("partner", "add", "NSPCC")[1].strip()
    run_cli("partner", "add", "miss dorothy", "--individual")
    for _ in range(2):
        run_cli("partnership", "create", nspcc, "--workflow", "partnership",
                "--keyworker", KEYWORKER)  # fmt: skip
    code, out, err = run_cli("partner", "list")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == ["id", "name", "kind", "partnerships", "running"]
    assert lines[1].split() == ["2", "miss", "dorothy", "individual", "0", "0"]
    assert lines[2].split() == [nspcc, "NSPCC", "organisation", "2", "2"]
    rows = json.loads(run_cli("partner", "list", "--json")[1])
    assert rows[1] | {"id": 0} == {
        "id": 0,
        "name": "NSPCC",
        "individual": False,
        "contractor": False,
        "kind": "organisation",
        "partnerships": 2,
        "running": 2,
    }
