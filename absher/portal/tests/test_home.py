import re

import pytest
from django.test import Client
from pytest_django.asserts import assertContains

from absher.portal.tests.helpers import page_texts

ARABIC_DEPARTMENTS = ["الجوازات", "الأحوال المدنية", "المرور", "الخدمات العامة"]
ENGLISH_DEPARTMENTS = ["Passports", "Civil Affairs", "Traffic", "General Services"]
LATIN_LETTERS = re.compile(r"[A-Za-z]")


def h2_texts(html: str) -> list[str]:
    return re.findall(r'<h2 class="department__title" id="[^"]+">([^<]+)</h2>', html)


@pytest.mark.django_db
def test_home_is_arabic_and_right_to_left_by_default(client):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert h2_texts(html) == ARABIC_DEPARTMENTS
    assert '<h3 class="service-card__title">نقل خدمات عامل</h3>' in html
    assert "<title>الخدمات الإلكترونية – أبشر</title>" in html
    assertContains(
        response,
        '<button class="language-switch__button" type="submit" name="language" value="en"'
        ' lang="en" dir="ltr">English</button>',
        html=True,
    )


@pytest.mark.django_db
def test_arabic_home_has_no_english_text_besides_the_language_switch(client):
    response = client.get("/")

    html = response.content.decode()
    arabic_texts = page_texts(html, except_lang="en")
    all_texts = page_texts(html, except_lang="")
    assert [text for text in arabic_texts if LATIN_LETTERS.search(text)] == []
    assert [text for text in all_texts if LATIN_LETTERS.search(text)] == ["English"]


@pytest.mark.django_db
def test_home_lists_services_as_cards_with_fee_and_activation_badge(client):
    response = client.get("/")

    html = response.content.decode()
    renewal = html.split('id="service-passport_renewal"')[1].split("</li>")[0]
    assert '<h3 class="service-card__title">تجديد جواز السفر</h3>' in renewal
    assert "<dd>300.00 ريال</dd>" in renewal
    assert "تتطلب التفعيل" not in renewal
    transfer = html.split('id="service-worker_services_transfer"')[1].split("</li>")[0]
    assert '<p class="badge">تتطلب التفعيل</p>' in transfer
    assert "<dd>حسب الحالة</dd>" in transfer
    national_id = html.split('id="service-national_id_renewal"')[1].split("</li>")[0]
    assert "<dd>مجاناً</dd>" in national_id
    assert html.count('class="service-card"') == 12
    assert html.count('<p class="badge">') == 2


@pytest.mark.django_db
def test_each_department_is_a_labelled_section(client):
    response = client.get("/")

    assertContains(
        response,
        '<section class="department" id="department-traffic"'
        ' aria-labelledby="department-traffic-title">',
    )
    assertContains(response, '<h2 class="department__title" id="department-traffic-title">')
    assertContains(response, '<a href="#department-traffic">المرور</a>', html=True)


@pytest.mark.django_db
def test_page_has_accessible_landmarks(client):
    response = client.get("/")

    html = response.content.decode()
    assert '<a class="skip-link" href="#content">الانتقال إلى المحتوى الرئيسي</a>' in html
    assert html.count("<header") == 1
    assert '<nav class="site-nav" aria-label="القائمة الرئيسية">' in html
    assert '<main id="content" class="site-main">' in html
    assert html.count("<footer") == 1
    assert '<div class="messages" role="status"></div>' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<a href="/" aria-current="page">الرئيسية</a>' in html


@pytest.mark.django_db
def test_home_reads_the_catalogue_in_two_queries(client, django_assert_num_queries):
    with django_assert_num_queries(2):
        response = client.get("/")

    assert response.status_code == 200


@pytest.mark.django_db
def test_language_switch_posts_to_set_language_and_the_home_turns_english():
    client = Client(enforce_csrf_checks=True)
    arabic = client.get("/").content.decode()
    csrf_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', arabic).group(1)
    assert '<form class="language-switch" action="/i18n/setlang/" method="post">' in arabic
    assert '<input type="hidden" name="next" value="/">' in arabic

    switched = client.post(
        "/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": csrf_token}
    )

    assert switched.status_code == 302
    assert switched["Location"] == "/"
    assert switched.cookies["absher_language"].value == "en"
    english = client.get("/")
    html = english.content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert h2_texts(html) == ENGLISH_DEPARTMENTS
    assert '<h3 class="service-card__title">Transfer of worker services</h3>' in html
    assert "<dd>SAR 300.00</dd>" in html
    assert '<p class="badge">Needs activation</p>' in html
    assertContains(
        english,
        '<button class="language-switch__button" type="submit" name="language" value="ar"'
        ' lang="ar" dir="rtl">العربية</button>',
        html=True,
    )


@pytest.mark.django_db
def test_language_switch_keeps_the_page_and_its_query(client):
    response = client.get("/?from=sms")

    assert '<input type="hidden" name="next" value="/?from=sms">' in response.content.decode()


@pytest.mark.django_db
def test_accept_language_english_gives_the_english_page(client):
    response = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})

    html = response.content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert h2_texts(html) == ENGLISH_DEPARTMENTS
    assert "<title>E-services – Absher</title>" in html
    assert "<dd>Free</dd>" in html
    assert "<dd>Depends on the case</dd>" in html


@pytest.mark.django_db
def test_home_sends_a_strict_content_security_policy(client):
    response = client.get("/")

    directives = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"


@pytest.mark.django_db
def test_home_has_no_inline_styles_or_scripts(client):
    response = client.get("/")

    html = response.content.decode()
    assert "style=" not in html
    assert "<style" not in html
    assert re.findall(r"<script\b(?![^>]*\bsrc=)", html) == []
    assert html.count('<link rel="stylesheet" href="/static/portal/css/portal.css">') == 1
