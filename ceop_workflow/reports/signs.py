"""Signs of a failing strategy (section 4), worked out for one month from plain facts.

- No new partnership initiatives and no new partners: `quiet_months` whole months in a row,
  ending with the report month, without a new initiative (or without a new partner).
- Projects un-resourced: an initiative still open, with no partnership resourcing it, older
  than `unresourced_days`.
- Partners dissatisfied: a review in the month recorded negative feedback from the partner, or
  staff logged a difficult interaction with them.
- Partnerships floundering: stale engagement (pairs of tier label and partner), by tier.

Pure code: `reports.signs_store` reads the facts from the database.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from ceop_workflow.reports.periods import months_back


@dataclass(frozen=True)
class FailureSign:
    """One sign: `kind` names the rule, `subject` what it is about, `detail` says it in words."""

    kind: str
    subject: str
    detail: str

    @property
    def text(self) -> str:
        """The sign as one line: "Initiatives: none new for 3 months (last: March 2008)"."""
        return f"{self.subject}: {self.detail}"


@dataclass(frozen=True)
class TargetDelivery:
    """One target of the register and who delivers it (`reports.targets` works it out)."""

    key: str
    title: str
    objective: str | None
    partnerships: tuple[str, ...]
    initiatives: tuple[str, ...]

    @property
    def served(self) -> bool:
        """Whether at least one running partnership serves the target."""
        return bool(self.partnerships)


@dataclass(frozen=True)
class OpenInitiative:
    """An initiative not yet delivered or dropped at the end of the month."""

    title: str
    owner: str
    started: date
    resourced: bool


@dataclass(frozen=True)
class NegativeFeedback:
    """A review in the month that recorded the partner's feedback as negative, or (when
    `difficult`) a difficult interaction logged with the partner in the month."""

    partner: str
    received: date
    feedback: str
    difficult: bool = False


def quiet_run(month: date, starts: Iterable[date], first_month: date) -> tuple[int, date | None]:
    """How many months in a row, ending with `month` and not before `first_month`, had none of
    `starts` (days); and the last such day on or before `month`'s end, if any."""
    started = {d.replace(day=1) for d in starts if d.replace(day=1) <= month}
    run = 0
    for m in reversed(months_back(month, 120)):
        if m < first_month or m in started:
            break
        run += 1
    last = max((d for d in starts if d.replace(day=1) <= month), default=None)
    return run, last


def _quiet(
    kind: str, subject: str, what: str, run: int, last: date | None, need: int
) -> list[FailureSign]:
    if run < need:
        return []
    since = f"last: {last:%d %B %Y}" if last else "none yet"
    return [FailureSign(kind, subject, f"no {what} for {run} months ({since})")]


def failure_signs(
    month: date,
    as_of: date,
    *,
    first_month: date,
    initiative_starts: Sequence[date],
    partner_starts: Sequence[date],
    open_initiatives: Sequence[OpenInitiative],
    negative_feedback: Sequence[NegativeFeedback],
    stale: Sequence[tuple[str, str]],
    quiet_months: int,
    unresourced_days: int,
) -> tuple[FailureSign, ...]:
    """Every sign of `month`, in the order of section 4."""
    signs: list[FailureSign] = []
    run, last = quiet_run(month, initiative_starts, first_month)
    signs += _quiet("no_new_initiatives", "Initiatives", "new initiative", run, last, quiet_months)
    run, last = quiet_run(month, partner_starts, first_month)
    signs += _quiet("no_new_partners", "Partners", "new partner", run, last, quiet_months)
    for i in sorted(open_initiatives, key=lambda i: i.started):
        age = (as_of - i.started).days
        if not i.resourced and age > unresourced_days:
            detail = f"un-resourced for {age} days (since {i.started:%d %B %Y}; owner {i.owner})"
            signs.append(FailureSign("unresourced_initiative", i.title, detail))
    for f in negative_feedback:
        what = "difficult interaction" if f.difficult else "negative feedback"
        detail = f"{what} on {f.received:%d %B %Y}: {f.feedback}"
        kind = "difficult_interaction" if f.difficult else "negative_feedback"
        signs.append(FailureSign(kind, f.partner, detail))
    by_tier: dict[str, list[str]] = defaultdict(list)
    for tier, partner in stale:
        by_tier[tier].append(partner)
    counts = Counter({tier: len(names) for tier, names in by_tier.items()})
    for tier, count in sorted(counts.items()):
        names = ", ".join(sorted(by_tier[tier]))
        detail = f"{count} without contact past the tier's limit ({names})"
        signs.append(FailureSign("stale_engagement", f"Stale engagement, {tier}", detail))
    return tuple(signs)


__all__ = [
    "FailureSign",
    "NegativeFeedback",
    "OpenInitiative",
    "TargetDelivery",
    "failure_signs",
    "quiet_run",
]
