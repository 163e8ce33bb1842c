"""What the filer of a transfer-without-consent case is told at each step (inbox message and SMS
in the filer's language), in Arabic and English. Approval also starts a transfer, whose own
message tells every party (`messages.tell_approved_without_consent`)."""

from __future__ import annotations

from django.utils import translation

from absher.core.money import format_sar
from absher.notifications.services import notification_send
from absher.transfers.constants import DocumentKind
from absher.transfers.messages import language_of
from absher.transfers.models import TransferCase


def _tell(case: TransferCase, kind: str, title: tuple[str, str], body: tuple[str, str]) -> None:
    notification_send(
        person=case.filer,
        kind=kind,
        title_ar=title[0],
        title_en=title[1],
        body_ar=body[0],
        body_en=body[1],
        sms_language=language_of(case.filer),
    )


def _labels(kinds: list[str], language: str) -> str:
    with translation.override(language):
        names = [str(DocumentKind(kind).label) for kind in kinds]
    return "، ".join(names) if language == "ar" else "; ".join(names)


def tell_filed(case: TransferCase) -> None:
    worker_ar, worker_en = case.worker.name_ar, case.worker.name_en
    _tell(
        case,
        "transfer_case_filed",
        ("استلام طلب نقل الكفالة بدون موافقة الكفيل", "Transfer case received"),
        (
            f"استلمنا طلبك رقم {case.reference} لنقل كفالة العامل {worker_ar} بدون موافقة "
            "الكفيل مع مستنداته السبعة، وسيراجعه موظف الجوازات ونبلغك بالقرار.",
            f"We received your case {case.reference} for the transfer of {worker_en} without "
            "the sponsor's consent, with its seven documents. A passports officer will review "
            "it and you will be told the decision.",
        ),
    )


def tell_review_started(case: TransferCase) -> None:
    _tell(
        case,
        "transfer_case_under_review",
        ("طلبك قيد المراجعة", "Your case is under review"),
        (
            f"بدأ موظف الجوازات مراجعة طلبك رقم {case.reference} لنقل الكفالة بدون موافقة الكفيل.",
            f"A passports officer started reviewing your case {case.reference} for a transfer "
            "without the sponsor's consent.",
        ),
    )


def tell_documents_requested(case: TransferCase) -> None:
    requested = list(case.requested_documents or [])
    which_ar = f" المستندات المطلوبة: {_labels(requested, 'ar')}." if requested else ""
    which_en = f" Documents asked for: {_labels(requested, 'en')}." if requested else ""
    _tell(
        case,
        "transfer_case_documents_requested",
        ("مطلوب مستندات إضافية لطلبك", "More documents needed for your case"),
        (
            f"يطلب موظف الجوازات مستندات إضافية لطلبك رقم {case.reference}. ملاحظة الموظف: "
            f"«{case.officer_note}».{which_ar} أرفقها من صفحة الطلب في أبشر ليُعاد تقديمه.",
            f"The passports officer asks for more documents for your case {case.reference}. "
            f'Officer\'s note: "{case.officer_note}".{which_en} Add them on the case page in '
            "Absher to submit it again.",
        ),
    )


def tell_resubmitted(case: TransferCase) -> None:
    _tell(
        case,
        "transfer_case_resubmitted",
        ("أُعيد تقديم طلبك", "Your case was submitted again"),
        (
            f"أُعيد تقديم طلبك رقم {case.reference} بالمستندات التي أرفقتها، وسيراجعه موظف "
            "الجوازات.",
            f"Your case {case.reference} was submitted again with the documents you added; a "
            "passports officer will review it.",
        ),
    )


def tell_approved(case: TransferCase) -> None:
    transfer = case.transfer
    assert transfer is not None
    amount = format_sar(transfer.fee_halalas)
    sadad = transfer.bill.sadad_number if transfer.bill else ""
    _tell(
        case,
        "transfer_case_approved",
        ("الموافقة على طلب نقل الكفالة", "Your transfer case was approved"),
        (
            f"وافق موظف الجوازات على طلبك رقم {case.reference}، وأُنشئ طلب نقل الخدمات رقم "
            f"{transfer.pk}. سدد فاتورة سداد رقم {sadad} بمبلغ {amount} ريال لتُنقل خدمات "
            f"العامل {case.worker.name_ar} إليك.",
            f"A passports officer approved your case {case.reference}, and transfer request no. "
            f"{transfer.pk} was created. Pay SADAD bill {sadad} of SAR {amount} and the services "
            f"of {case.worker.name_en} move to you.",
        ),
    )


def tell_rejected(case: TransferCase) -> None:
    _tell(
        case,
        "transfer_case_rejected",
        ("رُفض طلب نقل الكفالة", "Your transfer case was rejected"),
        (
            f"رفض موظف الجوازات طلبك رقم {case.reference} لنقل الكفالة بدون موافقة الكفيل. "
            f"السبب: {case.officer_note}",
            f"A passports officer rejected your case {case.reference} for a transfer without "
            f"the sponsor's consent. Reason: {case.officer_note}",
        ),
    )
