"""`init` and `workflows …`: loading, checking and looking at workflow definitions."""

from __future__ import annotations

from pathlib import Path

import click

from ceop_workflow.cli.app import App, emit, pass_app, table
from ceop_workflow.engine.definitions import Definition
from ceop_workflow.engine.diagram import mermaid
from ceop_workflow.errors import DefinitionError


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def init(app: App, as_json: bool) -> None:
    """Create or upgrade the database, then load new versions from the workflows folder."""
    result = app.unchecked_service.init()
    text = (
        f"database {result['database']} at schema {result['schema']}\n"
        f"loaded: {', '.join(result['loaded']) or 'nothing new'}"
        + (f"\nunchanged: {', '.join(result['unchanged'])}" if result["unchanged"] else "")
    )
    emit(result, as_json, text)


@click.group()
def workflows() -> None:
    """List, check and draw workflow definitions."""


@workflows.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def list_(app: App, as_json: bool) -> None:
    """The stored workflow versions and how many partnerships are on each."""
    rows = app.service.workflow_versions()
    emit(
        rows, as_json, table(rows, ["name", "version", "partnerships", "loaded_at", "content_hash"])
    )


@workflows.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def validate(app: App, files: tuple[Path, ...], as_json: bool) -> None:
    """Check definition files (default: every file in the workflows folder) without loading them."""
    catalog = app.unchecked_service.catalog
    if files:
        from ceop_workflow.engine.definitions import load_file

        checked: list[Definition] = []
        problems: list[str] = []
        for path in files:
            try:
                checked.append(load_file(path, catalog.vocabulary))
            except DefinitionError as exc:
                problems.extend(exc.problems)
        if problems:
            raise DefinitionError(problems)
    else:
        checked = catalog.check_folder(app.settings.workflows_path)
    result = [{"file": d.origin, "name": d.name, "version": d.version} for d in checked]
    emit(result, as_json, "\n".join(f"ok  {d.origin}  ({d.name} v{d.version})" for d in checked))


@workflows.command()
@click.argument("name")
@click.option("--version", "version", type=int, help="A stored version (default: the newest).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def show(app: App, name: str, version: int | None, as_json: bool) -> None:
    """States and transitions of a stored workflow."""
    d = app.service.definition(name, version)
    result = {
        "name": d.name,
        "version": d.version,
        "initial": d.initial,
        "description": d.description,
        "subject": d.subject,
        "states": {
            s.name: {
                "terminal": s.terminal,
                "description": s.description,
                "timers": [t.name for t in s.timers],
            }
            for s in d.states.values()
        },
        "transitions": [
            {
                "trigger": t.trigger,
                "source": list(t.sources),
                "dest": t.dest,
                "roles": list(t.roles),
                "requires": dict(t.requires),
                "optional": dict(t.optional),
                "guards": list(t.guards),
            }
            for t in d.transitions
        ],
    }
    lines = [f"{d.name} v{d.version} — {d.description}", f"initial: {d.initial}", "transitions:"]
    lines += [
        f"  {t.trigger}: {' | '.join(t.sources)} -> {t.dest}  [roles: {', '.join(t.roles)}]"
        + (f"  requires: {', '.join(t.requires)}" if t.requires else "")
        for t in d.transitions
    ]
    emit(result, as_json, "\n".join(lines))


@workflows.command()
@click.argument("name")
@click.option("--version", "version", type=int, help="A stored version (default: the newest).")
@pass_app
def diagram(app: App, name: str, version: int | None) -> None:
    """The workflow as a Mermaid state diagram."""
    click.echo(mermaid(app.service.definition(name, version)))
