"""The README's main job: `ceop-workflow demo` runs the strategy's year and shows the report."""

from __future__ import annotations

import email
import os
import subprocess
import sys
from email import policy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_runs_the_year_and_leaves_report_emails_and_database(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CEOP_WORKFLOW_DATABASE_URL", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ceop_workflow",
            "--config",
            str(ROOT / "config.toml"),
            "demo",
            "--folder",
            str(tmp_path / "demo"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "monthly report for June 2008" in out
    assert "refused along the way" not in out, out
    folder = tmp_path / "demo"
    html = (folder / "monthly-report-2008-06.html").read_text(encoding="utf-8")
    assert "<svg" in html and "June 2008" in html
    messages = [
        email.message_from_bytes(p.read_bytes(), policy=policy.default)
        for p in (folder / "outbox").glob("*.eml")
    ]
    subjects = " | ".join(str(m["Subject"]) for m in messages)
    # The story's milestones each left an email behind.
    for expected in ("monthly report", "Bebo", "Vodafone", "St Mary's High School"):
        assert expected.lower() in subjects.lower(), expected
    assert (folder / "ceop-workflow.db").is_file()
    assert str(folder / "monthly-report-2008-06.html") in out
