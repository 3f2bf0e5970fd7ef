"""Settings: read once at the edge (CLI, daemon) into frozen objects passed down explicitly.

Sources, later ones winning: built-in defaults, the TOML file, `CEOP_WORKFLOW_<SECTION>_<KEY>`
environment variables. Every key is checked: an unknown key or a bad value is a `ConfigError`
that names the file and the key.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ceop_workflow.engine.registry import RELATIONAL_ROLES
from ceop_workflow.errors import ConfigError

ENV_PREFIX = "CEOP_WORKFLOW_"
# The daemon's actor; it holds the relational role "system" and nothing else.
SYSTEM_ACTOR = "system"


@dataclass(frozen=True)
class DatabaseSettings:
    """Where the store lives."""

    url: str = "sqlite:///ceop-workflow.db"


@dataclass(frozen=True)
class GeneralSettings:
    """Time zone and the admin-facing folders."""

    timezone: str = "Europe/London"
    workflows_dir: str = "workflows"
    templates_dir: str = "notifications"


@dataclass(frozen=True)
class CommitteeSettings:
    """How the Partnership Committee decides."""

    quorum: int = 1


@dataclass(frozen=True)
class EmailSettings:
    """How messages leave the outbox. The SMTP password is only ever read from the environment."""

    transport: str = "maildir"
    maildir: str = "outbox"
    from_address: str = "partnerships@ceop.example"
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_security: str = "none"
    smtp_username: str = ""
    smtp_password_env: str = "CEOP_WORKFLOW_SMTP_PASSWORD"
    max_attempts: int = 5
    retry_base_seconds: int = 60
    # Recipients holding one of these roles get several reminders of a day as one digest.
    digest_roles: tuple[str, ...] = ()


CATCH_UP_POLICIES = ("latest", "each")


@dataclass(frozen=True)
class DaemonSettings:
    """The background daemon's rhythm, and how it shares and catches up on work.

    `catch_up` says what a recurring duty does after the daemon was down for several of its
    periods: "latest" sends one reminder for the current period that lists the missed ones;
    "each" sends one reminder per missed period. `worker_id` names this daemon in claims and
    logs ("" means host:pid); a daemon restarted with the same id takes its own claims back
    at once instead of waiting `lease_seconds` for them to expire. A partnership that misses
    `escalate_after_missed_reviews` monthly reviews in a row is escalated by the system (0:
    never).
    """

    sweep_interval_seconds: int = 60
    batch_size: int = 100
    lease_seconds: int = 300
    catch_up: str = "latest"
    max_attempts: int = 5
    worker_id: str = ""
    escalate_after_missed_reviews: int = 2


@dataclass(frozen=True)
class WebSettings:
    """The web application: where it listens, its public address, and how people sign in.

    `auth` is "local" (accounts made with `ceop-workflow user add`) or "header" (a reverse
    proxy doing single sign-on sets `trusted_header`; it is believed only from the addresses in
    `trusted_proxies`, comma-separated). The session secret is read from the environment
    variable named by `session_secret_env`, never from this file.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    base_url: str = "http://127.0.0.1:8000"
    auth: str = "local"
    trusted_header: str = "X-Remote-User"
    trusted_proxies: str = "127.0.0.1"
    session_secret_env: str = "CEOP_WORKFLOW_SESSION_SECRET"
    session_max_age_seconds: int = 8 * 3600

    @property
    def proxies(self) -> frozenset[str]:
        """The addresses whose `trusted_header` is believed."""
        return frozenset(a.strip() for a in self.trusted_proxies.split(",") if a.strip())


