"""Under CI=true a skipped test fails the run, and says why; elsewhere a skip stays a skip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]


def run_pytest_on(tmp_path: Path, *, ci: bool) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_sample.py").write_text(
        "import pytest\n\n"
        "def test_needs_a_server():\n    pytest.skip('no widget server here')\n\n"
        "def test_plain():\n    pass\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYTHONPATH"] = str(REPOSITORY)
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.ci_skips",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            str(tmp_path / "test_sample.py"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("ci", [True, False])
def test_a_skip_fails_only_under_ci(tmp_path: Path, ci: bool) -> None:
    result = run_pytest_on(tmp_path, ci=ci)
    if ci:
        assert result.returncode == 1, result.stdout
        assert "1 failed, 1 passed" in result.stdout
        assert "skipped under CI=true" in result.stdout
        assert "no widget server here" in result.stdout
    else:
        assert result.returncode == 0, result.stdout
        assert "1 passed, 1 skipped" in result.stdout
