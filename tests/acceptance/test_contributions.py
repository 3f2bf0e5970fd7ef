"""Money counts only from partnerships that are running, or ended for the days they ran."""

from __future__ import annotations

import json
from pathlib import Path

from tests.acceptance.test_missed_reviews import GO_LIVE, _live_partnership, _ok, sqlite_url
from tests.lifecycle import HEAD, KEYWORKER, MANAGER
from tests.support import db_snapshot, run_cli_in, write_config


def test_contributions_are_refused_unless_the_partnership_was_running(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    write_config(tmp_path, url)
    _ok(tmp_path, GO_LIVE, "init")
    partner = _ok(tmp_path, GO_LIVE, "partner", "add", "Still Deciding Ltd").strip()
    lead = _ok(tmp_path, GO_LIVE, "partnership", "create", partner, "--workflow", "partnership",
               "--keyworker", KEYWORKER, "--manager", MANAGER).strip()  # fmt: skip
    _ok(tmp_path, GO_LIVE, "fire", lead, "start_business_case", "--actor", KEYWORKER)

    before = db_snapshot(url)
    code, out, err = run_cli_in(
        tmp_path, "contribution", "add", lead, "--gbp", "50000", "--kind", "funding",
        "--by", KEYWORKER, now=GO_LIVE,
    )  # fmt: skip
    assert (code, out) == (3, "")
    assert err == (
        f"error: partnership {lead} is business_case and has never been running:"
        " contributions are recorded only for the days a partnership ran\n"
    )
    assert db_snapshot(url) == before

    live = _live_partnership(tmp_path, "Acme Mobile")  # active from 7 January 2008
    _ok(tmp_path, "2008-02-01T10:00:00+00:00", "contribution", "add", live, "--gbp", "1000",
        "--kind", "in_kind", "--by", KEYWORKER)  # fmt: skip
    # Escalated is still running: money raised then counts.
    _ok(tmp_path, "2008-02-02T10:00:00+00:00", "fire", live, "escalate", "--actor", KEYWORKER)
    _ok(tmp_path, "2008-02-03T10:00:00+00:00", "contribution", "add", live, "--gbp", "2000",
        "--kind", "funding", "--by", KEYWORKER)  # fmt: skip
    _ok(tmp_path, "2008-02-10T10:00:00+00:00", "fire", live, "terminate", "--actor", HEAD,
        "--data", "reason=could not be put right")  # fmt: skip
    # Ended: money received while it ran is still recorded; after it ended, refused.
    _ok(tmp_path, "2008-02-12T10:00:00+00:00", "contribution", "add", live, "--gbp", "500",
        "--kind", "funding", "--on", "2008-02-09", "--by", KEYWORKER)  # fmt: skip
    code, _, err = run_cli_in(
        tmp_path, "contribution", "add", live, "--gbp", "500", "--kind", "funding",
        "--on", "2008-02-11", "--by", KEYWORKER, now="2008-02-12T10:00:00+00:00",
    )  # fmt: skip
    assert code == 3
    assert f"partnership {live} is ended and was not running on 2008-02-11" in err
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
    assert report["funding"]["year_to_date"] == "3500.00"
