"""Transfer of worker services (نقل خدمات عامل) in the portal, in the source's order: Passports →
Transfer services → a code → the worker → the new sponsor's ID number and date of birth → the
review of both parties and the fee, every failed condition listed with what to do → OK → a code →
"transferred successfully; the new sponsor must accept within 15 days". The new sponsor's
incoming requests, the request with its answers (accept with a code, after which the fee bill
appears; reject after a confirmation), the current sponsor's cancellation, and the one timeline
every party sees. Refusals are messages on the page; another person's request is a 404."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from absher.accounts.constants import OtpPurpose
from absher.accounts.models import Authority, OtpChallenge
from absher.identity.models import Person
from absher.identity.rules import hijri_from_gregorian
from absher.payments.models import Bill
from absher.portal.tests.conftest import (
    T0,
    field_errors,
    h1,
    last_code,
    other_code,
    status_messages,
    summary_errors,
)
from absher.portal.tests.helpers import page_texts
from absher.portal.tests.test_assets import PHYSICAL_DIRECTION
from absher.suspensions.tests.helpers import place
from absher.transfers.conditions import CONDITIONS
from absher.transfers.constants import TransferStatus
from absher.transfers.models import TransferEvent, TransferRequest, TransferSession
from absher.transfers.tests.helpers import (
    accept,
    citizen,
    create,
    current_sponsor_id,
    pay,
    resident,
    snapshot,
    user_of,
    worker_of,
)

HUB = "/transfers/"
START = "/transfers/start/"
START_VERIFY = "/transfers/start/verify/"
WORKER = "/transfers/new/worker/"
SPONSOR = "/transfers/new/sponsor/"
REVIEW = "/transfers/new/review/"
CONFIRM = "/transfers/new/confirm/"
INCOMING = "/transfers/incoming/"
OUTGOING = "/transfers/outgoing/"
STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "portal" / "css" / "transfers.css"


def page(transfer: TransferRequest, action: str = "") -> str:
    return f"/transfers/{transfer.pk}/{action + '/' if action else ''}"


def text(html: str) -> str:
    """The page's words, tags stripped and spaces squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def failures(html: str) -> list[str]:
    return [
        text(item) for item in re.findall(r'<li class="conditions__item">(.*?)</li>', html, re.S)
    ]


def timeline(html: str) -> list[str]:
    return [text(step) for step in re.findall(r'<p class="timeline__step">(.*?)</p>', html, re.S)]


# --- the parties ---------------------------------------------------------------------------------


@pytest.fixture
def sponsor(db: None) -> Person:
    return citizen(name_ar="عبدالله محمد القحطاني", name_en="Abdullah Mohammed Al-Qahtani")


@pytest.fixture
def sponsor_user(sponsor: Person):
    return user_of(sponsor)


@pytest.fixture
def worker(sponsor: Person) -> Person:
    return worker_of(sponsor, name_ar="راجيش كومار", name_en="Rajesh Kumar")


@pytest.fixture
def new_sponsor(db: None) -> Person:
    return citizen(
        name_ar="فيصل عبدالعزيز الدوسري",
        name_en="Faisal Abdulaziz Al-Dossary",
        date_of_birth=dt.date(1989, 10, 14),
    )


@pytest.fixture
def new_sponsor_user(new_sponsor: Person):
    # The new sponsor needs an activated account, not the service's own activation.
    return user_of(new_sponsor, transfer_service=False)


def session_started(browser, user) -> None:
    """Transfer services → the code from the SMS."""
    browser.post(START)
    browser.post(START_VERIFY, {"code": last_code(user.mobile)})


def new_sponsor_entered(
    browser, user, worker: Person, new_sponsor: Person, *, date_of_birth: str = "", calendar=""
):
    session_started(browser, user)
    return browser.post(
        f"{SPONSOR}?worker={worker.pk}",
        {
            "id_number": new_sponsor.id_number,
            "date_of_birth": date_of_birth or new_sponsor.date_of_birth.isoformat(),
            "calendar": calendar or "gregorian",
        },
    )


def made(browser, user, worker: Person, new_sponsor: Person) -> TransferRequest:
    """The current sponsor's whole journey in the portal."""
    new_sponsor_entered(browser, user, worker, new_sponsor)
    browser.post(CONFIRM, {"code": last_code(user.mobile)})
    return TransferRequest.objects.get(worker=worker)


# --- access ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", [HUB, WORKER, SPONSOR, REVIEW, CONFIRM, INCOMING, OUTGOING, "/transfers/1/"]
)
def test_anonymous_visitors_are_sent_to_sign_in(browser, path):
    response = browser.get(path)

    assert response.status_code == 302
    assert response.url == f"/login/?next={path}"


@pytest.mark.django_db
@pytest.mark.parametrize("path", [HUB, INCOMING, "/transfers/1/"])
def test_a_registered_account_is_asked_to_activate(browser, registered, path):
    response = browser.sign_in_as(registered).get(path)

    assert response.status_code == 403
    assert h1(response.text) == "الخدمات الإلكترونية غير مفعّلة"
    assert 'href="/activation/"' in response.text


