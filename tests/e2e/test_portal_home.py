"""The citizen's first visit: the catalogue in Arabic, then in English, on a desktop and a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from absher.catalog import selectors

PHONE = {"width": 390, "height": 844}
ARABIC_DEPARTMENTS = ["الجوازات", "الأحوال المدنية", "المرور", "الخدمات العامة"]
ENGLISH_DEPARTMENTS = ["Passports", "Civil Affairs", "Traffic", "General Services"]


def department_headings(page):
    return page.locator("h2.department__title")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("standard_catalogue", "audit_truncate_allowed")
def test_home_in_arabic_then_switched_to_english(live_server, page, screenshot_dir):
    page.goto(live_server.url + "/")

    expect(page.locator("html[lang=ar][dir=rtl]")).to_have_count(1)
    expect(department_headings(page)).to_have_text(ARABIC_DEPARTMENTS)
    expect(page.get_by_role("heading", level=1)).to_have_text("الخدمات الإلكترونية")
    expect(page.get_by_role("heading", level=3, name="نقل خدمات عامل")).to_be_visible()
    page.screenshot(path=screenshot_dir / "home-ar-desktop.png", full_page=True)

    page.get_by_role("button", name="English").click()

    expect(page.locator("html[lang=en][dir=ltr]")).to_have_count(1)
    expect(department_headings(page)).to_have_text(ENGLISH_DEPARTMENTS)
    expect(page.get_by_role("heading", level=3, name="Transfer of worker services")).to_be_visible()
    expect(page.get_by_role("button", name="العربية")).to_be_visible()
    assert page.url == live_server.url + "/"
    page.screenshot(path=screenshot_dir / "home-en-desktop.png", full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("standard_catalogue", "audit_truncate_allowed")
def test_home_fits_a_phone_in_both_languages(live_server, page, screenshot_dir):
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/")

    expect(department_headings(page)).to_have_text(ARABIC_DEPARTMENTS)
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]
    page.screenshot(path=screenshot_dir / "home-ar-phone.png", full_page=True)

    page.get_by_role("button", name="English").click()

    expect(department_headings(page)).to_have_text(ENGLISH_DEPARTMENTS)
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]
    page.screenshot(path=screenshot_dir / "home-en-phone.png", full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("standard_catalogue", "audit_truncate_allowed")
def test_language_switch_works_without_javascript(live_server, page_without_javascript):
    page = page_without_javascript
    page.goto(live_server.url + "/")

    page.get_by_role("button", name="English").click()

    expect(page.locator("html[lang=en][dir=ltr]")).to_have_count(1)
    expect(department_headings(page)).to_have_text(ENGLISH_DEPARTMENTS)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("standard_catalogue", "audit_truncate_allowed")
def test_stylesheet_loads_under_the_content_security_policy(live_server, page):
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    response = page.goto(live_server.url + "/")

    assert "default-src 'self'" in response.headers["content-security-policy"]
    header = page.locator(".site-header")
    expect(header).to_have_css("background-color", "rgb(0, 108, 53)")
    expect(page.locator(".service-card").first).to_have_css("border-top-style", "solid")
    assert violations == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("standard_catalogue", "audit_truncate_allowed")
def test_keyboard_user_can_skip_to_the_content(live_server, page, screenshot_dir):
    page.goto(live_server.url + "/")

    page.keyboard.press("Tab")

    skip_link = page.get_by_role("link", name="الانتقال إلى المحتوى الرئيسي")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    expect(skip_link).to_have_css("outline-style", "solid")
    page.screenshot(path=screenshot_dir / "skip-link-ar.png")
    page.keyboard.press("Enter")
    assert page.url == live_server.url + "/#content"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("standard_catalogue", "audit_truncate_allowed")
def test_unknown_address_shows_the_arabic_not_found_page(live_server, page, screenshot_dir):
    response = page.goto(live_server.url + "/no-such-page/")

    assert response.status == 404
    expect(page.locator("html[lang=ar][dir=rtl]")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_text("الصفحة غير موجودة")
    page.screenshot(path=screenshot_dir / "not-found-ar.png")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("standard_catalogue", "audit_truncate_allowed")
def test_server_error_shows_the_standalone_arabic_error_page(
    live_server, page, screenshot_dir, monkeypatch
):
    def broken() -> None:
        raise RuntimeError("catalogue unavailable")

    # The live server runs in a thread of this process, so the patch reaches its requests.
    monkeypatch.setattr(selectors, "departments_with_services", broken)

    response = page.goto(live_server.url + "/")

    assert response.status == 500
    expect(page.locator("html[lang=ar][dir=rtl]")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_text("نعتذر، حدث خلل في الخدمة")
    expect(page.locator(".site-header")).to_have_css("background-color", "rgb(0, 108, 53)")
    page.screenshot(path=screenshot_dir / "server-error-ar.png")
