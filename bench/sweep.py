"""How fast one daemon handles due duties, and does a sweep's cost follow the due work, not the
size of the book?

Builds two books of active partnerships, 10,000 and 100,000, each with the same 1,000
monthly reviews due, and sweeps copies of each in fresh processes (so memory is the daemon's
own), two ways, interleaved round by round:

- `batched`: the daemon's sweep (a batch of `daemon.batch_size` duties per transaction);
- `one-by-one`: the same-run baseline, the sweep as it was before batches: each duty in its own
  transaction, its reads made per duty.

    python -m bench.sweep                     # SQLite files in a temporary folder
    python -m bench.sweep --postgres URL      # databases created (and dropped) on that server

A warm-up round is run and dropped; then `--repeat` rounds. Reported per case and book: the
median [min-max] of the sweep's time, the duties handled per second, and the peak memory the
sweep added above what the process held before it (the ~60 MB of imports and set-up are not
counted). Goals: at least 1,000 duties a second batched; time(100k) / time(10k) <= 1.5 and
memory(100k) / memory(10k) <= 1.5 (memory over a floor of 1 MB, so that noise in a few hundred
KB cannot fail it).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
LONDON = ZoneInfo("Europe/London")
SWEEP_AT = "2008-04-15T09:00:00+01:00"
ROLES = """
[roles]
staff = ["*@ceop.example"]
partnerships_team = ["team@ceop.example"]
head_of_partnerships = ["head@ceop.example"]
committee = ["committee@ceop.example"]
"""


def write_config(folder: Path, url: str) -> Path:
    """A config.toml for one book."""
    path = folder / f"config-{uuid.uuid4().hex[:8]}.toml"
    path.write_text(
        f'[database]\nurl = "{url}"\n[general]\n'
        f'workflows_dir = "{(REPO / "workflows").as_posix()}"\n'
        f'templates_dir = "{(REPO / "notifications").as_posix()}"\n{ROLES}',
        encoding="utf-8",
    )
    return path


def build(config: Path, size: int, due: int) -> None:
    """A book of `size` active partnerships, `due` of them with a monthly review due."""
    from bench.book import seed_active
    from ceop_workflow.clock import FixedClock
    from ceop_workflow.config import load_settings
    from ceop_workflow.store.db import Database
    from ceop_workflow.wiring import build_service

    settings = load_settings(config, environ={})
    # Entered on 1 March: their first monthly review fell due on 1 April. Entered on 1 April:
    # not due before 1 May. Neither has anything else due by the sweep on 15 April.
    early = datetime(2008, 3, 1, 10, tzinfo=LONDON)
    late = datetime(2008, 4, 1, 10, tzinfo=LONDON)
    service = build_service(settings, Database(settings.database.url), FixedClock(early))
    service.init()
    catalog, db = service.catalog, service.db
    seed_active(settings, db, catalog, due, early, end=date(2009, 3, 1), prefix="Due")
    seed_active(settings, db, catalog, size - due, late, end=date(2009, 4, 1), prefix="Quiet")
    db.dispose()


def child(config: Path, case: str) -> None:
    """Sweep once at SWEEP_AT and print what it took, as JSON (run in a fresh process)."""
    from ceop_workflow.clock import FixedClock
    from ceop_workflow.config import load_settings
    from ceop_workflow.scheduling.sweep import Sweeper
    from ceop_workflow.store.db import Database
    from ceop_workflow.wiring import build_service

    class OneByOne(Sweeper):
        """The sweep before batches: each duty in its own transaction (the baseline)."""

        def handle_batch(self, claimed: Any, now: datetime) -> list[str]:
            return [self.handle(timer_id, pid, now) for timer_id, pid in claimed]

    settings = load_settings(config, environ={})
    clock = FixedClock(datetime.fromisoformat(SWEEP_AT))
    service = build_service(settings, Database(settings.database.url), clock)
    sweeper = (OneByOne if case == "one-by-one" else Sweeper)(service, "bench")
    before = rss_kb()
    started, cpu = time.perf_counter(), time.process_time()
    report = sweeper.sweep()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = peak_rss_kb()
    print(
        json.dumps(
            {"seconds": seconds, "cpu": cpu, "done": report.done, "rss_kb": peak, "base_kb": before}
        )
    )


def rss_kb() -> int:
    """This process's resident memory now, in KiB (VmRSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def peak_rss_kb() -> int:
    """This process's peak resident memory in KiB.

    /proc/self/status VmHWM where there is one: ru_maxrss would also count the parent's peak,
    which Linux carries into a child across fork and exec.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def sweep_copy(config: Path, case: str) -> dict[str, Any]:
    """Run `child` on a config in a new interpreter."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.sweep", "--child", str(config), "--case", case],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