@pytest.mark.django_db
def test_a_registered_account_cannot_start_a_transfer(browser, registered):
    response = browser.sign_in_as(registered).post(START)

    assert response.status_code == 403
    assert OtpChallenge.objects.count() == 0


@pytest.mark.django_db
def test_another_persons_request_is_not_found_and_nothing_changes(
    browser, sponsor_user, worker, new_sponsor, new_sponsor_user
):
    transfer = create(sponsor_user, worker, new_sponsor)
    stranger = user_of(citizen(name_en="Khalid Alharbi"))
    before = snapshot()
    browser.sign_in_as(stranger)

    answers = [
        browser.get(page(transfer)),
        browser.get(page(transfer, "sent")),
        browser.get(page(transfer, "cancel")),
        browser.post(page(transfer, "cancel")),
        browser.post(page(transfer, "accept")),
        browser.get(page(transfer, "accept/verify")),
        browser.get(page(transfer, "reject")),
        browser.post(page(transfer, "reject")),
        browser.post(page(transfer, "worker-consent"), {"answer": "decline"}),
        browser.get("/transfers/999999/"),
    ]

    assert [answer.status_code for answer in answers] == [404] * len(answers)
    assert h1(answers[0].text) == "الصفحة غير موجودة"
    assert "Rajesh" not in answers[0].text
    assert "راجيش" not in answers[0].text
    assert snapshot() == before


@pytest.mark.django_db
def test_a_party_cannot_answer_in_another_partys_place(
    browser, sponsor_user, worker, new_sponsor, new_sponsor_user
):
    transfer = create(sponsor_user, worker, new_sponsor)
    before = snapshot()

    as_new_sponsor = browser.sign_in_as(new_sponsor_user)
    cancelled = as_new_sponsor.post(page(transfer, "cancel"))
    browser.client.logout()
    as_sponsor = browser.sign_in_as(sponsor_user)
    rejected = as_sponsor.post(page(transfer, "reject"))
    accepting = as_sponsor.post(page(transfer, "accept"))

    assert cancelled.status_code == 404
    assert rejected.status_code == 404
    assert accepting.status_code == 404
    assert snapshot() == before
    assert OtpChallenge.objects.filter(purpose=OtpPurpose.TRANSFER_ACCEPT).count() == 0


# --- the current sponsor's steps ------------------------------------------------------------------


@pytest.mark.django_db
def test_passports_lead_to_the_transfer_service(browser, sponsor_user):
    listing = browser.sign_in_as(sponsor_user).get("/services/")

    card = listing.text.split('id="service-worker_services_transfer"')[1].split("</li>")[0]
    assert '<a class="button" href="/transfers/"' in card
    hub = browser.get(HUB)
    assert hub.status_code == 200
    assert h1(hub.text) == "نقل خدمات عامل"
    assert '<a href="/services/#department-passports">الجوازات</a>' in hub.text
    assert '<button class="button" type="submit">نقل الخدمات</button>' in hub.text


