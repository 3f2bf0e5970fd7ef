"""The HTML report in a real headless Chromium: it draws, it reads, it asks nothing of the net."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from ceop_workflow.reports.measures import MonthlyMeasures, OpenEscalation
from ceop_workflow.reports.render import render_html
from ceop_workflow.reports.samples import empty_measures, sample_measures

pytestmark = pytest.mark.browser

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _open(page: Page, folder: Path, name: str, measures: MonthlyMeasures) -> list[str]:
    """Write the report to `folder/name` and load it; returns every URL the page requested."""
    path = folder / name
    path.write_text(render_html(measures), encoding="utf-8")
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(path.as_uri())
    return requested


def test_sample_report_draws_its_charts_and_headlines(
    chromium_page: Page, artifacts_dir: Path
) -> None:
    page = chromium_page
    requested = _open(page, artifacts_dir, "report.html", sample_measures())

    assert requested == [(artifacts_dir / "report.html").as_uri()]
    # Two gauges, two trend charts and the tier pyramid, each laid out with a real size.
    charts = page.locator("svg[role=img]")
    expect(charts).to_have_count(5)
    for i in range(5):
        box = charts.nth(i).bounding_box()
        assert box is not None
        assert box["width"] > 200
        assert box["height"] > 40
    expect(page.locator("#c-funding-t ~ rect.bar")).to_have_count(12)
    # August had no reviews: the line breaks there instead of dropping to zero.
    expect(page.locator("svg polyline.line")).to_have_count(2)
    expect(page.locator("svg polygon")).to_have_count(4)
    fill = page.locator("#objectives rect.fill").bounding_box()
    track = page.locator("#objectives rect.track").bounding_box()
    assert fill is not None and track is not None
    assert fill["width"] == pytest.approx(track["width"] * 14 / 19, rel=0.02)

    expect(page.locator("#objectives .figure")).to_contain_text("74%")
    expect(page.locator("#objectives")).to_contain_text("On target")
    expect(page.locator("#funding .figure")).to_contain_text("£609,951")
    expect(page.locator("#funding")).to_contain_text("Behind the pace")
    expect(page.get_by_role("heading", name="Needs attention (9)")).to_be_visible()
    for name in ("Ford", "Yahoo! UK", "Contrapositive", "Harbour Payments Ltd"):
        expect(page.locator(".attention").get_by_text(name, exact=True).first).to_be_visible()

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(artifacts_dir / "report.png"), full_page=True)
    assert (artifacts_dir / "report.png").read_bytes().startswith(PNG_SIGNATURE)


def test_a_hostile_partner_name_stays_text(chromium_page: Page, artifacts_dir: Path) -> None:
    hostile = "<script>window.pwned = true</script><img src=x onerror=window.pwned=true>"
    measures = dataclasses.replace(
        sample_measures(),
        open_escalations=(OpenEscalation(hostile, date(2007, 11, 2), "test", "Kelly Burke"),),
    )
    requested = _open(chromium_page, artifacts_dir, "hostile.html", measures)

    assert chromium_page.evaluate("window.pwned === undefined")
    expect(chromium_page.locator(".attention").get_by_text(hostile)).to_be_visible()
    assert len(requested) == 1


def test_an_empty_month_reads_and_fits_a_phone(chromium_page: Page, artifacts_dir: Path) -> None:
    page = chromium_page
    page.set_viewport_size({"width": 390, "height": 844})
    _open(page, artifacts_dir, "empty.html", empty_measures(date(2008, 4, 1)))

    expect(page.locator("#objectives")).to_contain_text("No reviews owed this month")
    expect(page.locator("#funding .figure")).to_contain_text("£0")
    expect(page.get_by_text("No reviews overdue.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(artifacts_dir / "report-empty-phone.png"), full_page=True)
