"""No untranslated string reaches a reader.

1. Every entry of every Arabic and English catalogue (absher/<app>/locale/{ar,en}) is translated:
   a non-empty msgstr (every plural form), nothing fuzzy.
2. The main pages of the portal and the back office, rendered for the demo users they are for,
   show no Latin-letter word in Arabic and no Arabic-letter word in English, beyond a short list
   of words that are the same in both languages (below, each with its reason). Visible text means
   the text nodes and the attributes read out or shown (aria-label, title, alt, placeholder and
   the values of buttons)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client

from absher.payments.models import Payment
from tests.e2e.a11y.pages import LANGUAGE_COOKIE, backoffice_pages, portal_pages
from tests.e2e.a11y.world import World, world_load

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(
    path
    for language in ("ar", "en")
    for path in (ROOT / "absher").glob(f"*/locale/{language}/LC_MESSAGES/*.po")
)

# Latin words an Arabic page may show, and why.
LATIN_IN_ARABIC = {
    "SADAD",  # the national bill payment system's name, printed as is on Saudi bills
    "QR",  # the code's name; Arabic text says "رمز QR"
    "PDF",  # the file format
    "CVV",  # printed on the card under that name
    "JPEG",  # accepted document formats
    "PNG",
    "MB",  # file size unit next to digits ("5 MB")
    "KB",
    "English",  # the language switcher names each language in itself
    "JSON",  # the format of the personal data download
    "UTC",  # the time standard the reconciliation day is cut at
    "Absher",  # brand name in the footer's copyright line and the page title's Latin form
}
# Arabic words an English page may show, and why.
ARABIC_IN_ENGLISH = {
    "العربية",  # the language switcher names each language in itself
}
# Not words: URLs, email addresses, and tokens with digits (IDs, references, SADAD and iqama
# numbers, dates, codes such as CRT-1447-000381).
NOT_WORDS = re.compile(r"https?://\S+|\S+@\S+\.\S+|\S*\d\S*|/\S*")
LATIN_WORD = re.compile(r"[A-Za-z]+")
ARABIC_WORD = re.compile(r"[\u0621-\u064a\u0671-\u06d3]+")
READ_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder")


def _entry_problems(entry: polib.POEntry) -> str | None:
    if "fuzzy" in entry.flags:
        return "fuzzy"
    if entry.msgid_plural:
        if not entry.msgstr_plural or not all(entry.msgstr_plural.values()):
            return "a plural form is empty"
        return None
    return None if entry.msgstr.strip() else "empty"


def _plural_count(po: polib.POFile) -> int:
    found = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
    return int(found.group(1)) if found else 2


def test_the_catalogues_exist():
    assert CATALOGUES, "no catalogue under absher/*/locale"
    assert any("/ar/" in str(path) for path in CATALOGUES)


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_entry_of_the_catalogue_is_translated(catalogue: Path):
    po = polib.pofile(str(catalogue))
    plurals = _plural_count(po)
    problems = []
    for entry in po:
        if entry.obsolete:
            continue
        problem = _entry_problems(entry)
        if problem is None and entry.msgid_plural and len(entry.msgstr_plural) != plurals:
            problem = f"{len(entry.msgstr_plural)} plural forms of {plurals}"
        if problem is not None:
            problems.append(f"{entry.msgid[:70]!r}: {problem}")
    assert not problems, "\n".join(problems)


class _VisibleText(HTMLParser):
    """The text a reader sees or hears in the page's language: text nodes outside script and
    style, and the attributes read. Left out, as not the page's language by design: what is marked
    as in another language (`lang`, WCAG 3.1.2), or as not to be translated (`translate="no"`),
    and on an Arabic page what is set left to right (`dir="ltr"`: usernames, codes, numbers)."""

    SKIPPED = {"script", "style", "template"}
    VOID = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }

    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.language = language
        self.parts: list[str] = []
        self._open: list[tuple[str, bool]] = []

    def _skipping(self) -> bool:
        return any(skipped for _tag, skipped in self._open)

    def _foreign(self, tag: str, values: dict[str, str | None]) -> bool:
        lang = (values.get("lang") or "").split("-")[0]
        return (
            tag in self.SKIPPED
            or (tag != "html" and bool(lang) and lang != self.language)
            or values.get("translate") == "no"
            or (self.language == "ar" and values.get("dir") == "ltr")
        )

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        foreign = self._foreign(tag, values)
        if not foreign and not self._skipping():
            self.parts += [values[name] or "" for name in READ_ATTRIBUTES if name in values]
            if tag == "input" and values.get("type") in ("submit", "button"):
                self.parts.append(values.get("value") or "")
        if tag not in self.VOID:
            self._open.append((tag, foreign))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self._skipping():
            self.parts.append(data)


def visible_text(html: str, language: str) -> str:
    parser = _VisibleText(language)
    parser.feed(html)
    return " ".join(parser.parts)


def foreign_words(text: str, language: str) -> set[str]:
    text = NOT_WORDS.sub(" ", text)
    if language == "ar":
        return set(LATIN_WORD.findall(text)) - LATIN_IN_ARABIC
    return set(ARABIC_WORD.findall(text)) - ARABIC_IN_ENGLISH


@pytest.fixture
def world(settings, tmp_path: Path, standard_catalogue: None) -> World:
    settings.CASE_DOCUMENTS_DIR = tmp_path / "private" / "cases"
    return world_load()


def _pages(world: World, language: str) -> Iterator[tuple[str, str]]:
    clients: dict[int | None, Client] = {}
    for main_page in portal_pages(world) + backoffice_pages(world):
        viewer = main_page.viewer(world)
        key = viewer.pk if viewer else None
        if key not in clients:
            clients[key] = Client()
            clients[key].cookies[LANGUAGE_COOKIE] = language
            if viewer is not None:
                clients[key].force_login(viewer)
        response = clients[key].get(main_page.path)
        assert response.status_code == 200, f"{main_page.name}: {response.status_code}"
        assert f'lang="{language}"' in response.content.decode()
        yield main_page.name, response.content.decode()


def test_visible_text_check_finds_foreign_words():
    html = (
        '<p>طلب <b>Request</b> SADAD 12345 https://x.example/a <bdi dir="ltr">saad.q</bdi>'
        '<span lang="en">Saad Alqahtani</span><br>Pay</p><button aria-label="Go">'
    )
    assert foreign_words(visible_text(html, "ar"), "ar") == {"Request", "Pay", "Go"}
    html = '<p>Pay فاتورة <a lang="ar">العربية</a> <span lang="ar">سعد</span></p>'
    assert foreign_words(visible_text(html, "en"), "en") == {"فاتورة"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("audit_truncate_allowed")
@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_main_pages_show_no_untranslated_word(world: World, language: str):
    assert language in dict(settings.LANGUAGES)
    found = {}
    pages = 0
    # Random receipt codes are data, not words; the page title shows one with no direction mark.
    codes = list(Payment.objects.values_list("receipt_code", flat=True))
    for name, html in _pages(world, language):
        pages += 1
        text = visible_text(html, language)
        for code in codes:
            text = text.replace(code, " ")
        words = foreign_words(text, language)
        if words:
            found[name] = sorted(words)
    assert pages > 40
    assert not found, "\n".join(f"{name}: {' '.join(words)}" for name, words in found.items())
