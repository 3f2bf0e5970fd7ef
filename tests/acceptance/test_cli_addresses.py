"""Email addresses checked wherever they enter the CLI: one `error:` line naming the option,
exit 2, nothing written (`--keyworker`, `--manager`, `--actor`, `--by`, `user add`)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.acceptance.test_cli_errors import assert_one_line
from tests.lifecycle import KEYWORKER, MAIN_WALK, new_partnership, walk
from tests.support import CliResult, Core, db_snapshot

INJECTED = "kw@ceop.example\nBcc: evil@x.y"
LINE_BREAK = "it contains a line break or another control character"

# (id, args with PARTNER / PID for the ids made, the stderr line as a regular expression)
CASES = [
    (
        "keyworker with a Bcc header",
        ["partnership", "create", "PARTNER", "--workflow", "partnership", "--keyworker", INJECTED],
        rf"--keyworker: 'kw@ceop\.example\\nBcc: evil@x\.y' is not an email address: {LINE_BREAK}",
    ),
    (
        "keyworker without @",
        ["partnership", "create", "PARTNER", "--workflow", "partnership", "--keyworker", "nobody"],
        r"--keyworker: 'nobody' is not an email address: it has no @",
    ),
    (
        "manager",
        [
            "partnership",
            "create",
            "PARTNER",
            "--workflow",
            "partnership",
            "--keyworker",
            KEYWORKER,
            "--manager",
            "boss@localhost",
        ],
        r"--manager: 'boss@localhost' is not an email address: the domain needs a dot "
        r"\(e\.g\. ceop\.example\)",
    ),
    (
        "fire actor",
        ["fire", "PID", "withdraw", "--actor", "kw\r@ceop.example", "--data", "reason=x"],
        rf"--actor: 'kw\\r@ceop\.example' is not an email address: {LINE_BREAK}",
    ),
    (
        "contact by",
        ["contact", "log", "PID", "--kind", "meeting", "--by", "not-an-email"],
        r"--by: 'not-an-email' is not an email address: it has no @",
    ),
    (
        "review by",
        [
            "review",
            "record",
            "PID",
            "--kind",
            "monthly",
            "--by",
            "kw @ceop.example",
            "--objective",
            "x=met",
        ],
        r"--by: 'kw @ceop\.example' is not an email address: it contains a space",
    ),
    (
        "contribution by",
        ["contribution", "add", "PID", "--gbp", "5", "--kind", "funding", "--by", "a@b@c.example"],
        r"--by: 'a@b@c\.example' is not an email address: it needs exactly one @",
    ),
    (
        "migrate actor",
        ["workflows", "migrate", "partnership", "--to", "1", "--actor", "<kw@ceop.example>"],
        r"--actor: '<kw@ceop\.example>' is not an email address: the part before @ is not "
        r"letters, digits and \.!#\$%&'\*\+/=\?\^_`\{\|\}~-",
    ),
    (
        "user add",
        ["user", "add", "eve@ceop.example\nX-Evil: 1", "--no-password"],
        rf"user: 'eve@ceop\.example\\nX-Evil: 1' is not an email address: {LINE_BREAK}",
    ),
]


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("args", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_address_is_refused_with_one_line(
    build: Callable[..., Core],
    run_cli: Callable[..., CliResult],
    db_url: str,
    args: list[str],
    message: str,
) -> None:
    core = build()
    pid = new_partnership(core.service)
    walk(core.service, pid, MAIN_WALK[:1])
    partner = core.service.add_partner("Acme Ltd")
    args = [str(partner) if a == "PARTNER" else str(pid) if a == "PID" else a for a in args]
    before = db_snapshot(db_url)

    assert_one_line(run_cli(*args), 2, message)
    assert db_snapshot(db_url) == before
