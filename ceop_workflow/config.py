"""Settings: read once at the edge (CLI, daemon) into frozen objects passed down explicitly.

Sources, later ones winning: built-in defaults, the TOML file, `CEOP_WORKFLOW_<SECTION>_<KEY>`
environment variables (every key, lists and [roles] included: see config_sources). Each
section's dataclass is also its typed schema: pydantic checks types (no "60" for 60, no true
for 1), allowed values and bounds. Every problem of a file and its environment is reported at
once, one `ConfigError` line each naming the file (or the variable) and the key.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, ConfigDict, Field, Strict, StringConstraints

from ceop_workflow.config_sources import ENV_PREFIX as ENV_PREFIX
from ceop_workflow.config_sources import Problems, environment, read_file, section
from ceop_workflow.engine.registry import RELATIONAL_ROLES
from ceop_workflow.errors import ConfigError

# The daemon's actor; it holds the relational role "system" and nothing else.
SYSTEM_ACTOR = "system"
CATCH_UP_POLICIES = ("latest", "each")
# Sections are checked field by field (Strict) rather than in pydantic's strict mode, which
# would only accept ready-made dataclass instances.
_FORBID = ConfigDict(extra="forbid")

Text = Annotated[str, Strict(), StringConstraints(max_length=2000)]
NonEmpty = Annotated[str, Strict(), StringConstraints(min_length=1, max_length=2000)]
Port = Annotated[int, Strict(), Field(ge=1, le=65_535)]
Attempts = Annotated[int, Strict(), Field(ge=1, le=100)]
# One second to one day: a longer sweep interval or retry delay is a typing mistake.
Seconds = Annotated[int, Strict(), Field(ge=1, le=86_400)]


def _networks(text: str) -> str:
    """Every comma-separated entry an IP address or network."""
    for entry in (e.strip() for e in text.split(",") if e.strip()):
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or network") from None
    return text


Networks = Annotated[str, Strict(), StringConstraints(max_length=2000), AfterValidator(_networks)]
EnvName = Annotated[str, Strict(), StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


@dataclass(frozen=True)
class DatabaseSettings:
    """Where the store lives."""

    __pydantic_config__ = _FORBID

    url: NonEmpty = "sqlite:///ceop-workflow.db"


@dataclass(frozen=True)
class GeneralSettings:
    """Time zone and the admin-facing folders."""

    __pydantic_config__ = _FORBID

    timezone: NonEmpty = "Europe/London"
    workflows_dir: NonEmpty = "workflows"
    templates_dir: NonEmpty = "notifications"


@dataclass(frozen=True)
class CommitteeSettings:
    """How the Partnership Committee decides."""

    __pydantic_config__ = _FORBID

    quorum: Attempts = 1


@dataclass(frozen=True)
class EmailSettings:
    """How messages leave the outbox. The SMTP password is only ever read from the environment."""

    __pydantic_config__ = _FORBID

    transport: Literal["maildir", "smtp", "console"] = "maildir"
    maildir: NonEmpty = "outbox"
    from_address: NonEmpty = "partnerships@ceop.example"
    smtp_host: NonEmpty = "localhost"
    smtp_port: Port = 25
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_username: Text = ""
    smtp_password_env: EnvName = "CEOP_WORKFLOW_SMTP_PASSWORD"
    max_attempts: Attempts = 5
    retry_base_seconds: Seconds = 60
    # Recipients holding one of these roles get several reminders of a day as one digest.
    digest_roles: tuple[Annotated[str, Strict()], ...] = ()


@dataclass(frozen=True)
class DaemonSettings:
    """The background daemon's rhythm, and how it shares and catches up on work.

    `catch_up` says what a recurring duty does after the daemon was down for several of its
    periods: "latest" sends one reminder for the current period that lists the missed ones;
    "each" sends one reminder per missed period. `worker_id` names this daemon in claims and
    logs ("" means host:pid); a daemon restarted with the same id takes its own claims back
    at once instead of waiting `lease_seconds` for them to expire.
    """

    __pydantic_config__ = _FORBID

    sweep_interval_seconds: Seconds = 60
    batch_size: Annotated[int, Strict(), Field(ge=1, le=10_000)] = 100
    lease_seconds: Seconds = 300
    catch_up: Literal["latest", "each"] = "latest"
    max_attempts: Attempts = 5
    worker_id: Annotated[str, Strict(), StringConstraints(max_length=100)] = ""


@dataclass(frozen=True)
class WebSettings:
    """The web application: where it listens, its public address, and how people sign in.

    `auth` is "local" (accounts made with `ceop-workflow user add`) or "header" (a reverse
    proxy doing single sign-on sets `trusted_header`; it is believed only from the addresses or
    networks in `trusted_proxies`, comma-separated). The session secret is read from the
    environment variable named by `session_secret_env`, never from this file.
    """

    __pydantic_config__ = _FORBID

    host: NonEmpty = "127.0.0.1"
    port: Port = 8000
    base_url: Annotated[str, Strict(), StringConstraints(pattern=r"^https?://[^\s/]+")] = (
        "http://127.0.0.1:8000"
    )
    auth: Literal["local", "header"] = "local"
    trusted_header: Text = "X-Remote-User"
    trusted_proxies: Networks = "127.0.0.1"
    session_secret_env: EnvName = "CEOP_WORKFLOW_SESSION_SECRET"
    # One minute to thirty days.
    session_max_age_seconds: Annotated[int, Strict(), Field(ge=60, le=30 * 86_400)] = 8 * 3600

    @property
    def proxies(self) -> frozenset[str]:
        """The entries of `trusted_proxies`: addresses or networks such as 10.0.0.0/8."""
        return frozenset(a.strip() for a in self.trusted_proxies.split(",") if a.strip())

    def trusts(self, client: str | None) -> bool:
        """Whether `trusted_header` is believed from `client` (an address, or None)."""
        if not client:
            return False
        try:
            address = ipaddress.ip_address(client)
        except ValueError:  # a test client's name, a unix socket: only an exact entry trusts it
            return client in self.proxies
        return any(address in network for network in _networks_of(self.proxies))


def _networks_of(entries: frozenset[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    # Loading checked every entry; an object built in code may hold a host name: it trusts none.
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            continue
    return networks


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
Roles = dict[
    Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)],
    list[Annotated[str, Strict(), StringConstraints(min_length=1, max_length=254)]],
]


def bundled_config() -> Path:
    """The config.toml shipped inside the wheel (or at the top of a checkout)."""
    checkout = Path(__file__).resolve().parent.parent / "config.toml"
    if checkout.is_file():
        return checkout
    return Path(str(resources.files("ceop_workflow") / "_bundled" / "config.toml"))


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read settings from `path` (else ./config.toml, else the bundled one) and the environment.

    Every problem is collected before one `ConfigError` lists them all.
    """
    environ = os.environ if environ is None else environ
    if path is None:
        local = Path("config.toml")
        path = local if local.is_file() else bundled_config()
    where = str(path)
    raw = read_file(path)
    problems = Problems(where)
    for name in sorted(set(raw) - {*_SECTIONS, "roles"}):
        problems.add(
            f"[{name}]", f"unknown section; known: {', '.join(sorted([*_SECTIONS, 'roles']))}"
        )
    tables = environment(raw, {**_SECTIONS, "roles": None}, environ, problems)
    sections: dict[str, Any] = {
        name: section(problems, name, cls, tables[name]) or cls() for name, cls in _SECTIONS.items()
    }
    roles = section(problems, "roles", Roles, tables["roles"])
    settings = Settings(
        base_dir=path.resolve().parent,
        source=where,
        roles=MappingProxyType({role: tuple(members) for role, members in (roles or {}).items()}),
        **sections,
    )
    # A section with problems stands in with its defaults, so that the rules relating one
    # setting to another still run and one pass names every problem.
    _check(settings, problems, roles_sound=roles is not None)
    if problems:
        raise ConfigError(problems.lines)
    return settings