class SQLiteBooks:
    """Books as SQLite files; a copy of the file for each run."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def build(self, size: int, due: int) -> Path:
        path = self.folder / f"book-{size}.db"
        build(write_config(self.folder, f"sqlite:///{path.as_posix()}"), size, due)
        return path

    @contextmanager
    def copy(self, book: Path) -> Iterator[Path]:
        target = self.folder / f"run-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(book, target)
        try:
            yield write_config(self.folder, f"sqlite:///{target.as_posix()}")
        finally:
            target.unlink()

    def close(self) -> None:
        pass


class PostgresBooks:
    """Books as PostgreSQL databases; a copy made with CREATE DATABASE … TEMPLATE per run."""

    def __init__(self, folder: Path, admin_url: str) -> None:
        self.folder = folder
        self.admin_url = make_url(admin_url)
        self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self.made: list[str] = []

    def _create(self, name: str, template: str | None = None) -> str:
        clause = f' TEMPLATE "{template}"' if template else ""
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        self.made.append(name)
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def _drop(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.made.remove(name)

    def build(self, size: int, due: int) -> str:
        name = f"ceop_bench_{size}_{uuid.uuid4().hex[:8]}"
        build(write_config(self.folder, self._create(name)), size, due)
        return name

    @contextmanager
    def copy(self, book: str) -> Iterator[Path]:
        name = f"ceop_bench_run_{uuid.uuid4().hex[:8]}"
        url = self._create(name, template=book)
        try:
            yield write_config(self.folder, url)
        finally:
            self._drop(name)

    def close(self) -> None:
        for name in list(self.made):
            self._drop(name)
        self.admin.dispose()


CASES = ("batched", "one-by-one")


def main() -> None:
    """Build both books, sweep copies round by round, print the figures and their ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="admin URL of a PostgreSQL server")
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--sizes", type=int, nargs=2, default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--case", choices=CASES, default="batched", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.case)
        return
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    with tempfile.TemporaryDirectory(prefix="ceop-bench-") as tmp:
        folder = Path(tmp)
        books = PostgresBooks(folder, args.postgres) if args.postgres else SQLiteBooks(folder)
        try:
            runs = measure(books, args.sizes, args.due, args.warmup, args.repeat)
        finally:
            books.close()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    report(runs, args.due, "PostgreSQL" if args.postgres else "SQLite")


Runs = dict[tuple[str, int], list[dict[str, Any]]]


def measure(
    books: SQLiteBooks | PostgresBooks, sizes: list[int], due: int, warmup: int, repeat: int
) -> Runs:
    """Build the books, then sweep a fresh copy of each, case after case, round after round."""
    built: dict[int, Any] = {}
    for size in sizes:
        started = time.perf_counter()
        built[size] = books.build(size, due)
        print(f"built {size:,} partnerships in {time.perf_counter() - started:.1f} s", flush=True)
    runs: Runs = {(case, size): [] for case in CASES for size in sizes}
    for round_ in range(warmup + repeat):
        for case in CASES:
            for size in sizes:
                with books.copy(built[size]) as config:
                    run = sweep_copy(config, case)
                assert run["done"] == due, run
                if round_ >= warmup:
                    runs[case, size].append(run)
    return runs


def _spread(values: list[float], unit: str = "", digits: int = 2) -> str:
    return (
        f"{statistics.median(values):.{digits}f}{unit} "
        f"[{min(values):.{digits}f}-{max(values):.{digits}f}]"
    )


def report(runs: Runs, due: int, backend: str) -> None:
    """Each case's figures, the batched rate against its goal and the baseline, the ratios."""
    sizes = sorted({size for _, size in runs})
    small, large = sizes
    for (case, size), found in runs.items():
        seconds = [r["seconds"] for r in found]
        rates = [due / s for s in seconds]
        cpu_rates = [due / r["cpu"] for r in found]
        added = [(r["rss_kb"] - r["base_kb"]) / 1024 for r in found]
        print(
            f"{backend} {case:>10}: {size:>7,} partnerships, {due:,} due: "
            f"{_spread(seconds, ' s')}, {_spread(rates, '/s', 0)} "
            f"({_spread(cpu_rates, '/s', 0)} of CPU), "
            f"memory added {_spread(added, ' MB', 1)} "
            f"(above {statistics.median(r['base_kb'] for r in found) / 1024:.0f} MB at start)"
        )
    for size in sizes:
        batched = [due / r["seconds"] for r in runs["batched", size]]
        baseline = [due / r["seconds"] for r in runs["one-by-one", size]]
        speedup = [b / o for b, o in zip(batched, baseline, strict=True)]
        rate = statistics.median(batched)
        verdict = "ok" if rate >= 1_000 else "MISSED"
        print(
            f"{size:,} book: batched {rate:.0f} duties/s (goal >= 1,000: {verdict}); "
            f"{_spread(speedup, 'x')} the one-by-one baseline's "
            f"{statistics.median(baseline):.0f}/s "
            f"in the same rounds; 100,000 due at this rate: {100_000 / rate / 60:.1f} min"
        )
    for case in CASES:
        times = [
            b["seconds"] / a["seconds"]
            for a, b in zip(runs[case, small], runs[case, large], strict=True)
        ]
        memory = [
            max(b["rss_kb"] - b["base_kb"], 1024) / max(a["rss_kb"] - a["base_kb"], 1024)
            for a, b in zip(runs[case, small], runs[case, large], strict=True)
        ]
        for what, ratios in (("time", times), ("memory added", memory)):
            verdict = "ok" if statistics.median(ratios) <= 1.5 else "MISSED"
            print(
                f"{case} {what} ratio {large:,} / {small:,}: {_spread(ratios)} "
                f"(goal <= 1.5: {verdict})"
            )


if __name__ == "__main__":
    main()
