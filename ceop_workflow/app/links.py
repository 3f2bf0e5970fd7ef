"""Links into the web application, for reminder emails: each goes where the reader acts."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from ceop_workflow.config import Settings

# What each notification asks its reader to do, as an action `link_for` understands.
ACTION_FOR_TEMPLATE = {
    "monthly_review_due": "monthly_review",
    "review_overdue": "view",
    "annual_review_due": "annual_review",
    "stale_engagement": "contact",
    "business_case_reminder": "view",
    "committee_pack": "decide",
    "decision_made": "view",
    "escalation": "view",
    "renewal_coming_up": "view",
    "renewal_overdue": "view",
}
ACTIONS = ("view", "contact", "monthly_review", "annual_review", "decide")


def path_for(partnership_id: int | None, action: str = "view") -> str:
    """The path (without the base URL) of the page for `action` on a partnership.

    Actions: view (the partnership page), contact (log a contact), monthly_review,
    annual_review, decide (the committee's queue); any other word is taken as a trigger and
    links to that trigger's form on the partnership page. Without a partnership: the home page.
    """
    if partnership_id is None:
        return "/committee" if action == "decide" else "/"
    base = f"/partnerships/{int(partnership_id)}"
    if action == "view":
        return base
    if action == "contact":
        return f"{base}/contact"
    if action in {"monthly_review", "annual_review"}:
        return f"{base}/review?kind={action.removesuffix('_review')}"
    if action == "decide":
        return f"/committee#partnership-{int(partnership_id)}"
    return f"{base}#fire-{quote(action, safe='')}"


def link_for(settings: Settings, partnership_id: int | None, action: str = "view") -> str:
    """The absolute URL, from `web.base_url`, of the page where the reader does `action`."""
    return settings.web.base_url.rstrip("/") + path_for(partnership_id, action)


def report_link(settings: Settings, month: date) -> str:
    """The absolute URL of the monthly report of `month` on the web."""
    return settings.web.base_url.rstrip("/") + f"/report/monthly?month={month:%Y-%m}"


def link_for_template(settings: Settings, template: str, partnership_id: int | None) -> str:
    """The link a notification built from `template` carries."""
    return link_for(settings, partnership_id, ACTION_FOR_TEMPLATE.get(template, "view"))
