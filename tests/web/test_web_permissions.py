"""Who may do what (docs/web.md): every row of the table, on the web form, the API and the use
case alike, and an account without a role refused every write with 403."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from ceop_workflow.app.records import CONTACT_LOGGERS, CONTRIBUTION_RECORDERS, REVIEWERS, ReviewKind
from ceop_workflow.errors import NotPermitted
from ceop_workflow.store.models import AuditEntry, Contact, Contribution, Review
from ceop_workflow.web.admin_home import ADMIN_ROLE
from tests.web.webtools import (
    COMMITTEE,
    KEYWORKER,
    PASSWORD,
    REPO,
    STAFF,
    TEAM,
    Site,
    csrf_of,
    sign_in,
)

NOBODY = "visitor@partner.example"  # an account, but no role in [roles] nor on the account
OBJECTIVES = {"outcome.Reach more children": "met", "outcome.Share trend data": "not_met"}


@dataclass(frozen=True)
class Write:
    """One write as the web form posts it and as the API takes it."""

    name: str
    form_path: str
    form: dict[str, str]
    api_path: str | None
    api: dict[str, object] | None


def _writes(site: Site) -> list[Write]:
    a, q = site.active_id, site.queued_id
    outcomes = {k.removeprefix("outcome."): v for k, v in OBJECTIVES.items()}
    return [
        Write(
            "fire escalate",
            f"/partnerships/{a}/fire/escalate",
            {"data.reason": "off track"},
            f"/api/partnerships/{a}/fire",
            {"trigger": "escalate", "data": {"reason": "off track"}},
        ),
        Write(
            "fire approve",
            f"/partnerships/{q}/fire/approve",
            {},
            f"/api/partnerships/{q}/fire",
            {"trigger": "approve"},
        ),
        Write(
            "contact",
            f"/partnerships/{a}/contact",
            {"kind": "meeting", "note": "hello"},
            f"/api/partnerships/{a}/contacts",
            {"kind": "meeting", "note": "hello"},
        ),
        Write(
            "monthly review",
            f"/partnerships/{a}/review",
            {"kind": "monthly", **OBJECTIVES},
            f"/api/partnerships/{a}/reviews",
            {"kind": "monthly", "outcomes": outcomes},
        ),
        Write(
            "annual review",
            f"/partnerships/{a}/review",
            {"kind": "annual", **OBJECTIVES},
            f"/api/partnerships/{a}/reviews",
            {"kind": "annual", "outcomes": outcomes},
        ),
    ]


def _counts(site: Site) -> tuple[int, ...]:
    with site.service.db.reading() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (AuditEntry, Contact, Review, Contribution)
        )


def _post_form(client: TestClient, write: Write) -> int:
    token = csrf_of(client.get("/").text)
    return client.post(write.form_path, data={**write.form, "csrf_token": token}).status_code


@pytest.fixture
def nobody(site: Site) -> str:
    site.accounts.add_user(NOBODY, (), PASSWORD)
    return NOBODY


def test_an_account_without_a_role_is_refused_every_write(
    client: TestClient, site: Site, nobody: str
) -> None:
    sign_in(client, nobody)
    before = _counts(site)
    refused: dict[str, int] = {}
    bearer = {"authorization": f"Bearer {site.token(nobody)}"}

    for write in _writes(site):
        refused[f"form: {write.name}"] = _post_form(client, write)
        if write.api_path is not None:
            api = client.post(write.api_path, json=write.api, headers=bearer)
            refused[f"api: {write.name}"] = api.status_code
            assert api.json()["error"] == "NotPermitted", api.text
    refused["page: /admin"] = client.get("/admin").status_code
    with pytest.raises(NotPermitted):
        site.records.add_contribution(site.active_id, "100", "funding", by=nobody)

    assert refused == {
        "form: fire escalate": 403,
        "api: fire escalate": 403,
        "form: fire approve": 403,
        "api: fire approve": 403,
        "form: contact": 403,
        "api: contact": 403,
        "form: monthly review": 403,
        "api: monthly review": 403,
        "form: annual review": 403,
        "api: annual review": 403,
        "page: /admin": 403,
    }
    assert _counts(site) == before


# (row of the table, the person, whether they may) — each row has someone who may and
# someone who may not; STAFF holds only the `staff` role, which only logging a contact needs
# (an account with no role at all is refused every write, above).
ROWS = [
    ("fire escalate", KEYWORKER, True),
    ("fire escalate", STAFF, False),
    ("fire escalate", COMMITTEE, False),
    ("fire approve", COMMITTEE, True),
    ("fire approve", TEAM, False),
    ("contact", KEYWORKER, True),
    ("contact", TEAM, True),
    ("contact", STAFF, True),
    ("contact", COMMITTEE, True),
    ("monthly review", TEAM, True),
    ("monthly review", KEYWORKER, True),
    ("monthly review", STAFF, False),
    ("monthly review", COMMITTEE, False),
    ("annual review", COMMITTEE, True),
    ("annual review", TEAM, True),  # head_of_partnerships
    ("annual review", KEYWORKER, False),
]


@pytest.mark.parametrize("via", ["form", "api"])
@pytest.mark.parametrize(("name", "person", "may"), ROWS)
def test_each_write_is_allowed_to_its_roles_only(
    client: TestClient, site: Site, via: str, name: str, person: str, may: bool
) -> None:
    [write] = [w for w in _writes(site) if w.name == name]
    before = _counts(site)
    if via == "form":
        sign_in(client, person)
        status = _post_form(client, write)
        expected = 303 if may else 403
    else:
        assert write.api_path is not None
        headers = {"authorization": f"Bearer {site.token(person)}"}
        status = client.post(write.api_path, json=write.api, headers=headers).status_code
        expected = (200, 201) if may else (403,)

    assert status in (expected if isinstance(expected, tuple) else (expected,))
    assert (_counts(site) != before) is may


@pytest.mark.parametrize(("person", "may"), [(KEYWORKER, True), (TEAM, True), (STAFF, False)])
def test_contributions_are_recorded_by_their_roles_only(site: Site, person: str, may: bool) -> None:
    def record() -> int:
        return site.records.add_contribution(site.active_id, "2500", "funding", by=person)

    if may:
        assert record() > 0
    else:
        with pytest.raises(
            NotPermitted,
            match="not permitted: a contribution is recorded by head_of_partnerships, keyworker",
        ):
            record()


@pytest.mark.parametrize(("person", "status"), [(TEAM, 200), (STAFF, 403), (KEYWORKER, 403)])
def test_admin_page_is_for_the_admin_role(client: TestClient, person: str, status: int) -> None:
    sign_in(client, person)

    response = client.get("/admin")

    assert response.status_code == status
    assert ('href="/admin"' in client.get("/").text) is (status == 200)


def test_the_table_in_the_docs_names_the_roles_the_code_checks() -> None:
    text = (REPO / "docs" / "web.md").read_text(encoding="utf-8")
    rows = {
        m[1]: {r.strip() for r in m[2].split(",")}
        for m in re.finditer(r"^\| ([a-z ]+) \|.*\| ([a-z_, ]+) \|$", text, re.MULTILINE)
    }

    assert rows["log a contact"] == CONTACT_LOGGERS
    assert rows["record a contribution"] == CONTRIBUTION_RECORDERS
    assert rows["record a monthly review"] == REVIEWERS[ReviewKind.MONTHLY]
    assert rows["record an annual review"] == REVIEWERS[ReviewKind.ANNUAL]
    assert rows["see workflow versions and daemon status"] == {ADMIN_ROLE}
