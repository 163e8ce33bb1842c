"""Paid bills and PDF reading for the receipt tests (payments, API and portal)."""

from __future__ import annotations

import re
import zlib

from absher.core import clock
from absher.identity.models import Person
from absher.payments.models import Bill
from absher.payments.services import BankPayment, bill_pay_from_bank, bill_refund
from absher.payments.tests.helpers import issue


def pay_at_bank(bill: Bill, *, reference: str | None = None) -> Bill:
    """Paid through the SADAD channel, as a bank's notification pays it."""
    bill_pay_from_bank(
        partner_code="test-bank",
        payment=BankPayment(
            sadad_number=bill.sadad_number,
            amount_halalas=bill.amount_halalas,
            bank_code="RJHI",
            bank_reference=reference or f"TX-{bill.pk}",
            paid_at=clock.now(),
        ),
    )
    bill.refresh_from_db()
    return bill


def paid_bill(person: Person, **options: object) -> Bill:
    return pay_at_bank(issue(person, **options))  # type: ignore[arg-type]


def refunded_bill(person: Person) -> Bill:
    bill = paid_bill(person)
    return bill_refund(
        sadad_number=bill.sadad_number,
        actor_type="staff",
        actor_id="42",
        reason="the request was rejected",
    )


# --- reading a PDF's text -------------------------------------------------------------------------

_OBJECT_START = re.compile(rb"(\d+) 0 obj\b")
_TEXT_OPERATIONS = re.compile(rb"/(F\d+)\s+[\d.]+\s+Tf|\(((?:\\.|[^\\()])*)\)\s*Tj|BT|ET", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _objects(document: bytes) -> dict[int, tuple[bytes, bytes]]:
    """Object number → (its dictionary, its decoded stream or b""). A stream is cut by its
    /Length, never by searching for `endstream` among compressed bytes."""
    objects: dict[int, tuple[bytes, bytes]] = {}
    position = 0
    while (found := _OBJECT_START.search(document, position)) is not None:
        start = found.end()
        stream_at = document.find(b"stream", start)
        end_at = document.find(b"endobj", start)
        if stream_at == -1 or end_at < stream_at:
            objects[int(found.group(1))] = (document[start:end_at], b"")
            position = end_at + len(b"endobj")
            continue
        header = document[start:stream_at]
        length = re.search(rb"/Length (\d+)", header)
        assert length is not None
        data_start = stream_at + len(b"stream")
        data_start += 2 if document[data_start : data_start + 2] == b"\r\n" else 1
        data_end = data_start + int(length.group(1))
        data = document[data_start:data_end]
        if b"/FlateDecode" in header:
            data = zlib.decompress(data)
        objects[int(found.group(1))] = (header, data)
        position = document.find(b"endobj", data_end) + len(b"endobj")
    return objects


def _unescape(literal: bytes) -> bytes:
    def replace(match: re.Match[bytes]) -> bytes:
        escaped = match.group(1)
        if escaped[:1].isdigit():
            return bytes([int(escaped, 8)])
        return _ESCAPES.get(escaped, escaped)

    return re.sub(rb"\\([0-7]{1,3}|.)", replace, literal, flags=re.S)


def _to_unicode(cmap: bytes) -> dict[int, str]:
    glyphs: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for glyph, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            glyphs[int(glyph, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for first, last, text in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            start = int(text, 16)
            for offset, glyph in enumerate(range(int(first, 16), int(last, 16) + 1)):
                glyphs[glyph] = chr(start + offset)
    return glyphs


def pdf_text(document: bytes) -> list[str]:
    """The text of each text block of an fpdf2 document (Identity-H fonts), through each font's
    ToUnicode map: what a PDF reader extracts. Right-to-left runs come out in visual order."""
    objects = _objects(document)
    fonts: dict[bytes, dict[int, str]] = {}
    for header, _data in objects.values():
        for resources in re.findall(rb"/Font\s*<<(.*?)>>", header, re.S):
            for name, reference in re.findall(rb"/(F\d+)\s+(\d+) 0 R", resources):
                to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", objects[int(reference)][0])
                assert to_unicode is not None
                fonts[name] = _to_unicode(objects[int(to_unicode.group(1))][1])
    blocks: list[str] = []
    for header, _data in objects.values():
        contents = re.search(rb"/Contents (\d+) 0 R", header)
        if contents is None:
            continue
        font: dict[int, str] = {}
        current: list[str] = []
        for operation in _TEXT_OPERATIONS.finditer(objects[int(contents.group(1))][1]):
            if operation.group(1):
                font = fonts[operation.group(1)]
            elif operation.group(0) == b"ET":
                if current:
                    blocks.append("".join(current))
                current = []
            elif operation.group(2) is not None:
                glyph_ids = _unescape(operation.group(2))
                current.extend(
                    font.get(int.from_bytes(glyph_ids[i : i + 2], "big"), "\ufffd")
                    for i in range(0, len(glyph_ids), 2)
                )
    return blocks