def member_problem(member: str) -> str | None:
    """What is wrong with one entry of a role in [roles], or None.

    An entry is "*", "*@domain" or an address; matching is by pattern, so only the form is
    checked here: no spaces, no control characters, an "@" unless it is "*".
    """
    if member == "*":
        return None
    if any(c.isspace() or not c.isprintable() for c in member) or member.count("@") != 1:
        return f"{member!r} is not an address, '*@domain' or '*'"
    return None


def _check(settings: Settings, problems: Problems, roles_sound: bool) -> None:
    """The rules that relate one setting to another, or need more than a type."""
    try:
        settings.tz  # noqa: B018 - resolving the zone is the check
    except (ZoneInfoNotFoundError, ValueError):
        problems.add("general.timezone", f"unknown time zone {settings.general.timezone!r}")
    for role, members in settings.roles.items():
        if role in RELATIONAL_ROLES:
            problems.add(f"roles.{role}", "follows from each partnership and cannot be configured")
        for index, member in enumerate(members):
            if (problem := member_problem(member)) is not None:
                problems.add(f"roles.{role}[{index}]", problem)
    quorum, committee = settings.committee.quorum, settings.members("committee")
    if roles_sound and quorum > max(1, len(committee)):
        problems.add(
            "committee.quorum",
            f"is {quorum} but roles.committee lists only {len(committee)} members",
        )
    known = {*settings.roles, "keyworker", "manager"}
    for role in settings.email.digest_roles:
        if roles_sound and role not in known:
            problems.add(
                "email.digest_roles", f"unknown role {role!r}; known: {', '.join(sorted(known))}"
            )
    if settings.web.auth == "header" and not settings.web.trusted_header.strip():
        problems.add("web.trusted_header", "must name a header in header mode")
