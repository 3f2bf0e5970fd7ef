"""Reading scenario files: times, steps and expectations, and every problem named by its key."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ceop_workflow.errors import DefinitionError
from ceop_workflow.scenarios.spec import DutyExpected, EmailExpected, data_values, load_scenario

LONDON = ZoneInfo("Europe/London")
HEAD = '[scenario]\ndefinition = "flow.toml"\nstart = 2007-07-02T10:00:00\n\n'
CREATE = '[[steps]]\ndo = "create"\npartner = "NSPCC"\nas = "n"\nkeyworker = "kw@x.example"\n\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    path = write(tmp_path, text)
    with pytest.raises(DefinitionError) as caught:
        load_scenario(path, LONDON)
    prefix = f"{path}: "
    assert all(p.startswith(prefix) for p in caught.value.problems)
    return [p.removeprefix(prefix) for p in caught.value.problems]


def test_times_are_local_and_steps_keep_the_previous_moment(tmp_path: Path) -> None:
    (tmp_path / "flow.toml").write_text("", encoding="utf-8")
    scenario = load_scenario(
        write(
            tmp_path,
            HEAD
            + CREATE
            + '[[steps]]\ndo = "wait"\nafter = "14d"\n\n'
            + '[[steps]]\ndo = "contact"\npartnership = "n"\nkind = "meeting"\n'
            + 'by = "kw@x.example"\n'
            + 'expect.duties = { n = [{ name = "t", kind = "idle", due = "2007-08-01T09:00" }] }\n'
            + 'expect.emails = [{ template = "m", to = ["B@x.example", "a@x.example"] }]\n',
        ),
        LONDON,
    )
    start = datetime(2007, 7, 2, 10, tzinfo=LONDON)
    assert scenario.definition == tmp_path / "flow.toml"
    assert [s.at for s in scenario.steps] == [start, start.replace(day=16), start.replace(day=16)]
    expect = scenario.steps[2].expect
    assert expect.duties == {
        "n": (DutyExpected("t", "idle", datetime(2007, 8, 1, 9, tzinfo=LONDON)),)
    }
    assert expect.emails == (EmailExpected("m", ("a@x.example", "b@x.example")),)
    assert scenario.steps[0].expect.emails is None  # not checked, unlike `emails = []`


def test_every_problem_is_named_by_its_key(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        '[scenario]\nstart = "soon"\nquorum = 0\n\n'
        + CREATE
        + '[[steps]]\ndo = "review"\npartnership = "n"\nkind = "monthly"\nby = "a@x.example"\n'
        + 'expect.state = { m = "active" }\nexpect.duties = { n = "monthly_review" }\n'
        + "expect.refused = 3\n",
    )
    assert found == [
        "scenario.definition: required: the workflow file, relative to this one",
        "scenario.start: a date and time such as 2007-07-02T10:00, not 'soon'",
        "scenario.quorum: a whole number of at least 1, not 0",
        "steps[2].outcomes: required by do = 'review'",
        "steps[2].expect.state.m: no partnership 'm' was created by an earlier step; created: n",
        "steps[2].expect.duties.n: a list of { name, kind, due } tables ([] for none)",
        "steps[2].expect.refused: true, or words the refusal's message must contain",
    ]


def test_time_never_runs_backwards_and_at_excludes_after(tmp_path: Path) -> None:
    (tmp_path / "flow.toml").write_text("", encoding="utf-8")
    found = problems(
        tmp_path,
        HEAD
        + '[[steps]]\ndo = "wait"\nat = 2007-07-01T10:00:00\n\n'
        + '[[steps]]\ndo = "wait"\nat = 2007-07-03T10:00:00\nafter = "1d"\n\n'
        + '[[steps]]\ndo = "wait"\nafter = "a fortnight"\n',
    )
    assert found == [
        "steps[1].at: 2007-07-01 10:00 is before the previous step",
        "steps[2].at: give `at` or `after`, not both",
        "steps[3].after: bad duration 'a fortnight': "
        + found[2].split("bad duration 'a fortnight': ")[1],
    ]


def test_fire_data_becomes_the_text_the_cli_would_pass() -> None:
    assert data_values(
        {
            "objectives": ["Reach", "Harm reduction"],
            "core_policing": False,
            "start": date(2007, 8, 1),
        }
    ) == {
        "objectives": ["Reach", "Harm reduction"],
        "core_policing": ["false"],
        "start": ["2007-08-01"],
    }


def test_action_keys_have_their_types(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        HEAD
        + '[[steps]]\ndo = "create"\npartner = 7\nkeyworker = "kw@x.example"\n'
        + 'individual = "yes"\n\n'
        + '[[steps]]\ndo = "fire"\npartnership = "7"\ntrigger = "go"\nactor = "a@x.example"\n'
        + 'data = "title=x"\n',
    )
    assert found == [
        f"scenario.definition: no such file: {tmp_path / 'flow.toml'}",
        "steps[1].individual: true or false, not 'yes'",
        "steps[1].partner: a non-empty string, not 7",
        "steps[2].data: a table, not 'title=x'",
    ]