@pytest.mark.django_db
def test_the_whole_journey_of_the_current_sponsor_in_arabic(
    browser, sponsor_user, sponsor, worker, new_sponsor, new_sponsor_user
):
    browser.sign_in_as(sponsor_user)
    other_worker = worker_of(citizen(), name_en="Someone Else's Worker")

    # Transfer services → a code.
    started = browser.post(START)
    assert started.url == START_VERIFY
    code_page = browser.get(START_VERIFY)
    assert h1(code_page.text) == "نقل الخدمات: أدخل رمز التحقق"
    assert "الخدمة الإلكترونية: نقل خدمات عامل" in code_page.text
    verified = browser.post(START_VERIFY, {"code": last_code(sponsor_user.mobile)})
    assert verified.url == WORKER
    assert TransferSession.objects.filter(user=sponsor_user).count() == 1

    # The worker: the sponsor's own only.
    choosing = browser.get(WORKER)
    assert h1(choosing.text) == "اختيار العامل"
    assert "راجيش كومار" in choosing.text
    assert worker.id_number in choosing.text
    assert other_worker.id_number not in choosing.text
    chosen = browser.get(f"{WORKER}?chosen=1&worker={worker.pk}")
    assert chosen.url == f"{SPONSOR}?worker={worker.pk}"

    # The new sponsor's ID number and date of birth, in the Hijri calendar.
    form = browser.get(chosen.url)
    assert h1(form.text) == "بيانات صاحب العمل الجديد"
    entered = browser.post(
        chosen.url,
        {
            "id_number": new_sponsor.id_number,
            "date_of_birth": hijri_from_gregorian(new_sponsor.date_of_birth).replace("-", "/"),
            "calendar": "hijri",
        },
    )
    assert entered.url == REVIEW

    # The review: both parties and the fee; a code is already on its way.
    review = browser.get(REVIEW)
    assert h1(review.text) == "مراجعة بيانات النقل"
    words = text(review.text)
    assert "راجيش كومار" in words
    assert "عبدالله محمد القحطاني" in words
    assert "فيصل عبدالعزيز الدوسري" in words
    assert new_sponsor.id_number in words
    assert "2,000.00 ريال" in words
    assert TransferRequest.objects.count() == 0
    assert f'<a class="button" href="{CONFIRM}">موافق</a>' in review.text

    # OK → the code → transferred successfully, the new sponsor has 15 days.
    confirming = browser.get(CONFIRM)
    assert h1(confirming.text) == "تأكيد النقل: أدخل رمز التحقق"
    done = browser.post(CONFIRM, {"code": last_code(sponsor_user.mobile)})
    transfer = TransferRequest.objects.get()
    assert done.url == page(transfer, "sent")
    sent = browser.get(done.url)
    assert h1(sent.text) == "تم نقل الخدمات بنجاح"
    confirmation = re.search(r'<p class="confirmation__text">(.*?)</p>', sent.text).group(1)
    assert confirmation == "على صاحب العمل الجديد قبول الطلب في مدة لا تزيد على 15 يومًا."
    assert (
        "آخر موعد للقبول 27 رمضان 1447 هـ الموافق 16 مارس، 2026 م، الساعة 1:05 م بتوقيت الرياض"
        in text(sent.text)
    )
    assert (transfer.status, transfer.worker, transfer.new_sponsor) == (
        TransferStatus.PENDING_ACCEPTANCE,
        worker,
        new_sponsor,
    )
    assert transfer.expires_at == T0 + dt.timedelta(days=15)
    assert transfer.fee_halalas == 200_000
    # The success page is shown once; afterwards its address leads to the request.
    assert browser.get(page(transfer, "sent")).url == page(transfer)


def arabic(message) -> str:
    with translation.override("ar"):
        return str(message)


def condition_text(code: str) -> str:
    return arabic(next(c for c in CONDITIONS if c.code == code).message())


@pytest.mark.django_db
def test_a_wrong_start_code_is_refused_on_the_code_page(browser, sponsor_user):
    browser.sign_in_as(sponsor_user)
    browser.post(START)

    response = browser.post(START_VERIFY, {"code": other_code(last_code(sponsor_user.mobile))})

    assert response.status_code == 200
    assert summary_errors(response.text)[0] == "رمز التحقق غير صحيح."
    assert TransferSession.objects.count() == 0
    assert browser.get(WORKER).url == HUB


@pytest.mark.django_db
def test_the_steps_need_a_transfer_session_first(browser, sponsor_user, worker):
    browser.sign_in_as(sponsor_user)

    for path in (WORKER, f"{SPONSOR}?worker={worker.pk}"):
        response = browser.get(path)

        assert response.url == HUB
        hub = browser.get(HUB)
        assert status_messages(hub.text) == [
            "انتهت جلسة نقل الخدمات. ابدأ من جديد وأدخل رمز التحقق الجديد."
        ]
    assert browser.get(REVIEW).url == HUB
    assert browser.get(CONFIRM).url == HUB


@pytest.mark.django_db
def test_a_service_not_activated_is_offered_activation_and_refused(browser, sponsor, worker):
    user = user_of(sponsor, transfer_service=False)
    browser.sign_in_as(user)

    hub = browser.get(HUB)
    started = browser.post(START)

    assert 'action="/services/worker_services_transfer/activate/"' in hub.text
    assert '<button class="button" type="submit">نقل الخدمات</button>' not in hub.text
    assert started.url == HUB
    assert status_messages(browser.get(HUB).text) == [
        "فعّل هذه الخدمة الإلكترونية أولًا، ثم حاول مرة أخرى."
    ]
    assert OtpChallenge.objects.count() == 0


@pytest.mark.django_db
def test_a_suspended_sponsor_is_told_who_suspended_the_service_and_how_to_lift_it(
    browser, sponsor_user, sponsor, worker
):
    court = Authority.objects.create(
        code="riyadh-court", name_ar="المحكمة العامة بالرياض", name_en="Riyadh General Court"
    )
    place(court, sponsor, "CRT-1447-000381")
    browser.sign_in_as(sponsor_user)

    started = browser.post(START)

    assert started.url == HUB
    hub = browser.get(HUB)
    [message] = status_messages(hub.text)
    assert "المحكمة العامة بالرياض" in message
    assert "CRT-1447-000381" in message
    assert '<p class="badge badge--suspended">موقوفة</p>' in hub.text
    assert "<dt>طريقة رفع الإيقاف</dt>" in hub.text
    assert '<button class="button" type="submit">نقل الخدمات</button>' not in hub.text
    assert OtpChallenge.objects.count() == 0


