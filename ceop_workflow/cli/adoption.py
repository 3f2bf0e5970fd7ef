"""`import partners`, `export` and `calendar`: spreadsheets and calendars in and out."""

from __future__ import annotations

from pathlib import Path

import click

from ceop_workflow.cli.app import App, emit, pass_app, table
from ceop_workflow.cli.partnerships import JSON


@click.group("import")
def import_() -> None:
    """Bring in what a team already has in spreadsheets."""


@import_.command("partners")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--actor",
    required=True,
    metavar="EMAIL",
    help="The importing admin (head_of_partnerships or partnerships_team); audited as such.",
)
@click.option("--dry-run", is_flag=True, help="Check and replay every row, then write nothing.")
@JSON
@pass_app
def import_partners(app: App, file: Path, actor: str, dry_run: bool, as_json: bool) -> None:
    """Place each row's partnership at the state it names, all rows or none (CSV or XLSX).

    Columns: see docs/adoption.md and the template docs/import/partners-template.csv.
    """
    from ceop_workflow.adoption.importer import import_partners as run_import

    done = run_import(app.service, file, actor, dry_run)
    verb = "would import" if dry_run else "imported"
    emit(
        {"dry_run": dry_run, "partnerships": done},
        as_json,
        table(done, ["line", "name", "partnership_id", "workflow", "state", "tier"])
        + f"\n{verb} {len(done)} partnership(s) from {file.name}"
        + (" (dry run: nothing written)" if dry_run else ""),
    )


@click.command("export")
@click.argument("what", type=click.Choice(["partnerships", "contacts", "contributions", "reviews"]))
@click.option(
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="The file to write; .csv or .xlsx.",
)
@pass_app
def export(app: App, what: str, output: Path) -> None:
    """Write a table as CSV or XLSX; cells that a spreadsheet would run as formulas are quoted."""
    from ceop_workflow.adoption.exports import export_table
    from ceop_workflow.adoption.sheets import format_of

    fmt = format_of(output)
    app.database.require_schema()
    output.write_bytes(export_table(app.database, app.settings.tz, what, fmt))
    click.echo(f"wrote {output}")


@click.command("calendar")
@click.argument("email")
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    help="Write the .ics file here (default: print it).",
)
@click.option(
    "--link",
    is_flag=True,
    help="Print the person's private feed address instead (/calendar/<token>.ics), making one.",
)
@pass_app
def calendar(app: App, email: str, output: Path | None, link: bool) -> None:
    """A person's due reviews, committee meetings and renewals as an iCalendar file."""
    from ceop_workflow.adoption.calendars import calendar_for, feed_token

    app.database.require_schema()
    if link:
        token = feed_token(app.database, email, app.clock.now())
        click.echo(f"{app.settings.web.base_url.rstrip('/')}/calendar/{token}.ics")
        return
    data = calendar_for(app.service, email)
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
    else:
        output.write_bytes(data)
        click.echo(f"wrote {output}")
