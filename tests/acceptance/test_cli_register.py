"""The Business Plan register through the real CLI: kept by the Head of Partnerships, every
change logged, cited by key in business cases, and shown to the committee in its pack."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.lifecycle import HEAD, KEYWORKER, MANAGER, TEAM
from tests.support import T0, CliResult, db_snapshot

TITLE = "Report Abuse reaches 2 million young users"


def _ok(run_cli: Callable[..., CliResult], *args: str) -> str:
    code, out, err = run_cli(*args, now=T0)
    assert (code, err) == (0, ""), args
    return out


def _business_case(pid: str, objectives: str) -> list[str]:
    return [
        "fire", pid, "submit_to_committee", "--actor", KEYWORKER,
        "--data", "title=Safety messaging", "--data", f"objectives={objectives}",
        "--data", "core_policing=no",
    ]  # fmt: skip


def test_a_business_case_cites_registered_targets_only(
    run_cli: Callable[..., CliResult], db_url: str
) -> None:
    _ok(run_cli, "register", "add", "objective", "reach", "Maximise reach", "--by", HEAD)
    for key, title in (("report_abuse", TITLE), ("teacher_training", "Train 500 teachers")):
        _ok(run_cli, "register", "add", "target", key, title, "--objective", "reach", "--by", HEAD)
    _ok(
        run_cli, "register", "add", "priority_area", "data_analysts", "Analysts for trend data",
        "--criterion", "fills_resource_gap", "--rank", "1", "--by", HEAD,
    )  # fmt: skip
    # Only the Head of Partnerships keeps the register.
    code, _, err = run_cli("register", "add", "target", "yacht", "A yacht", "--by", TEAM, now=T0)
    assert (code, err) == (
        3,
        "error: not permitted: the register is kept by the role head_of_partnerships\n",
    )

    partner = _ok(run_cli, "partner", "add", "Example Mobile").strip()
    pid = _ok(
        run_cli, "partnership", "create", partner, "--workflow", "partnership",
        "--keyworker", KEYWORKER, "--manager", MANAGER,
    ).strip()  # fmt: skip
    _ok(run_cli, "fire", pid, "start_business_case", "--actor", KEYWORKER)
    before = db_snapshot(db_url)
    code, out, err = run_cli(*_business_case(pid, "Buy the team a yacht;report_abuse"), now=T0)
    assert (code, out) == (3, "")
    assert err == (
        "error: guard 'names_business_plan_objective' failed: 'Buy the team a yacht' is not a "
        "target in the 2025/26 Business Plan register; its targets: report_abuse, "
        "teacher_training\n"
    )
    assert db_snapshot(db_url) == before

    _ok(run_cli, *_business_case(pid, "report_abuse"))
    pack = _ok(run_cli, "notifications", "preview", "committee_pack", "--partnership", pid)
    assert f"report_abuse: {TITLE}" in pack

    # A retired target can no longer be cited; the log keeps every change with who made it.
    _ok(run_cli, "register", "change", "teacher_training", "--retire", "--by", HEAD)
    listed = json.loads(_ok(run_cli, "register", "list", "--json"))
    assert [(r["kind"], r["key"], r["retired"]) for r in listed] == [
        ("objective", "reach", False),
        ("target", "report_abuse", False),
        ("target", "teacher_training", True),
        ("priority_area", "data_analysts", False),
    ]
    log = json.loads(_ok(run_cli, "register", "log", "--json"))
    assert [(e["actor"], e["action"], e["key"]) for e in log] == [
        (HEAD, "add", "reach"),
        (HEAD, "add", "report_abuse"),
        (HEAD, "add", "teacher_training"),
        (HEAD, "add", "data_analysts"),
        (HEAD, "retire", "teacher_training"),
    ]


def test_a_difficult_interaction_through_the_cli(
    run_cli: Callable[..., CliResult], db_url: str
) -> None:
    partner = _ok(run_cli, "partner", "add", "Example Mobile").strip()
    pid = _ok(
        run_cli, "partnership", "create", partner, "--workflow", "partnership",
        "--keyworker", KEYWORKER, "--manager", MANAGER,
    ).strip()  # fmt: skip
    _ok(
        run_cli, "contact", "log", pid, "--kind", "difficult_interaction",
        "--by", "alex.staff@ceop.example", "--note", "Angry about the embargo",
    )  # fmt: skip
    outbox = json.loads(_ok(run_cli, "outbox", "list", "--json"))
    mails = [m for m in outbox if m["template"] in {"difficult_interaction", "contact_logged"}]
    assert [(m["template"], m["recipients"]) for m in mails] == [
        ("difficult_interaction", [HEAD, TEAM, KEYWORKER])
    ]
    cases = json.loads(_ok(run_cli, "case", "list", "--json"))
    assert [(c["partnership"], c["note"]) for c in cases] == [(int(pid), "Angry about the embargo")]
    out = _ok(run_cli, "case", "resolve", pid, "--by", HEAD, "--resolution", "Apologised")
    assert out == f"#{pid}: case resolved\n"
    assert json.loads(_ok(run_cli, "case", "list", "--json")) == []
    history = json.loads(_ok(run_cli, "partnership", "history", pid, "--json"))
    assert [(h["trigger"], h["actor"]) for h in history if h["trigger"].startswith("case_")] == [
        ("case_opened", "alex.staff@ceop.example"),
        ("case_resolved", HEAD),
    ]
    code, _, err = run_cli("case", "resolve", pid, "--by", HEAD, "--resolution", "x", now=T0)
    assert (code, err) == (3, f"error: partnership {pid} has no open difficult-interaction case\n")
