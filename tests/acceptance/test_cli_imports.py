"""A staff command imports only what it uses: `partnership show` starts no web stack, no Alembic
and no template engine (each costs CPU on every start, and people wait for it)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support import CliResult, cli_env

HEAVY = ["fastapi", "starlette", "uvicorn", "alembic", "jinja2", "jinja2.sandbox", "apscheduler"]
# A command that only reads needs none of the write side (the use cases that fire, the
# listeners, the outbox), nor the bank holidays (no date maths).
WRITE_SIDE = ["ceop_workflow.app.service", "ceop_workflow.notify.outbox", "holidays"]

PROBE = """
import json, sys
from ceop_workflow.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def _probe(workdir: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Run the CLI with `args` in a fresh interpreter; its output and the modules it imported."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=workdir,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    probe: dict[str, Any] = json.loads(done.stderr.strip().splitlines()[-1])
    assert probe["code"] == 0, done.stderr
    return done, probe


def test_partnership_show_imports_no_web_stack_alembic_or_sandbox(
    run_cli: Callable[..., CliResult], workdir: Path
) -> None:
    assert run_cli("partner", "add", "NSPCC")[0] == 0
    created = run_cli(
        "partnership", "create", "1", "--workflow", "partnership", "--keyworker", "kw@ceop.example"
    )
    assert created[0] == 0, created
    done, probe = _probe(workdir, "partnership", "show", "1", "--json")
    assert json.loads(done.stdout)["id"] == 1
    imported = [name for name in HEAVY + WRITE_SIDE if name in probe["modules"]]
    assert imported == []


def test_help_imports_no_settings_validation(workdir: Path) -> None:
    done, probe = _probe(workdir, "--help")
    assert "partnership" in done.stdout
    # Listing the commands reads no settings: pydantic and SQLAlchemy are not even imported.
    imported = [m for m in (*HEAVY, "pydantic", "sqlalchemy") if m in probe["modules"]]
    assert imported == []
