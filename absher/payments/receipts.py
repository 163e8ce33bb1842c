"""Receipts of paid bills (إيصال السداد): what the payer sees and prints (HTML and PDF, in Arabic or
English), and what anyone holding the receipt can check by its QR code.

A receipt is the bill's one payment seen from outside. Its number is the payment's random
`receipt_code`, so receipts cannot be listed by counting; the QR code opens the public
verification page by that number, which tells only whether the payment is valid (or was refunded),
its amount and its date: nothing about the payer or the service."""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import qrcode
import qrcode.constants
import qrcode.image.svg
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from absher.core import clock
from absher.core.errors import Conflict, NotFound
from absher.core.money import format_sar
from absher.identity.models import Person
from absher.identity.rules import format_hijri
from absher.payments.constants import BillStatus, PaymentChannel
from absher.payments.models import Bill, Payment
from absher.payments.selectors import bill_get_for_actor

FONTS = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "Amiri"
LANGUAGES = ("ar", "en")
# Receipt codes are `secrets.token_urlsafe` text; anything else is no receipt's number.
_RECEIPT_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
ID_VISIBLE_DIGITS = 4


@dataclass(frozen=True)
class Receipt:
    """Everything a receipt shows. Times are aware UTC; names are kept in both languages."""

    code: str
    sadad_number: str
    biller_code: str
    service_code: str
    service_name_ar: str
    service_name_en: str
    payer_name_ar: str
    payer_name_en: str
    payer_id_masked: str
    amount_halalas: int
    paid_at: dt.datetime
    channel: str
    is_refunded: bool
    refunded_at: dt.datetime | None

    @property
    def amount(self) -> str:
        """The amount in riyals with two decimals ("300.00")."""
        return format_sar(self.amount_halalas)

    def service_name(self, language: str) -> str:
        return self.service_name_en if language == "en" else self.service_name_ar

    def payer_name(self, language: str) -> str:
        return self.payer_name_en if language == "en" else self.payer_name_ar

    @property
    def channel_label(self) -> str:
        return str(PaymentChannel(self.channel).label)


@dataclass(frozen=True)
class ReceiptCheck:
    """What the public verification page may tell about a receipt: nothing that names anyone."""

    is_refunded: bool
    amount_halalas: int
    paid_at: dt.datetime

    @property
    def amount(self) -> str:
        return format_sar(self.amount_halalas)


def id_number_masked(id_number: str) -> str:
    """ "••••••4321": the last four digits, enough for the payer to recognise their own ID."""
    hidden = max(len(id_number) - ID_VISIBLE_DIGITS, 0)
    return "•" * hidden + id_number[hidden:]


def receipt_of(*, bill: Bill, payment: Payment) -> Receipt:
    payer: Person = bill.payer
    return Receipt(
        code=payment.receipt_code,
        sadad_number=bill.sadad_number,
        biller_code=bill.biller_code,
        service_code=bill.service.code,
        service_name_ar=bill.service.name_ar,
        service_name_en=bill.service.name_en,
        payer_name_ar=payer.name_ar,
        payer_name_en=payer.name_en,
        payer_id_masked=id_number_masked(payer.id_number),
        amount_halalas=payment.amount_halalas,
        paid_at=payment.paid_at,
        channel=payment.channel,
        is_refunded=bill.status == BillStatus.REFUNDED,
        refunded_at=bill.closed_at if bill.status == BillStatus.REFUNDED else None,
    )


def receipt_get_for_actor(*, person: Person, sadad_number: str) -> Receipt:
    """The receipt of one of the person's own bills. Another person's bill and a missing one get
    the same 404 as the bill itself; an own bill that was never paid has no receipt (409). A
    refunded bill keeps its receipt, marked refunded."""
    bill = bill_get_for_actor(person=person, sadad_number=sadad_number)
    payment = Payment.objects.filter(bill=bill).first()
    if bill.status not in (BillStatus.PAID, BillStatus.REFUNDED):
        raise _not_paid(bill)
    if payment is None:
        raise _not_paid(bill)
    return receipt_of(bill=bill, payment=payment)


