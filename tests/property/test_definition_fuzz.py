"""Mutated shipped definitions: each is accepted or refused with problems (exit 2), never a
crash (exit 1) or a hang; and every accepted one walks a partnership to a final state."""

from __future__ import annotations

import tomllib
from collections import deque
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ceop_workflow.config import load_settings
from ceop_workflow.engine.definitions import Definition, Vocabulary, check, load_file
from ceop_workflow.engine.machine import WorkflowMachine
from ceop_workflow.engine.registry import Registry
from ceop_workflow.engine.rules import DEFAULT_REGISTRY
from ceop_workflow.engine.schedule import Facts, entry_rows
from ceop_workflow.errors import DefinitionError
from tests.support import SHIPPED_CONFIG, WORKFLOWS

VOCABULARY = Vocabulary(
    DEFAULT_REGISTRY, frozenset(load_settings(SHIPPED_CONFIG, environ={}).roles)
)
SOURCES = {p.name: p.read_text(encoding="utf-8") for p in sorted(WORKFLOWS.glob("*.toml"))}
# Guards decide with data a walk does not have: let every guard pass and every action do
# nothing, so that the walk tests the definition's graph and machine, not the data.
PERMISSIVE = Registry(
    {name: (lambda ctx: None) for name in DEFAULT_REGISTRY.guards},
    {name: (lambda ctx: None) for name in DEFAULT_REGISTRY.actions},
)
LONDON = ZoneInfo("Europe/London")

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=80),
    st.sampled_from(
        [
            "state",
            "create",
            "999999w",
            "0d",
            "14d",
            "a:b",
            "x\ny",
            "",
            "default",
            "\ud800",
            "system",
            "keyworker",
            "ended",
            "lead",
            "active",
            "set_tier",
            "partner",
            "month",
        ]
    ),
    st.dates(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a parsed file a mutation may touch."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, child in node.items():
            found += paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += paths(child, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    name = draw(st.sampled_from(sorted(SOURCES)))
    raw = tomllib.loads(SOURCES[name])
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        where = draw(st.sampled_from(paths(raw)))
        parent = raw
        for step in where[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete":
            del parent[where[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=12))] = draw(values)
        else:
            parent[where[-1]] = draw(values)
        if not paths(raw):
            break
    return name, raw


def walk_to_an_end(definition: Definition) -> None:
    """Fire, through the real machine, a shortest path from the initial state to a final one,
    planning each state's timers on entry as the daemon would."""
    machine = WorkflowMachine(definition, PERMISSIVE)
    previous: dict[str, tuple[str, str] | None] = {definition.initial: None}
    queue = deque([definition.initial])
    end = None
    while queue:
        state = queue.popleft()
        if definition.states[state].terminal:
            end = state
            break
        for t in definition.transitions_from(state):
            if t.dest not in previous:
                previous[t.dest] = (state, t.trigger)
                queue.append(t.dest)
    assert end is not None, f"{definition.name}: no final state reachable"
    steps = []
    while previous[end] is not None:
        state, trigger = previous[end]  # type: ignore[misc]
        steps.append((state, trigger))
        end = state
    now = datetime(2026, 6, 1, 9, tzinfo=UTC)
    facts = Facts(
        1, definition.initial, "partner", date(2026, 1, 1), date(2026, 1, 1), date(2027, 1, 1)
    )
    for state, trigger in reversed(steps):
        model = type("Model", (), {"state": state})()
        ctx = type("Ctx", (), {"quorum": 1})()
        moved = machine._machine.events[trigger].trigger(
            model, ctx=ctx, failures=[], votes_before=0
        )
        assert moved, (definition.name, trigger)
        for timer in definition.states[model.state].timers:
            entry_rows(facts, timer, now, LONDON, date(2026, 1, 1))


@settings(
    max_examples=300,
    deadline=2000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
    database=None,
)
@given(mutated())
def test_a_mutated_definition_is_accepted_and_walkable_or_refused(case: tuple[str, Any]) -> None:
    name, raw = case
    try:
        definition = check(raw, SOURCES[name], f"workflows/{name}", VOCABULARY)
    except DefinitionError as exc:
        assert exc.exit_code == 2
        assert exc.problems and all(p.startswith(f"workflows/{name}") for p in exc.problems)
        assert all(p.isprintable() for p in exc.problems), exc.problems
        return
    walk_to_an_end(definition)


def test_the_shipped_definitions_walk_to_an_end() -> None:
    for name, source in SOURCES.items():
        walk_to_an_end(check(tomllib.loads(source), source, name, VOCABULARY))


@st.composite
def garbled(draw: st.DrawFn) -> bytes:
    """A shipped file with a few of its bytes replaced, inserted or removed."""
    data = bytearray(SOURCES[draw(st.sampled_from(sorted(SOURCES)))].encode("utf-8"))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        at = draw(st.integers(min_value=0, max_value=len(data) - 1))
        edit = draw(st.sampled_from(["replace", "insert", "delete"]))
        chunk = draw(
            st.one_of(
                st.binary(min_size=1, max_size=6),
                st.sampled_from([b"[", b"]", b"{", b'"', b"=", b"\n", b"\xff", b"9" * 30]),
            )
        )
        if edit == "replace":
            data[at : at + len(chunk)] = chunk
        elif edit == "insert":
            data[at:at] = chunk
        else:
            del data[at : at + len(chunk)]
    return bytes(data)


@settings(max_examples=200, deadline=2000, derandomize=True, database=None)
@given(garbled())
def test_a_garbled_file_is_loaded_or_refused_never_a_crash(
    tmp_path_factory: Any, data: bytes
) -> None:
    path = tmp_path_factory.mktemp("garbled") / "garbled.toml"
    path.write_bytes(data)
    try:
        definition = load_file(path, VOCABULARY)
    except DefinitionError as exc:
        assert exc.problems and all(p.startswith(f"{path}: ") for p in exc.problems)
        assert all(p.isprintable() for p in exc.problems), exc.problems
        return
    walk_to_an_end(definition)
