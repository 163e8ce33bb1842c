import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from absher.catalog import selectors


@pytest.mark.django_db
def test_unknown_address_gets_the_arabic_html_404_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "<h1>الصفحة غير موجودة</h1>" in html
    assert "<title>الصفحة غير موجودة – أبشر</title>" in html
    assert '<input type="hidden" name="next" value="/no-such-page/">' in html


@pytest.mark.django_db
def test_unknown_address_in_english(client):
    response = client.get("/no-such-page/", headers={"Accept-Language": "en"})

    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "<h1>Page not found</h1>" in html


def test_server_error_page_renders_without_a_request_or_the_database():
    # No django_db mark: any database query here would fail the test.
    with translation.override("ar"):
        html = render_to_string("portal/errors/500.html")

    assert '<html lang="ar" dir="rtl">' in html
    assert "<h1>نعتذر، حدث خلل في الخدمة</h1>" in html
    assert '<link rel="stylesheet" href="/static/portal/css/portal.css">' in html
    assert "style=" not in html
    assert "<script" not in html


def test_server_error_page_in_english():
    with translation.override("en"):
        html = render_to_string("portal/errors/500.html")

    assert '<html lang="en" dir="ltr">' in html
    assert "<h1>Sorry, there is a problem with the service</h1>" in html


def test_a_failing_page_answers_with_the_html_500_page(monkeypatch):
    def broken() -> None:
        raise RuntimeError("catalogue unavailable")

    monkeypatch.setattr(selectors, "departments_with_services", broken)
    client = Client(raise_request_exception=False)

    response = client.get("/")

    assert response.status_code == 500
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "<h1>نعتذر، حدث خلل في الخدمة</h1>" in html
