"""The partnership page and the API's partnership read in a fixed number of SQL statements.

A partnership with a long history (50 more audit rows, 20 contacts, 12 reviews with their
outcomes) costs the same statements as one with a single row of each: nothing is loaded row by
row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event
from starlette.testclient import TestClient

from ceop_workflow.store.models import AuditEntry, Contact, Review, ReviewOutcome
from tests.web.webtools import KEYWORKER, Site, sign_in

# The statements one GET runs, whatever the partnership's history, asserted exactly so that a
# change either way is seen. The page: sign-in (BEGIN, the user), then one read-only
# transaction (BEGIN; the partnership with its partner, audit trail, objectives, latest business
# case, contacts, contributions, reviews and their outcomes, this round's decisions; one query
# per timer of the state and the open cases for the duties). The API: token and user, then
# the partnership, audit trail and objectives.
PAGE_STATEMENTS = 15
API_STATEMENTS = 7


@contextmanager
def counting(site: Site) -> Iterator[list[str]]:
    """The SQL statements run on the site's database inside the block (BEGIN/COMMIT too)."""
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    engine = site.service.db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _grow_history(site: Site, pid: int, audits: int, contacts: int, reviews: int) -> None:
    now = site.clock.now()
    with site.service.db.unit_of_work() as session:
        for n in range(audits):
            session.add(
                AuditEntry(
                    partnership_id=pid,
                    at=now - timedelta(minutes=n),
                    actor=KEYWORKER,
                    role="keyworker",
                    trigger="note",
                    source="active",
                    dest="active",
                    workflow_version=1,
                    comment=f"entry {n}",
                    data={"n": n},
                )
            )
        for n in range(contacts):
            session.add(
                Contact(
                    partnership_id=pid,
                    kind="meeting",
                    by=KEYWORKER,
                    at=now - timedelta(days=n),
                    note=f"contact {n}",
                )
            )
        for n in range(reviews):
            session.add(
                Review(
                    partnership_id=pid,
                    kind="monthly",
                    period=f"2025-{n + 1:02d}",
                    by=KEYWORKER,
                    at=now - timedelta(days=31 * (n + 2)),
                    all_met=True,
                    feedback=None,
                    feedback_negative=False,
                    benefits=None,
                    outcomes=[ReviewOutcome(objective="Reach more children", met=True)],
                )
            )


def _count(site: Site, get: Callable[[], int]) -> int:
    get()  # warm: the workflow's machine is loaded and cached once per process
    with counting(site) as statements:
        assert get() == 200
    return len(statements)


def test_the_partnership_page_reads_in_a_fixed_number_of_statements(
    client: TestClient, site: Site
) -> None:
    sign_in(client, KEYWORKER)
    url = f"/partnerships/{site.active_id}"

    def page() -> int:
        return client.get(url).status_code

    _grow_history(site, site.active_id, audits=1, contacts=1, reviews=1)
    young = _count(site, page)
    _grow_history(site, site.active_id, audits=49, contacts=19, reviews=11)
    assert client.get(url).text.count("entry ") >= 50  # the history is on the page
    old = _count(site, page)
    assert (young, old) == (PAGE_STATEMENTS, PAGE_STATEMENTS)


def test_the_apis_partnership_reads_in_a_fixed_number_of_statements(
    client: TestClient, site: Site
) -> None:
    headers = {"Authorization": f"Bearer {site.token(KEYWORKER)}"}
    url = f"/api/partnerships/{site.active_id}"

    def read() -> int:
        return client.get(url, headers=headers).status_code

    _grow_history(site, site.active_id, audits=1, contacts=1, reviews=1)
    young = _count(site, read)
    _grow_history(site, site.active_id, audits=49, contacts=19, reviews=11)
    assert len(client.get(url, headers=headers).json()["history"]) >= 50
    old = _count(site, read)
    assert (young, old) == (API_STATEMENTS, API_STATEMENTS)
