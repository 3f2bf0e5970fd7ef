"""Does a sweep cost follow the due work, not the size of the book?

Builds two books of active partnerships, 10,000 and 100,000, each with the same 1,000
monthly reviews due, and sweeps each in a fresh process (so peak memory is the daemon's own):

    python -m bench.sweep                     # SQLite files in a temporary folder
    python -m bench.sweep --postgres URL      # databases created (and dropped) on that server

Each sweep runs `--repeat` times on a fresh copy of its book; the median time counts. Goals:
time(100k) / time(10k) <= 1.5 and peak RSS(100k) / peak RSS(10k) <= 1.5.
"""

from __future__ import annotations

import argparse
import json
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


def child(config: Path) -> None:
    """Sweep once at SWEEP_AT and print what it took, as JSON (run in a fresh process)."""
    from ceop_workflow.clock import FixedClock
    from ceop_workflow.config import load_settings
    from ceop_workflow.scheduling.sweep import Sweeper
    from ceop_workflow.store.db import Database
    from ceop_workflow.wiring import build_service

    settings = load_settings(config, environ={})
    clock = FixedClock(datetime.fromisoformat(SWEEP_AT))
    service = build_service(settings, Database(settings.database.url), clock)
    before = peak_rss_kb()
    started = time.perf_counter()
    report = Sweeper(service, "bench").sweep()
    seconds = time.perf_counter() - started
    peak = peak_rss_kb()
    print(json.dumps({"seconds": seconds, "done": report.done, "rss_kb": peak, "base_kb": before}))


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


def sweep_copy(config: Path) -> dict[str, Any]:
    """Run `child` on a config in a new interpreter."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.sweep", "--child", str(config)],
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


def main() -> None:
    """Build both books, sweep each `--repeat` times, print the figures and their ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="admin URL of a PostgreSQL server")
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--sizes", type=int, nargs=2, default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    with tempfile.TemporaryDirectory(prefix="ceop-bench-") as tmp:
        folder = Path(tmp)
        books = PostgresBooks(folder, args.postgres) if args.postgres else SQLiteBooks(folder)
        try:
            figures = {size: measure(books, size, args.due, args.repeat) for size in args.sizes}
        finally:
            books.close()
    report(figures, args.due, "PostgreSQL" if args.postgres else "SQLite")


def measure(books: SQLiteBooks | PostgresBooks, size: int, due: int, repeat: int) -> dict[str, Any]:
    """Build one book and sweep copies of it; the median time and the highest peak RSS."""
    started = time.perf_counter()
    book: Any = books.build(size, due)
    print(f"built {size:,} partnerships in {time.perf_counter() - started:.1f} s", flush=True)
    runs = []
    for _ in range(repeat):
        with books.copy(book) as config:
            runs.append(sweep_copy(config))
    assert all(r["done"] == due for r in runs), runs
    return {
        "seconds": statistics.median(r["seconds"] for r in runs),
        "times": [round(r["seconds"], 3) for r in runs],
        "rss_mb": max(r["rss_kb"] for r in runs) / 1024,
        "base_mb": max(r["base_kb"] for r in runs) / 1024,
    }


def report(figures: dict[int, dict[str, Any]], due: int, backend: str) -> None:
    """Print each sweep's figures, then the two ratios against their goals."""
    small, large = sorted(figures)
    for size in (small, large):
        f = figures[size]
        print(
            f"{backend}: {size:>7,} partnerships, {due:,} due: sweep {f['seconds']:.2f} s "
            f"(runs {f['times']}), peak RSS {f['rss_mb']:.1f} MB "
            f"(before the sweep {f['base_mb']:.1f} MB)"
        )
    time_ratio = figures[large]["seconds"] / figures[small]["seconds"]
    memory_ratio = figures[large]["rss_mb"] / figures[small]["rss_mb"]
    for what, ratio in (("time", time_ratio), ("peak memory", memory_ratio)):
        verdict = "ok" if ratio <= 1.5 else "MISSED"
        print(f"{what} ratio {large:,} / {small:,}: {ratio:.2f} (goal <= 1.5: {verdict})")


if __name__ == "__main__":
    main()
