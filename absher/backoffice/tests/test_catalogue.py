"""Administrators edit e-services: fees typed in riyals, stored in halalas, every change audited."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from absher.audit.models import AuditEvent
from absher.backoffice.forms import fee_halalas_parse
from absher.catalog.models import Service

EDIT = "/backoffice/catalogue/passport_renewal/"
EN = {"accept-language": "en"}


def form_data(**changes: object) -> dict[str, object]:
    """The edit form as it arrives for the standard passport renewal, with `changes` applied."""
    data: dict[str, object] = {
        "name_ar": "تجديد جواز السفر",
        "name_en": "Passport renewal",
        "description_ar": "تجديد جواز السفر السعودي لمدة خمس سنوات.",
        "description_en": "Renew a Saudi passport for five years.",
        "fee_sar": "300.00",
        "is_active": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_catalogue_lists_every_service_with_its_fee(admin_client):
    page = admin_client.get("/backoffice/catalogue/", headers=EN)

    assert page.status_code == 200
    edit_links = re.findall(r'href="/backoffice/catalogue/([a-z_]+)/"', page.text)
    assert edit_links == list(
        Service.objects.order_by(
            "department__position", "department__code", "position", "code"
        ).values_list("code", flat=True)
    )
    assert "SAR 300.00" in page.text


def test_edit_form_shows_the_fee_in_riyals(admin_client):
    page = admin_client.get(EDIT, headers=EN)

    assert 'name="fee_sar" value="300.00"' in page.text


def test_admin_changes_a_fee_stored_in_halalas_and_audited(administrator, admin_client):
    response = admin_client.post(EDIT, form_data(fee_sar="350.50"), headers=EN)

    assert response.status_code == 302
    assert response.url == "/backoffice/catalogue/"
    assert Service.objects.get(code="passport_renewal").fee_halalas == 35050
    event = AuditEvent.objects.get(action="service.updated")
    assert (event.actor_type, event.actor_id) == ("staff", str(administrator.user_id))
    assert (event.subject_type, event.subject_id) == ("service", "passport_renewal")
    assert event.data == {"before": {"fee_halalas": 30000}, "after": {"fee_halalas": 35050}}
    listing = admin_client.get("/backoffice/catalogue/", headers=EN)
    assert "The e-service passport_renewal was updated." in listing.text
    assert "SAR 350.50" in listing.text


def test_admin_changes_texts_and_switches(admin_client):
    admin_client.post(
        EDIT,
        form_data(name_en="Passport renewal (5 years)", requires_activation="on", is_active=None),
    )

    service = Service.objects.get(code="passport_renewal")
    assert service.name_en == "Passport renewal (5 years)"
    assert (service.requires_activation, service.is_active) == (True, False)
    event = AuditEvent.objects.get(action="service.updated")
    assert event.data["after"] == {
        "name_en": "Passport renewal (5 years)",
        "requires_activation": True,
        "is_active": False,
    }


def test_a_withdrawn_service_can_still_be_edited_and_offered_again(admin_client):
    admin_client.post(EDIT, form_data(is_active=None))

    assert admin_client.get(EDIT).status_code == 200
    admin_client.post(EDIT, form_data())

    assert Service.objects.get(code="passport_renewal").is_active is True


def test_saving_without_changes_writes_nothing(admin_client):
    response = admin_client.post(EDIT, form_data(), headers=EN)

    assert response.url == "/backoffice/catalogue/"
    assert AuditEvent.objects.filter(action="service.updated").count() == 0
    assert "Nothing was changed." in admin_client.get("/backoffice/catalogue/", headers=EN).text


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "The fee cannot be negative."),
        ("12.345", "Enter the fee with at most two decimal places (halalas)."),
        ("abc", "Enter the fee in riyals as a number, for example 150 or 150.50."),
        ("2,000", "Enter the fee in riyals as a number, for example 150 or 150.50."),
        ("", "This field is required."),
        ("99999999", "The fee is too large."),
    ],
)
def test_an_invalid_fee_is_refused_and_nothing_changes(admin_client, typed, message):
    response = admin_client.post(EDIT, form_data(fee_sar=typed), headers=EN)

    assert response.status_code == 200
    assert message in response.text
    assert 'aria-describedby="id_fee_sar_helptext id_fee_sar_error"' in response.text
    assert Service.objects.get(code="passport_renewal").fee_halalas == 30000
    assert AuditEvent.objects.filter(action="service.updated").count() == 0


def test_unknown_service_is_not_found(admin_client):
    assert admin_client.get("/backoffice/catalogue/no_such_service/").status_code == 404


@pytest.mark.parametrize(
    ("typed", "halalas"),
    [
        ("0", 0),
        ("300", 30000),
        ("300.5", 30050),
        ("300.05", 30005),
        (" 2000.00 ", 200000),
        ("١٥٠٫٥٠", 15050),
        ("۷۵.۲۵", 7525),
    ],
)
def test_fee_typed_in_any_digits_becomes_halalas(typed, halalas):
    assert fee_halalas_parse(typed) == halalas


@given(st.integers(min_value=0, max_value=2_147_483_647))
def test_every_storable_fee_survives_the_round_trip(halalas):
    whole, part = divmod(halalas, 100)

    assert fee_halalas_parse(f"{whole}.{part:02d}") == halalas


@given(st.text(alphabet="0123456789.-,e+ ", max_size=12))
def test_fee_parsing_either_returns_halalas_or_refuses(text):
    try:
        result = fee_halalas_parse(text)
    except ValidationError:
        return
    assert 0 <= result <= 2_147_483_647