@pytest.mark.django_db
def test_only_the_sponsors_own_workers_can_be_chosen(browser, sponsor_user, worker):
    someone_elses = worker_of(citizen())
    browser.sign_in_as(sponsor_user)
    session_started(browser, sponsor_user)

    nothing_chosen = browser.get(f"{WORKER}?chosen=1")
    not_mine = browser.get(f"{SPONSOR}?worker={someone_elses.pk}")
    garbage = browser.get(f"{SPONSOR}?worker=abc")

    assert summary_errors(nothing_chosen.text) == ["اختر العامل الذي تريد نقل خدماته."]
    assert not_mine.url == WORKER
    assert garbage.url == WORKER
    assert status_messages(browser.get(WORKER).text) == [
        "هذا العامل ليس من العمالة المكفولة لك. اختر عاملًا من قائمتك.",
        "هذا العامل ليس من العمالة المكفولة لك. اختر عاملًا من قائمتك.",
    ]


@pytest.mark.django_db
def test_a_sponsor_without_workers_is_told_so(browser, db):
    lonely = user_of(citizen())
    browser.sign_in_as(lonely)
    session_started(browser, lonely)

    response = browser.get(WORKER)

    assert "لا توجد في السجل الوطني عمالة على كفالتك." in response.text
    assert 'name="worker"' not in response.text


@pytest.mark.django_db
def test_a_new_sponsor_who_does_not_match_the_registry_is_refused_on_the_form(
    browser, sponsor_user, worker, new_sponsor, new_sponsor_user
):
    browser.sign_in_as(sponsor_user)

    mismatch = new_sponsor_entered(
        browser, sponsor_user, worker, new_sponsor, date_of_birth="1990-01-01"
    )
    malformed = browser.post(
        f"{SPONSOR}?worker={worker.pk}",
        {"id_number": "1234", "date_of_birth": "1990-01-01", "calendar": "gregorian"},
    )
    impossible = browser.post(
        f"{SPONSOR}?worker={worker.pk}",
        {"id_number": new_sponsor.id_number, "date_of_birth": "1445/13/01", "calendar": "hijri"},
    )

    assert mismatch.status_code == 200
    assert summary_errors(mismatch.text) == ["رقم الهوية وتاريخ الميلاد لا يطابقان سجلاتنا."]
    assert field_errors(malformed.text, "id_number") != []
    assert field_errors(impossible.text, "date_of_birth") != []
    assert OtpChallenge.objects.filter(purpose=OtpPurpose.TRANSFER_CONFIRM).count() == 0


@pytest.mark.django_db
def test_the_review_lists_every_failed_condition_with_what_to_do(
    browser, sponsor_user, sponsor, new_sponsor
):
    troubled = worker_of(sponsor, has_criminal_case=True, owes_sponsor=True)
    unregistered = resident(mother_nationality="IN")  # no account, not Saudi, no Saudi mother
    browser.sign_in_as(sponsor_user)

    response = new_sponsor_entered(browser, sponsor_user, troubled, unregistered)

    assert response.status_code == 200
    assert h1(response.text) == "لا يمكن إتمام نقل الخدمات"
    assert failures(response.text) == [
        condition_text("new_sponsor_not_saudi"),
        condition_text("new_sponsor_not_activated"),
        condition_text("worker_criminal_case"),
        condition_text("worker_owes_sponsor"),
    ]
    assert "على العامل قضية جنائية أو أمنية قائمة، ويمكن النقل بعد انتهاء القضية." in failures(
        response.text
    )
    assert unregistered.id_number in response.text
    assert f'href="{SPONSOR}?worker={troubled.pk}"' in response.text
    assert 'href="/transfers/new/confirm/"' not in response.text
    assert OtpChallenge.objects.filter(purpose=OtpPurpose.TRANSFER_CONFIRM).count() == 0
    assert TransferRequest.objects.count() == 0


@pytest.mark.django_db
def test_a_worker_with_an_open_request_cannot_be_transferred_twice(
    browser, sponsor_user, worker, new_sponsor, new_sponsor_user
):
    create(sponsor_user, worker, new_sponsor)
    another = user_of(citizen())
    browser.sign_in_as(sponsor_user)

    response = new_sponsor_entered(browser, sponsor_user, worker, another.person)

    assert response.url == HUB
    assert status_messages(browser.get(HUB).text) == [
        "يوجد طلب نقل قائم لهذا العامل. انتظر حتى ينتهي، أو ألغِه قبل قبوله."
    ]
    assert TransferRequest.objects.count() == 1


@pytest.mark.django_db
def test_a_stale_transfer_session_sends_the_sponsor_back_to_start(
    browser, sponsor_user, worker, new_sponsor, new_sponsor_user, moved_clock
):
    browser.sign_in_as(sponsor_user)
    session_started(browser, sponsor_user)
    moved_clock(T0 + dt.timedelta(minutes=11))

    response = browser.post(
        f"{SPONSOR}?worker={worker.pk}",
        {
            "id_number": new_sponsor.id_number,
            "date_of_birth": new_sponsor.date_of_birth.isoformat(),
            "calendar": "gregorian",
        },
    )

    assert response.url == HUB
    assert status_messages(browser.get(HUB).text) == [
        "انتهت جلسة نقل الخدمات. ابدأ من جديد وأدخل رمز التحقق الجديد."
    ]
    assert OtpChallenge.objects.filter(purpose=OtpPurpose.TRANSFER_CONFIRM).count() == 0


