"""A real headless Chromium for tests that must see a page as a browser draws it.

`chromium_page` gives a page in a real headless Chromium (Debian's /usr/bin/chromium, or the
binary named by CEOP_TEST_CHROMIUM), driven by the playwright package. Without Chromium the test
is skipped on a developer's machine but FAILS in CI (CI=true), so a broken CI image cannot pass
silently. `.ci/install-chromium.sh` installs it. The fixtures are registered for
tests/integration in its conftest.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM_ENV = "CEOP_TEST_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Headless in a container: no sandbox (we run as root), no GPU, and nothing that phones home,
# so that any request the page makes is one the page itself asked for.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def in_ci() -> bool:
    """Whether we run under continuous integration (CI=true, as most CI services set it)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def _unavailable(reason: str) -> NoReturn:
    if in_ci():
        pytest.fail(f"{reason}; CI must run the browser tests (run .ci/install-chromium.sh)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session; skipped without one, except in CI."""
    executable = Path(os.environ.get(CHROMIUM_ENV, DEFAULT_CHROMIUM))
    if not executable.is_file():
        _unavailable(f"no Chromium at {executable} (set {CHROMIUM_ENV} to use another)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(executable), args=list(CHROMIUM_ARGS)
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def chromium_page(chromium_browser: Browser) -> Iterator[Page]:
    """A fresh page (own context: no cookies or storage shared between tests), 1200x900."""
    context = chromium_browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def artifacts_dir(pytestconfig: pytest.Config) -> Path:
    """`test-artifacts/` at the repository root (gitignored), where tests leave files to look at."""
    folder = pytestconfig.rootpath / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder
