"""The accessibility audit itself can fail: axe-core finds what it should on a faulty page."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.integration.axe import audit

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def test_a_page_with_an_unlabelled_image_fails_the_audit(chromium_page: Page) -> None:
    chromium_page.set_content("<html><body><img src='x.png'><input type=text></body></html>")
    with pytest.raises(AssertionError, match="critical: image-alt"):
        audit(chromium_page, "a page with faults")


def test_a_clean_page_passes_the_audit(chromium_page: Page) -> None:
    chromium_page.set_content(
        "<html lang='en'><head><title>A page</title></head><body><main><h1>Hello</h1>"
        "<img src='x.png' alt='a cat'></main></body></html>"
    )
    assert audit(chromium_page, "a clean page") == []
