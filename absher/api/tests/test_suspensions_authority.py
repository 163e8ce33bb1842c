"""Authorities' systems place and lift suspensions over the signed API (SPEC 13):
POST /api/v1/integrations/authorities/suspensions (idempotent by reference) and
DELETE …/suspensions/{reference} (the calling authority's own only). The person is told by SMS and
in the inbox; every change is audited; every refusal changes nothing."""

import datetime as dt

import pytest

from absher.accounts.constants import PartnerKind
from absher.accounts.tests.support import (
    T0,
    make_partner,
    make_person,
    signed_headers,
    sms_to,
)
from absher.audit.models import AuditEvent
from absher.identity.rules import id_number_with_check_digit
from absher.notifications.models import Message
from absher.suspensions.models import Suspension
from absher.suspensions.tests.helpers import (
    LIFT_AR,
    LIFT_EN,
    PLACE,
    REASON_AR,
    REASON_EN,
    authority_partner,
    body,
    lift_path,
    lift_signed,
    place_signed,
    raw,
    snapshot,
)

pytestmark = pytest.mark.django_db

REFERENCE = "CRT-1447-000381"
T1 = T0 + dt.timedelta(days=3)


@pytest.fixture(autouse=True)
def _clock(moved_clock):
    moved_clock(T0)


@pytest.fixture
def court(db):
    return authority_partner("test-court")


@pytest.fixture
def placed(api, court, person):
    response = place_signed(api, court, body(person))
    assert response.status_code == 201, response.json()
    return Suspension.objects.get()


# --- placing --------------------------------------------------------------------------------------


def test_an_authority_places_a_suspension(api, court, person):
    response = place_signed(api, court, body(person))

    assert response.status_code == 201
    suspension = Suspension.objects.get()
    assert response.json() == {
        "id": suspension.pk,
        "id_number": person.id_number,
        "authority": {"code": "test-court-authority", "name_ar": "محكمة", "name_en": "Court"},
        "reference": REFERENCE,
        "reason_ar": REASON_AR,
        "reason_en": REASON_EN,
        "lift_procedure_ar": LIFT_AR,
        "lift_procedure_en": LIFT_EN,
        "scope": "all",
        "status": "active",
        "since": "2026-03-01T10:05:00Z",
        "lifted_at": None,
    }
    assert suspension.person == person
    assert suspension.authority == court.authority
    assert (suspension.placed_at, suspension.placed_by_type, suspension.placed_by_id) == (
        T0,
        "partner",
        "test-court",
    )


def test_placing_is_audited(api, court, person):
    place_signed(api, court, body(person, scope="department:traffic"))

    event = AuditEvent.objects.get(action="suspension.placed")
    assert (event.actor_type, event.actor_id) == ("partner", "test-court")
    assert (event.subject_type, event.subject_id) == (
        "suspension",
        str(Suspension.objects.get().pk),
    )
    assert event.person == person
    assert event.data == {
        "authority": "test-court-authority",
        "reference": REFERENCE,
        "scope": "department:traffic",
    }
    assert event.is_access is False


def test_the_person_is_told_by_sms_and_in_the_inbox(api, court, person):
    place_signed(api, court, body(person))

    assert sms_to(person.mobile) == [
        f"أبشر: تم إيقاف خدماتك من قِبل محكمة (المرجع {REFERENCE}). تجد السبب وطريقة رفع "
        "الإيقاف في «الخدمات العامة» ثم «الإيقاف المؤقت للخدمات»."
    ]
    message = Message.objects.get(person=person)
    assert message.kind == "suspension_placed"
    assert (message.title_ar, message.title_en) == ("إيقاف الخدمات", "Services suspended")
    assert message.body_ar == (
        f"تم إيقاف خدماتك من قِبل محكمة (المرجع {REFERENCE}). السبب: {REASON_AR}. "
        f"طريقة رفع الإيقاف: {LIFT_AR}"
    )
    assert message.body_en == (
        f"Court suspended your services (reference {REFERENCE}). Reason: {REASON_EN}. "
        f"How to lift it: {LIFT_EN}"
    )


