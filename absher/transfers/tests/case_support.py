"""Small real documents (PDF, PNG, JPEG), a program renamed .pdf, and the seven uploads of a case,
for the case tests of the domain, the API, the portal, the back office and the browser."""

from __future__ import annotations

import io
import itertools
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from absher.accounts.constants import AccountStatus, StaffRole
from absher.accounts.models import Authority, Office, ServiceActivation, StaffMember, User
from absher.audit.models import AuditEvent
from absher.catalog.models import Service
from absher.identity.models import Person
from absher.notifications.models import Message
from absher.payments.models import Bill
from absher.transfers import services
from absher.transfers.constants import REQUIRED_DOCUMENTS
from absher.transfers.models import CaseDocument, CaseEvent, TransferCase, TransferRequest
from absher.transfers.tests.helpers import user_of

PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n"
    b"0000000115 00000 n \ntrailer << /Size 4 /Root 1 0 R >>\nstartxref\n188\n%%EOF\n"
)
# What a Windows program starts with (the DOS header and its stub).
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (12, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (0, 108, 53)).save(buffer, format=kind)
    return buffer.getvalue()


PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")


def upload(content: bytes, name: str = "document.pdf", content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def content_for(kind: str) -> tuple[bytes, str, str]:
    """A fitting file for each slot: photos as images, the rest as PDF."""
    if kind == "resident_photo":
        return JPEG, f"{kind}.jpg", "image/jpeg"
    if kind == "old_passports":
        return PNG, f"{kind}.png", "image/png"
    return PDF, f"{kind}.pdf", "application/pdf"


def seven_uploads(**replacements: SimpleUploadedFile | None) -> dict[str, SimpleUploadedFile]:
    """An upload for every slot of the checklist; a slot given as None is left out."""
    files: dict[str, SimpleUploadedFile] = {}
    for kind in REQUIRED_DOCUMENTS:
        if kind in replacements:
            replacement = replacements[kind]
            if replacement is not None:
                files[kind] = replacement
            continue
        content, name, content_type = content_for(kind)
        files[kind] = upload(content, name, content_type)
    return files


def stored_files(root: Path) -> list[Path]:
    """Every file under the documents directory (partial writes included)."""
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def private_documents(settings, tmp_path: Path) -> Path:
    """A private documents directory of the test's own (for a `documents_dir` fixture)."""
    root = tmp_path / "private" / "cases"
    settings.CASE_DOCUMENTS_DIR = root
    return root


# --- people, officers and whole steps of a case ---------------------------------------------------

CASE_SERVICE = "transfer_without_consent"
_officers = itertools.count(1)


def filer_user(person: Person, **options: Any) -> User:
    """An activated account with the transfer-without-consent service activated."""
    user = user_of(person, transfer_service=False, **options)
    if user.status == AccountStatus.ACTIVE:
        ServiceActivation.objects.create(user=user, service=Service.objects.get(code=CASE_SERVICE))
    return user


def make_officer(role: str = StaffRole.OFFICER) -> StaffMember:
    number = next(_officers)
    office = None
    if role == StaffRole.OFFICER:
        office, _created = Office.objects.get_or_create(
            code="riyadh-olaya",
            defaults={
                "name_ar": "مكتب أبشر أفراد - العليا",
                "name_en": "Absher Individuals Office - Olaya",
                "city_ar": "الرياض",
                "city_en": "Riyadh",
            },
        )
    authority = None
    if role == StaffRole.AUTHORITY_CLERK:
        authority = Authority.objects.create(
            code=f"court-{number}", name_ar="محكمة", name_en="Court"
        )
    user = User.objects.create(username=f"staff.{role}.{number}", mobile=f"+96655{number:07d}")
    return StaffMember.objects.create(user=user, role=role, office=office, authority=authority)


def file_case(user: User, worker: Person, **replacements: Any) -> TransferCase:
    return services.case_file(
        user=user, worker_id_number=worker.id_number, documents=seven_uploads(**replacements)
    )


def under_review(case: TransferCase, officer: StaffMember) -> TransferCase:
    return services.case_review_start(officer=officer, case_id=case.pk)


def case_snapshot() -> dict[str, Any]:
    """Everything a refused step must leave as it was (with the files on disk)."""
    return {
        "cases": sorted(
            TransferCase.objects.values_list(
                "pk", "status", "officer_note", "requested_documents", "transfer_id", "updated_at"
            )
        ),
        "documents": sorted(CaseDocument.objects.values_list("pk", "kind", "is_current")),
        "events": CaseEvent.objects.count(),
        "transfers": TransferRequest.objects.count(),
        "bills": Bill.objects.count(),
        "messages": Message.objects.count(),
        "audit": AuditEvent.objects.count(),
    }
