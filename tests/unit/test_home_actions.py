"""The action a home page offers for each duty: the form that clears it, for those who may."""

from __future__ import annotations

from datetime import UTC, datetime

from ceop_workflow.app.home import action_for
from ceop_workflow.app.worklist import Duty

SINCE = datetime(2008, 3, 3, 9, 0, tzinfo=UTC)


def test_a_due_review_links_straight_to_its_form_for_those_who_may_record_it() -> None:
    monthly = action_for(8, Duty("overdue", "monthly review", SINCE), frozenset({"keyworker"}))
    assert (monthly.label, monthly.href) == (
        "Record a monthly review",
        "/partnerships/8/review?kind=monthly",
    )
    annual = action_for(8, Duty("due", "annual review", SINCE), frozenset({"committee"}))
    assert (annual.label, annual.href) == (
        "Record an annual review",
        "/partnerships/8/review?kind=annual",
    )


def test_a_review_the_person_may_not_record_says_who_does() -> None:
    annual = action_for(8, Duty("due", "annual review", SINCE), frozenset({"keyworker"}))
    assert annual.label == "Open the partnership (committee or head of partnerships records it)"
    assert annual.href == "/partnerships/8"


def test_stale_engagement_asks_for_a_contact_and_anything_else_opens_the_record() -> None:
    stale = action_for(8, Duty("stale", "no contact logged", SINCE), frozenset({"keyworker"}))
    assert (stale.label, stale.href) == ("Log a contact", "/partnerships/8/contact")
    other = action_for(8, Duty("due", "renewal notice", SINCE), frozenset({"keyworker"}))
    assert other.href == "/partnerships/8"
