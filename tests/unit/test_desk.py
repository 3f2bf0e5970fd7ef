"""The workflow desk's pure parts: problems split into key path and message, and the states a
change touches (issue 15, item 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ceop_workflow.app.desk import Problem, problems_of, touched_states
from ceop_workflow.engine.definitions import Definition, Vocabulary, parse
from ceop_workflow.engine.diff import diff
from ceop_workflow.errors import DefinitionError
from ceop_workflow.wiring import DEFAULT_REGISTRY

SOURCE = (Path(__file__).resolve().parents[2] / "workflows" / "partnership.toml").read_text()


def _parse(text: str) -> Definition:
    return parse(text, "definition", Vocabulary(DEFAULT_REGISTRY))


def test_each_problem_keeps_its_key_path_and_a_whole_text_problem_has_none() -> None:
    broken = SOURCE.replace('dest = "escalated"', 'dest = "nowhere"', 1)
    with pytest.raises(DefinitionError) as bad_state:
        _parse(broken)
    with pytest.raises(DefinitionError) as bad_toml:
        _parse("[workflow\n")

    assert Problem("transitions[6].dest", "unknown state 'nowhere'") in problems_of(bad_state.value)
    (whole,) = problems_of(bad_toml.value)
    assert whole.key == "" and whole.message.startswith("not valid TOML:")


def test_a_change_touches_the_states_it_removes_alters_or_leads_out_of() -> None:
    old = _parse(SOURCE)
    new = _parse(
        SOURCE.replace("version = 1", "version = 2", 1)
        .replace(
            '{ name = "business_case_chaser", after = "28d"',
            '{ name = "business_case_chaser", after = "21d"',
        )
        .replace('trigger = "reject"', 'trigger = "turn_down"')
    )

    touched = touched_states(old, diff(old, new))

    assert touched == {
        "business_case": "state changed (timers or final)",
        "committee_review": "way out changed (reject)",
    }
