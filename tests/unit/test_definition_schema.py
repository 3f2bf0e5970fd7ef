"""The published JSON Schema and the loader agree; hostile files are exit-2 lines, never crashes."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema_rs
import pytest

from ceop_workflow.config import load_settings
from ceop_workflow.engine.definitions import Vocabulary, load_file
from ceop_workflow.engine.rules import DEFAULT_REGISTRY
from ceop_workflow.engine.schema import json_schema
from ceop_workflow.errors import DefinitionError
from tests.support import SHIPPED_CONFIG, run_cli_in

CORPUS = Path(__file__).resolve().parent.parent / "data" / "definitions"
SETTINGS = load_settings(SHIPPED_CONFIG, environ={})
VOCABULARY = Vocabulary(DEFAULT_REGISTRY, frozenset(SETTINGS.roles))
VALIDATOR = jsonschema_rs.validator_for(json_schema())


def corpus(folder: str) -> list[Path]:
    found = sorted((CORPUS / folder).glob("*.toml"))
    assert found, folder
    return found


def expected_key(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: ")
    return first.removeprefix("# expect: ")


def problems(path: Path) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        load_file(path, VOCABULARY)
    assert caught.value.exit_code == 2
    return caught.value.problems


@pytest.mark.parametrize("path", corpus("good"), ids=lambda p: p.name)
def test_a_good_file_passes_both(path: Path) -> None:
    assert VALIDATOR.is_valid(tomllib.loads(path.read_text(encoding="utf-8")))
    assert load_file(path, VOCABULARY).origin == str(path)


@pytest.mark.parametrize("path", corpus("bad_shape"), ids=lambda p: p.name)
def test_a_file_of_the_wrong_shape_fails_both(path: Path) -> None:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    assert not VALIDATOR.is_valid(raw)
    found = problems(path)
    assert any(p.startswith(f"{path}: {expected_key(path)}: ") for p in found), found


@pytest.mark.parametrize("path", corpus("bad_rules"), ids=lambda p: p.name)
def test_a_file_breaking_a_rule_passes_the_schema_and_fails_the_loader(path: Path) -> None:
    # The schema describes the shape; the loader also checks names against each other,
    # what actions need and the graph. So the schema accepts these, and the loader does not.
    assert VALIDATOR.is_valid(tomllib.loads(path.read_text(encoding="utf-8")))
    found = problems(path)
    assert any(p.startswith(f"{path}: {expected_key(path)}: ") for p in found), found


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("latin1", "[workflow]\nname = 'café'\n".encode("latin-1"), "not UTF-8 text (byte 22)"),
        ("utf16", "[workflow]\n".encode("utf-16"), "not UTF-8 text (byte 0)"),
        ("binary", bytes(range(256)), "not UTF-8 text (byte 128)"),
        ("nul", b"[workflow]\x00\n", "not valid TOML"),
        ("digits", b"[workflow]\nversion = 1" + b"0" * 5000 + b"\n", "a number is far too long"),
        ("deep", b"x = " + b"[" * 100_000 + b"]" * 100_000 + b"\n", "nested too deeply"),
    ],
)
def test_a_file_that_is_not_sound_toml_is_one_problem(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / f"{name}.toml"
    path.write_bytes(content)
    found = problems(path)
    assert len(found) == 1 and found[0].startswith(f"{path}: ") and expected in found[0], found


def test_workflows_schema_prints_the_schema(tmp_path: Path) -> None:
    code, out, err = run_cli_in(tmp_path, "workflows", "schema")
    assert (code, err) == (0, "")
    assert json.loads(out) == json_schema()
    assert json.loads(out)["properties"].keys() == {"workflow", "states", "transitions"}
    target = tmp_path / "schema.json"
    assert run_cli_in(tmp_path, "workflows", "schema", "--output", str(target))[0] == 0
    assert json.loads(target.read_text(encoding="utf-8")) == json_schema()


def test_validate_names_every_bad_file_of_the_corpus_in_one_run(tmp_path: Path) -> None:
    bad = [*corpus("bad_shape"), *corpus("bad_rules")]
    hostile = tmp_path / "utf16.toml"
    hostile.write_bytes("[workflow]\n".encode("utf-16"))
    code, out, err = run_cli_in(tmp_path, "workflows", "validate", *map(str, bad), str(hostile))
    assert (code, out, "Traceback" in err, "internal error" in err) == (2, "", False, False)
    lines = err.splitlines()
    named = {line.split(": ")[1] for line in lines}
    assert named == {str(p) for p in [*bad, hostile]}
    assert all(line.startswith("error: ") for line in lines)