@pytest.mark.django_db
def test_a_wrong_confirmation_code_makes_no_request(
    browser, sponsor_user, worker, new_sponsor, new_sponsor_user
):
    browser.sign_in_as(sponsor_user)
    new_sponsor_entered(browser, sponsor_user, worker, new_sponsor)

    response = browser.post(CONFIRM, {"code": other_code(last_code(sponsor_user.mobile))})

    assert response.status_code == 200
    assert summary_errors(response.text)[0].startswith("رمز التحقق غير صحيح.")
    assert TransferRequest.objects.count() == 0


@pytest.mark.django_db
def test_a_condition_broken_between_the_review_and_the_code_makes_no_request(
    browser, sponsor_user, worker, new_sponsor, new_sponsor_user
):
    browser.sign_in_as(sponsor_user)
    new_sponsor_entered(browser, sponsor_user, worker, new_sponsor)
    Person.objects.filter(pk=worker.pk).update(has_exit_visa=True)

    response = browser.post(CONFIRM, {"code": last_code(sponsor_user.mobile)})

    assert response.status_code == 200
    assert h1(response.text) == "لا يمكن إتمام نقل الخدمات"
    assert failures(response.text) == [condition_text("worker_exit_visa")]
    assert TransferRequest.objects.count() == 0
    assert browser.get(CONFIRM).url == HUB


# --- the new sponsor's answer ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_new_sponsor_accepts_with_a_code_and_the_fee_bill_appears(
    browser, sponsor_user, worker, new_sponsor, new_sponsor_user
):
    transfer = create(sponsor_user, worker, new_sponsor)
    browser.sign_in_as(new_sponsor_user)

    incoming = browser.get(INCOMING)
    assert h1(incoming.text) == "الطلبات الواردة إليّ"
    assert f'href="{page(transfer)}"' in incoming.text
    assert "عبدالله محمد القحطاني" in incoming.text
    request_page = browser.get(page(transfer))
    assert f'action="{page(transfer, "accept")}"' in request_page.text
    assert f'href="{page(transfer, "reject")}"' in request_page.text

    started = browser.post(page(transfer, "accept"))
    assert started.url == page(transfer, "accept/verify")
    code_page = browser.get(started.url)
    assert h1(code_page.text) == "قبول نقل الخدمات: أدخل رمز التحقق"
    accepted = browser.post(started.url, {"code": last_code(new_sponsor_user.mobile)})

    assert accepted.url == page(transfer)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.AWAITING_PAYMENT
    bill = Bill.objects.get()
    assert (transfer.bill, bill.payer, bill.amount_halalas) == (bill, new_sponsor, 200_000)
    shown = browser.get(page(transfer))
    assert status_messages(shown.text) == [
        "قبلت طلب نقل الخدمات. سدّد فاتورة المقابل المالي لإتمام النقل، وتُنقل خدمات العامل "
        "إليك بعد سدادها."
    ]
    assert (
        f'<a class="button" href="/bills/{bill.sadad_number}/">سداد فاتورة المقابل المالي</a>'
        in (shown.text)
    )
    assert "/accept/" not in shown.text
    bill_page = browser.get(f"/bills/{bill.sadad_number}/")
    assert "الدفع بالبطاقة" in bill_page.text


@pytest.mark.django_db
def test_a_wrong_acceptance_code_accepts_nothing(
    browser, sponsor_user, worker, new_sponsor, new_sponsor_user
):
    transfer = create(sponsor_user, worker, new_sponsor)
    browser.sign_in_as(new_sponsor_user)
    browser.post(page(transfer, "accept"))

    response = browser.post(
        page(transfer, "accept/verify"), {"code": other_code(last_code(new_sponsor_user.mobile))}
    )

    assert response.status_code == 200
    assert summary_errors(response.text)[0].startswith("رمز التحقق غير صحيح.")
    transfer.refresh_from_db()
    assert (transfer.status, transfer.bill) == (TransferStatus.PENDING_ACCEPTANCE, None)


