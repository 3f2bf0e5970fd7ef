"""Without Chromium the browser tests skip on a workstation but fail in CI (run for real)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import scaled

ROOT = Path(__file__).resolve().parents[2]


def _run_browser_tests_without_chromium(ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["CEOP_TEST_CHROMIUM"] = str(ROOT / "no-such-chromium")
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",
         "tests/integration/test_report_browser.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=scaled(60), check=False,
    )  # fmt: skip


def test_a_workstation_without_chromium_skips() -> None:
    result = _run_browser_tests_without_chromium(ci=None)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 skipped" in result.stdout


@pytest.mark.parametrize("ci", ["true", "1"])
def test_ci_without_chromium_fails(ci: str) -> None:
    result = _run_browser_tests_without_chromium(ci=ci)

    assert result.returncode != 0
    assert "CI must run the browser tests" in result.stdout
