"""The person's own pages: my account and messages; and the main menu. Who looked at my data is in
test_access_log.py."""

import datetime as dt
import re

import pytest

from absher.identity.tests.factories import PersonFactory
from absher.notifications.models import Message
from absher.notifications.services import notification_send
from absher.portal.tests.conftest import T0, h1, later, make_account


def summary(html: str) -> dict[str, str]:
    """The rows of the definition lists on a page: term → description, tags stripped."""
    rows = re.findall(r"<dt>(.*?)</dt><dd[^>]*>(.*?)</dd>", html, re.S)
    return {term: re.sub(r"<[^>]+>", "", value).strip() for term, value in rows}


def message(person, title: str) -> Message:
    return notification_send(
        person=person,
        kind="test",
        title_ar=title,
        title_en=f"{title} (en)",
        body_ar=f"نص {title}",
        body_en=f"Text of {title}",
        send_sms=False,
    )


def nav(html: str) -> str:
    return html.split('<nav class="site-nav"')[1].split("</nav>")[0]


def nav_links(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", link).strip()
        for link in re.findall(r"<a [^>]*>(.*?)</a>", nav(html))
    ]


@pytest.mark.django_db
def test_my_account_of_a_registered_person(browser, registered):
    response = browser.sign_in_as(registered).get("/me/")

    assert response.status_code == 200
    html = response.text
    assert h1(html) == "حسابي"
    assert "مرحبًا، سعد بن عبدالله القحطاني." in html
    assert summary(html) == {
        "الاسم بالعربية": "سعد بن عبدالله القحطاني",
        "الاسم بالإنجليزية": "Saad Abdullah Alqahtani",
        "رقم الهوية": registered.person.id_number,
        "نوع الهوية": "هوية وطنية (مواطن)",
        "تاريخ الميلاد (هجري)": "15 ربيع الأول 1410 هـ",
        "تاريخ الميلاد (ميلادي)": "14 أكتوبر، 1989",
        "اسم المستخدم": "saad.q",
        "رقم الجوال": "+9665•••••233",
        "حالة الحساب": "مسجّل (غير مفعّل)",
    }
    assert '<dd><bdi lang="en" dir="ltr">Saad Abdullah Alqahtani</bdi></dd>' in html
    assert '<div class="notice notice--warning">' in html
    assert '<a class="button" href="/activation/">تفعيل الخدمات الإلكترونية</a>' in html
    assert '<form class="inline-form" action="/me/sign-out-everywhere/" method="post">' in html


@pytest.mark.django_db
def test_my_account_once_activated_shows_how_and_when(browser, activated):
    html = browser.sign_in_as(activated).get("/me/").text

    rows = summary(html)
    assert rows["حالة الحساب"] == "مفعّل"
    assert rows["طريقة التفعيل"] == "برقم الهوية وتاريخ الميلاد ورمز مرسل إلى الجوال"
    assert rows["تاريخ التفعيل"] == "26 فبراير، 2026"
    assert "notice--warning" not in html


@pytest.mark.django_db
def test_my_account_in_english_for_a_resident(english_browser):
    resident = make_account(
        PersonFactory(resident=True, date_of_birth=dt.date(1990, 5, 31)), email="r@example.com"
    )

    html = english_browser.sign_in_as(resident).get("/me/").text

    rows = summary(html)
    assert rows["ID type"] == "Iqama (resident)"
    assert rows["Date of birth (Hijri)"] == "7 Dhu al-Qa&#x27;dah 1410 AH"
    assert rows["Date of birth (Gregorian)"] == "May 31, 1990"
    assert rows["Email"] == "r@example.com"
    assert rows["Account status"] == "Registered"


@pytest.mark.django_db
def test_messages_newest_first_with_the_unread_ones_marked(browser, registered, moved_clock):
    older = message(registered.person, "رسالة قديمة")
    moved_clock(later(3600))
    newer = message(registered.person, "رسالة جديدة")
    message(PersonFactory(), "رسالة لشخص آخر")
    older.read_at = T0
    older.save(update_fields=["read_at"])

    html = browser.sign_in_as(registered).get("/messages/").text

    items = re.findall(
        r'<li class="(inbox__item[^"]*)">\s*<a class="inbox__link" href="([^"]+)">'
        r"(.*?)</a>",
        html,
        re.S,
    )
    assert [(css, href, re.sub(r"<[^>]+>", "", text)) for css, href, text in items] == [
        ("inbox__item inbox__item--unread", f"/messages/{newer.pk}/", "جديدة رسالة جديدة"),
        ("inbox__item", f"/messages/{older.pk}/", "رسالة قديمة"),
    ]
    assert (
        '<time class="inbox__time" datetime="2026-03-01T11:05:00+00:00">1 مارس، 2026 2:05 م</time>'
        in html
    )


@pytest.mark.django_db
def test_opening_a_message_marks_it_read(browser, registered):
    unread = message(registered.person, "تم إنشاء حسابك")
    browser.sign_in_as(registered)
    assert "(غير المقروءة: 1)" in nav(browser.get("/me/").text)

    response = browser.get(f"/messages/{unread.pk}/")

    assert response.status_code == 200
    assert h1(response.text) == "تم إنشاء حسابك"
    assert "<p>نص تم إنشاء حسابك</p>" in response.text
    unread.refresh_from_db()
    assert unread.read_at == T0
    assert "nav-count" not in nav(response.text)


@pytest.mark.django_db
def test_another_persons_message_is_not_found_and_stays_unread(browser, registered):
    theirs = message(PersonFactory(), "ليست لك")

    response = browser.sign_in_as(registered).get(f"/messages/{theirs.pk}/")

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_an_empty_inbox(browser, registered):
    html = browser.sign_in_as(registered).get("/messages/").text

    assert '<p class="empty">لا توجد لديك رسائل.</p>' in html


@pytest.mark.django_db
def test_the_menu_of_a_visitor_offers_sign_in_and_a_new_account(browser):
    html = browser.get("/").text

    assert nav_links(html) == ["الرئيسية", "الخدمات الإلكترونية", "تسجيل الدخول", "إنشاء حساب"]
    assert '<a href="/login/">تسجيل الدخول</a>' in nav(html)
    assert '<a href="/register/">إنشاء حساب</a>' in nav(html)
    assert "/logout/" not in nav(html)


@pytest.mark.django_db
def test_the_menu_of_a_signed_in_person(browser, registered):
    message(registered.person, "أولى")
    message(registered.person, "ثانية")

    html = browser.sign_in_as(registered).get("/me/").text

    assert nav_links(html) == [
        "الرئيسية",
        "الخدمات الإلكترونية",
        "حسابي",
        "الرسائل 2(غير المقروءة: 2)",
    ]
    menu = nav(html)
    assert '<a href="/services/">الخدمات الإلكترونية</a>' in menu
    assert '<a href="/me/" aria-current="page">حسابي</a>' in menu
    assert (
        '<a href="/messages/">الرسائل <span class="nav-count" aria-hidden="true">2</span>'
        '<span class="visually-hidden">(غير المقروءة: 2)</span></a>'
    ) in menu
    assert '<button class="site-nav__button" type="submit">تسجيل الخروج</button>' in menu
    assert "/login/" not in menu
