"""Every message the transfers app shows or sends has an Arabic translation with the same
placeholders."""

import re
from pathlib import Path

import polib
import pytest

CATALOGUE = Path(__file__).resolve().parents[1] / "locale" / "ar" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _entries() -> list[polib.POEntry]:
    return [entry for entry in polib.pofile(str(CATALOGUE)) if not entry.obsolete]


def test_the_catalogue_is_complete_and_not_fuzzy():
    entries = _entries()

    assert entries
    assert [e.msgid for e in entries if not e.msgstr] == []
    assert [e.msgid for e in entries if "fuzzy" in e.flags] == []


@pytest.mark.parametrize("entry", _entries(), ids=lambda entry: entry.msgid[:40])
def test_each_translation_keeps_the_placeholders_and_is_arabic(entry):
    assert sorted(PLACEHOLDER.findall(entry.msgstr)) == sorted(PLACEHOLDER.findall(entry.msgid))
    assert re.search(r"[\u0600-\u06ff]", entry.msgstr)
