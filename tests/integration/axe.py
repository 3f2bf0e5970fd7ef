"""An accessibility audit with axe-core, injected by Playwright into a page of a real browser.

axe-core comes from the npm registry at the version pinned in `tests/axe/package-lock.json`.
It is installed with `npm ci` the first time an audit needs it (under a file lock, so xdist
workers do not race). `audit(page, where)` (sync API) and `audit_async` (async API) run axe on
the page as it stands and fail the test on any violation of impact "serious" or "critical",
naming the rule, the impact and the first elements that break it. Without npm the test is
skipped on a developer's machine and FAILS in CI (CI=true), like the browser itself.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.integration.browser import _unavailable

if TYPE_CHECKING:
    from playwright.async_api import Page as AsyncPage
    from playwright.sync_api import Page

AXE_FOLDER = Path(__file__).resolve().parents[1] / "axe"
AXE_SCRIPT = AXE_FOLDER / "node_modules" / "axe-core" / "axe.min.js"
# The impacts that fail a page. "moderate" and "minor" are reported by axe but do not fail.
FAILING_IMPACTS = frozenset({"serious", "critical"})


def _install() -> None:
    """`npm ci` in tests/axe once, whichever worker gets there first."""
    if AXE_SCRIPT.is_file():
        return
    npm = shutil.which("npm")
    if npm is None:
        _unavailable("npm is not installed, so axe-core cannot be fetched for the audit")
    with (AXE_FOLDER / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if AXE_SCRIPT.is_file():
            return
        done = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=AXE_FOLDER,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not AXE_SCRIPT.is_file():
            _unavailable(f"npm ci in {AXE_FOLDER} failed: {done.stderr.strip()[-400:]}")


def serious_violations(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The violations in an axe result whose impact fails a page."""
    return [v for v in result.get("violations", []) if v.get("impact") in FAILING_IMPACTS]


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = [", ".join(node.get("target", [])) for node in v.get("nodes", [])[:3]]
        lines.append(f"{v['impact']}: {v['id']} ({v['help']}) at {'; '.join(targets)}")
    return "\n".join(lines)


def axe_script() -> str:
    """The text of axe.min.js, installed first if need be (skipped without npm; fails in CI)."""
    _install()
    return AXE_SCRIPT.read_text(encoding="utf-8")


_INJECTED = "() => typeof window.axe !== 'undefined'"
_RUN = "async () => JSON.stringify(await axe.run(document))"


def _verdict(result: dict[str, Any], where: str, url: str) -> list[dict[str, Any]]:
    failing = serious_violations(result)
    assert not failing, f"axe-core on {where} ({url}):\n{_describe(failing)}"
    return list(result.get("violations", []))


def audit(page: Page, where: str) -> list[dict[str, Any]]:
    """Run axe-core on a page of Playwright's sync API as it stands now.

    Fails the test on any serious or critical violation, naming each; returns every violation
    found (all impacts), so a test may look at the minor ones too.
    """
    if not page.evaluate(_INJECTED):
        page.add_script_tag(content=axe_script())
    return _verdict(json.loads(page.evaluate(_RUN)), where, page.url)


async def audit_async(page: AsyncPage, where: str) -> list[dict[str, Any]]:
    """`audit` for a page of Playwright's async API (the web tests' journeys use that one)."""
    if not await page.evaluate(_INJECTED):
        await page.add_script_tag(content=axe_script())
    return _verdict(json.loads(await page.evaluate(_RUN)), where, page.url)
