"""Fixtures of the web tests: a seeded site on a fresh SQLite file, a test client, a live
uvicorn server on loopback, and a real headless Chromium."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from argon2 import PasswordHasher
from starlette.testclient import TestClient

from ceop_workflow.app.accounts import Accounts
from ceop_workflow.app.records import Records
from ceop_workflow.clock import FixedClock
from ceop_workflow.config import Settings, load_settings
from ceop_workflow.store.db import Database
from ceop_workflow.web.app import create_app
from ceop_workflow.wiring import build_service
from tests.support import scaled
from tests.web.webtools import (
    CHROMIUM,
    CHROMIUM_ARGS,
    COMMITTEE,
    EVIL,
    KEYWORKER,
    LONDON,
    PASSWORD,
    REPO,
    SECRET,
    STAFF,
    TEAM,
    Site,
    seed,
)

# Cheap argon2 parameters: the tests check the flow, not the hash's cost.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
SEEDED_AT = datetime(2026, 1, 20, 10, 0, tzinfo=LONDON)
TODAY = datetime(2026, 3, 10, 11, 0, tzinfo=LONDON)


def _settings(path: Path) -> Settings:
    return load_settings(
        REPO / "config.toml", environ={"CEOP_WORKFLOW_DATABASE_URL": f"sqlite:///{path}"}
    )


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database migrated and seeded per run; each test works on a copy of it."""
    path = tmp_path_factory.mktemp("seed") / "seed.db"
    settings = _settings(path)
    database = Database(settings.database.url)
    service = build_service(settings, database, FixedClock(SEEDED_AT))
    service.init()
    accounts = Accounts(settings, database, FixedClock(SEEDED_AT), FAST_HASHER)
    for email in (KEYWORKER, COMMITTEE, STAFF, TEAM):
        accounts.add_user(email, (), PASSWORD)
    assert seed(service, EVIL, approve=True) == 1
    assert seed(service, "Beacon Trust", approve=False) == 2
    database.dispose()
    return path


@pytest.fixture
def site(seeded_db: Path, tmp_path: Path) -> Iterator[Site]:
    """A fresh copy of the seeded database, seeded in January; the clock stands at 10 March."""
    path = tmp_path / "web.db"
    shutil.copyfile(seeded_db, path)
    settings = _settings(path)
    clock = FixedClock(TODAY)
    database = Database(settings.database.url)
    service = build_service(settings, database, clock)
    accounts = Accounts(settings, database, clock, FAST_HASHER)
    records = Records(settings, database, clock, service.listeners)
    app = create_app(service, accounts, SECRET)
    yield Site(settings, service, records, accounts, clock, app, 1, 2)
    database.dispose()


@pytest.fixture
def client(site: Site) -> Iterator[TestClient]:
    """A test client of the site that does not follow redirects."""
    with TestClient(site.app, follow_redirects=False) as test_client:
        yield test_client


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def live_site(site: Site) -> Iterator[str]:
    """The site served by a real uvicorn on loopback; yields its base URL."""
    port = _free_port()
    config = uvicorn.Config(
        site.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="none"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + scaled(10)
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=scaled(10))


Journey = Callable[[Any], Awaitable[None]]


@pytest.fixture
def browse(live_site: str) -> Callable[[Journey], None]:
    """Run an async journey on a page of a real headless Chromium, against the live site.

    Playwright's async API in a thread of its own: its sync API refuses to start while another
    suite's session-wide sync Playwright is running in the same process.
    """
    executable = Path(CHROMIUM)
    if not executable.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"no Chromium at {executable}: CI must run the browser tests")
        pytest.skip(f"no Chromium at {executable}")
    from playwright.async_api import async_playwright

    async def session(journey: Journey) -> None:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(executable), args=CHROMIUM_ARGS
            )
            try:
                # bypass_csp: axe-core is injected as an inline script, which the site's
                # policy (rightly) forbids; the policy itself is checked on the headers.
                context = await browser.new_context(
                    base_url=live_site, viewport={"width": 1280, "height": 900}, bypass_csp=True
                )
                context.set_default_timeout(scaled(10) * 1000)
                await journey(await context.new_page())
                await context.close()
            finally:
                await browser.close()

    def run(journey: Journey) -> None:
        failures: list[BaseException] = []

        def target() -> None:
            try:
                asyncio.run(session(journey))
            except BaseException as exc:  # handed to the test's thread below
                failures.append(exc)

        thread = threading.Thread(target=target)
        thread.start()
        thread.join(timeout=scaled(120))
        assert not thread.is_alive(), f"the browser journey did not finish in {scaled(120):g} s"
        if failures:
            raise failures[0]

    return run
