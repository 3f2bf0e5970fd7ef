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

    keep = ("register", "add", "objective", "reach", "Maximise reach", "--by", LIAISON)
    for refused in (log, keep):
        code, _, err = run_cli(*refused, now=T0)
        assert (code, err.startswith("error: not permitted")) == (3, True), err

    grant = ("--role", "staff", "--role", "head_of_partnerships")
    ok("user", "add", LIAISON, *grant, "--no-password")
    assert ok(*log).isdigit()
    assert "reach" in ok(*keep)
