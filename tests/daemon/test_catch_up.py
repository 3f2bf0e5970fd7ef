"""A daemon down for three months: on its first sweep each missed duty fires once.

The rule (config.toml, daemon.catch_up): "latest" sends one reminder for the current period
listing the periods missed; "each" sends one per missed period. Driven through the real CLI,
`--now` stepping from one sweep to the next.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path

import pytest

from tests.daemon.support import World, london, run_cli, sqlite_url, write_config

OBJECTIVE = {"Promote Report Abuse": "met"}


def sweep(config: Path, now: str, policy: str) -> None:
    result = run_cli(
        config,
        "--now",
        now,
        "daemon",
        "--once",
        "--worker-id",
        "cron",
        env={"CEOP_WORKFLOW_DAEMON_CATCH_UP": policy},
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("policy", ["latest", "each"])
def test_three_months_down_fires_each_missed_duty_once(
    make_world: Callable[[Path, datetime], World], tmp_path: Path, policy: str
) -> None:
    config = write_config(tmp_path, sqlite_url(tmp_path))
    world = make_world(config, london(date(2008, 4, 1), time(10)))
    pid = world.partnership("Beta", "partner", date(2008, 4, 1), date(2009, 4, 1), kind="industry")

    sweep(config, "2008-05-01T09:00", policy)
    world.at(london(date(2008, 5, 2), time(12)))
    world.records.record_review(pid, "monthly", world.keyworker(pid), OBJECTIVE)
    before = len(world.outbox())

    # Down from 1 May to 5 August: June, July and August reminders and the stale alert missed.
    sweep(config, "2008-08-05T09:00", policy)
    sweep(config, "2008-08-05T09:05", policy)  # a second sweep finds nothing new

    caught_up = [
        (m.template, m.context)
        for m in world.outbox(after=before)
        if m.dedupe_key.startswith("timer:")
    ]
    reminders = [c for t, c in caught_up if t == "monthly_review_due"]
    if policy == "latest":
        assert [(c["period"], c["missed_periods"]) for c in reminders] == [
            ("August 2008", ["June 2008", "July 2008"])
        ]
    else:
        assert [(c["period"], c["missed_periods"]) for c in reminders] == [
            ("June 2008", []),
            ("July 2008", []),
            ("August 2008", []),
        ]
    stale = [c for t, c in caught_up if t == "stale_engagement"]
    assert [(c["days_idle"], c["limit_days"], c["escalate_on"]) for c in stale] == [
        (126, 60, "2008-08-19")  # idle since 1 April; escalation 14 days after the late alert
    ]
    assert sorted(t for t, _ in caught_up) == sorted(
        ["monthly_review_due"] * len(reminders) + ["stale_engagement"]
    )

    status = run_cli(config, "--now", "2008-08-05T09:10", "status", "--json")
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["duties"]["due"] == 0
    assert report["duties"]["next_due"] == "2008-08-15T08:00:00+00:00"  # August's deadline
    assert report["alerts_open"]["count"] == 1
    assert report["reviews_overdue"]["count"] == 0
    # Each --once run also drained the outbox (maildir), so every message went out.
    assert report["outbox"]["sent"] == len(world.outbox())
    assert (report["outbox"]["depth"], report["outbox"]["dead_letters"]) == (0, 0)
    assert report["last_sweep"]["worker"] == "cron"
    assert report["last_sweep"]["at"] == "2008-08-05T08:05:00+00:00"
