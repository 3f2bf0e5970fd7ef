"""`workflows test`: scenario files run through the real CLI, on a database of their own.

The shipped scenarios must pass (this is how CI runs them); a scenario that expects the wrong
thing must fail naming the step, what it expected and what happened; a malformed file is
refused before anything runs, naming the file and the key.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import WORKFLOWS, run_cli_in, write_config

SCENARIOS = sorted((WORKFLOWS / "scenarios").glob("*.toml"))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A working folder with the shipped settings, pointing at a database nobody creates."""
    write_config(tmp_path, f"sqlite:///{tmp_path / 'installation.db'}")
    return tmp_path


def scenario_copy(folder: Path, source: Path, replacements: list[tuple[str, str]]) -> Path:
    """A copy of a scenario with its definition path made absolute and some text replaced."""
    text = source.read_text(encoding="utf-8").replace(
        'definition = "../', f'definition = "{WORKFLOWS}/'
    )
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = folder / source.name
    path.write_text(text, encoding="utf-8")
    return path


def test_there_is_a_scenario_for_each_shipped_partnership_workflow() -> None:
    # Scenarios walk partnerships; an initiative's workflow (subject = "initiative") is driven
    # by `initiative` commands, which scenarios do not speak yet.
    definitions = {
        p.stem
        for p in WORKFLOWS.glob("*.toml")
        if 'subject = "initiative"' not in p.read_text(encoding="utf-8")
    }
    assert {p.stem for p in SCENARIOS} == definitions


def test_the_shipped_scenarios_pass(folder: Path) -> None:
    code, out, err = run_cli_in(folder, "workflows", "test", *map(str, SCENARIOS))
    assert (code, err) == (0, ""), out
    assert "FAIL" not in out
    for path in SCENARIOS:
        assert f"ok  {path}: " in out
    # Steps and their checks are printed for people, each with its outcome.
    assert "step 12 (wait until 2007-09-04 12:00)" in out
    assert "PASS  state of nspcc is 'escalated'" in out
    assert "PASS  emails queued: escalation to kelly.burke@ceop.example, mgr@ceop.example" in out
    # The throw-away database is the scenario's own: the installation's was never made.
    assert not (folder / "installation.db").exists()


def test_a_wrong_expectation_fails_naming_the_step_what_was_expected_and_what_happened(
    folder: Path,
) -> None:
    path = scenario_copy(
        folder,
        WORKFLOWS / "scenarios" / "partnership.toml",
        [
            # step 8: the tier is assigned, so the partnership is active, not in renewal
            (
                'data = { tier = "Strategic Partner", start = 2007-08-01, end = 2010-08-01 }\n'
                'expect.state = { nspcc = "active" }',
                'data = { tier = "Strategic Partner", start = 2007-08-01, end = 2010-08-01 }\n'
                'expect.state = { nspcc = "renewal" }',
            ),
            # step 8 too: August's first working day is the 1st, not the 2nd
            (
                '{ name = "monthly_review", due = 2007-08-01T09:00:00 },',
                '{ name = "monthly_review", due = 2007-08-02T09:00:00 },',
            ),
            # step 11: the stale-engagement email does go out
            (
                'expect.emails = [{ template = "stale_engagement", to = ["kw@ceop.example"] }]',
                "expect.emails = []",
            ),
        ],
    )
    code, out, err = run_cli_in(folder, "workflows", "test", str(path))
    assert (code, err) == (3, ""), out
    lines = out.splitlines()
    step8 = lines.index(
        "  step 8 (fire assign_tier on nspcc by team@ceop.example at 2007-07-20 11:00)"
    )
    assert lines[step8 + 2] == "    FAIL  state of nspcc: expected 'renewal', got 'active'"
    assert (
        "    FAIL  emails queued: expected none; got stale_engagement to kw@ceop.example" in lines
    )
    assert lines[step8 + 3].startswith(
        "    FAIL  duties of nspcc: expected monthly_review due 2007-08-02 09:00, annual_review,"
        " stale_engagement, renewal_notice; got monthly_review (every) due 2007-08-01 09:00, "
    )
    assert f"FAILED  {path}: 32 passed, 3 failed" in lines

    code, out, _ = run_cli_in(folder, "workflows", "test", "--json", str(path))
    [result] = json.loads(out)
    assert (code, result["passed"], result["failed"]) == (3, 32, 3)
    assert {
        "passed": False,
        "what": "state of nspcc",
        "detail": "expected 'renewal', got 'active'",
    } in result["steps"][7]["checks"]


