"""Authority clerks place, find and lift their own authority's suspensions of services (S4); another
authority's suspensions are out of their reach."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from absher.audit.models import AuditEvent
from absher.backoffice.tests.conftest import make_person
from absher.catalog.models import Department, Service
from absher.core import clock
from absher.notifications.models import OutboxSms
from absher.notifications.selectors import messages_for
from absher.suspensions.constants import ScopeKind, SuspensionStatus
from absher.suspensions.models import Suspension

LIST = "/backoffice/suspensions/"
NEW = "/backoffice/suspensions/new/"
EN = {"accept-language": "en"}
AR = {"accept-language": "ar"}


def make_suspension(authority, person, reference: str, **overrides: Any) -> Suspension:
    fields: dict[str, Any] = {
        "person": person,
        "authority": authority,
        "reference": reference,
        "reason_ar": "حكم قضائي لم يُنفذ",
        "reason_en": "A court judgment has not been carried out",
        "lift_procedure_ar": "مراجعة دائرة التنفيذ",
        "lift_procedure_en": "Visit the enforcement circuit",
        "scope_kind": ScopeKind.ALL,
        "placed_at": clock.now(),
        "placed_by_type": "system",
        "placed_by_id": "test",
    }
    fields.update(overrides)
    return Suspension.objects.create(**fields)


def placement(person, **overrides: str) -> dict[str, str]:
    data = {
        "id_number": person.id_number,
        "reference": "CRT-1447-000381",
        "scope": "all",
        "reason_ar": "صدور حكم قضائي واجب النفاذ لم يُنفذ",
        "reason_en": "An enforceable court judgment has not been carried out",
        "lift_procedure_ar": "مراجعة دائرة التنفيذ في المحكمة وتنفيذ الحكم",
        "lift_procedure_en": "Visit the court's enforcement circuit and carry out the judgment",
    }
    data.update(overrides)
    return data


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """POST with the callbacks that run after commit (the SMS) executed."""

    def send(client, path, data=None, headers=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data or {}, headers=headers or EN)

    return send


def detail(reference: str) -> str:
    return f"/backoffice/suspensions/{reference}/"


# Placing


def test_clerk_places_a_suspension_and_the_person_is_told(clerk, clerk_client, person, post):
    response = post(clerk_client, NEW, placement(person))

    assert response.status_code == 302
    assert response.url == detail("CRT-1447-000381")
    suspension = Suspension.objects.get()
    assert (suspension.person, suspension.authority) == (person, clerk.authority)
    assert (suspension.reference, suspension.scope, suspension.status) == (
        "CRT-1447-000381",
        "all",
        SuspensionStatus.ACTIVE,
    )
    assert (suspension.placed_by_type, suspension.placed_by_id) == ("staff", str(clerk.user_id))
    assert suspension.reason_en == "An enforceable court judgment has not been carried out"
    (message,) = messages_for(person=person)
    assert message.kind == "suspension_placed"
    assert "CRT-1447-000381" in message.body_ar
    assert OutboxSms.objects.filter(to=person.mobile).count() == 1
    assert AuditEvent.objects.filter(action="suspension.placed").count() == 1
    page = clerk_client.get(response.url, headers=EN)
    assert (
        "The suspension CRT-1447-000381 was placed. The person was told by SMS and in their "
        "Absher messages."
    ) in page.text


@pytest.mark.parametrize(
    ("scope", "field", "stored"),
    [
        ("department:traffic", "scope_department", "traffic"),
        ("service:passport_renewal", "scope_service", "passport_renewal"),
    ],
)
def test_clerk_places_a_suspension_on_a_department_or_a_service(
    clerk_client, person, post, scope, field, stored
):
    post(clerk_client, NEW, placement(person, scope=scope))

    suspension = Suspension.objects.get()
    assert suspension.scope == scope
    assert getattr(suspension, field).code == stored


def test_the_form_offers_every_scope_from_the_catalogue_in_arabic(clerk_client):
    response = clerk_client.get(NEW, headers=AR)

    text = response.text
    assert '<option value="all">جميع الخدمات</option>' in text
    traffic = Department.objects.get(code="traffic")
    assert f'<optgroup label="{traffic.name_ar}">' in text
    assert f'<option value="department:traffic">جميع خدمات {traffic.name_ar}</option>' in text
    renewal = Service.objects.get(code="passport_renewal")
    assert f'<option value="service:passport_renewal">{renewal.name_ar}</option>' in text
    # A service no suspension can block is not offered.
    assert 'value="service:suspensions_inquiry"' not in text


def test_the_form_is_labelled_grouped_and_marks_each_language(clerk_client):
    response = clerk_client.get(NEW, headers=EN)

    text = response.text
    assert '<legend class="form-section__title">Why</legend>' in text
    assert '<label class="field__label" for="id_reason_ar">Reason in Arabic</label>' in text
    assert '<textarea name="reason_ar" cols="40" rows="3" lang="ar" dir="rtl"' in text
    assert '<textarea name="reason_en" cols="40" rows="3" lang="en" dir="ltr"' in text
    assert '<textarea name="lift_procedure_en" cols="40" rows="3" lang="en" dir="ltr"' in text
    assert 'style="' not in text
    assert "<script" not in text


def test_an_empty_form_names_each_missing_field_and_places_nothing(clerk_client, post):
    response = post(clerk_client, NEW, {})

    assert response.status_code == 200
    text = response.text
    for message in [
        "Enter the ID number of the person.",
        "Enter the reference.",
        "Choose what the suspension covers.",
        "Enter the reason in Arabic.",
        "Enter the reason in English.",
        "Enter in Arabic what the person must do to have the suspension lifted.",
        "Enter in English what the person must do to have the suspension lifted.",
    ]:
        assert message in text
    assert 'aria-describedby="id_reason_ar_error"' in text
    assert Suspension.objects.count() == 0


def _unknown_id_number() -> str:
    ghost = make_person()
    id_number = ghost.id_number
    ghost.delete()
    return id_number


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id_number": "1234567890"}, "id_number", "check digit"),
        (
            {"id_number": "unknown"},
            "id_number",
            "No person with this ID number is in the registry.",
        ),
        (
            {"scope": "everything"},
            "scope",
            "The scope must be all, department:&lt;code&gt; or service:&lt;code&gt;.",
        ),
        (
            {"scope": "department:moon"},
            "scope",
            "The scope names a department that does not exist.",
        ),
        (
            {"scope": "service:moon_landing"},
            "scope",
            "The scope names an e-service that does not exist.",
        ),
        (
            {"reason_en": "x" * 2001},
            "reason_en",
            "Each reason and lifting procedure may have at most 2,000 characters.",
        ),
        (
            {"reference": "R" * 65},
            "reference",
            "The reference is required (at most 64 characters).",
        ),
    ],
)
def test_each_refusal_is_shown_on_its_field_and_nothing_is_placed(
    clerk_client, person, post, overrides, field, message
):
    if overrides.get("id_number") == "unknown":
        overrides = {"id_number": _unknown_id_number()}

    response = post(clerk_client, NEW, placement(person, **overrides))

    assert response.status_code == 200
    assert message in response.text
    assert f'aria-describedby="id_{field}_' in response.text
    assert 'class="field field--error"' in response.text
    assert Suspension.objects.count() == 0
    assert OutboxSms.objects.count() == 0
    assert AuditEvent.objects.filter(action="suspension.placed").count() == 0


def test_the_same_reference_with_the_same_details_shows_the_existing_one(
    clerk_client, person, post
):
    post(clerk_client, NEW, placement(person))

    again = post(clerk_client, NEW, placement(person))

    assert again.status_code == 302
    assert again.url == detail("CRT-1447-000381")
    assert Suspension.objects.count() == 1
    assert messages_for(person=person).count() == 1
    page = clerk_client.get(again.url, headers=EN)
    assert (
        "A suspension with the reference CRT-1447-000381 and the same details already exists. "
        "Nothing was changed."
    ) in page.text


def test_the_same_reference_with_other_details_is_a_conflict(clerk_client, person, post):
    post(clerk_client, NEW, placement(person))
    before = Suspension.objects.get()

    response = post(clerk_client, NEW, placement(person, scope="department:traffic"))

    assert response.status_code == 200
    assert "A different suspension already has this reference." in response.text
    assert 'aria-describedby="id_reference_helptext id_reference_error"' in response.text
    after = Suspension.objects.get()
    assert (after.pk, after.scope, after.updated_at) == (before.pk, "all", before.updated_at)
    assert messages_for(person=person).count() == 1


def test_another_authority_may_use_the_same_reference(authority, other_clerk_client, person, post):
    make_suspension(authority, person, "CRT-1447-000381")

    response = post(other_clerk_client, NEW, placement(person))

    assert response.status_code == 302
    assert Suspension.objects.filter(reference="CRT-1447-000381").count() == 2


# Listing and searching


def test_the_list_shows_only_the_clerks_own_authority(
    authority, other_authority, clerk_client, person
):
    make_suspension(authority, person, "CRT-1")
    make_suspension(authority, person, "CRT-2", status=SuspensionStatus.LIFTED)
    make_suspension(other_authority, person, "TRF-1")

    response = clerk_client.get(LIST, headers=EN)

    assert response.status_code == 200
    text = response.text
    assert f'href="{detail("CRT-1")}"' in text
    assert f'href="{detail("CRT-2")}"' in text
    assert "TRF-1" not in text
    assert "Suspensions placed by Riyadh General Court." in text


def test_the_list_answers_in_a_constant_number_of_queries(authority, clerk_client, person):
    make_suspension(authority, person, "CRT-1")
    with CaptureQueriesContext(connection) as few:
        clerk_client.get(LIST)
    for number in range(2, 12):
        make_suspension(
            authority,
            make_person(),
            f"CRT-{number}",
            scope_kind=ScopeKind.SERVICE,
            scope_service=Service.objects.get(code="passport_renewal"),
        )

    with CaptureQueriesContext(connection) as many:
        response = clerk_client.get(LIST)

    assert response.text.count('href="/backoffice/suspensions/CRT-') == 11
    assert len(many) == len(few)


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ({"q": "crt-1447"}, ["CRT-1447-1", "CRT-1447-2"]),
        ({"q": "1447-2"}, ["CRT-1447-2"]),
        ({"q": "PERSON"}, ["CRT-1447-2", "OLD-9"]),
        ({"q": "ARABIC-PERSON"}, ["CRT-1447-2", "OLD-9"]),
        ({"status": "lifted"}, ["OLD-9"]),
        ({"status": "active", "q": "PERSON"}, ["CRT-1447-2"]),
        ({"status": "no-such-status"}, ["CRT-1447-1", "CRT-1447-2", "OLD-9"]),
    ],
)
def test_search_by_reference_or_id_number_and_filter_by_status(
    authority, other_authority, clerk_client, query, found
):
    first, second = make_person(), make_person()
    make_suspension(authority, first, "CRT-1447-1")
    make_suspension(authority, second, "CRT-1447-2")
    make_suspension(authority, second, "OLD-9", status=SuspensionStatus.LIFTED)
    make_suspension(other_authority, second, "CRT-1447-3")
    arabic_digits = second.id_number.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    words = {"PERSON": second.id_number, "ARABIC-PERSON": arabic_digits}
    params = {key: words.get(value, value) for key, value in query.items()}

    response = clerk_client.get(LIST, params, headers=EN)

    shown = [
        ref
        for ref in ["CRT-1447-1", "CRT-1447-2", "CRT-1447-3", "OLD-9"]
        if f'href="{detail(ref)}"' in response.text
    ]
    assert sorted(shown) == found


def test_a_search_that_finds_nothing_says_so(authority, clerk_client, person):
    make_suspension(authority, person, "CRT-1")

    response = clerk_client.get(LIST, {"q": "NOPE"}, headers=EN)

    assert "No suspension of your authority matches your search." in response.text
    assert 'value="NOPE"' in response.text


def test_an_authority_without_suspensions_is_told_so(clerk_client):
    response = clerk_client.get(LIST, headers=EN)

    assert "Your authority has not placed any suspensions yet." in response.text


def test_long_lists_are_paged_and_pages_keep_the_search(authority, clerk_client, person):
    for number in range(51):
        make_suspension(authority, person, f"CRT-{number:03d}")

    first = clerk_client.get(LIST, {"status": "active"}, headers=EN)
    second = clerk_client.get(LIST, {"status": "active", "page": "2"}, headers=EN)

    assert first.text.count('href="/backoffice/suspensions/CRT-') == 50
    assert 'href="?status=active&amp;page=2" rel="next"' in first.text
    assert "Page 1 of 2" in first.text
    assert second.text.count('href="/backoffice/suspensions/CRT-') == 1
    assert 'href="?status=active&amp;page=1" rel="prev"' in second.text


# The detail page and lifting


def test_the_detail_page_shows_everything_in_both_languages(authority, clerk_client, person):
    make_suspension(
        authority,
        person,
        "CRT-1447-000381",
        scope_kind=ScopeKind.DEPARTMENT,
        scope_department=Department.objects.get(code="traffic"),
    )

    response = clerk_client.get(detail("CRT-1447-000381"), headers=AR)

    text = response.text
    assert response.status_code == 200
    assert '<span lang="ar" dir="rtl">نورة بنت خالد العتيبي</span>' in text
    assert f'<dd><span dir="ltr">{person.id_number}</span></dd>' in text
    assert "<dd>جميع خدمات المرور</dd>" in text
    assert '<dd lang="ar" dir="rtl">حكم قضائي لم يُنفذ</dd>' in text
    assert '<dd lang="en" dir="ltr">A court judgment has not been carried out</dd>' in text
    assert '<dd lang="en" dir="ltr">Visit the enforcement circuit</dd>' in text
    assert '<button class="button button--warning" type="submit">رفع الإيقاف</button>' in text


def test_a_reference_with_a_slash_has_its_own_page(authority, clerk_client, person, post):
    make_suspension(authority, person, "1447/381")

    page = clerk_client.get(LIST, headers=EN)
    shown = clerk_client.get(detail("1447/381"), headers=EN)
    lifted = post(clerk_client, detail("1447/381"))

    assert f'href="{detail("1447/381")}"' in page.text
    assert shown.status_code == 200
    assert lifted.url == detail("1447/381")
    assert Suspension.objects.get().status == SuspensionStatus.LIFTED


def test_clerk_lifts_their_authoritys_suspension_and_the_person_is_told(
    clerk, authority, clerk_client, person, post
):
    make_suspension(authority, person, "CRT-1447-000381")

    response = post(clerk_client, detail("CRT-1447-000381"))

    assert response.status_code == 302
    assert response.url == detail("CRT-1447-000381")
    suspension = Suspension.objects.get()
    assert suspension.status == SuspensionStatus.LIFTED
    assert (suspension.lifted_by_type, suspension.lifted_by_id) == ("staff", str(clerk.user_id))
    assert suspension.lifted_at is not None
    (message,) = messages_for(person=person)
    assert message.kind == "suspension_lifted"
    assert OutboxSms.objects.filter(to=person.mobile).count() == 1
    assert AuditEvent.objects.filter(action="suspension.lifted").count() == 1
    page = clerk_client.get(response.url, headers=EN)
    assert (
        "The suspension CRT-1447-000381 was lifted. The person was told by SMS and in their "
        "Absher messages."
    ) in page.text
    assert "Lifted on" in page.text
    assert 'class="badge badge--muted">Lifted</span>' in page.text
    assert "Lift the suspension" not in page.text


def test_lifting_twice_changes_nothing_the_second_time(authority, clerk_client, person, post):
    make_suspension(authority, person, "CRT-1")
    post(clerk_client, detail("CRT-1"))
    lifted_at = Suspension.objects.get().lifted_at

    again = post(clerk_client, detail("CRT-1"))

    assert again.status_code == 302
    assert Suspension.objects.get().lifted_at == lifted_at
    assert messages_for(person=person).count() == 1
    assert AuditEvent.objects.filter(action="suspension.lifted").count() == 1
    page = clerk_client.get(again.url, headers=EN)
    assert "This suspension had already been lifted." in page.text


def test_another_authoritys_suspension_cannot_be_seen_or_lifted(
    authority, other_clerk_client, person, post
):
    suspension = make_suspension(authority, person, "CRT-1447-000381")

    seen = other_clerk_client.get(detail("CRT-1447-000381"), headers=EN)
    lifted = post(other_clerk_client, detail("CRT-1447-000381"))

    assert (seen.status_code, lifted.status_code) == (404, 404)
    assert "portal/errors/404.html" in [t.name for t in seen.templates]
    assert "A court judgment has not been carried out" not in seen.text
    assert person.id_number not in seen.text
    assert Suspension.objects.get().status == SuspensionStatus.ACTIVE
    assert Suspension.objects.get().updated_at == suspension.updated_at
    assert messages_for(person=person).count() == 0
    assert AuditEvent.objects.count() == 0


def test_an_unknown_reference_is_not_found(clerk_client, post):
    seen = clerk_client.get(detail("NOPE-1"))
    lifted = post(clerk_client, detail("NOPE-1"))

    assert (seen.status_code, lifted.status_code) == (404, 404)
