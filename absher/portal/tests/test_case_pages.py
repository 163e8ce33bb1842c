"""Transfer without the sponsor's consent in the portal (SPEC 9), in Arabic: the e-services page
leads to the cases; a new sponsor files a case with the worker's iqama number and the seven
documents; refusals show next to the field they are about and store nothing; the case page shows
its status, documents, history, the officer's request for more documents with the form to answer
it, and once approved the transfer awaiting payment with its SADAD bill. A case and its documents
exist for their filer only."""

from __future__ import annotations

import re

import pytest

from absher.accounts.models import ServiceActivation
from absher.catalog.models import Service
from absher.core import clock
from absher.identity.models import Sponsorship
from absher.identity.tests.factories import PersonFactory
from absher.portal.tests.conftest import (
    field_errors,
    h1,
    make_account,
    status_messages,
    summary_errors,
)
from absher.suspensions.tests.helpers import authority_partner, place
from absher.transfers import services
from absher.transfers.constants import REQUIRED_DOCUMENTS
from absher.transfers.models import CaseDocument, TransferCase
from absher.transfers.tests.case_support import (
    EXECUTABLE,
    PDF,
    PNG,
    case_snapshot,
    make_officer,
    private_documents,
    seven_uploads,
    stored_files,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("documents_dir")]


@pytest.fixture
def documents_dir(settings, tmp_path):
    return private_documents(settings, tmp_path)


CASES = "/cases/"
NEW = "/cases/new/"
LABELS_AR = [
    "نموذج كفالة موقع من الكفيل",
    "خطاب النقل الجديد",
    "صور جوازات المقيم القديمة",
    "مستند الغرفة التجارية المرفق بالخطاب",
    "تعهد موقع من الكفيل الجديد تجاه المقيم",
    "صورة السجل التجاري أو رخصة البلدية",
    "صورة شخصية للمقيم مع نموذج تعهد النقل",
]


@pytest.fixture
def filer(activated):
    ServiceActivation.objects.create(
        user=activated, service=Service.objects.get(code="transfer_without_consent")
    )
    return activated


@pytest.fixture
def sponsor(db):
    return PersonFactory(name_ar="عبدالله محمد القحطاني", mobile="+966501110001")


@pytest.fixture
def worker(sponsor):
    worker = PersonFactory(resident=True, mobile="+966501110002")
    Sponsorship.objects.create(worker=worker, sponsor=sponsor, started_at=clock.now())
    return worker


@pytest.fixture
def signed_in(browser, filer):
    return browser.sign_in_as(filer)


def file_through_the_form(browser, worker, **replacements):
    return browser.post(
        NEW, {"worker_id_number": worker.id_number, **seven_uploads(**replacements)}
    )


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_service_card_opens_the_cases_page(signed_in):
    html = signed_in.get("/services/").content.decode()

    card = html.split('id="service-transfer_without_consent"')[1].split("</li>")[0]
    assert 'href="/cases/"' in card


def test_the_cases_page_asks_to_activate_the_service_first(browser, activated):
    html = browser.sign_in_as(activated).get(CASES).content.decode()

    assert "فعّل هذه الخدمة الإلكترونية أولًا." in html
    assert 'action="/services/transfer_without_consent/activate/"' in html
    assert 'href="/cases/new/"' not in html


def test_a_new_sponsor_files_a_case_with_the_seven_documents(signed_in, worker, documents_dir):
    form = signed_in.get(NEW).content.decode()
    assert h1(form) == "تقديم طلب"
    assert 'enctype="multipart/form-data"' in form
    for label in LABELS_AR:
        assert label in form
    assert form.count('type="file"') == 7

    response = file_through_the_form(signed_in, worker)

    case = TransferCase.objects.get()
    assert response.status_code == 302
    assert response.url == f"/cases/{case.pk}/"
    page = signed_in.get(response.url).content.decode()
    assert f"استلمنا طلبك {case.reference} مع مستنداته السبعة" in status_messages(page)[0]
    assert "مقدَّم، بانتظار المراجعة" in page
    assert [label for label in LABELS_AR if label in page] == LABELS_AR
    assert "تقديم الطلب مع مستنداته" in page  # the history
    assert len(stored_files(documents_dir)) == 7
    listing = signed_in.get(CASES).content.decode()
    assert case.reference in listing


