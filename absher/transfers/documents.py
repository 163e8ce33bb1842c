"""The documents of a transfer-without-consent case (SPEC 9): what an upload is, judged by its
content, and where it is kept.

An upload is accepted only as PDF, JPEG or PNG, and only by what its bytes are: its name, its
extension and the content type the client sent are never read. Executables are refused by their
own code, whatever they are called. Images must open with Pillow (and not be absurdly large); a PDF
must have a PDF header and end-of-file marker and no script or launch action.

Files are stored under CASE_DOCUMENTS_DIR (outside the web root, which is refused as a location)
with random names, readable by the platform's user only, and are read back only through the
views that authorise the requester."""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from absher.core.errors import InvalidInput, NotFound
from absher.identity.rules import lazy_format
from absher.transfers.constants import (
    DOCUMENT_EXTENSIONS,
    DocumentType,
    case_document_max_bytes,
)

try:  # Pillow is a dependency of the platform (receipts' QR codes); checked all the same.
    from PIL import Image, UnidentifiedImageError
except ImportError:  # pragma: no cover - exercised only where Pillow is missing
    Image = None  # type: ignore[assignment]
    UnidentifiedImageError = OSError  # type: ignore[assignment,misc]

# Images larger than this many pixels are refused (a small file can decode to a huge image).
IMAGE_MAX_PIXELS = 40_000_000
# How much of a PDF's end is searched for its end-of-file marker (writers may append a little).
PDF_TRAILER_WINDOW = 2048
READ_CHUNK = 64 * 1024

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
PDF_SIGNATURE = b"%PDF-"
# What programs start with: Windows (MZ), Linux (ELF), macOS (Mach-O, fat binaries), Java class
# files share CAFEBABE with fat binaries, and scripts (#!).
EXECUTABLE_SIGNATURES = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
)
# PDF actions that run something when the document is opened (names long enough not to turn up
# by chance in compressed streams).
PDF_ACTIVE_CONTENT = (b"/JavaScript", b"/Launch")


class Upload(Protocol):
    """What the interfaces hand over: Django's UploadedFile has all of it."""

    @property
    def name(self) -> str | None: ...

    @property
    def size(self) -> int | None: ...

    def chunks(self, chunk_size: int | None = ...) -> Iterator[bytes]: ...


@dataclass(frozen=True)
class Inspected:
    """An upload that passed every check, read into memory (at most the size limit)."""

    content: bytes
    content_type: str
    sha256: str
    original_name: str

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class Problem:
    """Why one upload is refused."""

    slot: str
    code: str
    message: str | Promise

    def as_dict(self) -> dict[str, Any]:
        return {"slot": self.slot, "code": self.code, "message": self.message}


class DocumentRefused(Exception):
    def __init__(self, code: str, message: str | Promise) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


def _too_large() -> DocumentRefused:
    megabytes = case_document_max_bytes() / (1024 * 1024)
    return DocumentRefused(
        "document_too_large",
        lazy_format(
            _(
                "The file is larger than %(size)s MB. Send a smaller copy (scan at a lower "
                "resolution, or split the document)."
            ),
            {"size": f"{megabytes:.3g}"},
        ),
    )


def _read(upload: Upload) -> bytes:
    """The upload's bytes, refusing as soon as they pass the limit (the declared size is not
    trusted either)."""
    limit = case_document_max_bytes()
    if upload.size is not None and upload.size > limit:
        raise _too_large()
    buffer = io.BytesIO()
    for chunk in upload.chunks(READ_CHUNK):
        buffer.write(chunk)
        if buffer.tell() > limit:
            raise _too_large()
    return buffer.getvalue()


def _not_allowed() -> DocumentRefused:
    return DocumentRefused(
        "document_type_not_allowed",
        _(
            "Only PDF files and JPEG or PNG images are accepted. Scan the document to PDF, or "
            "photograph it, and send it again."
        ),
    )


def _damaged() -> DocumentRefused:
    return DocumentRefused(
        "document_damaged",
        _(
            "The file could not be read: it may be damaged or incomplete. Save it again and send "
            "it again."
        ),
    )


def content_type_of(content: bytes) -> str:
    """PDF, JPEG or PNG by the file's first bytes; anything else is refused."""
    if not content:
        raise DocumentRefused("document_empty", _("The file is empty. Choose the right file."))
    if content.startswith(EXECUTABLE_SIGNATURES):
        raise DocumentRefused(
            "document_executable",
            _(
                "The file is a program, not a document. Programs are never accepted, whatever "
                "their name; send a PDF, JPEG or PNG copy of the document."
            ),
        )
    if content.startswith(PDF_SIGNATURE):
        return DocumentType.PDF
    if content.startswith(PNG_SIGNATURE):
        return DocumentType.PNG
    if content.startswith(JPEG_SIGNATURE):
        return DocumentType.JPEG
    raise _not_allowed()


def _pdf_check(content: bytes) -> None:
    if b"%%EOF" not in content[-PDF_TRAILER_WINDOW:]:
        raise _damaged()
    if any(marker in content for marker in PDF_ACTIVE_CONTENT):
        raise DocumentRefused(
            "document_active_content",
            _(
                "The PDF file contains a script or an action that runs a program, which is not "
                "accepted. Print it to a new PDF file, or scan the paper copy, and send that."
            ),
        )