@pytest.mark.django_db
def test_the_new_sponsor_rejects_after_a_confirmation_and_everyone_sees_the_reason(
    browser, sponsor_user, worker, new_sponsor, new_sponsor_user
):
    transfer = create(sponsor_user, worker, new_sponsor)
    browser.sign_in_as(new_sponsor_user)

    confirming = browser.get(page(transfer, "reject"))
    assert h1(confirming.text) == "رفض طلب النقل"
    assert TransferRequest.objects.get().status == TransferStatus.PENDING_ACCEPTANCE
    rejected = browser.post(page(transfer, "reject"), {"reason": "لا أحتاج إلى عامل حاليًا"})

    assert rejected.url == page(transfer)
    assert status_messages(browser.get(page(transfer)).text) == [
        "رفضت طلب نقل الخدمات، وأُبلغ الكفيل الحالي والعامل بذلك."
    ]
    assert TransferRequest.objects.get().status == TransferStatus.REJECTED
    browser.client.logout()
    as_sponsor = browser.sign_in_as(sponsor_user).get(page(transfer))
    assert timeline(as_sponsor.text) == ["قدّم الكفيل الحالي الطلب", "رفض صاحب العمل الجديد الطلب"]
    assert '<p class="timeline__note">لا أحتاج إلى عامل حاليًا</p>' in as_sponsor.text
    assert "رفض صاحب العمل الجديد الطلب." in text(as_sponsor.text)
    assert f'href="{page(transfer, "cancel")}"' not in as_sponsor.text


@pytest.mark.django_db
def test_an_expired_request_cannot_be_accepted_and_says_so(
    browser, sponsor_user, worker, new_sponsor, new_sponsor_user, moved_clock
):
    transfer = create(sponsor_user, worker, new_sponsor)
    moved_clock(T0 + dt.timedelta(days=15, seconds=1))
    browser.sign_in_as(new_sponsor_user)

    shown = browser.get(page(transfer))
    refused = browser.post(page(transfer, "accept"))

    assert "منتهي المدة" in shown.text
    assert "لم يقبل صاحب العمل الجديد الطلب خلال المدة المحددة." in shown.text
    assert f'action="{page(transfer, "accept")}"' not in shown.text
    assert refused.status_code == 200
    assert "انتهت مدة طلب النقل هذا، ويمكن للكفيل الحالي تقديم طلب جديد." in refused.text
    assert OtpChallenge.objects.filter(purpose=OtpPurpose.TRANSFER_ACCEPT).count() == 0
    assert Bill.objects.count() == 0


@pytest.mark.django_db
def test_acceptance_is_refused_with_every_condition_that_broke(
    browser, sponsor_user, worker, new_sponsor, new_sponsor_user
):
    transfer = create(sponsor_user, worker, new_sponsor)
    Person.objects.filter(pk=worker.pk).update(has_criminal_case=True, owes_sponsor=True)
    browser.sign_in_as(new_sponsor_user)

    refused = browser.post(page(transfer, "accept"))

    assert refused.status_code == 200
    assert failures(refused.text) == [
        condition_text("worker_criminal_case"),
        condition_text("worker_owes_sponsor"),
    ]
    assert OtpChallenge.objects.filter(purpose=OtpPurpose.TRANSFER_ACCEPT).count() == 0
    assert TransferRequest.objects.get().status == TransferStatus.PENDING_ACCEPTANCE


@pytest.mark.django_db
def test_switching_the_language_on_a_refusal_leads_back_to_the_request(
    browser, sponsor_user, worker, new_sponsor, new_sponsor_user
):
    transfer = create(sponsor_user, worker, new_sponsor)
    Person.objects.filter(pk=worker.pk).update(has_criminal_case=True)
    browser.sign_in_as(new_sponsor_user)
    browser.post(page(transfer, "accept"))

    # The language switch sends the browser back to the address of the refused form.
    again = browser.get(page(transfer, "accept"))

    assert again.url == page(transfer)
    assert OtpChallenge.objects.filter(purpose=OtpPurpose.TRANSFER_ACCEPT).count() == 0


@pytest.mark.django_db
def test_a_condition_broken_while_the_acceptance_code_travels_is_shown_on_the_request(
    browser, sponsor_user, worker, new_sponsor, new_sponsor_user
):
    transfer = create(sponsor_user, worker, new_sponsor)
    browser.sign_in_as(new_sponsor_user)
    browser.post(page(transfer, "accept"))
    Person.objects.filter(pk=worker.pk).update(residency_status="absent")

    refused = browser.post(
        page(transfer, "accept/verify"), {"code": last_code(new_sponsor_user.mobile)}
    )

    assert refused.status_code == 200
    assert failures(refused.text) == [condition_text("worker_reported_absent")]
    assert (TransferRequest.objects.get().status, Bill.objects.count()) == (
        TransferStatus.PENDING_ACCEPTANCE,
        0,
    )
    assert browser.get(page(transfer, "accept/verify")).url == page(transfer)


# --- the current sponsor's cancellation -----------------------------------------------------------


