"""The main pages of the portal and the back office, each with who looks at it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from playwright.sync_api import Browser, BrowserContext

from absher.accounts.models import User
from absher.payments.receipts import receipt_get_for_actor
from tests.e2e.a11y.world import World, session_cookie, staff_account

LANGUAGES = ("ar", "en")
LANGUAGE_COOKIE = "absher_language"
SESSION_COOKIE = "absher_session"


@dataclass(frozen=True)
class MainPage:
    name: str
    """Short, file-name safe: used in messages and screenshot names."""
    path: str
    viewer: Callable[[World], User | None]
    """Who is signed in to look at it (None: nobody)."""


def _anonymous(_world: World) -> None:
    return None


def _staff(username: str) -> Callable[[World], User]:
    return lambda _world: staff_account(username)


def portal_pages(world: World) -> list[MainPage]:
    transfer, case = world.transfer.pk, world.case.pk
    paid, unpaid = world.paid_bill.sadad_number, world.unpaid_bill.sadad_number
    sponsor = lambda w: w.sponsor  # noqa: E731
    return [
        MainPage("home", "/", _anonymous),
        MainPage("login", "/login/", _anonymous),
        MainPage("register", "/register/", _anonymous),
        MainPage("password-reset", "/password-reset/", _anonymous),
        MainPage("dashboard-registered", "/me/", lambda w: w.registered),
        MainPage("activation", "/activation/", lambda w: w.registered),
        MainPage("dashboard", "/me/", sponsor),
        MainPage("services", "/services/", sponsor),
        MainPage("suspensions", "/services/suspensions/", lambda w: w.suspended),
        MainPage("messages", "/messages/", sponsor),
        MainPage("message", f"/messages/{world.message.pk}/", sponsor),
        MainPage("bills", "/bills/", sponsor),
        MainPage("bill-unpaid", f"/bills/{unpaid}/", lambda w: w.new_sponsor),
        MainPage("bill-paid", f"/bills/{paid}/", sponsor),
        MainPage("receipt", f"/bills/{paid}/receipt/", sponsor),
        MainPage("receipt-verify", _receipt_check_path(world), _anonymous),
        MainPage("requests", "/requests/", sponsor),
        MainPage("transfers", "/transfers/", sponsor),
        MainPage("transfers-outgoing", "/transfers/outgoing/", sponsor),
        MainPage("transfers-incoming", "/transfers/incoming/", lambda w: w.new_sponsor),
        MainPage("transfer", f"/transfers/{transfer}/", lambda w: w.new_sponsor),
        MainPage("cases", "/cases/", lambda w: w.filer),
        MainPage("case-new", "/cases/new/", lambda w: w.filer),
        MainPage("case", f"/cases/{case}/", lambda w: w.filer),
        MainPage("personal-data", "/me/personal-data/", sponsor),
        MainPage("access-log", "/access-log/", sponsor),
    ]


def _receipt_check_path(world: World) -> str:
    assert world.paid_bill.payer is not None
    receipt = receipt_get_for_actor(
        person=world.paid_bill.payer, sadad_number=world.paid_bill.sadad_number
    )
    return f"/receipts/{receipt.code}/"


def backoffice_pages(world: World) -> list[MainPage]:
    officer, clerk = _staff("officer.olaya"), _staff("clerk.court")
    admin = _staff("admin.moi")
    reference = world.suspension.reference
    return [
        MainPage("bo-login", "/backoffice/login/", _anonymous),
        MainPage("bo-home", "/backoffice/", officer),
        MainPage("bo-activation", "/backoffice/activation/", officer),
        MainPage("bo-requests", "/backoffice/requests/", officer),
        MainPage("bo-cases", "/backoffice/cases/", officer),
        MainPage("bo-case-review", f"/backoffice/cases/{world.case.pk}/", officer),
        MainPage("bo-suspensions", "/backoffice/suspensions/", clerk),
        MainPage("bo-suspension-new", "/backoffice/suspensions/new/", clerk),
        MainPage("bo-suspension", f"/backoffice/suspensions/{reference}/", clerk),
        MainPage("bo-call-centre", "/backoffice/call-centre/", _staff("agent.19999")),
        MainPage("bo-staff", "/backoffice/staff/", admin),
        MainPage("bo-staff-new", "/backoffice/staff/new/", admin),
        MainPage("bo-offices", "/backoffice/offices/", admin),
        MainPage("bo-authorities", "/backoffice/authorities/", admin),
        MainPage("bo-partners", "/backoffice/partners/", admin),
        MainPage("bo-catalogue", "/backoffice/catalogue/", admin),
        MainPage("bo-service", "/backoffice/catalogue/passport_renewal/", admin),
        MainPage("bo-reconciliation", "/backoffice/reconciliation/", admin),
    ]


class Contexts:
    """One browser context per (viewer, language), made on first use and closed at the end."""

    def __init__(self, browser: Browser, url: str, **options: object) -> None:
        self.browser, self.url, self.options = browser, url, options
        self.open: dict[tuple[int | None, str], BrowserContext] = {}

    def get(self, viewer: User | None, language: str) -> BrowserContext:
        key = (viewer.pk if viewer else None, language)
        if key not in self.open:
            options = {"locale": "ar-SA" if language == "ar" else "en-GB", **self.options}
            context = self.browser.new_context(**options)
            cookies = [{"name": LANGUAGE_COOKIE, "value": language, "url": self.url}]
            if viewer is not None:
                cookies.append(
                    {"name": SESSION_COOKIE, "value": session_cookie(viewer), "url": self.url}
                )
            context.add_cookies(cookies)
            self.open[key] = context
        return self.open[key]

    def close(self) -> None:
        for context in self.open.values():
            context.close()
        self.open.clear()
