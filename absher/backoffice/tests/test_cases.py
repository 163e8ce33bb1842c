"""Officers review cases for a transfer without the sponsor's consent (SPEC 9), in Arabic: the
queue of cases waiting for an officer; one case with its people (a look-up in each one's access
log), documents, the conditions as they stand and the history; taking it for review; approving it
(a transfer awaiting the fee) or seeing why approval is refused while the case stays under review;
rejecting it with a reason; asking for more documents; downloading a document."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from absher.accounts.models import User
from absher.audit.models import AuditEvent
from absher.notifications.models import Message
from absher.transfers import services
from absher.transfers.models import CaseDocument, CaseEvent, TransferCase, TransferRequest
from absher.transfers.tests.case_support import (
    PNG,
    case_snapshot,
    file_case,
    filer_user,
    private_documents,
)
from absher.transfers.tests.helpers import citizen, worker_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("documents_dir")]


@pytest.fixture
def documents_dir(settings, tmp_path):
    return private_documents(settings, tmp_path)


QUEUE = "/backoffice/cases/"


def page(case: TransferCase, action: str = "") -> str:
    return f"/backoffice/cases/{case.pk}/{action + '/' if action else ''}"


def queued(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'href="/backoffice/cases/(\d+)/"', html)]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    def send(client: Client, path: str, data: dict | None = None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data or {})

    return send


@pytest.fixture
def sponsor(db):
    return citizen(name_ar="عبدالله محمد القحطاني", name_en="Abdullah Mohammed Al-Qahtani")


@pytest.fixture
def worker(sponsor):
    return worker_of(sponsor, name_ar="راجيش كومار", name_en="Rajesh Kumar")


@pytest.fixture
def new_sponsor(db):
    return citizen(name_ar="فيصل عبدالعزيز الدوسري", name_en="Faisal Abdulaziz Al-Dossary")


@pytest.fixture
def case(new_sponsor, worker):
    return file_case(filer_user(new_sponsor), worker)


@pytest.fixture
def reviewed(case, officer):
    return services.case_review_start(officer=officer, case_id=case.pk)


# --- the queue ------------------------------------------------------------------------------------


def test_the_queue_holds_cases_waiting_for_an_officer_oldest_first(
    officer_client, officer, case, sponsor, new_sponsor
):
    second = file_case(filer_user(citizen()), worker_of(sponsor))
    waiting_for_filer = file_case(filer_user(citizen()), worker_of(sponsor))
    services.case_review_start(officer=officer, case_id=waiting_for_filer.pk)
    services.case_request_documents(officer=officer, case_id=waiting_for_filer.pk, note="x")

    html = officer_client.get(QUEUE).content.decode()

    assert queued(html) == [case.pk, second.pk]
    assert "طلبان بانتظار الموظف." in text(html)
    assert new_sponsor.id_number not in html
    assert "••••••" + new_sponsor.id_number[-4:] in html
    assert not AuditEvent.objects.filter(is_access=True).exists()


def test_the_home_page_links_the_cases_for_officers(officer_client):
    html = officer_client.get("/backoffice/").content.decode()

    assert 'href="/backoffice/cases/"' in html
    assert "نقل الكفالة بدون موافقة الكفيل" in html


# --- one case -------------------------------------------------------------------------------------


def test_opening_a_case_shows_its_people_and_documents_and_is_logged_for_each(
    officer_client, officer, case, sponsor, worker, new_sponsor
):
    html = officer_client.get(page(case)).content.decode()

    for person in (new_sponsor, worker, sponsor):
        assert person.id_number in html
        assert AuditEvent.objects.filter(
            is_access=True,
            action="transfer_case.viewed",
            person=person,
            actor_id=str(officer.user_id),
            subject_id=str(case.pk),
        ).exists()
    assert html.count(f'href="/backoffice/cases/{case.pk}/documents/') == 7
    assert "صورة شخصية للمقيم مع نموذج تعهد النقل" in html
    assert "بدء المراجعة" in html  # a submitted case is taken for review first
    assert f'action="{page(case, "approve")}"' not in html


def test_the_person_sees_the_officers_look_up_in_their_access_log(officer_client, case, worker):
    officer_client.get(page(case))
    account = filer_user(worker)
    portal = Client()
    portal.force_login(account)

    html = portal.get("/access-log/").content.decode()

    assert "اطلع على طلب نقل كفالة بدون موافقة الكفيل لمراجعته" in html


def test_a_case_that_does_not_exist_is_not_found(officer_client):
    assert officer_client.get("/backoffice/cases/999999/").status_code == 404


def test_taking_a_case_for_review_tells_the_filer(officer_client, post, case, new_sponsor):
    response = post(officer_client, page(case, "review"))

    assert response.status_code == 302
    assert response.url == page(case)
    case.refresh_from_db()
    assert case.status == "under_review"
    assert Message.objects.filter(person=new_sponsor, kind="transfer_case_under_review").exists()
    html = officer_client.get(response.url).content.decode()
    assert f"توليت مراجعة الطلب {case.reference}" in html
    assert "الشروط الآتية غير متحققة" not in html
    assert "جميع الشروط متحققة" in html
    assert f'action="{page(case, "approve")}"' in html


def test_approval_starts_the_transfer_and_is_confirmed(officer_client, post, reviewed, new_sponsor):
    response = post(officer_client, page(reviewed, "approve"))

    transfer = TransferRequest.objects.get()
    assert response.status_code == 302
    reviewed.refresh_from_db()
    assert (reviewed.status, reviewed.transfer) == ("approved", transfer)
    assert transfer.status == "awaiting_payment"
    html = officer_client.get(response.url).content.decode()
    assert f"طلب النقل رقم {transfer.pk} بانتظار سداد صاحب العمل الجديد" in html
    assert transfer.bill.sadad_number in html
    assert Message.objects.filter(person=new_sponsor, kind="transfer_case_approved").exists()


def test_a_refused_approval_lists_each_condition_and_the_case_stays_under_review(
    officer_client, post, officer, sponsor
):
    worker = worker_of(sponsor, owes_sponsor=True, residency_status="absent")
    case = file_case(filer_user(citizen()), worker)
    services.case_review_start(officer=officer, case_id=case.pk)
    html = officer_client.get(page(case)).content.decode()
    assert "الشروط الآتية غير متحققة، ولن تُقبل الموافقة حتى تتحقق:" in html

    response = post(officer_client, page(case, "approve"))

    html = response.content.decode()
    assert response.status_code == 422
    assert "تتعذر الموافقة على الطلب لعدم تحقق بعض شروط النقل" in html
    refusal = html.split('id="refused-title"')[1].split("</ul>")[0]
    assert re.findall(r"<li>(.*?)</li>", refusal) == [
        "العامل مُبلَّغ عن تغيبه عن العمل، ويجب إلغاء بلاغ التغيب لدى المديرية العامة للجوازات "
        "قبل النقل.",
        "لم يُسدِّد العامل التزاماته المالية تجاه الكفيل الحالي. يجب تسويتها أولًا ثم إعادة المحاولة.",
    ]
    case.refresh_from_db()
    assert case.status == "under_review"
    assert TransferRequest.objects.count() == 0
    assert "تعذرت الموافقة: شرط غير متحقق" in html  # in the history


def test_a_rejection_needs_a_reason(officer_client, post, reviewed, new_sponsor):
    before = case_snapshot()

    response = post(officer_client, page(reviewed, "reject"), {"reason": ""})

    assert response.status_code == 422
    assert "اذكر سبب الرفض." in response.content.decode()
    assert case_snapshot() == before

    response = post(officer_client, page(reviewed, "reject"), {"reason": "المستندات غير مصدقة"})

    assert response.status_code == 302
    assert response.url == QUEUE
    reviewed.refresh_from_db()
    assert (reviewed.status, reviewed.officer_note) == ("rejected", "المستندات غير مصدقة")
    assert (
        "المستندات غير مصدقة"
        in Message.objects.get(person=new_sponsor, kind="transfer_case_rejected").body_ar
    )


def test_asking_for_more_documents_needs_a_note_and_names_the_documents(
    officer_client, post, reviewed
):
    before = case_snapshot()

    refused = post(officer_client, page(reviewed, "request-documents"), {"note": " "})

    assert refused.status_code == 422
    assert "اذكر المستندات المطلوبة وسبب طلبها." in refused.content.decode()
    assert case_snapshot() == before

    response = post(
        officer_client,
        page(reviewed, "request-documents"),
        {"note": "صورة الجواز القديم غير واضحة", "documents": ["old_passports", "additional"]},
    )

    assert response.status_code == 302
    reviewed.refresh_from_db()
    assert reviewed.status == "more_documents_requested"
    assert reviewed.requested_documents == ["old_passports", "additional"]
    assert reviewed.officer_note == "صورة الجواز القديم غير واضحة"


def test_a_decision_on_a_case_decided_meanwhile_changes_nothing(
    officer_client, post, officer, reviewed
):
    services.case_reject(officer=officer, case_id=reviewed.pk, reason="سبق رفضه")
    before = case_snapshot()

    response = post(officer_client, page(reviewed, "approve"))

    assert response.status_code == 302
    assert case_snapshot() == before
    html = officer_client.get(response.url).content.decode()
    assert "لم يعد ممكنًا تعديل هذا الطلب بهذه الطريقة لأن حالته تغيرت." in html


def test_an_officer_downloads_a_document_and_it_is_logged(
    officer_client, officer, case, new_sponsor, worker
):
    document = CaseDocument.objects.get(case=case, kind="old_passports")

    response = officer_client.get(page(case, f"documents/{document.pk}"))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{case.reference}-old_passports-{document.pk}.png"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == PNG
    for person in (new_sponsor, worker):
        event = AuditEvent.objects.get(
            is_access=True, action="transfer_case.document_viewed", person=person
        )
        assert event.data["document"] == document.pk


def test_a_document_of_another_case_is_not_found(officer_client, case, sponsor):
    other = file_case(filer_user(citizen()), worker_of(sponsor))
    foreign = CaseDocument.objects.filter(case=other).first()

    response = officer_client.get(page(case, f"documents/{foreign.pk}"))

    assert response.status_code == 404


def test_the_history_is_shown_to_the_officer(officer_client, officer, reviewed):
    html = text(officer_client.get(page(reviewed)).content.decode())

    assert "تقديم الطلب مع مستنداته" in html
    assert "بدء الموظف مراجعة الطلب" in html
    assert CaseEvent.objects.filter(case=reviewed).count() == 2


def test_a_deactivated_officer_cannot_open_a_case(officer_client, officer, case):
    User.objects.filter(pk=officer.user_id).update(is_active=False)

    response = officer_client.get(page(case))

    assert response.status_code == 302
    assert response.url.startswith("/backoffice/login/")