def _image_check(content: bytes, content_type: str) -> None:
    # Phone cameras often save JPEG photos as MPO (a JPEG with extra pictures appended).
    expected = {DocumentType.JPEG: {"JPEG", "MPO"}, DocumentType.PNG: {"PNG"}}[
        DocumentType(content_type)
    ]
    if Image is None:  # pragma: no cover - Pillow is installed with the platform
        _image_structure_check(content, content_type)
        return
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format not in expected:
                raise _damaged()
            width, height = image.size
            if width * height > IMAGE_MAX_PIXELS:
                raise DocumentRefused(
                    "document_image_too_large",
                    _("The image has too many pixels. Send a copy at a lower resolution."),
                )
            image.verify()
        # verify() checks the structure; loading decodes the pixels (a truncated file fails).
        with Image.open(io.BytesIO(content)) as image:
            image.load()
    except DocumentRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _damaged() from None


def _image_structure_check(content: bytes, content_type: str) -> None:
    """Without Pillow: the image's end marker must be there (JPEG's EOI, PNG's IEND chunk)."""
    if content_type == DocumentType.JPEG and not content.rstrip(b"\x00").endswith(b"\xff\xd9"):
        raise _damaged()
    if content_type == DocumentType.PNG and b"IEND" not in content[-32:]:
        raise _damaged()


def _display_name(name: str | None) -> str:
    """The device's file name, kept for display only: no folders, no control characters."""
    base = os.path.basename((name or "").replace("\\", "/"))
    cleaned = "".join(ch for ch in base if ch.isprintable())
    return cleaned[:255]


def document_inspect(upload: Upload) -> Inspected:
    """Reads and checks one upload; raises DocumentRefused with the reason."""
    content = _read(upload)
    content_type = content_type_of(content)
    if content_type == DocumentType.PDF:
        _pdf_check(content)
    else:
        _image_check(content, content_type)
    return Inspected(
        content=content,
        content_type=content_type,
        sha256=hashlib.sha256(content).hexdigest(),
        original_name=_display_name(upload.name),
    )


def documents_inspect(uploads: dict[str, Upload]) -> tuple[dict[str, Inspected], list[Problem]]:
    """Every upload checked, in the order given: those that passed and every problem found."""
    passed: dict[str, Inspected] = {}
    problems: list[Problem] = []
    for slot, upload in uploads.items():
        try:
            passed[slot] = document_inspect(upload)
        except DocumentRefused as refusal:
            problems.append(Problem(slot=slot, code=refusal.code, message=refusal.message))
    return passed, problems


def documents_refusal(problems: list[Problem]) -> InvalidInput:
    """422 with the first problem's code (in checklist order) and every problem in details."""
    first = problems[0]
    return InvalidInput(
        first.code,
        first.message,
        {"slot": first.slot, "problems": [problem.as_dict() for problem in problems]},
    )


# --- storage -------------------------------------------------------------------------------------


def _web_roots() -> list[Path]:
    roots = [Path(settings.STATIC_ROOT)]
    media_root = getattr(settings, "MEDIA_ROOT", "")
    if media_root:
        roots.append(Path(media_root))
    return [root.resolve() for root in roots]


def documents_root() -> Path:
    """CASE_DOCUMENTS_DIR, created if needed (owner-only), refused when it lies under a directory
    the web server serves."""
    root = Path(settings.CASE_DOCUMENTS_DIR).resolve()
    for served in _web_roots():
        if root == served or served in root.parents:
            raise ImproperlyConfigured(
                f"CASE_DOCUMENTS_DIR ({root}) lies under a served directory ({served})."
            )
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def _path_of(storage_name: str) -> Path:
    root = documents_root()
    path = (root / storage_name).resolve()
    if root not in path.parents:
        raise ValueError("storage name outside the documents directory")
    return path


def document_write(content: bytes) -> str:
    """Writes the content under a new random name (two-level folders), owner-only; returns the
    name to keep. The file appears under its final name only once complete."""
    token = secrets.token_hex(20)
    storage_name = f"{token[:2]}/{token}"
    path = _path_of(storage_name)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return storage_name


def documents_delete(storage_names: Iterable[str]) -> None:
    """Removes files written for a change that did not happen (no orphan files)."""
    for storage_name in storage_names:
        _path_of(storage_name).unlink(missing_ok=True)


def document_path(storage_name: str) -> Path:
    """Where a stored document is, for the views that serve it after authorising the requester."""
    return _path_of(storage_name)


@dataclass(frozen=True)
class Download:
    """What an interface serves, once it has authorised the requester: the file, the type it was
    stored as (its content's), and a name made by the platform (never the uploader's)."""

    path: Path
    content_type: str
    filename: str


def document_download(*, case: Any, document: Any) -> Download:
    """The stored file of `document` (of `case`); a file that has gone is a 404."""
    path = document_path(document.storage_name)
    if not path.is_file():
        raise NotFound("document_not_found", _("This document does not exist."))
    extension = DOCUMENT_EXTENSIONS[DocumentType(document.content_type)]
    reference = case.reference or f"case-{case.pk}"
    return Download(
        path=path,
        content_type=document.content_type,
        filename=f"{reference}-{document.kind}-{document.pk}.{extension}",
    )
