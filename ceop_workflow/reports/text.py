"""The monthly report as plain text: for a terminal, a log, or the body of a plain email."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Sequence

from ceop_workflow.reports import formatting as fmt
from ceop_workflow.reports.measures import OBJECTIVES_DEFINITION, MonthlyMeasures

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _clean(text: str) -> str:
    # Names are untrusted: a newline or an escape sequence in one must not forge report lines
    # or drive the reader's terminal.
    return _CONTROL.sub(" ", text).strip()


def _wrap(text: str) -> list[str]:
    return textwrap.wrap(text, width=92)


def _table(rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        indent + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _section(title: str, lines: Iterable[str], empty: str) -> list[str]:
    body = list(lines)
    return ["", title, *(body or [f"  {empty}"])]


def _headline(m: MonthlyMeasures) -> list[str]:
    objectives, funding = m.objectives, m.funding
    if objectives.on_target is None:
        verdict = "no reviews owed"
    else:
        verdict = "on target" if objectives.on_target else "below target"
    pace = "on track" if funding.on_target else "behind"
    in_kind = (
        f" (of which in kind {fmt.money_whole(funding.in_kind_in_month)})"
        if funding.in_kind_in_month
        else ""
    )
    return [
        "",
        "Targets",
        f"  Partnerships meeting all objectives: {fmt.percent(objectives.share)}"
        f" (target {fmt.percent(objectives.target)}) - {verdict}",
        f"    {fmt.share_detail(objectives.met, objectives.not_met, len(objectives.not_reviewed))}",
        *(
            f"    not reviewed: {_clean(n.partner)} ({_clean(n.keyworker)})"
            for n in objectives.not_reviewed
        ),
        f"  Funding and resource raised in {m.financial_year} to date:"
        f" {fmt.money_whole(funding.year_to_date)}"
        f" (target over {fmt.money_whole(funding.target_per_year)} a year;"
        f" {fmt.money_whole(funding.on_track_to_date)} by now) - {pace}",
        f"    in {fmt.month_label(m.month)}: {fmt.money_whole(funding.in_month)}{in_kind}",
        f"    of which in kind: {fmt.money_whole(funding.in_kind_year_to_date)} this year to date",
    ]


def _attention(m: MonthlyMeasures) -> list[str]:
    lines = ["", f"Needs attention ({m.attention_count})"]
    lines += _section(
        "  Signs of failure (strategy section 4)",
        [f"    {_clean(sign.text)}" for sign in m.failure_signs],
        "  none",
    )
    lines += _section(
        "  Overdue reviews",
        _table(
            [
                (
                    _clean(r.partner),
                    r.kind.value,
                    f"due {fmt.day_label(r.due_on)}",
                    f"{r.days_overdue} days overdue",
                    _clean(r.keyworker),
                )
                for r in m.reviews.overdue
            ],
            "    ",
        ),
        "  none",
    )
    lines += _section(
        "  Stale engagements",
        _table(
            [
                (
                    _clean(s.partner),
                    s.tier.label,
                    f"last contact {fmt.day_label(s.last_contact)}",
                    f"{s.days_idle} days idle (limit {s.limit_days})",
                    _clean(s.keyworker),
                )
                for s in m.stale_engagements
            ],
            "    ",
        ),
        "  none",
    )
    lines += _section(
        "  Open escalations",
        _table(
            [
                (
                    _clean(e.partner),
                    f"since {fmt.day_label(e.since)}",
                    _clean(e.reason),
                    _clean(e.owner),
                )
                for e in m.open_escalations
            ],
            "    ",
        ),
        "  none",
    )
    lines += _section(
        "  Leads waiting on a business case",
        _table(
            [
                (
                    _clean(w.name),
                    f"since {fmt.day_label(w.since)}",
                    f"{w.days_waiting} days",
                    f"referred by {_clean(w.referred_by)}",
                )
                for w in m.leads_waiting
            ],
            "    ",
        ),
        "  none",
    )
    return lines


def render_text(measures: MonthlyMeasures) -> str:
    """The report as plain text, ending with a newline; names are stripped of control codes."""
    m = measures
    lines = [
        f"CEOP Partnerships - monthly report for {fmt.month_label(m.month)}",
        f"Financial year {m.financial_year}; figures as at {fmt.day_label(m.as_of)}",
    ]
    lines += _headline(m)
    lines += _section(
        f"New initiatives: {m.initiatives_with_existing_partners} with existing partners,"
        f" {m.initiatives_with_new_partners} with new partners",
        _table(
            [
                (
                    fmt.day_label(i.started),
                    _clean(i.partner),
                    _clean(i.title),
                    "new partner" if i.new_partner else "",
                )
                for i in m.initiatives
            ]
        ),
        "none this month",
    )
    lines += _section(
        "Delivery of objectives and targets through partnerships",
        _table(
            [
                (
                    _clean(t.key),
                    ", ".join(_clean(n) for n in t.partnerships) or "NO PARTNERSHIP SERVES IT",
                    f"{len(t.initiatives)} initiative(s)",
                )
                for t in m.targets
            ]
        ),
        "no targets registered for the year",
    )
    lines += _section(
        "Partner feedback",
        _table(
            [(fmt.day_label(f.received), _clean(f.partner), _clean(f.summary)) for f in m.feedback]
        ),
        "none recorded this month",
    )
    lines += _section(
        "Partnerships by tier", _table([(t.label, str(t.count)) for t in m.by_tier]), "none"
    )
    lines += _section(
        "Partnerships by state", _table([(s.state, str(s.count)) for s in m.by_state]), "none"
    )
    lines += _section(
        "Movements between tiers",
        _table(
            [
                (
                    fmt.day_label(t.on),
                    _clean(t.partner),
                    f"{t.from_tier.label} -> {t.to_tier.label}",
                    t.direction,
                )
                for t in m.tier_movements
            ]
        ),
        "none this month",
    )
    lines += [
        "",
        f"Reviews: {m.reviews.due} due, {m.reviews.done} done, {m.reviews.overdue_count} overdue",
    ]
    lines += _attention(m)
    lines += ["", *_wrap("Note: " + OBJECTIVES_DEFINITION)]
    lines += _section(
        "Trend",
        _table(
            [
                (
                    fmt.month_short(p.month),
                    fmt.percent(p.share, none="no reviews"),
                    fmt.money_whole(p.funding_in_month),
                )
                for p in m.trend
            ]
        ),
        "no history",
    )
    return "\n".join(lines) + "\n"
