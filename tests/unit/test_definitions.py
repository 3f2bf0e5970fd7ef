"""The definition validator: each kind of problem is reported naming the file and the key path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ceop_workflow.config import load_settings
from ceop_workflow.engine.definitions import Vocabulary, load_file, load_folder, parse
from ceop_workflow.engine.rules import DEFAULT_REGISTRY
from ceop_workflow.errors import DefinitionError
from tests.support import SHIPPED_CONFIG, WORKFLOWS

ORIGIN = "workflows/mini.toml"
VOCABULARY = Vocabulary(
    DEFAULT_REGISTRY, roles=frozenset({"staff", "committee"}), templates=frozenset({"reminder"})
)

# A small sound definition; each test breaks one thing in it.
MINI = textwrap.dedent(
    """\
    [workflow]
    name = "mini"
    version = 1
    initial = "open"

    [states.open]
    timers = [{ name = "nudge", after = "14d", notify = "reminder", to = ["keyworker"] }]

    [states.closed]
    terminal = true

    [[transitions]]
    trigger = "close"
    source = "open"
    dest = "closed"
    roles = ["staff"]
    requires = { reason = "text" }
    guards = ["not_core_policing"]
    actions = ["record_decision"]
    notify = [{ template = "reminder", to = ["keyworker"] }]
    """
)


def problems_of(source: str) -> list[str]:
    """The problems the validator reports for `source`, or [] when it is sound."""
    try:
        parse(source, ORIGIN, VOCABULARY)
    except DefinitionError as exc:
        assert str(exc) == "; ".join(exc.problems)
        return exc.problems
    return []


def only_problem(source: str) -> str:
    problems = problems_of(source)
    assert len(problems) == 1, problems
    return problems[0]


def test_the_small_definition_is_sound() -> None:
    definition = parse(MINI, ORIGIN, VOCABULARY)
    assert (definition.name, definition.version, definition.initial) == ("mini", 1, "open")
    assert definition.triggers == {"close"}
    assert [t.name for t in definition.states["open"].timers] == ["nudge"]


def test_the_shipped_definitions_validate_against_the_shipped_roles() -> None:
    settings = load_settings(SHIPPED_CONFIG, environ={})
    vocabulary = Vocabulary(DEFAULT_REGISTRY, frozenset(settings.roles))
    definitions = load_folder(WORKFLOWS, vocabulary)
    assert sorted((d.name, d.version) for d in definitions) == [
        ("ambassador", 1),
        ("initiative", 1),
        ("partnership", 1),
    ]
    partnership = next(d for d in definitions if d.name == "partnership")
    assert set(partnership.states) == {
        "lead",
        "business_case",
        "committee_review",
        "tier_assignment",
        "active",
        "escalated",
        "renewal",
        "declined",
        "ended",
    }


def test_malformed_toml_names_the_file_and_the_line() -> None:
    problem = only_problem(MINI.replace('initial = "open"', "initial = open"))
    assert problem.startswith(f"{ORIGIN}: not valid TOML:")
    assert "line 4" in problem


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("[workflow]", "owner = 'x'\n[workflow]", "owner"),
        ("version = 1", 'version = 1\nowner = "x"', "workflow.owner"),
        ("terminal = true", "terminal = true\ncolour = 'red'", "states.closed.colour"),
        ('dest = "closed"', 'dest = "closed"\nwhen = "now"', "transitions[0].when"),
        ('after = "14d"', 'after = "14d", colour = "red"', "states.open.timers[0].colour"),
        ("notify = [{ template", "notify = [{ cc = 'x', template", "transitions[0].notify[0].cc"),
    ],
)
def test_an_unknown_key_is_named_with_its_path_and_the_allowed_keys(
    old: str, new: str, key: str
) -> None:
    problem = only_problem(MINI.replace(old, new, 1))
    assert problem.startswith(f"{ORIGIN}: {key}: unknown key; allowed: ")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('initial = "open"', 'initial = "opne"', "workflow.initial: unknown state 'opne'"),
        (
            'source = "open"',
            'source = ["open", "shut"]',
            "transitions[0].source: unknown state 'shut'",
        ),
        ('dest = "closed"', 'dest = "close"', "transitions[0].dest: unknown state 'close'"),
    ],
)
def test_an_unknown_state_is_named(old: str, new: str, expected: str) -> None:
    assert f"{ORIGIN}: {expected}" in problems_of(MINI.replace(old, new))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            '"not_core_policing"',
            '"os.path.isdir"',
            "transitions[0].guards: unknown guard 'os.path.isdir'; known: clearance_explained, "
            "commitment_fits_tier",
        ),
        (
            '"record_decision"',
            '"send_money"',
            "transitions[0].actions: unknown action 'send_money'; known: record_business_case",
        ),
        ('["staff"]', '["janitor"]', "transitions[0].roles: unknown role 'janitor'; known: "),
        (
            '{ template = "reminder"',
            '{ template = "remind"',
            "transitions[0].notify[0].template: unknown template 'remind'; known: reminder",
        ),
        (
            'to = ["keyworker"] }]\n\n[states.closed]',
            'to = ["cleaner"] }]\n\n[states.closed]',
            "states.open.timers[0].to: unknown role 'cleaner'",
        ),
    ],
)
def test_an_unknown_name_is_named_with_those_known(old: str, new: str, expected: str) -> None:
    source = MINI.replace(old, new)
    assert source != MINI
    assert only_problem(source).startswith(f"{ORIGIN}: {expected}")


def test_a_string_never_becomes_code() -> None:
    # transitions would import a dotted path given as a condition: the validator stops it.
    source = MINI.replace('"not_core_policing"', '"os.system"')
    assert "unknown guard 'os.system'" in only_problem(source)


def test_an_unreachable_state() -> None:
    source = MINI + textwrap.dedent(
        """
        [states.island]
        [[transitions]]
        trigger = "leave"
        source = "island"
        dest = "closed"
        roles = ["staff"]
        """
    )
    assert only_problem(source) == (
        f"{ORIGIN}: states.island: unreachable from the initial state 'open'"
    )


def test_a_non_terminal_dead_end() -> None:
    source = MINI.replace('dest = "closed"', 'dest = "stuck"') + "\n[states.stuck]\n"
    assert f"{ORIGIN}: states.stuck: no transition leaves this state" in (
        " | ".join(problems_of(source))
    )


def test_a_terminal_state_with_a_way_out() -> None:
    source = MINI + textwrap.dedent(
        """
        [[transitions]]
        trigger = "reopen"
        source = "closed"
        dest = "open"
        roles = ["staff"]
        """
    )
    assert only_problem(source) == (
        f"{ORIGIN}: states.closed.terminal: a terminal state has transitions out"
    )


def test_a_transition_from_no_state() -> None:
    source = MINI.replace('source = "open"', "source = []") + textwrap.dedent(
        """
        [[transitions]]
        trigger = "shut"
        source = "open"
        dest = "closed"
        roles = ["staff"]
        """
    )
    assert only_problem(source) == f"{ORIGIN}: transitions[0].source: name at least one state"


def test_a_duplicate_trigger_from_one_state() -> None:
    source = MINI + textwrap.dedent(
        """
        [[transitions]]
        trigger = "close"
        source = ["open"]
        dest = "open"
        roles = ["staff"]
        """
    )
    assert only_problem(source) == (
        f"{ORIGIN}: transitions[1].trigger: duplicate trigger 'close' from state 'open' "
        "(also transitions[0])"
    )


def test_a_bad_field_type() -> None:
    problem = only_problem(MINI.replace('reason = "text"', 'reason = "txt"'))
    assert problem.startswith(
        f"{ORIGIN}: transitions[0].requires.reason: unknown type 'txt'; types: bool, date"
    )


@pytest.mark.parametrize(
    ("timer", "expected"),
    [
        ('after = "fortnight"', "timers[0].after: must be a duration such as '14d'"),
        ('after = "-3d"', "timers[0].after: must be a duration"),
        ("after = 14", "timers[0].after: must be a duration"),
        ('when = "14d"', "timers[0]: give exactly one of every, after, idle, before"),
        ('after = "1d", before = "commitment_end", by = "1d"', "timers[0]: give exactly one of"),
        ('every = "week"', "timers[0].every: must be 'month' or 'year'"),
        ('every = "month", on = 32', "timers[0].on: must be a day of the month 1-31"),
        ('every = "year", on = "easter"', "timers[0].on: a yearly duty falls on the 'anniversary'"),
        ('before = "birthday", by = "90d"', "timers[0].before: must be one of commitment_end"),
        ('idle = "email", after = "30d"', "timers[0].idle: the only idle measure is 'contact'"),
        ('idle = "contact", after = { gold = "30d" }', "timers[0].after.gold: unknown tier"),
        (
            'idle = "contact", after = "30d", then_after = "14d"',
            "timers[0]: then_after and then_trigger go together",
        ),
        ('after = "14d", at = "9am"', "timers[0].at: must be a local time HH:MM"),
        ('after = "14d", trigger = "close"', "timers[0].trigger: 'close' is not a trigger the"),
    ],
)
def test_a_bad_timer(timer: str, expected: str) -> None:
    source = MINI.replace('after = "14d"', timer)
    assert f"{ORIGIN}: states.open.{expected}" in " | ".join(problems_of(source))


def test_every_problem_of_a_file_is_reported_at_once() -> None:
    source = (
        MINI.replace('initial = "open"', 'initial = "opne"')
        .replace('"not_core_policing"', '"no_such_guard"')
        .replace('reason = "text"', 'reason = "txt"')
        .replace('after = "14d"', 'after = "soon"')
    )
    problems = problems_of(source)
    assert len(problems) == 4, problems
    assert all(p.startswith(f"{ORIGIN}: ") for p in problems)
    keys = {p.split(": ")[1] for p in problems}
    assert keys == {
        "workflow.initial",
        "transitions[0].guards",
        "transitions[0].requires.reason",
        "states.open.timers[0].after",
    }


def test_a_file_is_named_by_its_path(tmp_path: Path) -> None:
    path = tmp_path / "mini.toml"
    path.write_text(MINI.replace('["staff"]', '["janitor"]'), encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_file(path, VOCABULARY)
    assert caught.value.problems[0].startswith(f"{path}: transitions[0].roles: unknown role")


def test_problems_of_every_file_in_a_folder_are_reported_together(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(MINI.replace('"open"\n', '"opne"\n', 1), encoding="utf-8")
    (tmp_path / "b.toml").write_text("[workflow", encoding="utf-8")
    (tmp_path / "c.toml").write_text(MINI, encoding="utf-8")
    (tmp_path / "d.toml").write_text(MINI, encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_folder(tmp_path, VOCABULARY)
    problems = caught.value.problems
    assert [p.split(": ")[0] for p in problems] == [
        str(tmp_path / "a.toml"),
        str(tmp_path / "b.toml"),
        str(tmp_path / "d.toml"),
    ]
    assert problems[2].endswith(f"mini version 1 is also defined in {tmp_path / 'c.toml'}")


def test_the_content_hash_follows_the_text() -> None:
    a = parse(MINI, ORIGIN, VOCABULARY)
    b = parse(MINI + "\n# a comment\n", ORIGIN, VOCABULARY)
    assert a.content_hash != b.content_hash
    assert len(a.content_hash) == 64
