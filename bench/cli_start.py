"""Benchmark: CPU a CLI command costs, against the bare import of what any such tool needs.

    python bench/cli_start.py [--rounds 9]

Baseline: `python -c "import sqlalchemy.orm, click"` (an outside yardstick: the least a
SQLAlchemy + click command line can import). Cases, in a scratch folder with one partnership:
`ceop-workflow --help` and `ceop-workflow partnership show 1 --json`. Each round runs the
baseline and every case once, interleaved, and measures each child's user + system CPU
(`os.wait4`), so background load falls on all alike; a warm-up round is thrown away. Printed:
per case the median CPU and min-max, and the per-round ratio to the baseline (median, min-max).
Goals (issue "Speed where people wait"): --help at most 0.5x, partnership show at most 1.3x.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BASELINE = [sys.executable, "-c", "import sqlalchemy.orm, click"]
CLI = [sys.executable, "-m", "ceop_workflow"]


def cpu_seconds(command: list[str], cwd: Path) -> float:
    """User + system CPU of one run of `command` (it must exit 0)."""
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}")
    return usage.ru_utime + usage.ru_stime


def prepare(folder: Path) -> None:
    """A database with one partner and one partnership, through the real CLI."""
    for args in (
        ["init"],
        ["partner", "add", "NSPCC"],
        ["partnership", "create", "1", "--workflow", "partnership", "--keyworker",
         "kw@ceop.example"],
    ):  # fmt: skip
        subprocess.run([*CLI, *args], cwd=folder, check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    """Run the rounds and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    rounds = parser.parse_args().rounds
    cases = {
        "--help": [*CLI, "--help"],
        "partnership show 1 --json": [*CLI, "partnership", "show", "1", "--json"],
    }
    goals = {"--help": 0.5, "partnership show 1 --json": 1.3}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        prepare(folder)
        times: dict[str, list[float]] = {"baseline": [], **{name: [] for name in cases}}
        for round_number in range(rounds + 1):
            sample = {"baseline": cpu_seconds(BASELINE, folder)}
            sample |= {name: cpu_seconds(command, folder) for name, command in cases.items()}
            if round_number:  # round 0 warms the file cache and is thrown away
                for name, seconds in sample.items():
                    times[name].append(seconds)
    print(f"CPU per run, {rounds} interleaved rounds (median [min-max]):")
    for name, values in times.items():
        print(f"  {name:28} {statistics.median(values) * 1000:7.0f} ms "
              f"[{min(values) * 1000:.0f}-{max(values) * 1000:.0f}]")  # fmt: skip
    print("ratio to `import sqlalchemy.orm, click`, per round (median [min-max]) and goal:")
    for name in cases:
        ratios = [c / b for c, b in zip(times[name], times["baseline"], strict=True)]
        print(f"  {name:28} {statistics.median(ratios):5.2f}x "
              f"[{min(ratios):.2f}-{max(ratios):.2f}]  goal <= {goals[name]}x")  # fmt: skip


if __name__ == "__main__":
    main()