def _not_paid(bill: Bill) -> Conflict:
    return Conflict(
        "bill_not_paid",
        gettext_lazy("This bill has not been paid, so it has no receipt yet."),
        {"status": bill.status},
    )


def receipt_verify(*, code: str) -> ReceiptCheck:
    """The public check behind the receipt's QR code: the receipt with exactly this number, or
    `receipt_not_found`. It answers only validity, amount and date."""
    payment = None
    if _RECEIPT_CODE.fullmatch(code):
        payment = (
            Payment.objects.select_related("bill")
            .only("amount_halalas", "paid_at", "receipt_code", "bill__status")
            .filter(receipt_code=code)
            .first()
        )
    # The database's comparison may fold case or trailing spaces; the code must match exactly.
    if payment is None or payment.receipt_code != code:
        raise NotFound("receipt_not_found", gettext_lazy("No receipt has this number."))
    return ReceiptCheck(
        is_refunded=payment.bill.status == BillStatus.REFUNDED,
        amount_halalas=payment.amount_halalas,
        paid_at=payment.paid_at,
    )


# --- dates, as a receipt shows them --------------------------------------------------------------


def paid_on_gregorian(moment: dt.datetime, language: str) -> str:
    with translation.override(language):
        return formats.date_format(moment.astimezone(clock.display_zone()), "DATE_FORMAT")


def paid_on_hijri(moment: dt.datetime, language: str) -> str:
    """The Umm al-Qura date of the payment in Riyadh."""
    return format_hijri(moment.astimezone(clock.display_zone()).date(), language)


def paid_time(moment: dt.datetime, language: str) -> str:
    with translation.override(language):
        return formats.time_format(moment.astimezone(clock.display_zone()), "TIME_FORMAT")


# --- QR code -------------------------------------------------------------------------------------


