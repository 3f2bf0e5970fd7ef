"""bench/firing.py keeps working (a small run; the real one is run by hand)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.support import ROOT


def test_the_benchmark_runs_and_prints_its_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = importlib.util.spec_from_file_location("bench_firing", ROOT / "bench" / "firing.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--partnerships", "4", "--rounds", "1", "--steps", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[1:]] == ["Service.fire", "plain", "ratio", "engine"]
    assert "models attached to the machine: 0)" in lines[-1]
