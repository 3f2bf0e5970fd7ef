"""`report monthly`: the strategy's measures for the Chief Executive Management Team."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from ceop_workflow.cli.app import App, pass_app, write_text
from ceop_workflow.errors import BadInput
from ceop_workflow.reports.periods import months_back
from ceop_workflow.reports.render import render_csv, render_html, render_json, render_text

RENDERERS = {"text": render_text, "json": render_json, "csv": render_csv, "html": render_html}


@click.group()
def report() -> None:
    """Reports on the strategy's measures."""


def parse_month(text: str | None, today: date) -> date:
    """YYYY-MM as the month's first day; by default the last complete month."""
    if text is None:
        return months_back(today.replace(day=1), 2)[0]
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise BadInput(f"--month: expected YYYY-MM, got {text!r}") from None


@report.command("monthly")
@click.option("--month", metavar="YYYY-MM", help="The month (default: the last complete one).")
@click.option(
    "--format", "fmt", type=click.Choice(list(RENDERERS)), default="text", show_default=True
)
@click.option(
    "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write to this file."
)
@pass_app
def monthly(app: App, month: str | None, fmt: str, output: Path | None) -> None:
    """Share of partnerships meeting all objectives, funding raised, and what needs attention."""
    today = app.clock.now().astimezone(app.settings.tz).date()
    measures = app.service.measures(parse_month(month, today))
    rendered = RENDERERS[fmt](measures)
    if output is None:
        click.echo(rendered, nl=not rendered.endswith("\n"))
        return
    write_text(output, rendered)
    click.echo(f"wrote {output}")
