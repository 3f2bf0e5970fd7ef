"""The command line: arguments in, exit codes and output out; no business rules here.

Exit codes: 0 done; 1 internal error (a bug: please report it); 2 bad input or usage (also a
workflow definition or setting with problems); 3 refused by the rules (not allowed from this
state, guard failed, not permitted, changed by someone else); 4 database unavailable or not
initialised.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import click

from ceop_workflow.cli.app import App, fail
from ceop_workflow.cli.cases import benefits, case
from ceop_workflow.cli.daemon import daemon, status
from ceop_workflow.cli.demo import demo
from ceop_workflow.cli.initiatives import initiative
from ceop_workflow.cli.notifications import notifications, outbox
from ceop_workflow.cli.partnerships import fire, keyworker, partner, partnership
from ceop_workflow.cli.records import contact, contribution, review
from ceop_workflow.cli.register import register
from ceop_workflow.cli.report import report
from ceop_workflow.cli.web import serve, token, user
from ceop_workflow.cli.workflows import init, workflows
from ceop_workflow.errors import CeopWorkflowError, DefinitionError

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE = 0, 1, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    envvar="CEOP_WORKFLOW_CONFIG",
    help="Settings file (default ./config.toml, else the bundled one). Env: CEOP_WORKFLOW_CONFIG.",
)
@click.option(
    "--now",
    metavar="ISO-8601",
    envvar="CEOP_WORKFLOW_NOW",
    help="Act as if it were this moment (local time zone if none given). Env: CEOP_WORKFLOW_NOW.",
)
@click.version_option(package_name="ceop-workflow")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, now: str | None) -> None:
    """ceop-workflow: the lifecycle of partnerships, from lead to renewal."""
    ctx.obj = App(config_path, now)


for command in (
    init,
    workflows,
    partner,
    partnership,
    fire,
    keyworker,
    contact,
    review,
    contribution,
    register,
    case,
    benefits,
    initiative,
    daemon,
    status,
    report,
    serve,
    user,
    token,
    demo,
    notifications,
    outbox,
):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Run the command line and exit with a documented code; user errors print one line."""
    try:
        code = cli.main(args=argv, prog_name="ceop-workflow", standalone_mode=False)
    except DefinitionError as exc:
        for problem in exc.problems:
            fail(problem)
        sys.exit(exc.exit_code)
    except CeopWorkflowError as exc:
        fail(exc.message)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        fail("aborted")
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # a bug, not a user error: say so, keep the trace on request
        if os.environ.get("CEOP_WORKFLOW_DEBUG"):
            traceback.print_exc()
        # One line, as every error: a driver's message carries the SQL on the lines after.
        first = next(iter(str(exc).strip().splitlines()), "")
        hint = "(set CEOP_WORKFLOW_DEBUG=1 for details)"
        fail(f"internal error: {type(exc).__name__}: {first} {hint}")
        sys.exit(EXIT_INTERNAL)
    # Without standalone mode click returns, rather than raises, a command's `ctx.exit(code)`.
    sys.exit(code if isinstance(code, int) else EXIT_OK)