def test_an_unexpected_refusal_and_a_missing_one_both_fail(folder: Path) -> None:
    path = scenario_copy(
        folder,
        WORKFLOWS / "scenarios" / "ambassador.toml",
        [
            (
                'data = { tier = "Partner", start = 2007-10-01 }',
                'data = { tier = "Ambassador", start = 2007-10-01 }',
            ),
        ],
    )
    code, out, _ = run_cli_in(folder, "workflows", "test", str(path))
    assert code == 3
    # Step 4 now succeeds though it expected a refusal; step 5 then finds the vote cast.
    assert "    FAIL  refused with 'tier_fits_partner': it was not refused" in out
    assert "    FAIL  fire done: refused: " in out


def test_a_malformed_scenario_is_refused_naming_the_file_and_every_key(folder: Path) -> None:
    path = folder / "broken.toml"
    path.write_text(
        '[scenario]\ndefinition = "x.toml"\n\n'
        '[[steps]]\ndo = "jump"\n\n'
        '[[steps]]\ndo = "fire"\npartnership = "ghost"\ntrigger = "go"\nactor = "a@b.c"\n'
        "expect.colour = 1\n",
        encoding="utf-8",
    )
    code, out, err = run_cli_in(folder, "workflows", "test", str(path))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"error: {path}: scenario.definition: no such file: {folder / 'x.toml'}",
        f"error: {path}: scenario.start: a date and time such as 2007-07-02T10:00, not None",
        f"error: {path}: steps[1].do: one of create, fire, contact, review, wait, not 'jump'",
        f"error: {path}: steps[2].partnership: no partnership 'ghost' was created by an earlier "
        "step; created: none yet",
        f"error: {path}: steps[2].expect.colour: unknown key; allowed: duties, emails, refused, "
        "state",
    ]


def test_a_scenario_that_is_not_toml_or_names_a_broken_definition_is_bad_input(
    folder: Path,
) -> None:
    garbled = folder / "garbled.toml"
    garbled.write_text("[scenario\n", encoding="utf-8")
    code, _, err = run_cli_in(folder, "workflows", "test", str(garbled))
    assert code == 2
    assert err.startswith(f"error: {garbled}: not valid TOML: ")

    definition = folder / "flow.toml"
    definition.write_text(
        (WORKFLOWS / "ambassador.toml")
        .read_text(encoding="utf-8")
        .replace(
            'dest = "ended"\nroles = ["keyworker", "partnerships_team"]',
            'dest = "endd"\nroles = ["keyworker", "partnerships_team"]',
        ),
        encoding="utf-8",
    )
    path = scenario_copy(
        folder,
        WORKFLOWS / "scenarios" / "ambassador.toml",
        [(f'definition = "{WORKFLOWS}/ambassador.toml"', 'definition = "flow.toml"')],
    )
    code, out, err = run_cli_in(folder, "workflows", "test", str(path))
    assert (code, out) == (2, "")
    assert f"error: {definition}: transitions[" in err
    assert "unknown state 'endd'" in err


def test_the_workflows_folder_ignores_its_scenarios(folder: Path) -> None:
    """Scenario files live in workflows/scenarios/: never read as definitions."""
    code, out, err = run_cli_in(folder, "workflows", "validate", "--json")
    assert (code, err) == (0, "")
    assert sorted(Path(d["file"]).name for d in json.loads(out)) == [
        "ambassador.toml",
        "initiative.toml",
        "partnership.toml",
    ]
    assert (WORKFLOWS / "scenarios" / "partnership.toml").is_file()
