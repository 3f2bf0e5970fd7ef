"""The CLI's last line of defence: whatever goes wrong, stderr gets one line and a code."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
import pytest

from ceop_workflow import cli
from ceop_workflow.cli.app import App
from ceop_workflow.errors import BadInput, Conflict, DefinitionError, StorageError
from tests.support import write_config


def run_main(error: Exception, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    @click.command("boom")
    def boom() -> None:
        raise error

    cli.cli.add_command(boom)
    try:
        with pytest.raises(SystemExit) as exited:
            cli.main(["boom"])
    finally:
        cli.cli.commands.pop("boom")
    out, err = capsys.readouterr()
    assert out == ""
    return int(exited.value.code or 0), err


@pytest.mark.parametrize(
    ("error", "code"),
    [(Conflict("changed meanwhile"), 3), (StorageError("down"), 4)],
)
def test_an_error_of_ours_prints_its_message_and_exits_with_its_code(
    capsys: pytest.CaptureFixture[str], error: Exception, code: int
) -> None:
    assert run_main(error, capsys) == (code, f"error: {error}\n")


def test_each_problem_of_a_definition_gets_its_own_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    error = DefinitionError(["a.toml: x: bad", "a.toml: y: worse"])
    assert run_main(error, capsys) == (2, "error: a.toml: x: bad\nerror: a.toml: y: worse\n")


def test_a_bug_is_one_line_without_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CEOP_WORKFLOW_DEBUG", raising=False)
    code, err = run_main(RuntimeError("first line\n[SQL: SELECT 1]\nmore"), capsys)
    assert code == 1
    assert err == (
        "error: internal error: RuntimeError: first line (set CEOP_WORKFLOW_DEBUG=1 for details)\n"
    )


def test_now_without_an_offset_is_local_time(tmp_path: Path) -> None:
    config = write_config(tmp_path, "sqlite:///x.db")
    assert App(config, "2026-07-01T10:30").clock.now() == datetime(2026, 7, 1, 9, 30, tzinfo=UTC)
    assert App(config, "2026-01-01T10:30").clock.now() == datetime(2026, 1, 1, 10, 30, tzinfo=UTC)
    assert App(config, "2026-07-01T10:30+02:00").clock.now().hour == 8
    with pytest.raises(BadInput, match="--now: not an ISO 8601 time: 'tomorrow'"):
        App(config, "tomorrow").clock  # noqa: B018 - building the clock is the check
