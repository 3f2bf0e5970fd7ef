"""The admin's journey in a real Chromium (issue 15, must show): from the admin's home page, check
a new version of the partnership workflow, read its diff, load it, read the migration's dry run
and migrate; at desktop and phone widths, with a screenshot of each page in test-artifacts/
and axe-core on every page visited (no serious or critical violation)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.axe import audit_async
from tests.web.conftest import Journey
from tests.web.test_web_desk import ADMIN, V2, on_version
from tests.web.webtools import ARTIFACTS, PASSWORD, Site

pytestmark = pytest.mark.browser
Browse = Callable[[Journey], None]
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
WIDTHS_NOW = "() => ({page: document.documentElement.scrollWidth, screen: window.innerWidth})"


@pytest.mark.parametrize("device", sorted(WIDTHS))
def test_admin_loads_a_new_version_after_its_diff_and_migrates_after_the_dry_run(
    browse: Browse, site: Site, device: str
) -> None:
    width, height = WIDTHS[device]
    seen: list[str] = []
    minor: dict[str, list[str]] = {}

    async def visit(page: Any, name: str) -> None:
        """Audit the page as it stands and keep a screenshot of it."""
        seen.append(name)
        found = await audit_async(page, f"{name} ({device})")  # fails on serious, critical
        minor[name] = sorted({f"{v['impact']}: {v['id']}" for v in found})
        # Nothing widens the page past the screen: wide tables and the diagram scroll inside.
        widths = await page.evaluate(WIDTHS_NOW)
        assert widths["page"] <= widths["screen"], f"{name} ({device}): {widths}"
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / f"admin-{device}-{name}.png"), full_page=True)

    async def journey(page: Any) -> None:
        await page.set_viewport_size({"width": width, "height": height})
        await page.goto("/")
        await visit(page, "1-signin")
        await page.get_by_label("Email address").fill(ADMIN)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/")
        admin = page.get_by_role("region", name="Administration")
        assert "partnership" in await admin.inner_text()
        await visit(page, "2-home")

        await admin.get_by_role("link", name="Add or change a workflow").click()
        await page.get_by_label("Definition (TOML)").fill(V2)
        await visit(page, "3-desk")
        await page.get_by_role("button", name="Check the definition").click()

        changes = page.get_by_role("region", name="Changes from v1, the newest loaded version")
        assert "flag_concern@active" in await changes.inner_text()
        assert "new way out (flag_concern)" in await changes.inner_text()
        await visit(page, "4-diff")
        await page.get_by_role("button", name="Load partnership v2").click()

        await page.wait_for_url("**/admin/workflows/partnership/migrate?to=2&done=loaded")
        assert "Loaded partnership v2" in await page.inner_text("[role=status]")
        dry_run = page.get_by_role("region", name="Dry run: what migrating would do")
        assert "2 running partnerships would move to v2" in await dry_run.inner_text()
        await visit(page, "5-dry-run")
        await dry_run.get_by_role("button", name="Migrate 2 partnerships to v2").click()

        await page.wait_for_url("**/admin?done=*")
        assert "migrated 2 partnership(s) of partnership to v2" in await page.inner_text("main")
        await visit(page, "6-admin")

    browse(journey)

    # Not even a moderate or minor finding on these pages.
    assert minor == {name: [] for name in seen}

    assert seen == ["1-signin", "2-home", "3-desk", "4-diff", "5-dry-run", "6-admin"]
    assert site.service.definition("partnership").version == 2
    assert on_version(site, site.active_id) == (2, "active")
