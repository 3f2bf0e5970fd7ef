"""Test machinery shared by every layer: config files, database snapshots, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, select
from sqlalchemy.pool import NullPool

from ceop_workflow.app.records import Records
from ceop_workflow.app.service import Service
from ceop_workflow.clock import FixedClock
from ceop_workflow.config import Settings
from ceop_workflow.store.db import Database

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / "workflows"
SHIPPED_CONFIG = ROOT / "config.toml"
# Monday 5 January 2026, 09:00 UTC: the moment every test's clock starts at.
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CliResult = tuple[int, str, str]


# -- deadlines ---------------------------------------------------------------------------------

TIME_SCALE_ENV = "CEOP_TEST_TIME_SCALE"
# The base figures already leave room on an idle machine; a few times that covers a machine
# whose every core is busy with other work, on top of the load measured (below).
DEFAULT_TIME_SCALE = 3.0


def time_scale() -> float:
    """The factor every wall-clock deadline of the suite is multiplied by, before the load.

    From the environment variable CEOP_TEST_TIME_SCALE (a number > 0), else 3. A deadline only
    bounds how long a hung test takes to fail, so a larger factor never hides a failure: raise
    it on a slower machine.
    """
    raw = os.environ.get(TIME_SCALE_ENV, "").strip()
    if not raw:
        return DEFAULT_TIME_SCALE
    try:
        factor = float(raw)
    except ValueError:
        factor = 0.0
    if not factor > 0 or factor == float("inf"):
        raise ValueError(f"{TIME_SCALE_ENV}={raw!r}: give a number greater than 0, e.g. 3")
    return factor


def load_factor() -> float:
    """How many processes want each CPU now (the 1-minute load average per CPU), at least 1.

    A machine running other work gives a test's processes a share of each core; measured when
    a wait starts, so a shared or busy machine stretches deadlines instead of failing tests.
    """
    try:
        load = os.getloadavg()[0]
    except OSError:  # no load average on this system
        return 1.0
    return max(1.0, load / (os.cpu_count() or 1))


def scaled(seconds: float) -> float:
    """A deadline for a wait on another process or thread (a subprocess's timeout, a poll, a
    browser action): `seconds`, what the wait may take on an idle 2-core machine with room to
    spare, times `time_scale()` and the machine's `load_factor()` at the start of the wait."""
    return seconds * time_scale() * load_factor()


# -- configuration -----------------------------------------------------------------------------


def write_config(folder: Path, database_url: str, **overrides: Any) -> Path:
    """The shipped config.toml with our database, the repository's workflows and overrides.

    Overrides are `section__key=value`, e.g. `committee__quorum=2`.
    """
    raw = tomllib.loads(SHIPPED_CONFIG.read_text(encoding="utf-8"))
    raw["database"]["url"] = database_url
    raw["general"]["workflows_dir"] = str(WORKFLOWS)
    raw["general"]["templates_dir"] = str(ROOT / "notifications")
    for name, value in overrides.items():
        section, key = name.split("__")
        raw.setdefault(section, {})[key] = value
    lines = []
    for section, table in raw.items():
        lines.append(f"[{section}]")
        # JSON strings, numbers and lists of strings are valid TOML values.
        lines += [f"{key} = {json.dumps(value)}" for key, value in table.items()]
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def db_snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order: equal snapshots mean nothing changed."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            return {
                name: sorted(
                    (tuple(repr(v) for v in row) for row in connection.execute(select(table))),
                )
                for name, table in sorted(metadata.tables.items())
            }
    finally:
        engine.dispose()


def cli_env() -> dict[str, str]:
    """The environment of a CLI subprocess: ours, without CEOP_WORKFLOW_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CEOP_WORKFLOW_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


def run_cli_in(
    folder: Path, *args: str, now: datetime | str | None = None, env: dict[str, str] | None = None
) -> CliResult:
    """Run `python -m ceop_workflow ARGS` in `folder`; returns (exit code, stdout, stderr)."""
    prefix = [] if now is None else ["--now", now if isinstance(now, str) else now.isoformat()]
    done = subprocess.run(
        [sys.executable, "-m", "ceop_workflow", *prefix, *args],
        cwd=folder,
        env=cli_env() | (env or {}),
        capture_output=True,
        text=True,
        timeout=scaled(60),
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


@dataclass
class Core:
    """The use cases of one database, driven by a clock the test moves."""

    settings: Settings
    database: Database
    clock: FixedClock
    service: Service
    records: Records
