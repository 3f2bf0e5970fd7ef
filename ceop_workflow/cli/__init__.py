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
from ceop_workflow.cli.lazy import LazyCommand, LazyGroup
from ceop_workflow.errors import CeopWorkflowError, ConfigError, DefinitionError, printable

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE = 0, 1, 2

# Every top-level command: its module is imported only when the command runs (see cli/lazy.py).
COMMANDS: dict[str, LazyCommand] = {
    name: LazyCommand(f"ceop_workflow.cli.{module}", attribute, short_help)
    for name, module, attribute, short_help in [
        (
            "init",
            "workflows",
            "init",
            "Create or upgrade the database, then load new versions from the workflows folder.",
        ),
        ("workflows", "workflows", "workflows", "List, check and draw workflow definitions."),
        ("partner", "partnerships", "partner", "Organisations and individuals."),
        ("partnership", "partnerships", "partnership", "Create, list and look at partnerships."),
        ("fire", "partnerships", "fire", "Fire TRIGGER on a partnership."),
        (
            "keyworker",
            "partnerships",
            "keyworker",
            "Who to talk to before any engagement with this partner.",
        ),
        ("contact", "records", "contact", "The Relationship Database."),
        ("review", "records", "review", "Monthly and annual reviews against the objectives."),
        (
            "contribution",
            "records",
            "contribution",
            "Funding and resources raised through partnership.",
        ),
        (
            "daemon",
            "daemon",
            "daemon",
            "Run due timers every daemon.sweep_interval_seconds until SIGTERM or SIGINT.",
        ),
        (
            "status",
            "daemon",
            "status",
            "The last sweep, duties due and late, overdue reviews, open alerts and the outbox.",
        ),
        ("report", "report", "report", "Reports on the strategy's measures."),
        (
            "serve",
            "web",
            "serve",
            "Run the web application and its JSON API (/api, OpenAPI at /api/openapi.json).",
        ),
        ("user", "web", "user", "People who sign in to the web application."),
        ("token", "web", "token", "API tokens for scripts."),
        (
            "demo",
            "demo",
            "demo",
            "Seed the strategy's partners and run July 2007 to June 2008 on a simulated clock.",
        ),
        (
            "notifications",
            "notifications",
            "notifications",
            "Check and preview the email templates admins edit.",
        ),
        (
            "outbox",
            "notifications",
            "outbox",
            "The emails waiting to leave: list them, send what is due, retry a dead letter.",
        ),
    ]
}


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
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


def main(argv: list[str] | None = None) -> None:
    """Run the command line and exit with a documented code; user errors print one line."""
    args = sys.argv[1:] if argv is None else argv
    for arg in args:
        if any("\ud800" <= c <= "\udfff" for c in arg):
            # Bytes that are not UTF-8 arrive as lone surrogates; no name or value may hold one.
            fail(f"argument '{printable(arg)}' is not valid UTF-8 text")
            sys.exit(EXIT_USAGE)
    try:
        code = cli.main(args=args, prog_name="ceop-workflow", standalone_mode=False)
    except (DefinitionError, ConfigError) as exc:
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
