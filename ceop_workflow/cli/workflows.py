"""`init` and `workflows …`: loading, checking and looking at workflow definitions."""

from __future__ import annotations

from pathlib import Path

import click

from ceop_workflow.cli.app import (
    VERSION,
    App,
    address,
    emit,
    parse_pairs,
    pass_app,
    table,
    write_text,
)
from ceop_workflow.engine.definitions import Definition
from ceop_workflow.engine.diagram import dot, mermaid
from ceop_workflow.errors import DefinitionError

# `workflows test`: some expectation of a scenario did not hold (as a refusal by the rules).
EXIT_FAILED = 3


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def init(app: App, as_json: bool) -> None:
    """Create or upgrade the database, then load new versions from the workflows folder."""
    result = app.unchecked_service.init()
    text = (
        f"database {result.database} at schema {result.schema}\n"
        f"loaded: {', '.join(result.loaded) or 'nothing new'}"
        + (f"\nunchanged: {', '.join(result.unchanged)}" if result.unchanged else "")
    )
    emit(result, as_json, text)


@click.group()
def workflows() -> None:
    """List, check and draw workflow definitions."""


@workflows.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def load(app: App, as_json: bool) -> None:
    """Load new versions from the workflows folder (what `init` does after the schema).

    All or nothing: a file with problems, or a file changed under a version already loaded,
    loads nothing and lists every problem (exit 2).
    """
    service = app.service
    result = service.catalog.load(service.db, app.settings.workflows_path, service.clock.now())
    emit(
        {"loaded": list(result.loaded), "unchanged": list(result.unchanged)},
        as_json,
        f"loaded: {', '.join(result.loaded) or 'nothing new'}"
        + (f"\nunchanged: {', '.join(result.unchanged)}" if result.unchanged else ""),
    )


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


@workflows.command("test")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print every step and check as JSON.")
@pass_app
def test_(app: App, files: tuple[Path, ...], as_json: bool) -> None:
    """Run scenario FILEs on a throw-away database with a simulated clock; PASS/FAIL per check.

    Exit 0 when every check of every file passes, 3 when any fails, 2 when a scenario file
    or the definition it names has problems (each named with its file and key).
    """
    from ceop_workflow.scenarios.report import describe, summary
    from ceop_workflow.scenarios.runner import run_scenario
    from ceop_workflow.scenarios.spec import load_scenario

    # Every file is read and checked before any runs: a typo in the last stops nothing midway.
    scenarios, problems = [], []
    for path in files:
        try:
            scenarios.append(load_scenario(path, app.settings.tz))
        except DefinitionError as exc:
            problems.extend(exc.problems)
    if problems:
        raise DefinitionError(problems)
    results = []
    for scenario in scenarios:
        results.append(run_scenario(app.settings, scenario))
        if not as_json:  # each file as it finishes: a long run shows progress
            click.echo(describe(results[-1]))
    emit([summary(r) for r in results], as_json)
    failed = sum(r.failed for r in results)
    if failed:
        raise click.exceptions.Exit(EXIT_FAILED)


@workflows.command()
@click.argument("name")
@click.option("--version", "version", type=VERSION, help="A stored version (default: the newest).")
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


FORMATS = click.Choice(["mermaid", "dot", "svg"])


@workflows.command()
@click.argument("name")
@click.option("--version", "version", type=VERSION, help="A stored version (default: the newest).")
@click.option("--format", "fmt", type=FORMATS, default="mermaid", show_default=True)
@pass_app
def diagram(app: App, name: str, version: int | None, fmt: str) -> None:
    """The workflow as a Mermaid or Graphviz diagram, or a self-contained SVG."""
    click.echo(draw(app.service.definition(name, version), fmt))


def draw(
    definition: Definition, fmt: str, current: str | None = None, path: tuple[str, ...] = ()
) -> str:
    """A diagram in one of FORMATS, marking the current state and the path taken."""
    from ceop_workflow.engine.diagram_svg import svg

    drawers = {"mermaid": mermaid, "dot": dot, "svg": svg}
    return drawers[fmt](definition, current, path)


@workflows.command()
@click.argument("name")
@click.argument("old", type=VERSION)
@click.argument("new", type=VERSION)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def diff(app: App, name: str, old: int, new: int, as_json: bool) -> None:
    """States and transitions added, removed and changed from version OLD to NEW."""
    result = app.service.diff(name, old, new)
    lines = [f"{name}: v{old} -> v{new}"]
    for key in ("states", "transitions"):
        for change in ("added", "removed", "changed"):
            items: tuple[str, ...] = getattr(result, f"{key}_{change}")
            if items:
                lines.append(f"  {key} {change}: {', '.join(items)}")
    if len(lines) == 1:
        lines.append("  no difference")
    for state, count in result.partnerships_in_touched_states.items():
        lines.append(f"  {count} partnership(s) on v{old} in {state}")
    emit(result, as_json, "\n".join(lines))


@workflows.command()
@click.argument("name")
@click.option("--to", "to_version", type=VERSION, required=True, help="The version to move to.")
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="OLD=NEW",
    help="Where partnerships in a state the new version lacks should go.",
)
@click.option(
    "--actor",
    required=True,
    metavar="EMAIL",
    callback=address,
    help="Who migrates (for the audit trail).",
)
@click.option("--dry-run", is_flag=True, help="Print what would change, change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def migrate(
    app: App,
    name: str,
    to_version: int,
    mapping: tuple[str, ...],
    actor: str,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Move running partnerships of NAME to another version; all of them or none."""
    from ceop_workflow.app.migration import Migrator

    pairs = {old: new[-1] for old, new in parse_pairs(mapping, "--map").items()}
    service = app.service
    migrator = Migrator(service.db, service.catalog, service.clock, service.listeners)
    result = migrator.migrate(name, to_version, pairs, actor.lower(), dry_run=dry_run)
    verb = "would move" if dry_run else "moved"
    lines = [f"{verb} {len(result.moves)} partnership(s) of {name} to v{to_version}"]
    for m in result.moves:
        lines.append(
            f"  #{m.partnership_id} {m.partner}: v{m.from_version} {m.from_state}"
            f" -> v{to_version} {m.to_state}"
        )
        lines += [f"      {change}" for change in m.changes]
    if dry_run:
        lines.append("dry run: nothing was changed")
    emit(result, as_json, "\n".join(lines))


@workflows.command()
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the schema to this file instead of printing it.",
)
def schema(output: Path | None) -> None:
    """The JSON Schema of a definition file, for editor completion and checking.

    The loader checks the same shape (and more: names that refer to each other, the graph),
    so a file the schema refuses never loads. See docs/workflows.md for editor set-up.
    """
    import json

    from ceop_workflow.engine.schema import json_schema

    text = json.dumps(json_schema(), indent=2, sort_keys=True)
    if output is None:
        click.echo(text)
    else:
        write_text(output, text + "\n")