@pytest.mark.django_db
def test_the_current_sponsor_cancels_before_acceptance_after_a_confirmation(
    browser, sponsor_user, worker, new_sponsor, new_sponsor_user
):
    transfer = create(sponsor_user, worker, new_sponsor)
    browser.sign_in_as(sponsor_user)

    outgoing = browser.get(OUTGOING)
    confirming = browser.get(page(transfer, "cancel"))
    cancelled = browser.post(page(transfer, "cancel"))

    assert f'href="{page(transfer)}"' in outgoing.text
    assert h1(confirming.text) == "إلغاء طلب النقل"
    assert cancelled.url == page(transfer)
    shown = browser.get(page(transfer))
    assert status_messages(shown.text) == [
        "أُلغي طلب نقل الخدمات، وأُبلغ صاحب العمل الجديد والعامل بذلك."
    ]
    assert timeline(shown.text) == ["قدّم الكفيل الحالي الطلب", "ألغى الكفيل الحالي الطلب"]
    assert TransferRequest.objects.get().status == TransferStatus.CANCELLED
    assert browser.get(page(transfer, "cancel")).url == page(transfer)


@pytest.mark.django_db
def test_a_request_accepted_meanwhile_can_no_longer_be_cancelled(
    browser, sponsor_user, worker, new_sponsor, new_sponsor_user
):
    transfer = accept(new_sponsor_user, create(sponsor_user, worker, new_sponsor))
    browser.sign_in_as(sponsor_user)

    refused = browser.post(page(transfer, "cancel"))

    assert refused.url == page(transfer)
    shown = browser.get(page(transfer))
    assert status_messages(shown.text) == ["سبق قبول طلب النقل هذا."]
    assert TransferRequest.objects.get().status == TransferStatus.AWAITING_PAYMENT
    # The current sponsor is told the fee is awaited; the bill is the new sponsor's alone.
    assert "قبل صاحب العمل الجديد الطلب، وتُنقل خدمات العامل بعد سداده المقابل المالي." in (
        shown.text
    )
    assert transfer.bill.sadad_number not in shown.text


# --- the timeline every party sees ----------------------------------------------------------------


@pytest.mark.django_db
def test_once_paid_every_party_sees_the_completed_timeline_and_the_worker_moves(
    browser, sponsor_user, worker, new_sponsor, new_sponsor_user, moved_clock
):
    transfer = create(sponsor_user, worker, new_sponsor)
    moved_clock(T0 + dt.timedelta(days=2, hours=3))
    accept(new_sponsor_user, transfer)
    moved_clock(T0 + dt.timedelta(days=3))
    pay(TransferRequest.objects.get().bill)
    worker_user = user_of(worker)
    steps = [
        "قدّم الكفيل الحالي الطلب",
        "قبل صاحب العمل الجديد الطلب",
        "سُدِّد المقابل المالي ونُقلت الخدمات",
    ]

    seen = {}
    for user in (sponsor_user, new_sponsor_user, worker_user):
        browser.client.logout()
        seen[user.pk] = browser.sign_in_as(user).get(page(transfer)).text

    for html in seen.values():
        assert timeline(html) == steps
        assert "سُدِّد المقابل المالي ونُقلت خدمات العامل إلى صاحب العمل الجديد." in html
        assert "بواسطة صاحب العمل الجديد: فيصل عبدالعزيز الدوسري" in text(html)
        assert "14 رمضان 1447 هـ الموافق 3 مارس، 2026 م، الساعة 4:05 م بتوقيت الرياض" in text(html)
    assert current_sponsor_id(worker) == new_sponsor.pk
    # The new sponsor now sponsors the worker; the previous sponsor no longer does.
    browser.client.logout()
    new_hub = browser.sign_in_as(new_sponsor_user).get(HUB)
    assert worker.id_number in new_hub.text.split('id="my-workers"')[1].split("</section>")[0]
    browser.client.logout()
    old_hub = browser.sign_in_as(sponsor_user).get(HUB)
    assert worker.id_number not in old_hub.text.split('id="my-workers"')[1].split("</section>")[0]


@pytest.mark.django_db
def test_each_party_sees_the_other_sponsors_id_number_masked(
    browser, sponsor_user, sponsor, worker, new_sponsor, new_sponsor_user
):
    transfer = create(sponsor_user, worker, new_sponsor)
    worker_user = user_of(worker)

    as_worker = browser.sign_in_as(worker_user).get(page(transfer))
    about_me = browser.get("/transfers/about-me/")
    browser.client.logout()
    as_new_sponsor = browser.sign_in_as(new_sponsor_user).get(page(transfer))

    assert sponsor.id_number not in as_worker.text
    assert new_sponsor.id_number not in as_worker.text
    assert f"••••••{sponsor.id_number[-4:]}" in as_worker.text
    assert worker.id_number in as_worker.text
    assert "صفتك في هذا الطلب: العامل." in text(as_worker.text)
    assert "/accept/" not in as_worker.text
    assert f'href="{page(transfer)}"' in about_me.text
    assert sponsor.id_number not in as_new_sponsor.text
    assert new_sponsor.id_number in as_new_sponsor.text