def _qr(url: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(url)
    code.make(fit=True)
    return code


def receipt_qr_svg_data_uri(*, url: str) -> str:
    """The QR code of `url` as an SVG `data:` address for an `<img>` (the page's content policy
    allows data images, and an image carries its own text alternative)."""
    image = _qr(url).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    svg = image.to_string(encoding="utf-8")
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


# --- PDF -----------------------------------------------------------------------------------------


class _ReceiptDocument(FPDF):
    """An A4 page in the receipt's language: right to left for Arabic, with shaped Arabic text."""

    def __init__(self, language: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.language = language
        self.is_rtl = language == "ar"
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=18)
        self.add_font(FONT_FAMILY, "", str(FONTS / "Amiri-Regular.ttf"))
        self.add_font(FONT_FAMILY, "B", str(FONTS / "Amiri-Bold.ttf"))
        self.direction = "rtl" if self.is_rtl else "ltr"
        self.set_text_shaping(use_shaping_engine=True, direction=self.direction)
        self.set_lang(language)
        self.set_creator("Absher")
        self.set_author("Absher")
        self.set_creation_date(clock.now())

    @property
    def start_align(self) -> str:
        return "R" if self.is_rtl else "L"

    def line_of_text(
        self, text: str, *, size: float, bold: bool = False, height: float = 8
    ) -> None:
        self.set_font(FONT_FAMILY, "B" if bold else "", size)
        self.multi_cell(
            0, height, text, align=self.start_align, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    def row(self, label: str, value: str, *, is_code: bool = False) -> None:
        """One line of the receipt: the label at the reading start, its value after it. A code
        (numbers, the masked ID) is laid out left to right whatever the page's direction."""
        width = self.w - self.l_margin - self.r_margin
        label_width = width * 0.38
        value_width = width - label_width
        top = self.get_y()
        label_x = self.w - self.r_margin - label_width if self.is_rtl else self.l_margin
        value_x = self.l_margin if self.is_rtl else self.l_margin + label_width
        self.set_font(FONT_FAMILY, "B", 11)
        self.set_xy(label_x, top)
        self.multi_cell(label_width, 7.5, label, align=self.start_align, new_x=XPos.RIGHT)
        label_bottom = self.get_y()
        self.set_font(FONT_FAMILY, "", 11)
        self.set_xy(value_x, top)
        if is_code:
            self.set_text_shaping(use_shaping_engine=True, direction="ltr")
        self.multi_cell(value_width, 7.5, value, align=self.start_align, new_x=XPos.RIGHT)
        self.set_text_shaping(use_shaping_engine=True, direction=self.direction)
        bottom = max(label_bottom, self.get_y(), top + 7.5)
        self.set_draw_color(0xE1, 0xE7, 0xE3)
        self.line(self.l_margin, bottom + 0.8, self.w - self.r_margin, bottom + 0.8)
        self.set_xy(self.l_margin, bottom + 2)

    def qr(self, url: str, *, size: float) -> None:
        """The QR code drawn as squares (crisp at any zoom), at the reading start."""
        matrix = _qr(url).get_matrix()
        cell = size / len(matrix)
        left = self.w - self.r_margin - size if self.is_rtl else self.l_margin
        top = self.get_y()
        self.set_fill_color(0, 0, 0)
        for y, line in enumerate(matrix):
            for x, dark in enumerate(line):
                if dark:
                    self.rect(left + x * cell, top + y * cell, cell, cell, style="F")
        self.set_xy(self.l_margin, top + size + 2)


def receipt_pdf(*, receipt: Receipt, language: str = "ar", verify_url: str) -> bytes:
    """The receipt as a one-page PDF in Arabic (right to left, the default) or English, with the QR
    code of `verify_url`, the absolute address of its public verification page."""
    if language not in LANGUAGES:
        language = "ar"
    with translation.override(language):
        document = _ReceiptDocument(language)
        document.set_title(_("Payment receipt %(number)s") % {"number": receipt.code})
        document.add_page()
        document.set_text_color(0x00, 0x6C, 0x35)
        document.line_of_text(_("Absher"), size=20, bold=True, height=10)
        document.set_text_color(0x1B, 0x1F, 0x1D)
        document.line_of_text(_("Payment receipt"), size=16, bold=True)
        if receipt.is_refunded:
            document.set_text_color(0xB3, 0x26, 0x1E)
            document.line_of_text(_("This payment was refunded."), size=13, bold=True)
            document.set_text_color(0x1B, 0x1F, 0x1D)
        document.ln(3)
        for label, value, is_code in _rows(receipt, language):
            document.row(label, value, is_code=is_code)
        document.ln(4)
        document.qr(verify_url, size=38)
        document.set_font(FONT_FAMILY, "", 10)
        document.line_of_text(
            _("Scan the code, or open this address, to check that the receipt is genuine:"),
            size=10,
            height=6,
        )
        document.set_text_shaping(use_shaping_engine=True, direction="ltr")
        document.set_font(FONT_FAMILY, "", 9)
        document.multi_cell(0, 6, verify_url, align=document.start_align)
        return bytes(document.output())


def _rows(receipt: Receipt, language: str) -> list[tuple[str, str, bool]]:
    """(label, value, whether the value is a code read left to right) for each line."""
    status = BillStatus.REFUNDED if receipt.is_refunded else BillStatus.PAID
    rows = [
        (_("Receipt number"), receipt.code, True),
        (_("SADAD number"), receipt.sadad_number, True),
        (_("Biller code"), receipt.biller_code, True),
        (_("Service"), receipt.service_name(language), False),
        (_("Payer"), receipt.payer_name(language), False),
        (_("Payer's ID number"), receipt.payer_id_masked, True),
        (_("Amount"), _("SAR %(amount)s") % {"amount": receipt.amount}, False),
        (
            _("Date of payment (Gregorian)"),
            paid_on_gregorian(receipt.paid_at, language),
            False,
        ),
        (_("Date of payment (Hijri)"), paid_on_hijri(receipt.paid_at, language), False),
        (
            _("Time of payment"),
            _("%(time)s Riyadh time") % {"time": paid_time(receipt.paid_at, language)},
            False,
        ),
        (_("Paid through"), receipt.channel_label, False),
        (_("Status"), str(status.label), False),
    ]
    if receipt.refunded_at is not None:
        rows.append((_("Refunded on"), paid_on_gregorian(receipt.refunded_at, language), False))
    return rows
