"""`backup` and `restore`: a consistent copy of the SQLite database, and back."""

from __future__ import annotations

from pathlib import Path

import click

from ceop_workflow.cli.app import App, emit, pass_app
from ceop_workflow.cli.partnerships import JSON


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{table} {n}" for table, n in counts.items() if n)


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@JSON
@pass_app
def backup(app: App, file: Path, as_json: bool) -> None:
    """Copy the database into FILE while everything keeps running (SQLite's backup API).

    For PostgreSQL, prints the pg_dump command to use instead and exits 2.
    """
    from ceop_workflow.adoption.backup import backup as run_backup

    counts = run_backup(app.settings.database.url, file)
    emit({"file": str(file), "rows": counts}, as_json, f"backed up to {file}: {_counts(counts)}")


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@JSON
@pass_app
def restore(app: App, file: Path, as_json: bool) -> None:
    """Restore the backup FILE into the (empty) database of database.url."""
    from ceop_workflow.adoption.backup import restore as run_restore

    counts = run_restore(app.settings.database.url, file)
    emit({"file": str(file), "rows": counts}, as_json, f"restored {file}: {_counts(counts)}")
