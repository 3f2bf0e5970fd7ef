"""The admin's workflow desk (issue 15, item 2): admin only and CSRF-checked; every problem of a
pasted definition with its key path; the diff against the newest version and who sits in the
states it touches; scenario tests; loading (recorded); migrating, dry run first."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from ceop_workflow.app.desk import WorkflowDesk
from ceop_workflow.store.models import AdminAction, Partnership
from tests.web.webtools import KEYWORKER, REPO, STAFF, TEAM, Site, csrf_of, sign_in

ADMIN = TEAM  # config.toml: admin = ["kelly.burke@ceop.example"]
PARTNERSHIP = (REPO / "workflows" / "partnership.toml").read_text(encoding="utf-8")
# Version 2: a new way out of `active`, where the seeded partnership 1 sits.
NEW_WAY_OUT = """
[[transitions]]
trigger = "flag_concern"
source = "active"
dest = "escalated"
roles = ["head_of_partnerships"]
description = "The Head of Partnerships has a concern."
"""
V2 = PARTNERSHIP.replace("version = 1", "version = 2", 1) + NEW_WAY_OUT


def on_version(site: Site, partnership_id: int) -> tuple[int, str]:
    """The version and state a partnership is on, read from the store."""
    with site.service.db.reading() as session:
        p = session.get(Partnership, partnership_id)
        assert p is not None
        return p.workflow_version, p.state


def _desk(site: Site) -> WorkflowDesk:
    s = site.service
    return WorkflowDesk(s.db, s.catalog, s.clock, s.listeners)


def _admin(client: TestClient) -> str:
    """Sign the admin in; the CSRF token of the desk's form."""
    sign_in(client, ADMIN)
    page = client.get("/admin/workflows/new")
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


def _check(client: TestClient, token: str, source: str) -> str:
    response = client.post("/admin/workflows/check", data={"csrf_token": token, "source": source})
    return response.text


def _hash_in(html: str) -> str:
    marker = 'name="content_hash" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


@pytest.mark.parametrize("person", [KEYWORKER, STAFF])
def test_every_desk_page_and_form_refuses_a_non_admin(client: TestClient, person: str) -> None:
    sign_in(client, person)
    token = csrf_of(client.get("/partnerships").text)
    form = {"csrf_token": token, "source": V2, "to": "1"}

    statuses = {
        "GET /admin": client.get("/admin").status_code,
        "GET new": client.get("/admin/workflows/new").status_code,
        "GET dry run": client.get("/admin/workflows/partnership/migrate?to=1").status_code,
        "POST check": client.post("/admin/workflows/check", data=form).status_code,
        "POST test": client.post("/admin/workflows/test", data=form).status_code,
        "POST load": client.post("/admin/workflows/load", data=form).status_code,
        "POST migrate": client.post("/admin/workflows/partnership/migrate", data=form).status_code,
    }

    assert set(statuses.values()) == {403}, statuses


def test_a_form_without_its_csrf_token_is_refused(client: TestClient, site: Site) -> None:
    _admin(client)

    response = client.post("/admin/workflows/load", data={"source": V2, "content_hash": "x"})

    assert response.status_code == 403
    assert site.service.definition("partnership").version == 1


def test_every_problem_is_shown_with_its_key_path(client: TestClient) -> None:
    token = _admin(client)
    broken = (
        PARTNERSHIP.replace("version = 1", "version = 2", 1)
        .replace('dest = "escalated"', 'dest = "escalatd"', 1)
        .replace('subject = "organisation"', 'subject = "organisation"\ncolour = "red"', 1)
    )

    response = client.post("/admin/workflows/check", data={"csrf_token": token, "source": broken})

    assert response.status_code == 422
    assert "<code>transitions[6].dest</code>" in response.text
    assert "unknown state &#39;escalatd&#39;" in response.text
    assert "<code>workflow.colour</code>" in response.text
    assert "Load partnership" not in response.text


def test_a_new_version_shows_its_diff_the_partnerships_it_touches_and_its_diagram(
    client: TestClient, site: Site
) -> None:
    token = _admin(client)

    html = _check(client, token, V2)

    assert "Changes from v1, the newest loaded version" in html
    assert "<code>flag_concern@active</code>" in html
    # Partnership 1 is active (the new way out starts there); 2 waits on the committee.
    assert f"#{site.active_id} Acme" in html and "new way out (flag_concern)" in html
    assert f"#{site.queued_id} " not in html
    assert '<svg role="img" aria-label="Workflow diagram"' in html
    assert "flag_concern (new)" in html  # what the version adds is marked on the diagram
    assert "Load partnership v2" in html


def test_an_uploaded_file_is_checked_like_a_pasted_text(client: TestClient) -> None:
    token = _admin(client)

    response = client.post(
        "/admin/workflows/check",
        data={"csrf_token": token, "source": ""},
        files={"file": ("partnership.toml", V2.encode(), "text/plain")},
    )

    assert response.status_code == 200
    assert "Load partnership v2" in response.text


def test_the_shipped_scenario_runs_on_the_definition_and_a_broken_one_names_its_keys(
    client: TestClient,
) -> None:
    token = _admin(client)

    shipped = client.post("/admin/workflows/test", data={"csrf_token": token, "source": V2})
    broken = client.post(
        "/admin/workflows/test",
        data={"csrf_token": token, "source": V2, "scenario": "[scenario]\nstart = 3\n"},
    )

    assert "<strong>Passed:</strong> 35 checks passed, 0 failed." in shipped.text
    assert "<code>scenario.start</code>" in broken.text
    assert "<code>steps</code>" in broken.text


