"""Catch-up that is whole: after three months down, the reminder email lists the periods it
missed, and the monthly report of each missed month is queued once, marked late."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from tests.daemon.support import World, london, run_cli, sqlite_url, write_config

OBJECTIVE = {"Promote Report Abuse": "met"}


def sweep(config: Path, now: str) -> None:
    result = run_cli(config, "--now", now, "daemon", "--once", "--worker-id", "cron")
    assert result.returncode == 0, result.stderr


def emails(folder: Path) -> list[EmailMessage]:
    found = []
    for path in sorted(folder.glob("*.eml")):
        parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        found.append(parsed)
    return found


def text_of(email: EmailMessage) -> str:
    part = email.get_body(preferencelist=("plain",))
    assert part is not None
    return " ".join(str(part.get_content()).split())


def html_of(email: EmailMessage) -> str:
    part = email.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def test_three_months_down_the_reminder_lists_the_missed_periods_and_each_report_goes_once(
    make_world: Callable[[Path, datetime], World], tmp_path: Path
) -> None:
    config = write_config(tmp_path, sqlite_url(tmp_path))
    world = make_world(config, london(date(2008, 4, 1), time(10)))
    pid = world.partnership("Beta", "partner", date(2008, 4, 1), date(2009, 4, 1), kind="industry")

    sweep(config, "2008-05-01T09:00")  # April's report goes on time
    world.at(london(date(2008, 5, 2), time(12)))
    world.records.record_review(pid, "monthly", world.keyworker(pid), OBJECTIVE)

    # Down from 1 May to 5 August; then two runs, the second finding nothing new.
    sweep(config, "2008-08-05T09:00")
    sweep(config, "2008-08-05T10:05")

    reports = [m for m in world.outbox() if m.template == "monthly_report"]
    assert Counter(m.dedupe_key for m in reports) == Counter(
        {f"monthly_report:2008-0{n}": 1 for n in (4, 5, 6, 7)}
    )
    assert [(m.context["period"], m.context["late"]) for m in reports] == [
        ("April 2008", False),
        ("May 2008", True),
        ("June 2008", True),
        ("July 2008", False),
    ]
    sent = emails(tmp_path / "outbox")
    subjects = sorted(str(e["Subject"]) for e in sent if "monthly report" in str(e["Subject"]))
    assert subjects == [
        "Partnerships monthly report: April 2008",
        "Partnerships monthly report: July 2008",
        "Partnerships monthly report: June 2008 (late)",
        "Partnerships monthly report: May 2008 (late)",
    ]
    june = next(e for e in sent if str(e["Subject"]).endswith("June 2008 (late)"))
    assert "This report comes late: it was due on 2008-07-01" in text_of(june)

    [august] = [
        e
        for e in sent
        if e["X-Ceop-Template"] == "monthly_review_due" and "August 2008" in text_of(e)
    ]
    expected = "Also not reminded while reminders were not running: June 2008, July 2008."
    assert expected in text_of(august)
    assert "June 2008, July 2008" in html_of(august)