@pytest.mark.django_db
def test_a_transfer_stopped_after_payment_says_why(
    browser, sponsor_user, worker, new_sponsor, new_sponsor_user
):
    transfer = accept(new_sponsor_user, create(sponsor_user, worker, new_sponsor))
    Person.objects.filter(pk=worker.pk).update(has_exit_visa=True)
    pay(transfer.bill)
    browser.sign_in_as(new_sponsor_user)

    shown = browser.get(page(transfer))

    assert TransferRequest.objects.get().status == TransferStatus.FAILED_CONDITIONS
    assert (
        "توقف النقل بعد سداد المقابل المالي لأن أحد الشروط لم يعد متحققًا، ويُعاد المبلغ المسدد."
        in shown.text
    )
    assert failures(shown.text) == [condition_text("worker_exit_visa")]
    assert f'<p class="timeline__note">{condition_text("worker_exit_visa")}</p>' in shown.text


@pytest.mark.django_db
def test_the_worker_consents_before_the_new_sponsor_may_accept(
    browser, sponsor_user, worker, new_sponsor, new_sponsor_user, settings
):
    settings.TRANSFER_REQUIRES_WORKER_CONSENT = True
    transfer = create(sponsor_user, worker, new_sponsor)
    worker_user = user_of(worker)

    waiting = browser.sign_in_as(new_sponsor_user).get(page(transfer))
    browser.client.logout()
    browser.sign_in_as(worker_user)
    asked = browser.get(page(transfer))
    consented = browser.post(page(transfer, "worker-consent"), {"answer": "consent"})
    browser.client.logout()
    ready = browser.sign_in_as(new_sponsor_user).get(page(transfer))

    assert f'action="{page(transfer, "accept")}"' not in waiting.text
    assert "يجب أن يوافق العامل على هذا النقل من حسابه في أبشر قبل أن تتمكن من قبوله." in (
        waiting.text
    )
    assert 'name="answer" value="consent"' in asked.text
    assert consented.url == page(transfer)
    assert f'action="{page(transfer, "accept")}"' in ready.text
    assert timeline(ready.text) == ["قدّم الكفيل الحالي الطلب", "وافق العامل"]


@pytest.mark.django_db
def test_an_empty_consent_answer_changes_nothing(
    browser, sponsor_user, worker, new_sponsor, new_sponsor_user, settings
):
    settings.TRANSFER_REQUIRES_WORKER_CONSENT = True
    transfer = create(sponsor_user, worker, new_sponsor)
    before = snapshot()

    response = browser.sign_in_as(user_of(worker)).post(page(transfer, "worker-consent"))

    assert response.url == page(transfer)
    assert snapshot()["transfers"] == before["transfers"]
    assert TransferEvent.objects.count() == 1


# --- language, lists and the stylesheet -----------------------------------------------------------


@pytest.mark.django_db
def test_the_request_reads_in_english_through_the_switch(
    english_browser, sponsor_user, worker, new_sponsor, new_sponsor_user
):
    transfer = create(sponsor_user, worker, new_sponsor)

    response = english_browser.sign_in_as(new_sponsor_user).get(page(transfer))

    assert h1(response.text) == f"Transfer request no. {transfer.pk}"
    assert "Waiting for the new sponsor&#x27;s acceptance" in response.text
    assert "Accept the transfer" in response.text
    assert "Rajesh Kumar" in response.text
    assert "By the Current sponsor: Abdullah Mohammed Al-Qahtani" in text(response.text)


@pytest.mark.django_db
def test_the_arabic_pages_have_no_english_left(
    browser, sponsor_user, worker, new_sponsor, new_sponsor_user
):
    transfer = create(sponsor_user, worker, new_sponsor)
    browser.sign_in_as(new_sponsor_user)
    pages = [browser.get(HUB), browser.get(INCOMING), browser.get(page(transfer))]
    browser.client.logout()
    browser.sign_in_as(sponsor_user)
    session_started(browser, sponsor_user)
    pages += [browser.get(WORKER), browser.get(f"{SPONSOR}?worker={worker.pk}")]

    for response in pages:
        english = [
            words
            for words in page_texts(response.text, except_lang="en")
            if re.search(r"[A-Za-z]", words)
        ]
        assert english == [], response.request["PATH_INFO"]


@pytest.mark.django_db
def test_the_incoming_list_takes_the_same_queries_for_one_request_or_many(
    browser, new_sponsor, new_sponsor_user
):
    def sponsor_with_worker():
        sponsor = citizen()
        return user_of(sponsor), worker_of(sponsor)

    user, worker = sponsor_with_worker()
    create(user, worker, new_sponsor)
    browser.sign_in_as(new_sponsor_user)
    with CaptureQueriesContext(connection) as one:
        browser.get(INCOMING)
    for _ in range(3):
        user, worker = sponsor_with_worker()
        create(user, worker, new_sponsor)
    with CaptureQueriesContext(connection) as four:
        response = browser.get(INCOMING)

    assert response.text.count('class="transfer-row"') == 4
    assert len(four) == len(one)


def test_the_transfer_stylesheet_uses_logical_properties_only():
    css = STYLESHEET.read_text(encoding="utf-8")

    assert PHYSICAL_DIRECTION.findall(css) == []
