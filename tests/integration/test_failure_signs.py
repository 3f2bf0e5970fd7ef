"""Signs of a failing strategy (section 4) in the monthly report and in the email to the Chief
Executive Management Team: a year where no initiative starts for three months."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ceop_workflow.app.emails import queue_monthly_report
from ceop_workflow.notify.render import TemplateRenderer
from ceop_workflow.reports.render import measures_to_dict, render_html, render_text
from ceop_workflow.store.models import OutboxMessage
from ceop_workflow.strategy.initiatives import Initiatives
from ceop_workflow.strategy.register import Register
from tests.lifecycle import (
    HEAD,
    KEYWORKER,
    MEMBER_A,
    TEAM,
    TO_COMMITTEE,
    Step,
    new_partnership,
    walk,
)
from tests.support import Core

LONDON = ZoneInfo("Europe/London")
SIGN = "Initiatives: no new initiative for 3 months (last: 14 May 2007)"


def london(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def _attention(text: str) -> str:
    """The report's "Needs attention" section, up to the next top-level heading."""
    start = text.index("Needs attention")
    end = text.index("\nTrend", start)
    return text[start:end]


def test_three_months_without_a_new_initiative_is_a_sign(build: Callable[..., Core]) -> None:
    core = build(now=london("2007-04-02T10:00"))
    new_partnership(core.service, "Example Mobile")
    initiatives = Initiatives(core.settings, core.database, core.clock, core.service.catalog)
    core.clock.advance_to(london("2007-05-14T11:00"))
    initiatives.add("Analysts for trend data", targets=["reach"], owner=KEYWORKER, actor=HEAD)
    # June and July pass without an initiative: two quiet months are not yet a sign.
    core.clock.advance_to(london("2007-09-20T10:00"))
    july = core.service.measures(date(2007, 7, 1))
    assert [s.kind for s in july.failure_signs if s.kind == "no_new_initiatives"] == []
    assert SIGN not in render_text(july)

    august = core.service.measures(date(2007, 8, 1))
    assert [s.text for s in august.failure_signs if s.kind == "no_new_initiatives"] == [SIGN]
    assert SIGN in _attention(render_text(august))
    assert "Signs of failure (strategy section 4)" in render_html(august)
    assert "no new initiative for 3 months" in render_html(august)
    assert {
        "kind": "no_new_initiatives",
        "subject": "Initiatives",
        "detail": "no new initiative for 3 months (last: 14 May 2007)",
    } in measures_to_dict(august)["failure_signs"]

    # The email on September's first working day (Monday the 3rd) names the sign.
    core.clock.advance_to(london("2007-09-03T09:00"))
    assert queue_monthly_report(core.service) is True
    with core.database.reading() as session:
        row = session.scalars(select(OutboxMessage).filter_by(template="monthly_report")).one()
        context = row.context
    assert context["period"] == "August 2007"
    mail = TemplateRenderer.from_settings(core.settings).render("monthly_report", context)
    assert f"  - {SIGN}\n" in mail.text
    assert "no new initiative for 3 months" in mail.html


def test_an_initiative_in_the_month_ends_the_quiet_run(build: Callable[..., Core]) -> None:
    core = build(now=london("2007-04-02T10:00"))
    new_partnership(core.service, "Example Mobile")
    initiatives = Initiatives(core.settings, core.database, core.clock, core.service.catalog)
    core.clock.advance_to(london("2007-08-30T11:00"))
    initiatives.add("Helpline analysts", targets=["reach"], owner=KEYWORKER, actor=HEAD)
    core.clock.advance_to(london("2007-09-20T10:00"))
    august = core.service.measures(date(2007, 8, 1))
    assert [s for s in august.failure_signs if s.kind == "no_new_initiatives"] == []
    # Before the first initiative, the months since the installation began count as quiet.
    july = core.service.measures(date(2007, 7, 1))
    assert [s.text for s in july.failure_signs if s.kind == "no_new_initiatives"] == [
        "Initiatives: no new initiative for 4 months (none yet)"
    ]


def test_an_initiative_left_without_resources_is_a_sign(build: Callable[..., Core]) -> None:
    core = build(now=london("2007-04-02T10:00"))
    pid = new_partnership(core.service, "Example Mobile")
    initiatives = Initiatives(core.settings, core.database, core.clock, core.service.catalog)
    waiting = initiatives.add("Safer apps", targets=["reach"], owner=KEYWORKER, actor=HEAD)
    resourced = initiatives.add("Helpline", targets=["reach"], owner=KEYWORKER, actor=HEAD)
    core.clock.advance_to(london("2007-05-02T10:00"))
    initiatives.fire(resourced, "resource", HEAD, {"partnership": [str(pid)]})
    core.clock.advance_to(london("2007-08-01T10:00"))
    july = core.service.measures(date(2007, 7, 1))
    unresourced = [s.text for s in july.failure_signs if s.kind == "unresourced_initiative"]
    assert unresourced == [
        f"Safer apps: un-resourced for 120 days (since 02 April 2007; owner {KEYWORKER})"
    ]
    assert initiatives.history(waiting)[0].trigger == "create"


def test_the_report_shows_delivery_of_each_target(build: Callable[..., Core]) -> None:
    core = build(now=london("2007-04-02T10:00"))
    register = Register(core.settings, core.database, core.clock)
    register.add("objective", "protect", "Protect children", actor=HEAD)
    register.add("target", "reach", "Reach 1m children", actor=HEAD, parent="protect")
    register.add("target", "training", "Train 500 teachers", actor=HEAD, parent="protect")
    pid = new_partnership(core.service, "Example Mobile")
    case = {"title": "Safety", "objectives": "reach", "core_policing": "no"}
    walk(
        core.service,
        pid,
        [
            TO_COMMITTEE[0],
            Step("submit_to_committee", KEYWORKER, "committee_review", case),
            Step("approve", MEMBER_A, "tier_assignment"),
            Step("assign_tier", TEAM, "active", {"tier": "Associate", "start": "2007-04-02"}),
        ],
    )
    initiatives = Initiatives(core.settings, core.database, core.clock, core.service.catalog)
    initiatives.add("Teacher packs", targets=["training"], owner=KEYWORKER, actor=HEAD)
    core.clock.advance_to(london("2007-05-02T10:00"))
    april = core.service.measures(date(2007, 4, 1))
    assert [(t.key, t.partnerships, t.initiatives, t.served) for t in april.targets] == [
        ("reach", ("Example Mobile",), (), True),
        ("training", (), ("Teacher packs",), False),
    ]
    text = render_text(april)
    assert "training  NO PARTNERSHIP SERVES IT  1 initiative(s)" in text
    assert "No partnership serves it" in render_html(april)
