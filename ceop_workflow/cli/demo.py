"""`demo`: the strategy's partners run through a simulated year, in well under a minute."""

from __future__ import annotations

from pathlib import Path

import click

from ceop_workflow.cli.app import App, pass_app


@click.command()
@click.option(
    "--folder",
    type=click.Path(path_type=Path),
    default=Path("ceop-demo"),
    show_default=True,
    help="Where the demo's database, emails and report go.",
)
@pass_app
def demo(app: App, folder: Path) -> None:
    """Seed the strategy's partners and run July 2007 to June 2008 on a simulated clock."""
    from ceop_workflow.demo.year import days, run_demo

    total = sum(1 for _ in days())
    with click.progressbar(
        length=total, label="Simulating July 2007 - June 2008", show_pos=True
    ) as bar:
        result = run_demo(app.settings, folder.resolve(), lambda _day: bar.update(1))
    click.echo("")
    click.echo(result.report_text)
    click.echo("")
    click.echo("The year in short:")
    click.echo(
        f"  {result.transitions} transitions, {result.reviews} reviews recorded, "
        f"{result.alerts} stale-engagement or overdue alerts, {result.emails} emails"
    )
    click.echo(
        "  partnerships now: " + ", ".join(f"{n} {s}" for s, n in sorted(result.states.items()))
    )
    for refused in result.refused:
        click.echo(f"  refused along the way: {refused}")
    click.echo("")
    click.echo(f"HTML report:  {result.report_html}")
    click.echo(f"Emails:       {result.mail_folder}/ (one .eml file per message)")
    click.echo(f"Database:     {result.database}")
    click.echo(
        f"Look around:  CEOP_WORKFLOW_DATABASE_URL=sqlite:///{result.database} "
        "ceop-workflow partnership list"
    )
