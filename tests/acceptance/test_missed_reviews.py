"""Missed monthly reviews, through the real CLI with `--now`: they weigh on the objectives KPI,
and the second missed month in a row escalates the partnership, which keeps its reminders.

Dates (Europe/London is on GMT until 30 March 2008): first working days 1 Feb, 3 Mar and
1 Apr 2008; a monthly review is chased as overdue 14 days after it fell due, at 09:00.
"""

from __future__ import annotations

import email
import json
from email import policy
from email.message import EmailMessage
from pathlib import Path

from tests.lifecycle import BUSINESS_CASE, HEAD, KEYWORKER, MANAGER, MEMBER_A, TEAM
from tests.support import run_cli_in, write_config

GO_LIVE = "2008-01-07T10:00:00+00:00"
OBJECTIVES = BUSINESS_CASE["objectives"].split(";")


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{(folder / 'ceop.db').as_posix()}"


def _ok(folder: Path, now: str, *args: str) -> str:
    code, out, err = run_cli_in(folder, *args, now=now)
    assert (code, err) == (0, ""), (args, out, err)
    return out


def _live_partnership(folder: Path, name: str, at: str = GO_LIVE) -> str:
    """A partnership taken from lead to `active` (Partner, Industry) at `at`."""
    partner = _ok(folder, at, "partner", "add", name).strip()
    pid = _ok(
        folder, at, "partnership", "create", partner, "--workflow", "partnership",
        "--keyworker", KEYWORKER, "--manager", MANAGER,
    ).strip()  # fmt: skip
    case = [arg for key, value in BUSINESS_CASE.items() for arg in ("--data", f"{key}={value}")]
    for trigger, actor, data in (
        ("start_business_case", KEYWORKER, []),
        ("submit_to_committee", KEYWORKER, case),
        ("approve", MEMBER_A, []),
        ("assign_tier", TEAM, ["--data", "tier=Partner", "--data", "kind=industry",
                               "--data", "start=2008-01-07", "--data", "end=2009-01-07"]),
    ):  # fmt: skip
        _ok(folder, at, "fire", pid, trigger, "--actor", actor, *data)
    return pid


def _state(folder: Path, pid: str, now: str) -> str:
    return str(json.loads(_ok(folder, now, "partnership", "show", pid, "--json"))["state"])


def _mail(folder: Path) -> list[EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)  # type: ignore[misc]
        for path in sorted((folder / "outbox").glob("*.eml"))
    ]


def _text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def test_two_active_one_reviewed_and_met_is_half_and_names_the_other(tmp_path: Path) -> None:
    write_config(tmp_path, sqlite_url(tmp_path))
    _ok(tmp_path, GO_LIVE, "init")
    reviewed = _live_partnership(tmp_path, "Acme Mobile")
    _live_partnership(tmp_path, "Beacon Trust")
    outcomes = [arg for name in OBJECTIVES for arg in ("--objective", f"{name}=met")]
    _ok(tmp_path, "2008-02-05T11:00:00+00:00", "review", "record", reviewed, "--kind", "monthly",
        "--by", TEAM, *outcomes)  # fmt: skip

    report = json.loads(
        _ok(
            tmp_path,
            "2008-03-05T12:00:00+00:00",
            "report",
            "monthly",
            "--month",
            "2008-02",
            "--format",
            "json",
        )
    )
    objectives = report["objectives"]
    # Both owed February's review; one met all its objectives and the other was not reviewed.
    assert (objectives["met"], objectives["owed"], objectives["share"]) == (1, 2, "0.5000")
    assert objectives["on_target"] is False
    assert [n["partner"] for n in objectives["not_reviewed"]] == ["Beacon Trust"]
    text = _ok(tmp_path, "2008-03-05T12:00:00+00:00", "report", "monthly", "--month", "2008-02")
    assert "Partnerships meeting all objectives: 50% (target 70%) - below target" in text
    assert "1 of 2 met all objectives (0 not met, 1 not reviewed)" in text
    assert "not reviewed: Beacon Trust" in text
    # The definition is printed with the report itself.
    assert "divided by every partnership that owed a monthly review" in " ".join(text.split())


def test_the_second_missed_month_escalates_and_reminders_go_on(tmp_path: Path) -> None:
    write_config(tmp_path, sqlite_url(tmp_path))
    _ok(tmp_path, GO_LIVE, "init")
    pid = _live_partnership(tmp_path, "Acme Mobile")
    # Contact is kept up, so only the missed reviews can escalate it.
    _ok(tmp_path, "2008-03-01T10:00:00+00:00", "contact", "log", pid, "--kind", "meeting",
        "--by", KEYWORKER)  # fmt: skip

    def sweep(now: str) -> str:
        code, _, err = run_cli_in(tmp_path, "daemon", "--once", now=now)  # it logs to stderr
        assert code == 0, err
        return _state(tmp_path, pid, now)

    assert sweep("2008-02-01T09:30:00+00:00") == "active"  # February's reminder
    assert sweep("2008-02-15T09:30:00+00:00") == "active"  # chased: the first missed month
    assert sweep("2008-03-03T09:30:00+00:00") == "active"  # March's reminder
    assert sweep("2008-03-17T08:59:00+00:00") == "active"  # a minute before March's chase
    assert sweep("2008-03-17T09:30:00+00:00") == "escalated"  # chased: the second missed month

    history = json.loads(_ok(tmp_path, GO_LIVE, "partnership", "history", pid, "--json"))
    escalation = history[-1]
    assert (escalation["trigger"], escalation["actor"]) == ("escalate", "system")
    assert escalation["at"].startswith("2008-03-17T09:30")
    assert escalation["data"]["reason"] == (
        "2 monthly reviews missed in a row (February 2008, March 2008)"
    )
    alert = [m for m in _mail(tmp_path) if m["X-Ceop-Template"] == "escalation"]
    assert len(alert) == 1
    assert set(str(alert[0]["To"]).replace(" ", "").split(",")) == {MANAGER, HEAD}
    assert "2 monthly reviews missed in a row" in _text(alert[0])
    assert f"/partnerships/{pid}" in _text(alert[0])

    # Escalated, it keeps the monthly cadence: April's reminder comes on 1 April.
    assert sweep("2008-04-01T09:30:00+01:00") == "escalated"
    april = [
        m
        for m in _mail(tmp_path)
        if m["X-Ceop-Template"] == "monthly_review_due" and "April 2008" in str(m["Subject"])
    ]
    assert len(april) == 1, [str(m["Subject"]) for m in _mail(tmp_path)]
    assert str(april[0]["To"]) == KEYWORKER
    # Its due date is the period's one due moment, the day it fell due.
    assert "2008-04-01" in _text(april[0])
