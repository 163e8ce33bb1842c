"""Browser tests: Chromium driven through Playwright's sync API against pytest-django's live server.

Without a Chromium binary the tests skip and say why; with REQUIRE_BROWSER=1 (CI) that becomes a
failure. The browser is the system Chromium (CHROMIUM_PATH); nothing is downloaded.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection, connections
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from absher.audit.constants import TRUNCATE_SETTING

# Playwright's sync API keeps an asyncio event loop running in the test thread, and Django refuses
# database calls from a thread with a running loop (SynchronousOnlyOperation), for example the
# flush that ends every transactional test. The calls are synchronous in fact, so the guard can go.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}


def _browser_required() -> bool:
    return os.environ.get("REQUIRE_BROWSER", "").lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> None:
    if _browser_required():
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Decide before any fixture runs (no test database is built for tests that cannot run)."""
    if "browser" in item.keywords and not (
        os.path.isfile(CHROMIUM_PATH) and os.access(CHROMIUM_PATH, os.X_OK)
    ):
        _unavailable(f"no Chromium executable at {CHROMIUM_PATH} (install it or set CHROMIUM_PATH)")


@pytest.fixture(scope="package")
def browser(django_db_setup: None) -> Iterator[Browser]:
    """One headless Chromium for all the browser tests of the run; each test gets its own context.

    Package scope (every browser test lives in this package) rather than session scope: while
    Playwright runs, its event loop counts as running in the main thread, which would leak into the
    tests that run after these (Django hands out other database connections, asyncio.run() refuses
    to start). The test database is set up first, before there is any such loop.
    """
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
        # Close what Django opened while the loop ran: those connections are out of reach once it
        # stops, and PostgreSQL will not drop the test database while one is still open.
        connections.close_all()


def _new_page(browser: Browser, **options: object) -> tuple[BrowserContext, Page]:
    context = browser.new_context(locale="ar-SA", viewport=DESKTOP, **options)
    return context, context.new_page()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page in a new context (own cookies), as a Saudi visitor's browser: locale ar-SA."""
    context, new_page = _new_page(browser)
    yield new_page
    context.close()


@pytest.fixture
def page_without_javascript(browser: Browser) -> Iterator[Page]:
    """The same, with JavaScript switched off: the portal must work without it."""
    context, new_page = _new_page(browser, java_script_enabled=False)
    yield new_page
    context.close()


@pytest.fixture
def screenshot_dir(pytestconfig: pytest.Config) -> Path:
    """`test-results/` at the repository root (git-ignored), for screenshots to look at."""
    directory = pytestconfig.rootpath / "test-results"
    directory.mkdir(exist_ok=True)
    return directory


@pytest.fixture
def audit_truncate_allowed(transactional_db: None) -> Iterator[None]:
    """The flush that ends a transactional test TRUNCATEs every table; on PostgreSQL the audit
    log's append-only trigger lets that through only when the session asks (audit migration 0002).
    Torn down before the flush, since it depends on `transactional_db`."""
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET {TRUNCATE_SETTING} = 'on'")