@dataclass(frozen=True)
class Settings:
    """Every setting of one run. `base_dir` is the folder relative paths are resolved against."""

    base_dir: Path
    source: str
    database: DatabaseSettings = DatabaseSettings()
    general: GeneralSettings = GeneralSettings()
    committee: CommitteeSettings = CommitteeSettings()
    email: EmailSettings = EmailSettings()
    daemon: DaemonSettings = DaemonSettings()
    web: WebSettings = WebSettings()
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def tz(self) -> ZoneInfo:
        """The time zone cadence is computed in."""
        return ZoneInfo(self.general.timezone)

    @property
    def workflows_path(self) -> Path:
        """The folder of workflow definitions."""
        return self.base_dir / self.general.workflows_dir

    @property
    def templates_path(self) -> Path:
        """The folder of email templates."""
        return self.base_dir / self.general.templates_dir

    def members(self, role: str) -> tuple[str, ...]:
        """The addresses or patterns listed for a role in [roles]."""
        return self.roles.get(role, ())

    def holds(self, actor: str, role: str) -> bool:
        """Whether `actor` holds a configured role ("*" and "*@domain" patterns allowed)."""
        return any(fnmatch.fnmatchcase(actor.lower(), p.lower()) for p in self.members(role))

    def roles_of(self, actor: str) -> frozenset[str]:
        """Every configured role `actor` holds."""
        return frozenset(role for role in self.roles if self.holds(actor, role))


_SECTIONS: dict[str, type] = {
    "database": DatabaseSettings,
    "general": GeneralSettings,
    "committee": CommitteeSettings,
    "email": EmailSettings,
    "daemon": DaemonSettings,
    "web": WebSettings,
}