def test_the_same_suspension_again_is_200_with_the_same_suspension(api, court, person, placed):
    before = snapshot()

    again = place_signed(api, court, body(person))

    assert again.status_code == 200
    assert again.json()["id"] == placed.pk
    assert again.json()["status"] == "active"
    assert snapshot() == before  # no second audit entry, SMS or message


def test_the_same_text_with_other_spacing_is_the_same_suspension(api, court, person, placed):
    again = place_signed(
        api,
        court,
        body(person, reason_ar=f"  {REASON_AR} ", scope=" all ", reference=" CRT-1447-000381"),
    )

    assert again.status_code == 200
    assert again.json()["id"] == placed.pk


@pytest.mark.parametrize(
    "change",
    [
        {"reason_ar": "سبب آخر"},
        {"reason_en": "Another reason"},
        {"lift_procedure_ar": "طريقة أخرى"},
        {"lift_procedure_en": "Another way"},
        {"scope": "department:traffic"},
        {"scope": "service:passport_renewal"},
    ],
    ids=lambda change: next(iter(change.values())),
)
def test_different_content_under_the_same_reference_is_a_conflict(
    api, court, person, placed, change
):
    before = snapshot()

    response = place_signed(api, court, body(person, **change))

    assert response.status_code == 409
    assert response.json()["code"] == "suspension_conflict"
    assert response.json()["details"] == {"reference": REFERENCE}
    assert snapshot() == before


def test_the_same_reference_for_another_person_is_a_conflict(api, court, person, placed):
    someone_else = make_person(mobile="+966509998877")
    before = snapshot()

    response = place_signed(api, court, body(someone_else))

    assert response.status_code == 409
    assert response.json()["code"] == "suspension_conflict"
    assert snapshot() == before
    assert Suspension.objects.get().person == person


def test_two_authorities_may_use_the_same_reference(api, court, person, placed):
    traffic = authority_partner("test-traffic")

    response = place_signed(api, traffic, body(person))

    assert response.status_code == 201
    assert response.json()["authority"]["code"] == "test-traffic-authority"
    assert Suspension.objects.filter(reference=REFERENCE).count() == 2


@pytest.mark.parametrize(
    ("scope", "kind", "stored"),
    [
        ("all", "all", "all"),
        ("department:traffic", "department", "department:traffic"),
        ("service:passport_renewal", "service", "service:passport_renewal"),
        ("service:lost_document_report", "service", "service:lost_document_report"),
    ],
)
def test_each_scope_is_placed(api, court, person, scope, kind, stored):
    response = place_signed(api, court, body(person, scope=scope))

    assert response.status_code == 201
    assert response.json()["scope"] == stored
    assert Suspension.objects.get().scope_kind == kind


def test_an_id_number_in_arabic_indic_digits_is_accepted(api, court, person):
    arabic = person.id_number.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))

    response = place_signed(api, court, body(person, id_number=arabic))

    assert response.status_code == 201
    assert response.json()["id_number"] == person.id_number


# --- bad input: a clear error and nothing changed ----------------------------------------------


@pytest.mark.parametrize(
    ("scope", "code"),
    [
        ("service:no_such_service", "unknown_service"),
        ("department:no_such_department", "unknown_department"),
        ("", "invalid_scope"),
        ("everything", "invalid_scope"),
        ("service:", "invalid_scope"),
        ("department", "invalid_scope"),
        ("authority:traffic", "invalid_scope"),
        ("ALL", "invalid_scope"),
    ],
)
def test_a_bad_scope_is_refused(api, court, person, scope, code):
    before = snapshot()

    response = place_signed(api, court, body(person, scope=scope))

    assert response.status_code == 422
    assert response.json()["code"] == code
    assert snapshot() == before


def test_an_unknown_person_is_404(api, court, person):
    before = snapshot()
    unknown = id_number_with_check_digit("166666666")

    response = place_signed(api, court, body(person, id_number=unknown))

    assert response.status_code == 404
    assert response.json()["code"] == "person_not_found"
    assert snapshot() == before


@pytest.mark.parametrize("id_number", ["12", "1234567890", "3" + "0" * 9, "abc"])
def test_a_malformed_id_number_is_422(api, court, person, id_number):
    before = snapshot()

    response = place_signed(api, court, body(person, id_number=id_number))

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_id_number"
    assert snapshot() == before


