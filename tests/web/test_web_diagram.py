"""Readable diagrams (issue 15, item 3): the diagram of workflows/partnership.toml on a 1280 px
page, measured in a real Chromium: every label at least 12 px, no two labels overlapping; the
current state and the path taken marked; the fallback said on the page when `dot` is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from ceop_workflow.app.diagrams import DOT_ENV, LayoutUnavailable, dot_binary, draw, run_dot
from ceop_workflow.engine.definitions import Definition
from ceop_workflow.store.models import AuditEntry
from tests.integration.browser import in_ci
from tests.support import scaled
from tests.web.conftest import Journey
from tests.web.test_web_desk import ADMIN, V2
from tests.web.webtools import ARTIFACTS, KEYWORKER, PASSWORD, REPO, Site, sign_in

Browse = Callable[[Journey], None]
MIN_LABEL_PX = 12.0
# Each label's rendered box in CSS pixels and its font size as drawn (its font-size attribute
# times the scale from SVG units to the screen).
MEASURE = """() => [...document.querySelectorAll('.svg-wrap svg text')].map(t => {
  const r = t.getBoundingClientRect();
  const size = parseFloat(t.getAttribute('font-size') || getComputedStyle(t).fontSize);
  return {text: t.textContent, x: r.left, y: r.top, w: r.width, h: r.height,
          px: size * t.getScreenCTM().a};
})"""


@pytest.fixture
def dot_installed() -> None:
    """Graphviz's `dot` is needed; without it a developer's run skips, CI fails."""
    if dot_binary() is None:  # the same look-up as the application's ($CEOP_WORKFLOW_DOT, PATH)
        if in_ci():
            pytest.fail("no Graphviz `dot`: CI must lay out diagrams (run .ci/install-graphviz.sh)")
        pytest.skip("no Graphviz `dot` (apt install graphviz)")


def _overlaps(boxes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            width = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
            height = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
            if width > 0.5 and height > 0.5:  # sharing an edge is not overlapping
                found.append((a["text"], b["text"]))
    return found


@pytest.mark.browser
def test_partnership_diagram_at_1280_px_has_labels_of_12_px_and_none_overlapping(
    browse: Browse, site: Site, dot_installed: None
) -> None:
    measured: list[dict[str, Any]] = []

    async def journey(page: Any) -> None:
        await page.set_viewport_size({"width": 1280, "height": 900})
        await page.goto("/signin")
        await page.get_by_label("Email address").fill(KEYWORKER)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/")
        await page.goto(f"/partnerships/{site.active_id}")
        assert "Laid out by Graphviz." in await page.inner_text("main")
        measured.extend(await page.evaluate(MEASURE))
        ARTIFACTS.mkdir(exist_ok=True)
        wrap = page.locator(".svg-wrap")
        await wrap.screenshot(path=str(ARTIFACTS / "diagram-partnership-1280.png"))

    browse(journey)

    definition = site.service.definition("partnership")
    labels = {m["text"].strip() for m in measured}
    # Every state and every trigger is drawn, and the current state says so.
    assert set(definition.states) - {"active"} <= labels
    assert "active (now)" in labels
    assert {t.trigger for t in definition.transitions} <= labels
    small = [(m["text"], round(m["px"], 1)) for m in measured if m["px"] < MIN_LABEL_PX]
    assert small == []
    assert _overlaps(measured) == []


@pytest.mark.browser
def test_the_desk_diagram_of_a_new_version_with_its_changes_marked_is_as_legible(
    browse: Browse, dot_installed: None
) -> None:
    measured: list[dict[str, Any]] = []

    async def journey(page: Any) -> None:
        await page.goto("/signin")
        await page.get_by_label("Email address").fill(ADMIN)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/")
        await page.goto("/admin/workflows/new")
        await page.get_by_label("Definition (TOML)").fill(V2)
        await page.get_by_role("button", name="Check the definition").click()
        assert "Laid out by Graphviz." in await page.inner_text("main")
        measured.extend(await page.evaluate(MEASURE))

    browse(journey)

    assert "flag_concern (new)" in {m["text"].strip() for m in measured}
    assert [m["text"] for m in measured if m["px"] < MIN_LABEL_PX] == []
    assert _overlaps(measured) == []


def test_the_path_taken_and_the_current_state_are_marked(dot_installed: None, site: Site) -> None:
    definition: Definition = site.service.definition("partnership")
    with site.service.db.reading() as session:
        history = session.scalars(
            select(AuditEntry).filter_by(partnership_id=site.active_id).order_by(AuditEntry.id)
        ).all()
        taken = [(h.source, h.trigger, h.dest) for h in history]
    path = [source for source, _, _ in taken] + [dest for _, _, dest in taken]

    drawing = draw(definition, "active", path, taken)

    assert drawing.laid_out
    # The taken edges are drawn in the path colour; one not taken (withdraw) is not.
    assert drawing.svg.count('stroke="#1f4e8c"') >= len(taken)
    assert "(now)" in drawing.svg and 'fill="#ffdd66"' in drawing.svg


def test_without_dot_the_page_uses_the_built_in_layout_and_says_so(
    client: TestClient, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DOT_ENV, "/nonexistent/dot")
    sign_in(client, KEYWORKER)

    html = client.get(f"/partnerships/{site.active_id}").text

    assert "Graphviz (dot) is not installed here, so a simpler built-in layout is shown." in html
    assert "<svg" in html


@pytest.mark.parametrize(
    ("source", "binary", "message"),
    [
        ("digraph { a -> }", "dot", "Graphviz failed"),
        ("digraph {" + " a;" * 100_000 + "}", "dot", "too large to lay out"),
        ("digraph { a }", "/nonexistent/dot", "Graphviz could not run"),
    ],
)
def test_a_layout_that_fails_is_a_named_refusal(
    dot_installed: None, source: str, binary: str, message: str
) -> None:
    with pytest.raises(LayoutUnavailable, match=message):
        run_dot(source, binary)


def _diagram_tests_without_dot(ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env[DOT_ENV] = str(REPO / "no-such-dot")
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",
         "tests/web/test_web_diagram.py", "-k", "path_taken"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=scaled(60), check=False,
    )  # fmt: skip


def test_a_workstation_without_dot_skips_the_diagram_tests() -> None:
    result = _diagram_tests_without_dot(ci=None)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 skipped" in result.stdout


def test_ci_without_dot_fails_the_diagram_tests() -> None:
    result = _diagram_tests_without_dot(ci="true")

    assert result.returncode != 0
    assert "CI must lay out diagrams" in result.stdout
