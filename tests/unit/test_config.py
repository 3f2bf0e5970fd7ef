"""Settings: the file, the environment over it, and a clear error naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from ceop_workflow.config import load_settings
from ceop_workflow.errors import ConfigError
from tests.support import SHIPPED_CONFIG, write_config


def config_with(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def refusal(path: Path, environ: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ=environ or {})
    assert caught.value.exit_code == 2
    assert "\n" not in str(caught.value)
    return str(caught.value)


def test_the_shipped_config_loads() -> None:
    settings = load_settings(SHIPPED_CONFIG, environ={})
    assert settings.database.url == "sqlite:///ceop-workflow.db"
    assert settings.general.timezone == "Europe/London"
    assert settings.committee.quorum == 1
    assert settings.workflows_path == SHIPPED_CONFIG.parent / "workflows"
    assert settings.holds("paul.lever@ceop.example", "committee")
    assert settings.holds("Anyone@CEOP.example", "staff")
    assert not settings.holds("someone@elsewhere.example", "staff")
    assert settings.roles_of("kelly.burke@ceop.example") >= {
        "head_of_partnerships",
        "partnerships_team",
        "staff",
    }


def test_an_empty_file_takes_the_defaults(tmp_path: Path) -> None:
    settings = load_settings(config_with(tmp_path, ""), environ={})
    assert (settings.general.timezone, settings.committee.quorum) == ("Europe/London", 1)
    assert settings.base_dir == tmp_path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[database]\nuri = 'x'\n", "database.uri: unknown key; known: url"),
        ("[databse]\nurl = 'x'\n", "[databse]: unknown section; known: committee, daemon"),
        ("[committee]\nquorum = 'two'\n", "committee.quorum: expected a whole number, got 'two'"),
        ("[committee]\nquorum = true\n", "committee.quorum: expected a whole number, got True"),
        ("[general]\ntimezone = 1\n", "general.timezone: expected a string, got 1"),
        (
            "[general]\ntimezone = 'Mars/Olympus'\n",
            "general.timezone: unknown time zone 'Mars/Olympus'",
        ),
        ("[committee]\nquorum = 0\n", "committee.quorum: must be at least 1, got 0"),
        (
            "[committee]\nquorum = 3\n[roles]\ncommittee = ['a@x.org', 'b@x.org']\n",
            "committee.quorum: is 3 but roles.committee lists only 2 members",
        ),
        ("[roles]\nkeyworker = ['a@x.org']\n", "roles.keyworker: follows from each partnership"),
        ("[roles]\nstaff = 'a@x.org'\n", "roles.staff: expected a list of strings, got 'a@x.org'"),
        (
            "[email]\ntransport = 'pigeon'\n",
            "email.transport: must be 'maildir', 'smtp' or 'console', got 'pigeon'",
        ),
        ("[database]\nurl = ''\n", "database.url: must not be empty"),
        ("database = 'x'\n", "[database]: must be a table"),
        ("[database\n", "not valid TOML"),
    ],
)
def test_a_bad_setting_names_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = config_with(tmp_path, text)
    problem = refusal(path)
    assert problem.startswith(f"{path}: ")
    assert message in problem


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    assert (
        refusal(tmp_path / "nope.toml") == f"{tmp_path / 'nope.toml'}: no such configuration file"
    )


def test_the_environment_overrides_the_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, "sqlite:///from-file.db", committee__quorum=1)
    settings = load_settings(
        path,
        environ={
            "CEOP_WORKFLOW_DATABASE_URL": "postgresql+psycopg://u@h/db",
            "CEOP_WORKFLOW_COMMITTEE_QUORUM": "2",
            "CEOP_WORKFLOW_GENERAL_TIMEZONE": "UTC",
        },
    )
    assert settings.database.url == "postgresql+psycopg://u@h/db"
    assert settings.committee.quorum == 2
    assert settings.general.timezone == "UTC"
    assert load_settings(path, environ={}).database.url == "sqlite:///from-file.db"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "CEOP_WORKFLOW_COMMITTEE_QUORUM",
            "two",
            "environment CEOP_WORKFLOW_COMMITTEE_QUORUM: expected a whole number, got 'two'",
        ),
        (
            "CEOP_WORKFLOW_GENERAL_TIMEZONE",
            "Nowhere/Town",
            "environment CEOP_WORKFLOW_GENERAL_TIMEZONE: unknown time zone",
        ),
    ],
)
def test_a_bad_environment_value_names_the_variable_or_key(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    path = write_config(tmp_path, "sqlite:///x.db")
    assert message in refusal(path, {name: value})