@pytest.mark.parametrize(
    "field", ["reason_ar", "reason_en", "lift_procedure_ar", "lift_procedure_en"]
)
def test_a_blank_reason_or_procedure_is_refused(api, court, person, field):
    before = snapshot()

    response = place_signed(api, court, body(person, **{field: "   "}))

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_text"
    assert response.json()["details"] == {"field": field}
    assert snapshot() == before


@pytest.mark.parametrize(
    "field",
    [
        "id_number",
        "reference",
        "reason_ar",
        "reason_en",
        "lift_procedure_ar",
        "lift_procedure_en",
        "scope",
    ],
)
def test_a_missing_field_is_a_validation_error(api, court, person, field):
    fields = body(person)
    del fields[field]
    before = snapshot()

    response = place_signed(api, court, fields)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [f["field"] for f in response.json()["details"]["fields"]] == [field]
    assert snapshot() == before


def test_a_text_longer_than_2000_characters_is_a_validation_error(api, court, person):
    before = snapshot()

    response = place_signed(api, court, body(person, reason_en="x" * 2001))

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert snapshot() == before


def test_a_blank_reference_is_refused(api, court, person):
    before = snapshot()

    response = place_signed(api, court, body(person, reference="  "))

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_reference"
    assert snapshot() == before


def test_refusals_are_in_arabic_by_default(api, court, person):
    fields = body(person, scope="service:no_such_service")
    data = raw(fields)
    headers = signed_headers(partner=court.code, secret=court.secret, path=PLACE, raw=data)

    response = api.post_raw(PLACE, data, {**headers, "Accept-Language": "ar"})

    assert response.json()["message"] == "يشير النطاق إلى خدمة إلكترونية غير موجودة."


# --- signatures: 401 and nothing changed ------------------------------------------------------


def _refused(response, code: str, before) -> None:
    assert response.status_code == 401, response.json()
    assert response.json()["code"] == code
    assert snapshot() == before


def test_a_wrong_secret_is_refused(api, court, person):
    data = raw(body(person))
    headers = signed_headers(partner=court.code, secret="guessed", path=PLACE, raw=data)
    before = snapshot()

    _refused(api.post_raw(PLACE, data, headers), "bad_signature", before)


def test_a_body_changed_after_signing_is_refused(api, court, person):
    signed = raw(body(person))
    headers = signed_headers(partner=court.code, secret=court.secret, path=PLACE, raw=signed)
    before = snapshot()

    response = api.post_raw(PLACE, raw(body(person, scope="service:passport_renewal")), headers)

    _refused(response, "bad_signature", before)


def test_a_stale_timestamp_is_refused(api, court, person):
    six_minutes_ago = int(T0.timestamp()) - 360
    before = snapshot()

    response = place_signed(api, court, body(person), timestamp=six_minutes_ago)

    _refused(response, "stale_timestamp", before)


def test_a_replayed_request_is_refused(api, court, person):
    data = raw(body(person))
    headers = signed_headers(partner=court.code, secret=court.secret, path=PLACE, raw=data)
    assert api.post_raw(PLACE, data, headers).status_code == 201
    before = snapshot()

    _refused(api.post_raw(PLACE, data, headers), "replayed_request", before)


def test_an_unknown_partner_is_refused(api, person):
    data = raw(body(person))
    headers = signed_headers(
        partner="no-such-court", secret="no-such-court-secret", path=PLACE, raw=data
    )
    before = snapshot()

    _refused(api.post_raw(PLACE, data, headers), "bad_signature", before)


def test_a_bank_cannot_place_a_suspension(api, person):
    bank = make_partner("test-bank", PartnerKind.BANK)
    before = snapshot()

    _refused(place_signed(api, bank, body(person)), "bad_signature", before)


def test_an_unsigned_request_is_refused(api, person):
    before = snapshot()

    _refused(api.post(PLACE, body(person)), "bad_signature", before)


def test_an_authority_partner_linked_to_no_authority_is_refused(api, court, person):
    court.authority = None
    court.save(update_fields=["authority"])
    before = snapshot()

    response = place_signed(api, court, body(person))

    assert response.status_code == 403
    assert response.json()["code"] == "partner_without_authority"
    assert snapshot() == before


# --- lifting --------------------------------------------------------------------------------------


