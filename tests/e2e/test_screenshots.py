"""Full-page screenshots of the main pages on a 360 px phone and a 1280 px desktop, in Arabic and
in English, for people to look at (CI keeps them as artefacts). Written to SCREENSHOTS_DIR
(default artifacts/screenshots/, git-ignored) as <page>-<language>-<width>.png. On the phone,
nothing may stick out sideways."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.e2e.a11y import fixtures
from tests.e2e.a11y.pages import LANGUAGES, Contexts, MainPage, backoffice_pages, portal_pages
from tests.e2e.a11y.world import World

# The shared fixtures, made visible to this module's tests.
fresh_cache = fixtures.fresh_cache
world = fixtures.world

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("standard_catalogue", "audit_truncate_allowed"),
]
WIDTHS = (360, 1280)
# The main pages photographed (the accessibility test visits them all).
PHOTOGRAPHED = {
    "home",
    "register",
    "dashboard",
    "services",
    "bill-unpaid",
    "receipt",
    "transfer",
    "case",
    "bo-case-review",
    "bo-suspension-new",
    "bo-staff",
    "bo-catalogue",
}


def screenshots_dir(root: Path) -> Path:
    directory = Path(os.environ.get("SCREENSHOTS_DIR", root / "artifacts" / "screenshots"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def test_screenshots_of_the_main_pages_at_360_and_1280_px_in_both_languages(
    live_server,
    browser: Browser,
    world: World,
    pytestconfig: pytest.Config,
):
    directory = screenshots_dir(pytestconfig.rootpath)
    main_pages: list[MainPage] = [
        page for page in portal_pages(world) + backoffice_pages(world) if page.name in PHOTOGRAPHED
    ]
    assert {page.name for page in main_pages} == PHOTOGRAPHED
    written: list[Path] = []
    too_wide: list[str] = []
    contexts = Contexts(browser, live_server.url, viewport={"width": WIDTHS[-1], "height": 800})
    try:
        for language in LANGUAGES:
            for main_page in main_pages:
                page = contexts.get(main_page.viewer(world), language).new_page()
                response = page.goto(live_server.url + main_page.path)
                assert response is not None
                assert response.status == 200, main_page.name
                for width in reversed(WIDTHS):  # the same page, laid out again at each width
                    page.set_viewport_size({"width": width, "height": 800})
                    path = directory / f"{main_page.name}-{language}-{width}.png"
                    page.screenshot(path=path, full_page=True)
                    written.append(path)
                    scroll_width = page.evaluate("document.documentElement.scrollWidth")
                    if scroll_width > width:
                        too_wide.append(f"{path.name}: {scroll_width} px wide")
                page.close()
    finally:
        contexts.close()
    print(f"\n{len(written)} screenshots in {directory}")
    assert all(path.stat().st_size > 0 for path in written)
    assert len(written) == len(PHOTOGRAPHED) * len(LANGUAGES) * len(WIDTHS)
    assert not too_wide, "\n".join(too_wide)
