"""The main journeys end to end with JavaScript switched off, through the steps of the journey
tests (imported from them, not copied): register, confirm the mobile with the code from the SMS
outbox, sign in and activate e-services; a transfer of worker services requested by the sponsor
and accepted by the new sponsor, whose SADAD fee bill is then viewed and paid by card on the
sandbox gateway's hosted page (a plain HTML form); a court clerk placing a suspension; the
language switch. Every page of these journeys is a server-rendered form or link."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from playwright.sync_api import Browser, Page, expect

from absher.accounts.models import User
from absher.identity.models import Person
from absher.suspensions.models import Suspension
from absher.transfers.constants import TransferStatus
from absher.transfers.models import TransferRequest
from tests.e2e import test_portal_accounts as accounts_journey
from tests.e2e import test_suspension_journey as suspension_journey
from tests.e2e import test_transfer_journey as transfer_journey

# The journeys' own fixtures (people, accounts, staff), made visible to this module's tests.
citizen = accounts_journey.citizen
sponsor = transfer_journey.sponsor
worker = transfer_journey.worker
new_sponsor = transfer_journey.new_sponsor
staff = suspension_journey.staff
person = suspension_journey.person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("standard_catalogue", "audit_truncate_allowed"),
]
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Sign-in throttles and code send caps live in the cache (Redis in CI): start from none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def second_page_without_javascript(browser: Browser) -> Iterator[Page]:
    """Another person's browser (own cookies), JavaScript off too."""
    context = browser.new_context(locale="ar-SA", viewport=DESKTOP, java_script_enabled=False)
    yield context.new_page()
    context.close()


def javascript_is_off(page: Page) -> None:
    page.goto("about:blank")
    page.set_content(
        "<p id=p>off</p><script>document.getElementById('p').textContent='on'</script>"
    )
    expect(page.locator("#p")).to_have_text("off")


def test_register_confirm_sign_in_and_activate_without_javascript(
    live_server, page_without_javascript: Page, screenshot_dir: Path, citizen: Person
):
    javascript_is_off(page_without_javascript)
    accounts_journey.test_register_sign_in_activate_and_activate_the_transfer_service_in_arabic(
        live_server, page_without_javascript, screenshot_dir, citizen
    )


def test_transfer_requested_accepted_and_its_bill_paid_by_card_without_javascript(
    live_server,
    page_without_javascript: Page,
    second_page_without_javascript: Page,
    screenshot_dir: Path,
    sponsor: User,
    worker: Person,
    new_sponsor: User,
):
    url = live_server.url
    page, other = page_without_javascript, second_page_without_javascript
    javascript_is_off(page)
    javascript_is_off(other)

    transfer_journey.signs_in(page, url, sponsor)
    transfer_journey.sponsor_sends_the_request(
        page, url, sponsor, worker, new_sponsor, screenshot_dir
    )
    assert TransferRequest.objects.get().status == TransferStatus.PENDING_ACCEPTANCE

    # Acceptance, the SADAD bill's page, and the card payment on the gateway's page.
    transfer_journey.signs_in(other, url, new_sponsor)
    transfer_journey.new_sponsor_accepts_and_pays(other, url, new_sponsor, screenshot_dir)
    assert TransferRequest.objects.get().status == TransferStatus.COMPLETED


@pytest.mark.usefixtures("staff")
def test_a_clerk_places_a_suspension_then_the_language_is_switched_without_javascript(
    live_server, page_without_javascript: Page, person: Person
):
    page = page_without_javascript
    javascript_is_off(page)
    suspension_journey.staff_signs_in(
        page, live_server.url, "clerk.court", suspension_journey.CLERK_MOBILE
    )
    suspension_journey.clerk_places_a_suspension_of_all_services(page, person)
    assert Suspension.objects.get().person == person

    page.get_by_role("button", name="English").click()
    expect(page.locator("html[lang=en][dir=ltr]")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Suspension {suspension_journey.REFERENCE}"
    )
    page.get_by_role("button", name="العربية").click()
    expect(page.locator("html[lang=ar][dir=rtl]")).to_have_count(1)
