"""`contact`, `review` and `contribution`: adding to a partnership's record."""

from __future__ import annotations

from datetime import date

import click

from ceop_workflow.cli.app import ID, App, address, emit, parse_pairs, pass_app
from ceop_workflow.cli.partnerships import JSON
from ceop_workflow.errors import BadInput


@click.group()
def contact() -> None:
    """The Relationship Database."""


@contact.command("log")
@click.argument("partnership_id", type=ID)
@click.option(
    "--kind", required=True, help="request, meeting, event, difficult_interaction or update."
)
@click.option("--by", required=True, metavar="EMAIL", callback=address, help="Who had the contact.")
@click.option("--note", help="What was said or agreed.")
@pass_app
def contact_log(app: App, partnership_id: int, kind: str, by: str, note: str | None) -> None:
    """Log a contact with the partner; prints its id."""
    granted = app.service.granted_roles(by)
    click.echo(app.records.log_contact(partnership_id, kind, by, note, granted=granted))


@click.group()
def review() -> None:
    """Monthly and annual reviews against the objectives."""


@review.command("record")
@click.argument("partnership_id", type=ID)
@click.option("--kind", required=True, type=click.Choice(["monthly", "annual"]))
@click.option("--by", required=True, metavar="EMAIL", callback=address, help="Who reviewed.")
@click.option(
    "--objective",
    "objectives",
    multiple=True,
    metavar="NAME=met|not_met",
    help="The outcome for one objective; give one for each.",
)
@click.option("--feedback", help="The partner's feedback on the partnership, if any.")
@click.option("--negative-feedback", is_flag=True, help="The partner's feedback was negative.")
@click.option(
    "--benefit",
    "benefits",
    multiple=True,
    metavar="NAME=delivered|not_delivered",
    help="Annual reviews: whether a benefit the tier promises was delivered (repeat).",
)
@JSON
@pass_app
def review_record(
    app: App,
    partnership_id: int,
    kind: str,
    by: str,
    objectives: tuple[str, ...],
    feedback: str | None,
    negative_feedback: bool,
    benefits: tuple[str, ...],
    as_json: bool,
) -> None:
    """Record a review; prints its id."""
    pairs = parse_pairs(objectives, "--objective")
    repeated = [name for name, values in pairs.items() if len(values) > 1]
    if repeated:
        raise BadInput(f"--objective {repeated[0]!r} given more than once")
    given = parse_pairs(benefits, "--benefit")
    result = app.records.record_review(
        partnership_id,
        kind,
        by,
        {k: v[0] for k, v in pairs.items()},
        feedback,
        feedback_negative=negative_feedback,
        benefits={k: v[-1] for k, v in given.items()},
        granted=app.service.granted_roles(by),
    )
    emit(result, as_json, str(result.id))


@click.group()
def contribution() -> None:
    """Funding and resources raised through partnership."""


@contribution.command("add")
@click.argument("partnership_id", type=ID)
@click.option("--gbp", required=True, metavar="AMOUNT", help="Value in pounds, e.g. 25000.")
@click.option("--kind", required=True, type=click.Choice(["funding", "in_kind"]))
@click.option("--by", required=True, metavar="EMAIL", callback=address, help="Who records it.")
@click.option("--note", help="What it is.")
@click.option(
    "--on",
    "received_on",
    type=click.DateTime(["%Y-%m-%d"]),
    help="The day it was received (default: today).",
)
@pass_app
def contribution_add(
    app: App,
    partnership_id: int,
    gbp: str,
    kind: str,
    by: str,
    note: str | None,
    received_on: object,
) -> None:
    """Record a contribution; prints its id."""
    on = received_on.date() if hasattr(received_on, "date") else None
    assert on is None or isinstance(on, date)
    granted = app.service.granted_roles(by)
    click.echo(
        app.records.add_contribution(partnership_id, gbp, kind, note, on, by=by, granted=granted)
    )
