"""Timers declared on states: the duties a partnership has while it sits in a state.

Four kinds, each a table in `states.<name>.timers`:
- every: a recurring duty (a monthly review on a day of the month or the first working day;
  an annual review on the anniversary of tier assignment);
- after: time spent in the state (a business case not submitted after 14 days);
- idle: no contact logged for a while, the while depending on the tier;
- before: some time before a date of the partnership (renewal 90 days before commitment_end).
Running them is the daemon's work; this module only describes and checks them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ceop_workflow.engine.cadence import MAX_DURATION_TEXT, parse_duration
from ceop_workflow.engine.tiers import Tier
from ceop_workflow.errors import BadInput

KINDS = ("every", "after", "idle", "before")
COMMON_KEYS = {"name", "notify", "to", "trigger", "at", "description"}
KIND_KEYS: dict[str, set[str]] = {
    "every": {"every", "on", "overdue_after", "overdue_notify", "overdue_to", "completed_by"},
    "after": {"after"},
    "idle": {"idle", "after", "then_after", "then_trigger"},
    "before": {"before", "by"},
}
DATE_FIELDS = ("commitment_end", "commitment_start")
REVIEW_KINDS = ("monthly", "annual")
_AT = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class TimerDef:
    """A timer as declared; `spec` holds the kind-specific keys, already checked."""

    name: str
    kind: str
    spec: Mapping[str, Any]
    notify: str | None
    to: tuple[str, ...]
    trigger: str | None
    at: str


@dataclass(frozen=True)
class TimerChecks:
    """What a timer may name, and where to report problems."""

    problem: Callable[[str, str], None]
    known_template: Callable[[str, object], None]
    known_roles: Callable[[str, Iterable[str]], None]
    system_triggers: frozenset[str]
    # The tiers a partnership on this workflow can hold: an idle limit must cover each.
    tiers: frozenset[str] = frozenset(t.value for t in Tier)


def check_timer(key: str, body: object, checks: TimerChecks) -> TimerDef | None:
    """Check one timer table; report problems through `checks` and return it when sound."""
    problem = checks.problem
    if not isinstance(body, dict):
        problem(key, "must be a table")
        return None
    kinds = [k for k in KINDS if k in body and not (k == "after" and "idle" in body)]
    if len(kinds) != 1:
        problem(key, f"give exactly one of {', '.join(KINDS)}")
        return None
    kind = kinds[0]
    allowed = COMMON_KEYS | KIND_KEYS[kind]
    for unknown in sorted(set(body) - allowed):
        problem(f"{key}.{unknown}", f"unknown key; allowed: {', '.join(sorted(allowed))}")
    name = body.get("name")
    if not isinstance(name, str) or not name:
        problem(f"{key}.name", "is required")
    if body.get("notify") is None and body.get("trigger") is None and kind != "idle":
        problem(key, "a timer must notify someone or fire a trigger")
    _check_effects(key, body, checks)
    if not _AT.match(str(body.get("at", "09:00"))):
        problem(f"{key}.at", "must be a local time HH:MM")
    _KIND_CHECKS[kind](key, body, checks)
    return TimerDef(
        name=str(name),
        kind=kind,
        spec=MappingProxyType({k: body[k] for k in KIND_KEYS[kind] if k in body}),
        notify=body.get("notify"),
        to=tuple(body.get("to", ())),
        trigger=body.get("trigger"),
        at=str(body.get("at", "09:00")),
    )


def _check_effects(key: str, body: dict[str, Any], checks: TimerChecks) -> None:
    if "notify" in body:
        checks.known_template(f"{key}.notify", body["notify"])
        if not body.get("to"):
            checks.problem(f"{key}.to", "name who receives the notification")
    to = body.get("to", [])
    if not isinstance(to, list) or not all(isinstance(r, str) for r in to):
        checks.problem(f"{key}.to", "must be a list of roles")
    else:
        checks.known_roles(f"{key}.to", to)
    for trigger_key in ("trigger", "then_trigger"):
        trigger = body.get(trigger_key)
        if trigger is not None and trigger not in checks.system_triggers:
            checks.problem(
                f"{key}.{trigger_key}",
                f"{trigger!r} is not a trigger the system role may fire from this state",
            )


def _duration(key: str, value: object, checks: TimerChecks) -> None:
    try:
        parse_duration(value)  # type: ignore[arg-type]  # a non-string is refused in there
    except BadInput:
        checks.problem(
            key,
            f"must be a duration such as '14d', '2w' or '36h' of at most {MAX_DURATION_TEXT}, "
            f"got {value!r}",
        )


def _check_every(key: str, body: dict[str, Any], checks: TimerChecks) -> None:
    every, on = body.get("every"), body.get("on")
    if every == "month":
        if on != "first_working_day" and not (isinstance(on, int) and 1 <= on <= 31):
            checks.problem(f"{key}.on", "must be a day of the month 1-31 or 'first_working_day'")
    elif every == "year":
        if on != "anniversary":
            checks.problem(f"{key}.on", "a yearly duty falls on the 'anniversary' of its tier")
    else:
        checks.problem(f"{key}.every", "must be 'month' or 'year'")
    if "overdue_after" in body:
        _duration(f"{key}.overdue_after", body["overdue_after"], checks)
    if "overdue_notify" in body:
        checks.known_template(f"{key}.overdue_notify", body["overdue_notify"])
    checks.known_roles(f"{key}.overdue_to", body.get("overdue_to", []))
    # The overdue chase is all three keys or none: half of it would never send.
    chase = [k for k in ("overdue_after", "overdue_notify", "overdue_to") if k in body]
    if chase and len(chase) < 3:
        missing = sorted({"overdue_after", "overdue_notify", "overdue_to"} - set(chase))
        checks.problem(
            f"{key}.{missing[0]}", "overdue_after, overdue_notify and overdue_to go together"
        )
    if body.get("completed_by", "monthly") not in REVIEW_KINDS:
        checks.problem(f"{key}.completed_by", f"must be one of {', '.join(REVIEW_KINDS)}")


def _check_after(key: str, body: dict[str, Any], checks: TimerChecks) -> None:
    _duration(f"{key}.after", body.get("after"), checks)


def _check_idle(key: str, body: dict[str, Any], checks: TimerChecks) -> None:
    if body.get("idle") != "contact":
        checks.problem(f"{key}.idle", "the only idle measure is 'contact'")
    after = body.get("after")
    if isinstance(after, dict):
        for tier, value in after.items():
            if tier not in {t.value for t in Tier} | {"default"}:
                checks.problem(f"{key}.after.{tier}", "unknown tier")
            _duration(f"{key}.after.{tier}", value, checks)
        uncovered = sorted(checks.tiers - set(after))
        if "default" not in after and uncovered:
            # Without a limit for its tier, a partnership's idle check would never run.
            checks.problem(
                f"{key}.after", f"no limit for {', '.join(uncovered)}; add them or a default"
            )
    else:
        _duration(f"{key}.after", after, checks)
    if "then_after" in body:
        _duration(f"{key}.then_after", body["then_after"], checks)
    if ("then_after" in body) != ("then_trigger" in body):
        checks.problem(key, "then_after and then_trigger go together")


def _check_before(key: str, body: dict[str, Any], checks: TimerChecks) -> None:
    if body.get("before") not in DATE_FIELDS:
        checks.problem(f"{key}.before", f"must be one of {', '.join(DATE_FIELDS)}")
    _duration(f"{key}.by", body.get("by"), checks)


_KIND_CHECKS: dict[str, Callable[[str, dict[str, Any], TimerChecks], None]] = {
    "every": _check_every,
    "after": _check_after,
    "idle": _check_idle,
    "before": _check_before,
}