def test_refusals_show_next_to_each_document_and_nothing_is_stored(
    signed_in, worker, documents_dir
):
    before = case_snapshot()

    response = file_through_the_form(
        signed_in,
        worker,
        resident_photo=None,
        transfer_letter=upload(EXECUTABLE, "letter.pdf"),
        old_passports=upload(b"%PDF-1.4 broken", "passports.pdf"),
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert field_errors(html, "resident_photo") == ["أرفق هذا المستند."]
    assert field_errors(html, "transfer_letter") == []  # missing documents are told first
    assert case_snapshot() == before
    assert stored_files(documents_dir) == []

    response = file_through_the_form(
        signed_in,
        worker,
        transfer_letter=upload(EXECUTABLE, "letter.pdf"),
        old_passports=upload(b"%PDF-1.4 broken", "passports.pdf"),
    )

    html = response.content.decode()
    assert field_errors(html, "transfer_letter")[0].startswith("الملف برنامج وليس مستندًا")
    assert field_errors(html, "old_passports")[0].startswith("تعذرت قراءة الملف")
    assert field_errors(html, "sponsorship_form") == []
    assert case_snapshot() == before
    assert stored_files(documents_dir) == []


def test_a_worker_refusal_shows_under_the_worker_number(signed_in, filer, documents_dir):
    own = PersonFactory(resident=True)
    Sponsorship.objects.create(worker=own, sponsor=filer.person, started_at=clock.now())

    html = file_through_the_form(signed_in, own).content.decode()

    assert field_errors(html, "worker_id_number") == [
        "هذا العامل على كفالتك فعلًا، ويقدم الطلبَ صاحبُ العمل الجديد."
    ]
    assert stored_files(documents_dir) == []


def test_a_registered_account_is_sent_to_activate(browser, registered):
    response = browser.sign_in_as(registered).get(NEW)

    assert response.status_code == 403


def test_a_visitor_is_sent_to_sign_in(browser):
    response = browser.get(NEW)

    assert response.status_code == 302
    assert response.url.startswith("/login/")


@pytest.fixture
def case(filer, worker):
    return services.case_file(
        user=filer, worker_id_number=worker.id_number, documents=seven_uploads()
    )


def test_a_case_and_its_documents_exist_for_their_filer_only(browser, case, sponsor):
    document = CaseDocument.objects.filter(case=case).first()
    stranger = make_account(PersonFactory(), username="stranger", status="active")
    browser.sign_in_as(stranger)

    assert browser.get(f"/cases/{case.pk}/").status_code == 404
    assert browser.get(f"/cases/{case.pk}/documents/{document.pk}/").status_code == 404
    assert browser.post(f"/cases/{case.pk}/documents/", {}).status_code == 404


def test_the_filer_downloads_a_document_as_an_attachment(signed_in, case):
    document = CaseDocument.objects.get(case=case, kind="old_passports")

    response = signed_in.get(f"/cases/{case.pk}/documents/{document.pk}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment; ")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == PNG


def test_the_filer_answers_a_request_for_more_documents(signed_in, case, documents_dir):
    officer = make_officer()
    services.case_review_start(officer=officer, case_id=case.pk)
    services.case_request_documents(
        officer=officer,
        case_id=case.pk,
        note="خطاب النقل غير مختوم من الغرفة التجارية",
        documents=["transfer_letter"],
    )

    page = signed_in.get(f"/cases/{case.pk}/").content.decode()
    assert "يطلب الموظف مستندات إضافية." in page
    assert "خطاب النقل غير مختوم من الغرفة التجارية" in page
    assert "طلب الموظف هذا المستند." in page
    assert f'action="/cases/{case.pk}/documents/"' in page

    refused = signed_in.post(f"/cases/{case.pk}/documents/", {"sponsor_pledge": upload(PDF)})
    assert field_errors(refused.content.decode(), "transfer_letter") == ["أرفق هذا المستند."]
    assert len(stored_files(documents_dir)) == 7

    response = signed_in.post(
        f"/cases/{case.pk}/documents/",
        {"transfer_letter": upload(PDF, "letter.pdf"), "additional": [upload(PNG, "a.png")]},
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "submitted"
    page = signed_in.get(f"/cases/{case.pk}/").content.decode()
    assert "أُعيد تقديم الطلب" in status_messages(page)[0]
    assert "مستندات استُبدلت لاحقًا" in page
    assert "مستند إضافي طلبه الموظف" in page
    assert len(stored_files(documents_dir)) == 9


def test_documents_sent_when_none_were_asked_for_are_refused_with_a_message(signed_in, case):
    response = signed_in.post(f"/cases/{case.pk}/documents/", {"transfer_letter": upload(PDF)})

    assert response.status_code == 302
    page = signed_in.get(response.url).content.decode()
    assert status_messages(page) == ["لا تُرفق مستندات بالطلب إلا إذا طلب الموظف مستندات إضافية."]
    assert CaseDocument.objects.filter(case=case).count() == 7


def test_an_approved_case_shows_the_transfer_awaiting_payment(signed_in, case):
    officer = make_officer()
    services.case_review_start(officer=officer, case_id=case.pk)
    approved = services.case_approve(officer=officer, case_id=case.pk)
    bill = approved.transfer.bill

    page = text(signed_in.get(f"/cases/{case.pk}/").content.decode())

    assert "تمت الموافقة على طلبك." in page
    assert f"أُنشئ طلب نقل الخدمات رقم {approved.transfer_id}" in page
    assert "حالة طلب النقل مقبول، بانتظار سداد المقابل المالي" in page
    assert bill.sadad_number in page
    html = signed_in.get(f"/cases/{case.pk}/").content.decode()
    assert f'href="/bills/{bill.sadad_number}/"' in html
    assert f'href="/transfers/{approved.transfer_id}/"' in html


def test_a_rejected_case_shows_the_reason(signed_in, case):
    officer = make_officer()
    services.case_review_start(officer=officer, case_id=case.pk)
    services.case_reject(officer=officer, case_id=case.pk, reason="الخطاب غير مصدق")

    page = text(signed_in.get(f"/cases/{case.pk}/").content.decode())

    assert "رُفض طلبك." in page
    assert "الخطاب غير مصدق" in page


def test_the_page_works_in_english_too(english_browser, filer, case):
    page = english_browser.sign_in_as(filer).get(f"/cases/{case.pk}/").content.decode()

    assert "Sponsorship form bearing the sponsor&#x27;s signature" in page
    assert "Submitted, waiting for review" in page


def test_every_document_slot_is_a_field_of_the_form(signed_in):
    form = signed_in.get(NEW).content.decode()

    for kind in REQUIRED_DOCUMENTS:
        assert f'name="{kind}"' in form


def test_a_suspended_filer_is_told_why_and_nothing_is_stored(
    signed_in, filer, worker, documents_dir
):
    court = authority_partner("test-court").authority
    place(court, filer.person, "CRT-55", "service:transfer_without_consent")

    html = file_through_the_form(signed_in, worker).content.decode()

    assert summary_errors(html) == [
        "هذه الخدمة موقوفة عنك من قِبل محكمة (المرجع CRT-55). تجد طريقة رفع الإيقاف في "
        "«الخدمات العامة» ثم «الإيقاف المؤقت للخدمات»."
    ]
    assert TransferCase.objects.count() == 0
    assert stored_files(documents_dir) == []


def test_the_case_stylesheet_uses_logical_properties_only():
    from absher.portal.tests.test_assets import PHYSICAL_DIRECTION, PORTAL

    css = (PORTAL / "static" / "portal" / "css" / "cases.css").read_text(encoding="utf-8")

    assert PHYSICAL_DIRECTION.findall(css) == []


def test_an_empty_file_is_judged_by_the_case_service(signed_in, worker, documents_dir):
    html = file_through_the_form(
        signed_in, worker, sponsor_pledge=upload(b"", "pledge.pdf")
    ).content.decode()

    assert field_errors(html, "sponsor_pledge") == ["الملف فارغ. اختر الملف الصحيح."]
    assert stored_files(documents_dir) == []
