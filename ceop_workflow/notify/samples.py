"""Sample contexts for every message ceop-workflow sends, shared by `validate_all` and tests.

`notifications/README.md` documents each key; these samples are the executable form of that
document. A message may have several variants, so that every branch of its templates is tried
(a link set and not set, each committee decision). Every call builds fresh dicts.
"""

from __future__ import annotations

SAMPLE_LINK = "https://partnerships.ceop.example/partnerships/12"


def sample_partnership(**overrides: object) -> dict[str, object]:
    """The `partnership` dict most messages take."""
    partnership: dict[str, object] = {
        "id": 12,
        "partner": "Example Online Safety Ltd",
        "tier": "Partner (Industry)",
        "tier_kind": "industry",
        "state": "active",
        "keyworker": "sam.keyworker@ceop.example",
        "manager": "alex.manager@ceop.example",
        "workflow": "partnership",
        "commitment_end": "2026-03-31",
    }
    partnership.update(overrides)
    return partnership


def _with_and_without_link(context: dict[str, object]) -> list[dict[str, object]]:
    return [{**context, "link": SAMPLE_LINK}, {**context, "link": ""}]


def _business_case() -> dict[str, object]:
    return {
        "title": "Safety messaging in the Example app",
        "objectives": [
            "Promote Report Abuse inside the app",
            "Share anonymised trend data each quarter",
        ],
        "targets": [
            {"key": "report_abuse_reach", "title": "Report Abuse reaches 2 million young users"},
            {"key": "trend_data", "title": ""},
        ],
        "benefits": "Reach 2 million young users with Thinkuknow messages.",
        "resources": "One embedded analyst, two days a week, for a year.",
        "author": "sam.keyworker@ceop.example",
    }


def _monthly_report() -> dict[str, object]:
    # Written as `reports.mailing.report_context` writes them: already formatted for people.
    return {
        "share": "66%",
        "target_share": "70%",
        "verdict": "below target",
        "share_detail": "27 of 41 met all objectives (11 not met, 3 not reviewed)",
        "not_reviewed": [{"partner": "Example Online Safety Ltd", "link": SAMPLE_LINK}],
        "definition": "Share meeting all objectives = met / owed a monthly review.",
        "financial_year": "2025/26",
        "funding_year_to_date": "£640,000",
        "funding_in_kind_year_to_date": "£120,000",
        "funding_on_track_to_date": "£666,667",
        "funding_target": "£1,000,000",
        "funding_verdict": "behind",
        "initiatives_with_existing_partners": 2,
        "initiatives_with_new_partners": 1,
        "attention_count": 2,
        "attention": [
            {
                "id": 12,
                "partner": "Example Online Safety Ltd",
                "reason": "no contact for 75 days",
                "link": SAMPLE_LINK,
            },
            {
                "id": 31,
                "partner": "Another Partner plc",
                "reason": "monthly review due 1 Nov 2025, 29 days overdue",
                "link": "",
            },
        ],
    }


def _digest_items() -> list[dict[str, object]]:
    return [
        {
            "kind": "monthly_review_due",
            "partnership": sample_partnership(),
            "due": "2025-12-05",
            "summary": "Monthly review for November 2025",
            "link": SAMPLE_LINK,
        },
        {
            "kind": "review_overdue",
            "review_kind": "annual",
            "partnership": sample_partnership(id=31, partner="Another Partner plc"),
            "due": "2025-11-28",
            "summary": "Annual review for 2024/25 is 4 days overdue",
            "link": "",
        },
        {
            "kind": "stale_engagement",
            "partnership": sample_partnership(
                id=7, partner="Third Sector Trust", tier="Associate", tier_kind=""
            ),
            "due": "2025-12-12",
            "summary": "No contact logged for 92 days",
            "link": "",
        },
    ]


def _stale(last_contact: str) -> dict[str, object]:
    return {
        "partnership": sample_partnership(),
        "last_contact": last_contact,
        "days_idle": 75,
        "limit_days": 60,
        "escalate_on": "2025-12-01",
    }


def _contact(kind: str, note: str = "Disputed the terms of the data sharing.") -> dict[str, str]:
    return {"kind": kind, "by": "alex.staff@ceop.example", "at": "2025-11-20 14:30", "note": note}


def sample_contexts() -> dict[str, list[dict[str, object]]]:
    """For each message name, one or more contexts it must render with."""
    partnership = sample_partnership
    decisions = [
        {"decision": "approve", "member": "paul.lever@ceop.example", "note": "A good fit."},
        {"decision": "defer", "member": "andy.coller@ceop.example", "note": "Costs unclear."},
        {"decision": "reject", "member": "paul.clark@ceop.example", "note": ""},
    ]
    return {
        "business_case_reminder": _with_and_without_link(
            {
                "partnership": partnership(state="business_case", tier="", tier_kind=""),
                "due": "2025-12-05",
                "missing": ["benefits", "resources"],
            }
        ),
        "committee_pack": _with_and_without_link(
            {
                "partnership": partnership(state="committee_review"),
                "business_case": _business_case(),
                "due": "2025-12-10",
            }
        ),
        "monthly_review_due": _with_and_without_link(
            {
                "partnership": partnership(),
                "period": "November 2025",
                "due": "2025-12-05",
                "objectives": _business_case()["objectives"],
            }
        ),
        "review_overdue": _with_and_without_link(
            {
                "partnership": partnership(),
                "review_kind": "monthly",
                "period": "October 2025",
                "due": "2025-11-07",
                "days_overdue": 21,
            }
        ),
        "annual_review_due": _with_and_without_link(
            {
                "partnership": partnership(),
                "period": "2025/26",
                "due": "2026-01-15",
                "objectives": _business_case()["objectives"],
            }
        ),
        "stale_engagement": [
            *_with_and_without_link(_stale(last_contact="2025-09-01")),
            {**_stale(last_contact=""), "link": ""},
        ],
        "escalation": [
            *_with_and_without_link(
                {
                    "partnership": partnership(state="escalated"),
                    "reason": "No contact logged for 89 days after a reminder",
                    "since": "2025-11-28",
                }
            ),
            {
                "partnership": partnership(state="escalated"),
                "reason": "",
                "since": "2025-11-28",
                "link": "",
            },
        ],
        "difficult_interaction": [
            *_with_and_without_link(
                {"partnership": partnership(), "contact": _contact("difficult_interaction")}
            ),
            {
                "partnership": partnership(),
                "contact": _contact("difficult_interaction", note=""),
                "link": "",
            },
        ],
        "contact_logged": _with_and_without_link(
            {"partnership": partnership(), "contact": _contact("meeting")}
        ),
        "renewal_coming_up": _with_and_without_link(
            {
                "partnership": partnership(),
                "term_ends": "2026-03-31",
                "due": "2026-02-28",
            }
        ),
        "renewal_overdue": _with_and_without_link(
            {
                "partnership": partnership(state="renewal"),
                "term_ends": "2026-03-31",
                "due": "2026-03-31",
            }
        ),
        "decision_made": [
            {
                "partnership": partnership(state="committee_review"),
                "decision": decision,
                "link": link,
            }
            for decision in decisions
            for link in (SAMPLE_LINK, "")
        ],
        "monthly_report": _with_and_without_link(
            {"period": "November 2025", "report": _monthly_report()}
        ),
        "daily_digest": _with_and_without_link(
            {
                "recipient": "sam.keyworker@ceop.example",
                "date": "2025-12-01",
                "items": _digest_items(),
            }
        ),
    }
