"""What every party of a transfer is told at each step (inbox message and SMS), in Arabic and
English. The SMS goes in each person's own language: their account's, or for someone without an
account, Arabic for citizens and English for residents."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation

from absher.accounts.selectors import user_get_by_identifier
from absher.core import clock
from absher.core.money import format_sar
from absher.identity.models import Person
from absher.notifications.services import notification_send
from absher.transfers.conditions import Failure
from absher.transfers.constants import PartyRole
from absher.transfers.models import TransferRequest

CURRENT = PartyRole.CURRENT_SPONSOR
NEW = PartyRole.NEW_SPONSOR
WORKER = PartyRole.WORKER
EVERYONE = (CURRENT, NEW, WORKER)


@dataclass(frozen=True)
class Text:
    title_ar: str
    title_en: str
    body_ar: str
    body_en: str


def language_of(person: Person) -> str:
    account = user_get_by_identifier(identifier=person.id_number)
    if account is not None and account.person_id == person.pk and account.language in ("ar", "en"):
        return account.language
    return "ar" if person.is_citizen else "en"


def _person_of(transfer: TransferRequest, role: str) -> Person:
    return {
        CURRENT: transfer.current_sponsor,
        NEW: transfer.new_sponsor,
        WORKER: transfer.worker,
    }[PartyRole(role)]


def _tell(transfer: TransferRequest, kind: str, texts: dict[str, Text]) -> None:
    for role, text in texts.items():
        person = _person_of(transfer, role)
        notification_send(
            person=person,
            kind=kind,
            title_ar=text.title_ar,
            title_en=text.title_en,
            body_ar=text.body_ar,
            body_en=text.body_en,
            sms_language=language_of(person),
        )


def _when(transfer: TransferRequest) -> str:
    return transfer.expires_at.astimezone(clock.display_zone()).strftime("%Y-%m-%d %H:%M")


def _names(transfer: TransferRequest) -> dict[str, str]:
    return {
        "worker_ar": transfer.worker.name_ar,
        "worker_en": transfer.worker.name_en,
        "current_ar": transfer.current_sponsor.name_ar,
        "current_en": transfer.current_sponsor.name_en,
        "new_ar": transfer.new_sponsor.name_ar,
        "new_en": transfer.new_sponsor.name_en,
        "number": str(transfer.pk),
    }


def _same(title_ar: str, title_en: str, body_ar: str, body_en: str, roles: Iterable[str]) -> dict:
    text = Text(title_ar, title_en, body_ar, body_en)
    return dict.fromkeys(roles, text)


def tell_created(transfer: TransferRequest) -> None:
    n = _names(transfer)
    days = settings.TRANSFER_ACCEPTANCE_DAYS
    when = _when(transfer)
    worker_ar = (
        f"طلب كفيلك {n['current_ar']} نقل خدماتك إلى {n['new_ar']} (الطلب رقم {n['number']})."
    )
    worker_en = (
        f"Your sponsor {n['current_en']} asked to transfer your services to {n['new_en']} "
        f"(request no. {n['number']})."
    )
    if transfer.worker_consent_required:
        worker_ar += " يلزم موافقتك: ادخل إلى حسابك في أبشر لتوافق على النقل أو ترفضه."
        worker_en += " Your consent is needed: sign in to Absher to consent to or decline it."
    _tell(
        transfer,
        "transfer_created",
        {
            CURRENT: Text(
                "تم إرسال طلب نقل الخدمات",
                "Transfer request sent",
                f"تم إرسال طلب نقل خدمات العامل {n['worker_ar']} إلى {n['new_ar']} "
                f"(الطلب رقم {n['number']}). يجب على صاحب العمل الجديد قبوله خلال {days} يومًا، "
                f"قبل {when} بتوقيت الرياض.",
                f"The request to transfer the services of {n['worker_en']} to {n['new_en']} was "
                f"sent (request no. {n['number']}). The new sponsor must accept it within {days} "
                f"days, before {when} Riyadh time.",
            ),
            NEW: Text(
                "طلب نقل خدمات عامل إليك",
                "A worker transfer request for you",
                f"طلب الكفيل {n['current_ar']} نقل خدمات العامل {n['worker_ar']} إليك (الطلب رقم "
                f"{n['number']}). راجع الطلب في أبشر واقبله أو ارفضه قبل {when} بتوقيت الرياض.",
                f"{n['current_en']} asked to transfer the services of {n['worker_en']} to you "
                f"(request no. {n['number']}). Review it in Absher and accept or reject it before "
                f"{when} Riyadh time.",
            ),
            WORKER: Text(
                "طلب نقل خدماتك", "Request to transfer your services", worker_ar, worker_en
            ),
        },
    )


def tell_approved_without_consent(transfer: TransferRequest) -> None:
    n = _names(transfer)
    amount = format_sar(transfer.fee_halalas)
    _tell(
        transfer,
        "transfer_approved_without_consent",
        _same(
            "الموافقة على نقل الكفالة بدون موافقة الكفيل",
            "Transfer without the sponsor's consent approved",
            f"وافقت الجوازات على نقل خدمات العامل {n['worker_ar']} من {n['current_ar']} إلى "
            f"{n['new_ar']} (الطلب رقم {n['number']}). تُنقل الخدمات بعد سداد صاحب العمل الجديد "
            f"المقابل المالي البالغ {amount} ريال.",
            f"Passports approved the transfer of the services of {n['worker_en']} from "
            f"{n['current_en']} to {n['new_en']} (request no. {n['number']}). The services move "
            f"once the new sponsor pays the fee of SAR {amount}.",
            EVERYONE,
        ),
    )


def tell_worker_consented(transfer: TransferRequest) -> None:
    n = _names(transfer)
    _tell(
        transfer,
        "transfer_worker_consented",
        _same(
            "وافق العامل على النقل",
            "The worker consented",
            f"وافق العامل {n['worker_ar']} على نقل خدماته إلى {n['new_ar']} (الطلب رقم "
            f"{n['number']}). يمكن لصاحب العمل الجديد قبول الطلب الآن.",
            f"{n['worker_en']} consented to the transfer of their services to {n['new_en']} "
            f"(request no. {n['number']}). The new sponsor may now accept the request.",
            EVERYONE,
        ),
    )


def tell_worker_declined(transfer: TransferRequest) -> None:
    n = _names(transfer)
    _tell(
        transfer,
        "transfer_worker_declined",
        _same(
            "رفض العامل النقل",
            "The worker declined",
            f"رفض العامل {n['worker_ar']} نقل خدماته إلى {n['new_ar']}، فانتهى الطلب رقم "
            f"{n['number']}.",
            f"{n['worker_en']} declined the transfer of their services to {n['new_en']}; request "
            f"no. {n['number']} is closed.",
            EVERYONE,
        ),
    )


def tell_accepted(transfer: TransferRequest) -> None:
    n = _names(transfer)
    amount = format_sar(transfer.fee_halalas)
    sadad = transfer.bill.sadad_number if transfer.bill else ""
    _tell(
        transfer,
        "transfer_accepted",
        {
            CURRENT: Text(
                "قُبل طلب نقل الخدمات",
                "Transfer request accepted",
                f"قبل صاحب العمل الجديد {n['new_ar']} طلب نقل خدمات العامل {n['worker_ar']} "
                f"(الطلب رقم {n['number']}). تُنقل الخدمات بعد سداد المقابل المالي.",
                f"{n['new_en']} accepted the request to transfer the services of "
                f"{n['worker_en']} (request no. {n['number']}). The services move once the fee "
                "is paid.",
            ),
            NEW: Text(
                "قبلت طلب نقل الخدمات",
                "You accepted the transfer request",
                f"قبلت نقل خدمات العامل {n['worker_ar']} (الطلب رقم {n['number']}). سدد فاتورة "
                f"سداد رقم {sadad} بمبلغ {amount} ريال لتُنقل الخدمات إليك.",
                f"You accepted the transfer of the services of {n['worker_en']} (request no. "
                f"{n['number']}). Pay SADAD bill {sadad} of SAR {amount} and the services move "
                "to you.",
            ),
            WORKER: Text(
                "قُبل طلب نقل خدماتك",
                "The transfer of your services was accepted",
                f"قبل صاحب العمل الجديد {n['new_ar']} نقل خدماتك (الطلب رقم {n['number']}). "
                "تُنقل الخدمات بعد سداد المقابل المالي.",
                f"{n['new_en']} accepted the transfer of your services (request no. "
                f"{n['number']}). The services move once the fee is paid.",
            ),
        },
    )


def tell_rejected(transfer: TransferRequest) -> None:
    n = _names(transfer)
    _tell(
        transfer,
        "transfer_rejected",
        _same(
            "رُفض طلب نقل الخدمات",
            "Transfer request rejected",
            f"رفض صاحب العمل الجديد {n['new_ar']} طلب نقل خدمات العامل {n['worker_ar']} "
            f"(الطلب رقم {n['number']}).",
            f"{n['new_en']} rejected the request to transfer the services of {n['worker_en']} "
            f"(request no. {n['number']}).",
            EVERYONE,
        ),
    )


def tell_cancelled(transfer: TransferRequest) -> None:
    n = _names(transfer)
    _tell(
        transfer,
        "transfer_cancelled",
        _same(
            "أُلغي طلب نقل الخدمات",
            "Transfer request cancelled",
            f"ألغى الكفيل الحالي {n['current_ar']} طلب نقل خدمات العامل {n['worker_ar']} "
            f"إلى {n['new_ar']} (الطلب رقم {n['number']}).",
            f"{n['current_en']} cancelled the request to transfer the services of "
            f"{n['worker_en']} to {n['new_en']} (request no. {n['number']}).",
            EVERYONE,
        ),
    )


def tell_expired(transfer: TransferRequest, *, bill_lapsed: bool) -> None:
    n = _names(transfer)
    if bill_lapsed:
        why_ar, why_en = "دون سداد المقابل المالي في موعده", "because the fee was not paid in time"
    else:
        why_ar = "دون قبوله خلال المدة المحددة"
        why_en = "because it was not accepted in time"
    _tell(
        transfer,
        "transfer_expired",
        _same(
            "انتهت مدة طلب نقل الخدمات",
            "Transfer request expired",
            f"انتهى طلب نقل خدمات العامل {n['worker_ar']} إلى {n['new_ar']} (الطلب رقم "
            f"{n['number']}) {why_ar}.",
            f"The request to transfer the services of {n['worker_en']} to {n['new_en']} "
            f"(request no. {n['number']}) expired {why_en}.",
            EVERYONE,
        ),
    )


def tell_reminder(transfer: TransferRequest, *, hours: int) -> None:
    n = _names(transfer)
    when = _when(transfer)
    _tell(
        transfer,
        "transfer_reminder",
        {
            NEW: Text(
                "تذكير بطلب نقل خدمات",
                "Reminder: a transfer request is waiting",
                f"ينتهي طلب نقل خدمات العامل {n['worker_ar']} إليك (الطلب رقم {n['number']}) "
                f"خلال {hours} ساعة، في {when} بتوقيت الرياض. اقبله أو ارفضه في أبشر.",
                f"The request to transfer the services of {n['worker_en']} to you (request no. "
                f"{n['number']}) expires within {hours} hours, at {when} Riyadh time. Accept or "
                "reject it in Absher.",
            )
        },
    )


def tell_completed(transfer: TransferRequest) -> None:
    n = _names(transfer)
    _tell(
        transfer,
        "transfer_completed",
        _same(
            "تم نقل الخدمات",
            "Services transferred",
            f"تم نقل خدمات العامل {n['worker_ar']} من {n['current_ar']} إلى {n['new_ar']} "
            f"(الطلب رقم {n['number']}).",
            f"The services of {n['worker_en']} were transferred from {n['current_en']} to "
            f"{n['new_en']} (request no. {n['number']}).",
            EVERYONE,
        ),
    )


def _reasons(failures: list[Failure], language: str) -> str:
    with translation.override(language):
        return " ".join(str(failure.message) for failure in failures)


def tell_failed_conditions(transfer: TransferRequest, failures: list[Failure]) -> None:
    n = _names(transfer)
    _tell(
        transfer,
        "transfer_failed_conditions",
        _same(
            "تعذر إكمال نقل الخدمات",
            "The transfer could not be completed",
            f"تعذر إكمال نقل خدمات العامل {n['worker_ar']} إلى {n['new_ar']} (الطلب رقم "
            f"{n['number']}) بعد السداد لأن شرطًا لم يعد متحققًا، وسيُعاد المبلغ المسدد. "
            f"السبب: {_reasons(failures, 'ar')}",
            f"The transfer of the services of {n['worker_en']} to {n['new_en']} (request no. "
            f"{n['number']}) could not be completed after payment because a condition is no "
            f"longer met; the amount paid will be refunded. Reason: {_reasons(failures, 'en')}",
            EVERYONE,
        ),
    )
