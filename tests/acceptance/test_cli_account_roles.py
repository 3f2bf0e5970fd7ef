"""A role granted to an account counts on the command line too: the CLI asks the same
resolver as the web (config patterns, relations to the partnership, account grants)."""

from __future__ import annotations

from collections.abc import Callable

from tests.lifecycle import KEYWORKER
from tests.support import T0, CliResult

LIAISON = "liaison@police.example"  # outside every [roles] pattern of the shipped config


def test_a_role_granted_to_an_account_lets_the_cli_record_with_it(
    run_cli: Callable[..., CliResult],
) -> None:
    def ok(*args: str) -> str:
        code, out, err = run_cli(*args, now=T0)
        assert (code, err) == (0, ""), args
        return out.strip()

    ok("init")
    partner = ok("partner", "add", "Acme Online Safety Ltd")
    pid = ok(
        "partnership", "create", partner, "--workflow", "partnership", "--keyworker", KEYWORKER
    )
    log = ("contact", "log", pid, "--kind", "meeting", "--by", LIAISON)

    code, _, err = run_cli(*log, now=T0)
    assert (code, err.startswith("error: not permitted")) == (3, True), err
    ok("user", "add", LIAISON, "--role", "staff", "--no-password")
    assert ok(*log).isdigit()
