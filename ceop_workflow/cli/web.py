"""`serve`, `user …` and `token …`: the web application and the people who use it."""

from __future__ import annotations

import sys

import click

from ceop_workflow.app.accounts import Accounts
from ceop_workflow.cli.app import App, pass_app
from ceop_workflow.cli.logs import log_format_option, uvicorn_log_config


def _accounts(app: App) -> Accounts:
    app.database.require_schema()
    return Accounts(app.settings, app.database, app.clock)


@click.command()
@click.option("--host", help="Address to listen on (default: web.host in config.toml).")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    help="Port to listen on (default: web.port in config.toml).",
)
@log_format_option
@pass_app
def serve(app: App, host: str | None, port: int | None, log_format: str) -> None:
    """Run the web application and its JSON API (/api, OpenAPI at /api/openapi.json).

    The session secret is read from the environment variable named by
    web.session_secret_env (default CEOP_WORKFLOW_SESSION_SECRET).
    """
    import uvicorn

    from ceop_workflow.web.app import create_app, session_secret

    web = app.settings.web
    application = create_app(app.service, _accounts(app), session_secret(app.settings))
    click.echo(f"serving on http://{host or web.host}:{port or web.port} ({web.auth} sign-in)")
    # proxy_headers off: the client address must stay the proxy's, which header mode checks.
    uvicorn.run(
        application,
        host=host or web.host,
        port=port or web.port,
        proxy_headers=False,
        server_header=False,
        log_level="info",
        log_config=uvicorn_log_config(log_format) or uvicorn.config.LOGGING_CONFIG,
    )


@click.group()
def user() -> None:
    """People who sign in to the web application."""


@user.command("add")
@click.argument("email")
@click.option(
    "--role",
    "roles",
    multiple=True,
    help="A role from [roles] granted to this account (repeatable), e.g. committee.",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--no-password", is_flag=True, help="Sign in only by single sign-on or a token.")
@pass_app
def user_add(
    app: App, email: str, roles: tuple[str, ...], password_stdin: bool, no_password: bool
) -> None:
    """Add a person; asks for a password unless told otherwise."""
    password = None if no_password else _password(password_stdin)
    account = _accounts(app).add_user(email, roles, password)
    granted = ", ".join(sorted(account.roles)) or "none besides config.toml's"
    click.echo(f"added {account.email} (roles: {granted})")


@user.command("password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_app
def user_password(app: App, email: str, password_stdin: bool) -> None:
    """Set a person's password; their sessions end."""
    _accounts(app).set_password(email, _password(password_stdin))
    click.echo(f"password changed for {email.strip().lower()}")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    assert isinstance(value, str)
    return value


@click.group()
def token() -> None:
    """API tokens for scripts."""


@token.command("create")
@click.argument("email")
@click.option("--name", default="script", show_default=True, help="What the token is for.")
@pass_app
def token_create(app: App, email: str, name: str) -> None:
    """Create an API token for a person and print it (it is shown only this once)."""
    click.echo(_accounts(app).create_token(email, name))


@token.command("revoke")
@click.argument("email")
@pass_app
def token_revoke(app: App, email: str) -> None:
    """Revoke every API token of a person."""
    click.echo(f"revoked {_accounts(app).revoke_tokens(email)} token(s)")
