"""Every input bound the README's exit-code table implies: exit 2 (or 4) with one line, never 1."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.acceptance.test_cli_errors import SQLITE_ONLY, assert_one_line
from tests.support import CliResult, db_snapshot, run_cli_in, write_config

BIG = str(2**63)


@SQLITE_ONLY
@pytest.mark.parametrize(
    "args",
    [
        ["partnership", "show", BIG],
        ["contact", "log", BIG, "--by", "a@ceop.example", "--kind", "call"],
        ["outbox", "retry", BIG],
        ["workflows", "show", "partnership", "--version", BIG],
        ["fire", "1", "withdraw", "--actor", "a@x.org", "--if-version", BIG],
        ["notifications", "preview", "committee_pack", "--partnership", BIG],
    ],
)
def test_ids_and_versions_of_2_63_or_more_are_usage_errors(
    run_cli: Callable[..., CliResult], db_url: str, args: list[str]
) -> None:
    before = db_snapshot(db_url)
    code, out, err = run_cli(*args)
    assert (code, out, "Traceback" in err) == (2, "", False), err
    assert "is not in the range" in err
    assert db_snapshot(db_url) == before


@SQLITE_ONLY
@pytest.mark.parametrize("moment", ["0001-01-01", "9999-12-31T23:59"])
def test_a_moment_out_of_range_is_refused(
    run_cli: Callable[..., CliResult], db_url: str, moment: str
) -> None:
    assert_one_line(
        run_cli("status", now=moment),
        2,
        re.escape(f"--now: '{moment}' is outside the years") + ".*",
    )


@SQLITE_ONLY
def test_a_lone_surrogate_in_a_name_is_refused(
    run_cli: Callable[..., CliResult], db_url: str
) -> None:
    before = db_snapshot(db_url)
    assert_one_line(
        run_cli("partner", "add", "Acme \udcff Ltd"),
        2,
        re.escape("argument 'Acme \\udcff Ltd' is not valid UTF-8 text"),
    )
    assert db_snapshot(db_url) == before


@SQLITE_ONLY
def test_output_pointing_at_a_folder_is_refused(
    run_cli: Callable[..., CliResult], db_url: str, workdir: Path
) -> None:
    folder = workdir / "reports"
    folder.mkdir()
    code, out, err = run_cli("report", "monthly", "--month", "2008-05", "--output", str(folder))
    assert (code, out, "Traceback" in err) == (2, "", False)
    assert "is a directory" in err


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CEOP_WORKFLOW_DAEMON_LEASE_SECONDS", "99999999999999999999", "must be at most 86400"),
        ("CEOP_WORKFLOW_DAEMON_SWEEP_INTERVAL_SECONDS", "1" + "0" * 40, "expected a whole number"),
        ("CEOP_WORKFLOW_DAEMON_BATCH_SIZE", "9223372036854775808", "must be at most 10000"),
    ],
)
def test_huge_settings_are_refused_even_by_status(
    run_cli: Callable[..., CliResult], db_url: str, variable: str, value: str, message: str
) -> None:
    assert_one_line(
        run_cli("status", env={variable: value}),
        2,
        re.escape(f"environment {variable}: {message}") + ".*",
    )


def test_a_config_that_is_a_folder_or_not_utf8(tmp_path: Path) -> None:
    assert_one_line(
        run_cli_in(tmp_path, "--config", str(tmp_path), "status"),
        2,
        re.escape(f"{tmp_path}: is a folder, not a configuration file"),
    )
    latin = tmp_path / "latin.toml"
    latin.write_bytes("# café\n".encode("latin-1"))
    assert_one_line(
        run_cli_in(tmp_path, "--config", str(latin), "status"),
        2,
        re.escape(f"{latin}: not UTF-8 text (byte 5)"),
    )


def test_init_against_an_unreachable_database_exits_4(tmp_path: Path) -> None:
    write_config(tmp_path, "postgresql+psycopg://nobody@127.0.0.1:1/nowhere")
    assert_one_line(
        run_cli_in(tmp_path, "init"),
        4,
        r"database error at postgresql\+psycopg://nobody@127\.0\.0\.1:1/nowhere: .*",
    )