def test_loading_stores_the_version_records_who_and_shows_the_dry_run(
    client: TestClient, site: Site
) -> None:
    token = _admin(client)
    checked = _check(client, token, V2)

    response = client.post(
        "/admin/workflows/load",
        data={"csrf_token": token, "source": V2, "content_hash": _hash_in(checked)},
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/admin/workflows/partnership/migrate?to=2&done=loaded"
    assert site.service.definition("partnership").version == 2
    with site.service.db.reading() as session:
        actions = [(a.actor, a.action, a.version) for a in session.scalars(select(AdminAction))]
    assert actions == [(ADMIN, "load_workflow", 2)]
    dry = client.get(response.headers["location"])
    assert "Dry run: what migrating would do" in dry.text
    assert "2 running partnerships would move to v2" in dry.text
    assert on_version(site, site.active_id)[0] == 1


def test_a_text_changed_after_the_check_is_not_loaded(client: TestClient, site: Site) -> None:
    token = _admin(client)
    checked = _check(client, token, V2)

    response = client.post(
        "/admin/workflows/load",
        data={"csrf_token": token, "source": V2 + "\n# sneaky", "content_hash": _hash_in(checked)},
    )

    assert response.status_code == 422
    assert site.service.definition("partnership").version == 1


def test_migration_runs_only_the_plan_its_dry_run_showed(client: TestClient, site: Site) -> None:
    token = _admin(client)
    checked = _check(client, token, V2)
    client.post(
        "/admin/workflows/load",
        data={"csrf_token": token, "source": V2, "content_hash": _hash_in(checked)},
    )
    dry = client.get("/admin/workflows/partnership/migrate?to=2").text
    marker = 'name="fingerprint" value="'
    fingerprint = dry[dry.index(marker) + len(marker) :].split('"', 1)[0]
    path = "/admin/workflows/partnership/migrate"

    without = client.post(path, data={"csrf_token": token, "to": "2"})
    stale = client.post(path, data={"csrf_token": token, "to": "2", "fingerprint": "0" * 16})
    assert (without.status_code, stale.status_code) == (422, 422)
    assert on_version(site, site.active_id)[0] == 1

    done = client.post(path, data={"csrf_token": token, "to": "2", "fingerprint": fingerprint})

    assert done.status_code == 303
    assert on_version(site, site.active_id)[0] == 2
    assert on_version(site, site.queued_id)[0] == 2
    assert [a.action for a in _desk(site).actions()] == ["migrate_workflow", "load_workflow"]
    admin_page = client.get(done.headers["location"]).text
    assert "migrated 2 partnership(s) of partnership to v2" in admin_page
    assert "10 Mar 2026 11:00 GMT" in admin_page  # when, on London's clock


def test_the_admin_home_section_shows_workflows_accounts_and_the_daemon(
    client: TestClient,
) -> None:
    sign_in(client, ADMIN)

    home = client.get("/").text

    assert 'id="admin-home-title"' in home
    assert "Add or change a workflow" in home
    assert KEYWORKER in home  # an account
    assert "No daemon has run against this database yet." in home


def test_the_home_page_of_a_non_admin_has_no_admin_section(client: TestClient) -> None:
    sign_in(client, KEYWORKER)

    assert 'id="admin-home-title"' not in client.get("/").text


def test_a_state_the_new_version_lacks_asks_where_its_partnerships_go(
    client: TestClient, site: Site
) -> None:
    renamed = (
        PARTNERSHIP.replace("version = 1", "version = 2", 1)
        .replace("[states.active]", "[states.running]")
        .replace('"active"', '"running"')
    )
    token = _admin(client)
    checked = _check(client, token, renamed)
    assert "state removed" in checked
    client.post(
        "/admin/workflows/load",
        data={"csrf_token": token, "source": renamed, "content_hash": _hash_in(checked)},
    )
    path = "/admin/workflows/partnership/migrate"

    refused = client.get(f"{path}?to=2").text
    mapped = client.get(f"{path}?to=2&map.active=running").text

    assert "no mapping for active (partnerships 1)" in refused
    assert 'name="map.active"' in refused and 'name="fingerprint"' not in refused
    assert "v1 active</td><td>v2 running</td>" in mapped
    assert '<input type="hidden" name="map.active" value="running">' in mapped
    marker = 'name="fingerprint" value="'
    fingerprint = mapped[mapped.index(marker) + len(marker) :].split('"', 1)[0]
    done = client.post(
        path,
        data={"csrf_token": token, "to": "2", "fingerprint": fingerprint, "map.active": "running"},
    )
    assert done.status_code == 303
    assert on_version(site, site.active_id)[1] == "running"


def test_the_desk_can_start_from_the_newest_loaded_text_and_names_unknown_versions(
    client: TestClient,
) -> None:
    _admin(client)

    start = client.get("/admin/workflows/new?start=partnership").text
    unknown = client.get("/admin/workflows/partnership/migrate?to=9")

    assert "[workflow]\nname = &#34;partnership&#34;" in start
    assert unknown.status_code == 404
    assert "workflow &#39;partnership&#39; version 9 is not loaded" in unknown.text