def test_an_authority_lifts_its_own_suspension(api, court, person, placed, moved_clock):
    moved_clock(T1)

    response = lift_signed(api, court, REFERENCE)

    assert response.status_code == 200
    assert response.json()["status"] == "lifted"
    assert response.json()["lifted_at"] == "2026-03-04T10:05:00Z"
    assert response.json()["id"] == placed.pk
    placed.refresh_from_db()
    assert (placed.status, placed.lifted_at) == ("lifted", T1)
    assert (placed.lifted_by_type, placed.lifted_by_id) == ("partner", "test-court")


def test_lifting_is_audited_and_told_to_the_person(api, court, person, placed):
    lift_signed(api, court, REFERENCE)

    event = AuditEvent.objects.get(action="suspension.lifted")
    assert (event.actor_type, event.actor_id, event.person) == ("partner", "test-court", person)
    assert event.data == {"authority": "test-court-authority", "reference": REFERENCE}
    assert sms_to(person.mobile)[0] == (
        f"أبشر: تم رفع إيقاف خدماتك من قِبل محكمة (المرجع {REFERENCE})."
    )
    message = Message.objects.get(person=person, kind="suspension_lifted")
    assert (message.title_ar, message.title_en) == ("رفع إيقاف الخدمات", "Suspension lifted")
    assert (
        message.body_en == f"Court lifted the suspension of your services (reference {REFERENCE})."
    )


def test_lifting_again_is_200_and_changes_nothing(api, court, person, placed, moved_clock):
    lift_signed(api, court, REFERENCE)
    moved_clock(T1)
    before = snapshot()

    again = lift_signed(api, court, REFERENCE)

    assert again.status_code == 200
    assert again.json()["status"] == "lifted"
    assert again.json()["lifted_at"] == "2026-03-01T10:05:00Z"
    assert snapshot() == before


def test_another_authoritys_reference_is_not_found_and_stays_active(api, person, placed):
    traffic = authority_partner("test-traffic")
    before = snapshot()

    response = lift_signed(api, traffic, REFERENCE)

    assert response.status_code == 404
    assert response.json()["code"] == "suspension_not_found"
    assert snapshot() == before
    placed.refresh_from_db()
    assert placed.status == "active"


def test_an_unknown_reference_is_not_found(api, court, placed):
    before = snapshot()

    response = lift_signed(api, court, "CRT-0000")

    assert response.status_code == 404
    assert response.json()["code"] == "suspension_not_found"
    assert snapshot() == before


def test_placing_a_lifted_reference_again_does_not_place_it_anew(api, court, person, placed):
    lift_signed(api, court, REFERENCE)
    before = snapshot()

    again = place_signed(api, court, body(person))

    assert again.status_code == 200
    assert again.json()["status"] == "lifted"
    assert snapshot() == before


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"timestamp": int(T0.timestamp()) - 360}, "stale_timestamp"),
        ({"secret": "guessed"}, "bad_signature"),
        ({"signed_path": lift_path("OTHER")}, "bad_signature"),
    ],
    ids=["stale", "wrong-secret", "signed-for-another-reference"],
)
def test_a_refused_lift_leaves_the_suspension_active(api, court, placed, options, code):
    path = lift_path(REFERENCE)
    headers = signed_headers(
        partner=court.code,
        secret=options.get("secret", court.secret),
        path=options.get("signed_path", path),
        raw=b"",
        method="DELETE",
        timestamp=options.get("timestamp"),
    )
    before = snapshot()

    with api.capture(execute=True):
        response = api.client.delete(path, headers=headers)

    _refused(response, code, before)


def test_a_replayed_lift_is_refused(api, court, person, placed):
    path = lift_path(REFERENCE)
    headers = signed_headers(
        partner=court.code, secret=court.secret, path=path, raw=b"", method="DELETE"
    )
    with api.capture(execute=True):
        assert api.client.delete(path, headers=headers).status_code == 200
    before = snapshot()

    with api.capture(execute=True):
        response = api.client.delete(path, headers=headers)

    _refused(response, "replayed_request", before)


def test_a_bank_cannot_lift_a_suspension(api, placed):
    bank = make_partner("test-bank", PartnerKind.BANK)
    before = snapshot()

    _refused(lift_signed(api, bank, REFERENCE), "bad_signature", before)
