"""Every error class through the real CLI: its exit code, one line on stderr, nothing changed.

Refusals are decided before anything is written, by code that does not depend on the dialect,
so most run on SQLite only (each CLI call costs ~0.5 s); those that the database itself
decides (a conflict, a database not initialised) run on PostgreSQL too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.lifecycle import (
    BUSINESS_CASE,
    KEYWORKER,
    MAIN_WALK,
    MEMBER_A,
    OUTSIDER,
    TO_COMMITTEE,
    Step,
    new_partnership,
    walk,
)
from tests.support import WORKFLOWS, CliResult, Core, db_snapshot, run_cli_in, write_config

BAD_CASE = [f"--data={k}={'yes' if k == 'core_policing' else v}" for k, v in BUSINESS_CASE.items()]
CASE = [f"--data={k}={v}" for k, v in BUSINESS_CASE.items()]

# (id, args after "fire PID", exit code, the stderr line as a regular expression)
FIRE_ERRORS = [
    (
        "unknown trigger",
        ["submit_to_comittee", "--actor", KEYWORKER],
        3,
        r"unknown trigger 'submit_to_comittee' in workflow 'partnership'; its triggers are: "
        r"approve, assign_tier, defer, end, escalate, reject, renew, resolve, "
        r"start_business_case, start_renewal, submit_to_committee, terminate, withdraw",
    ),
    (
        "not allowed",
        ["approve", "--actor", MEMBER_A],
        3,
        r"trigger 'approve' is not allowed from state 'business_case'; "
        r"allowed here: submit_to_committee, withdraw",
    ),
    (
        "guard failed",
        ["submit_to_committee", "--actor", KEYWORKER, *BAD_CASE],
        3,
        r"guard 'not_core_policing' failed: partnerships exclude core policing functions",
    ),
    (
        "missing data",
        ["submit_to_committee", "--actor", KEYWORKER, "--data", "title=Safer schools"],
        2,
        r"trigger 'submit_to_committee': missing data: core_policing, objectives",
    ),
    (
        "malformed data",
        ["submit_to_committee", "--actor", KEYWORKER, *CASE[:2], "--data", "core_policing=perhaps"],
        2,
        r"trigger 'submit_to_committee': data core_policing='perhaps': expected true or false",
    ),
    (
        "malformed data option",
        ["withdraw", "--actor", KEYWORKER, "--data", "reason"],
        2,
        r"--data 'reason': expected KEY=VALUE",
    ),
    (
        "not permitted: no role",
        ["withdraw", "--actor", OUTSIDER, "--data", "reason=x"],
        3,
        r"not permitted: 'withdraw' needs one of the roles keyworker, partnerships_team, "
        r"head_of_partnerships",
    ),
    (
        "not permitted: role not held",
        ["withdraw", "--actor", KEYWORKER, "--role", "partnerships_team", "--data", "reason=x"],
        3,
        r"not permitted: the actor does not hold the role 'partnerships_team'",
    ),
    (
        "not permitted: wrong role",
        ["withdraw", "--actor", MEMBER_A, "--role", "committee", "--data", "reason=x"],
        3,
        r"not permitted: role 'committee' may not fire 'withdraw'; keyworker, partnerships_team, "
        r"head_of_partnerships may",
    ),
    (
        "not permitted: the daemon's actor",
        ["withdraw", "--actor", "system", "--data", "reason=x"],
        3,
        r"not permitted: the actor 'system' is reserved for the daemon",
    ),
    (
        "conflict",
        ["withdraw", "--actor", KEYWORKER, "--data", "reason=x", "--if-version", "1"],
        3,
        r"partnership \d+ was changed by someone else since it was loaded \(version 1, now 2\): "
        r"reload and try again",
    ),
]


SQLITE_ONLY = pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)


def assert_one_line(result: CliResult, code: int, message: str) -> None:
    """The exit code, and stderr as exactly one `error:` line matching `message`."""
    exit_code, out, err = result
    assert "Traceback" not in err
    assert (exit_code, out) == (code, ""), err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert re.fullmatch(f"error: {message}\n", err), err


@pytest.fixture
def at_business_case(build: Callable[..., Core]) -> int:
    core = build()
    pid = new_partnership(core.service)
    walk(core.service, pid, MAIN_WALK[:1])
    return pid


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("args", "code", "message"), [case[1:] for case in FIRE_ERRORS], ids=[c[0] for c in FIRE_ERRORS]
)
def test_a_refused_firing(
    at_business_case: int,
    run_cli: Callable[..., CliResult],
    db_url: str,
    args: list[str],
    code: int,
    message: str,
) -> None:
    before = db_snapshot(db_url)
    assert_one_line(run_cli("fire", str(at_business_case), *args), code, message)
    assert db_snapshot(db_url) == before


@SQLITE_ONLY
def test_a_second_decision_by_one_member(
    build: Callable[..., Core], workdir: Path, db_url: str
) -> None:
    write_config(workdir, db_url, committee__quorum=2)
    core = build(committee__quorum=2)
    pid = new_partnership(core.service)
    walk(core.service, pid, [*TO_COMMITTEE, Step("approve", MEMBER_A, "committee_review")])
    before = db_snapshot(db_url)
    assert_one_line(
        run_cli_in(workdir, "fire", str(pid), "defer", "--actor", MEMBER_A, "--data", "reason=x"),
        3,
        r"paul\.lever@ceop\.example has already decided in this round of review \(approve\)",
    )
    assert db_snapshot(db_url) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fire", "999", "withdraw", "--actor", KEYWORKER], "no partnership with id 999"),
        (["partnership", "show", "999", "--json"], "no partnership with id 999"),
        (
            ["partnership", "create", "999", "--workflow", "partnership", "--keyworker", "k@x.org"],
            "no partner with id 999",
        ),
        (
            ["workflows", "show", "partnrship"],
            r"no workflow named 'partnrship' is loaded; loaded: ambassador, partnership "
            r"\(add it to the workflows folder and run `ceop-workflow init`\)",
        ),
    ],
    ids=["fire", "show", "create", "workflow"],
)
@SQLITE_ONLY
def test_not_found(
    run_cli: Callable[..., CliResult], db_url: str, args: list[str], message: str
) -> None:
    before = db_snapshot(db_url)
    assert_one_line(run_cli(*args), 2, message)
    assert db_snapshot(db_url) == before


@SQLITE_ONLY
def test_a_bad_config_names_the_key(workdir: Path, db_url: str) -> None:
    write_config(workdir, db_url, committee__quorum="two")
    before = db_snapshot(db_url)
    assert_one_line(
        run_cli_in(workdir, "partner", "add", "Acme"),
        2,
        r"config\.toml: committee\.quorum: expected a whole number, got 'two'",
    )
    write_config(workdir, db_url)
    assert_one_line(
        run_cli_in(
            workdir, "partner", "add", "Acme", env={"CEOP_WORKFLOW_GENERAL_TIMEZONE": "X/Y"}
        ),
        2,
        r"environment CEOP_WORKFLOW_GENERAL_TIMEZONE: unknown time zone 'X/Y'",
    )
    assert db_snapshot(db_url) == before


@SQLITE_ONLY
def test_a_malformed_definition_names_the_file_and_the_key(workdir: Path, db_url: str) -> None:
    source = (WORKFLOWS / "partnership.toml").read_text(encoding="utf-8")
    bad = workdir / "mine.toml"
    bad.write_text(source.replace('"not_core_policing"', '"not_core_policeing"'), encoding="utf-8")
    before = db_snapshot(db_url)
    assert_one_line(
        run_cli_in(workdir, "workflows", "validate", str(bad)),
        2,
        re.escape(f"{bad}: transitions[1].guards: unknown guard 'not_core_policeing'; known: ")
        + ".*",
    )
    # Several problems: one line each, every one naming the file and the key.
    worse = workdir / "worse.toml"
    worse.write_text(
        source.replace('dest = "declined"', 'dest = "decliend"').replace(
            "version = 1", "version = 0"
        ),
        encoding="utf-8",
    )
    code, out, err = run_cli_in(workdir, "workflows", "validate", str(bad), str(worse))
    assert (code, out, "Traceback" in err) == (2, "", False)
    assert err.splitlines() == [
        f"error: {bad}: transitions[1].guards: unknown guard 'not_core_policeing'; known: "
        + err.splitlines()[0].split("known: ")[1],
        f"error: {worse}: workflow.version: must be a whole number of at least 1",
        f"error: {worse}: transitions[4].dest: unknown state 'decliend'",
        f"error: {worse}: states.declined: unreachable from the initial state 'lead'",
    ]
    assert db_snapshot(db_url) == before


def test_a_database_not_initialised(tmp_path: Path, blank_db_url: str) -> None:
    write_config(tmp_path, blank_db_url)
    before = db_snapshot(blank_db_url)
    assert_one_line(
        run_cli_in(tmp_path, "partnership", "list"),
        4,
        r"the database at \S+ is not initialised: run `ceop-workflow init`",
    )
    assert db_snapshot(blank_db_url) == before == {}


@SQLITE_ONLY
def test_a_usage_error_exits_2(run_cli: Callable[..., CliResult], db_url: str) -> None:
    code, out, err = run_cli("fire", "1")
    assert (code, out) == (2, "")
    assert "Missing argument 'TRIGGER'" in err
    assert "Traceback" not in err