def bundled_config() -> Path:
    """The config.toml shipped inside the wheel (or at the top of a checkout)."""
    checkout = Path(__file__).resolve().parent.parent / "config.toml"
    if checkout.is_file():
        return checkout
    return Path(str(resources.files("ceop_workflow") / "_bundled" / "config.toml"))


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read settings from `path` (else ./config.toml, else the bundled one) and the environment."""
    environ = os.environ if environ is None else environ
    if path is None:
        local = Path("config.toml")
        path = local if local.is_file() else bundled_config()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    where = str(path)
    unknown = set(raw) - set(_SECTIONS) - {"roles"} - _extra_sections()
    if unknown:
        raise ConfigError(
            f"{where}: unknown section [{sorted(unknown)[0]}]; known: "
            + ", ".join(sorted([*_SECTIONS, "roles", *_extra_sections()]))
        )
    sections: dict[str, Any] = {
        name: _section(where, name, cls, raw.get(name, {}), environ)
        for name, cls in _SECTIONS.items()
    }
    settings = Settings(
        base_dir=path.resolve().parent,
        source=where,
        roles=MappingProxyType(_roles(where, raw.get("roles", {}))),
        **sections,
    )
    _check(settings)
    return settings


def _extra_sections() -> set[str]:
    # Sections read by interfaces that are not part of the core settings yet (kept permissive
    # so that a config written for a newer version does not break an older one's core).
    return {"report"}


def _section(where: str, name: str, cls: type, table: object, environ: Mapping[str, str]) -> object:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [{name}] must be a table")
    hints = get_type_hints(cls)
    allowed = {f.name for f in dataclasses.fields(cls)}
    for key in table:
        if key not in allowed:
            raise ConfigError(
                f"{where}: unknown key {name}.{key}; known: {', '.join(sorted(allowed))}"
            )
    values: dict[str, Any] = {}
    for key in sorted(allowed):
        env_name = f"{ENV_PREFIX}{name}_{key}".upper()
        if env_name in environ:
            values[key] = _coerce(f"environment {env_name}", hints[key], environ[env_name])
        elif key in table:
            values[key] = _typed(f"{where}: {name}.{key}", hints[key], table[key])
    return cls(**values)


def _coerce(where: str, kind: type, text: str) -> object:
    if kind == tuple[str, ...]:
        return tuple(item.strip() for item in text.split(",") if item.strip())
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise ConfigError(f"{where}: expected a whole number, got {text!r}") from None
    return text


def _typed(where: str, kind: type, value: object) -> object:
    if kind == tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
        return tuple(value)
    if kind is int and (not isinstance(value, int) or isinstance(value, bool)):
        raise ConfigError(f"{where}: expected a whole number, got {value!r}")
    if kind is str and not isinstance(value, str):
        raise ConfigError(f"{where}: expected a string, got {value!r}")
    return value


def _roles(where: str, table: object) -> dict[str, tuple[str, ...]]:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [roles] must be a table of lists of email addresses")
    roles: dict[str, tuple[str, ...]] = {}
    for role, members in table.items():
        if role in RELATIONAL_ROLES:
            raise ConfigError(
                f"{where}: roles.{role} follows from each partnership and cannot be configured"
            )
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            raise ConfigError(f"{where}: roles.{role} must be a list of email addresses")
        roles[role] = tuple(members)
    return roles


def _check(settings: Settings) -> None:
    where = settings.source
    try:
        settings.tz  # noqa: B018 - resolving the zone is the check
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{where}: general.timezone: unknown time zone {settings.general.timezone!r}"
        ) from None
    if settings.committee.quorum < 1:
        raise ConfigError(f"{where}: committee.quorum must be at least 1")
    if settings.committee.quorum > max(1, len(settings.members("committee"))):
        raise ConfigError(
            f"{where}: committee.quorum is {settings.committee.quorum} but roles.committee "
            f"lists only {len(settings.members('committee'))} members"
        )
    if settings.email.transport not in {"maildir", "smtp", "console"}:
        raise ConfigError(
            f"{where}: email.transport must be maildir, smtp or console, "
            f"got {settings.email.transport!r}"
        )
    if settings.email.smtp_security not in {"none", "starttls", "tls"}:
        raise ConfigError(
            f"{where}: email.smtp_security must be none, starttls or tls, "
            f"got {settings.email.smtp_security!r}"
        )
    if settings.email.max_attempts < 1:
        raise ConfigError(f"{where}: email.max_attempts must be at least 1")
    for role in settings.email.digest_roles:
        if role not in settings.roles and role not in {"keyworker", "manager"}:
            raise ConfigError(
                f"{where}: email.digest_roles: unknown role {role!r}; known: "
                + ", ".join(sorted({*settings.roles, "keyworker", "manager"}))
            )
    _check_daemon(where, settings.daemon)
    _check_web(where, settings.web)
    if not settings.database.url:
        raise ConfigError(f"{where}: database.url must not be empty")


def _check_daemon(where: str, daemon: DaemonSettings) -> None:
    for key in ("sweep_interval_seconds", "batch_size", "lease_seconds", "max_attempts"):
        if getattr(daemon, key) < 1:
            raise ConfigError(f"{where}: daemon.{key} must be at least 1")
    if daemon.escalate_after_missed_reviews < 0:
        raise ConfigError(f"{where}: daemon.escalate_after_missed_reviews must be 0 or more")
    if daemon.catch_up not in CATCH_UP_POLICIES:
        raise ConfigError(
            f"{where}: daemon.catch_up must be one of {', '.join(CATCH_UP_POLICIES)}, "
            f"got {daemon.catch_up!r}"
        )


def _check_web(where: str, web: WebSettings) -> None:
    if web.auth not in {"local", "header"}:
        raise ConfigError(f"{where}: web.auth must be local or header, got {web.auth!r}")
    if not 1 <= web.port <= 65535:
        raise ConfigError(f"{where}: web.port must be between 1 and 65535")
    if not web.base_url.startswith(("http://", "https://")):
        raise ConfigError(f"{where}: web.base_url must start with http:// or https://")
    if web.auth == "header" and not web.trusted_header.strip():
        raise ConfigError(f"{where}: web.trusted_header must name a header in header mode")
    if web.session_max_age_seconds < 60:
        raise ConfigError(f"{where}: web.session_max_age_seconds must be at least 60")
