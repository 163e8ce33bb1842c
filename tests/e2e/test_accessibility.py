"""axe-core on every main page of the portal and the back office, in Arabic and in English, each
seen by the user it is for (demo data): no violation of serious or critical impact. Lesser ones
are printed, not failed."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.a11y import fixtures
from tests.e2e.a11y.axe import Violation, axe_collect, axe_start, blocking
from tests.e2e.a11y.pages import LANGUAGES, Contexts, backoffice_pages, portal_pages
from tests.e2e.a11y.world import World

# The shared fixtures, made visible to this module's tests.
axe = fixtures.axe
fresh_cache = fixtures.fresh_cache
world = fixtures.world

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("standard_catalogue", "audit_truncate_allowed"),
]
DESKTOP = {"width": 1280, "height": 900}
# Pages checked side by side: axe runs on some while the next ones load.
PAGES_AT_ONCE = 4
AREAS = {"portal": portal_pages, "backoffice": backoffice_pages}


@pytest.mark.parametrize("area", list(AREAS))
def test_the_main_pages_have_no_serious_or_critical_axe_violation(
    live_server,
    browser: Browser,
    world: World,
    axe: str,
    area: str,
):
    contexts = Contexts(browser, live_server.url, viewport=DESKTOP)
    found: list[Violation] = []
    running: list[tuple[Page, str]] = []

    def collect() -> None:
        for page, name in running:
            found.extend(axe_collect(page, name))
            page.close()
        running.clear()

    visits = [(language, main_page) for language in LANGUAGES for main_page in AREAS[area](world)]
    try:
        for language, main_page in visits:
            name = f"{main_page.name} ({language})"
            page = contexts.get(main_page.viewer(world), language).new_page()
            response = page.goto(live_server.url + main_page.path)
            assert response is not None
            assert response.status == 200, f"{name}: {response.status}"
            assert page.evaluate("document.documentElement.lang") == language
            axe_start(page, axe)
            running.append((page, name))
            if len(running) == PAGES_AT_ONCE:
                collect()
        collect()
    finally:
        contexts.close()

    minor = [violation for violation in found if violation not in blocking(found)]
    print(
        f"\naxe: {len(visits)} pages checked in {area}; {len(minor)} minor or moderate violations"
    )
    for violation in minor:
        print(f"  {violation}")
    serious = blocking(found)
    assert not serious, "\n".join(str(violation) for violation in serious)


def test_the_check_reports_what_axe_finds(browser: Browser, axe: str):
    """The harness itself: a page with an unlabelled field and an image without text fails."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content(
            '<html lang="en"><head><title>t</title></head><body><main><h1>Form</h1>'
            '<img src="data:,"><input type="text"></main></body></html>'
        )
        axe_start(page, axe)
        rules = {violation.rule for violation in blocking(axe_collect(page, "sample"))}
    finally:
        context.close()
    assert {"image-alt", "label"} <= rules
