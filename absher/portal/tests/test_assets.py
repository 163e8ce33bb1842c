import re
from pathlib import Path

import polib

PORTAL = Path(__file__).resolve().parent.parent
STYLESHEET = PORTAL / "static" / "portal" / "css" / "portal.css"
ARABIC_CATALOGUE = PORTAL / "locale" / "ar" / "LC_MESSAGES" / "django.po"

# Physical directions break the mirrored (right-to-left) layout; logical properties follow it.
PHYSICAL_DIRECTION = re.compile(
    r"(?<![\w-])(?:margin|padding|border|inset)-(?:left|right)\b"
    r"|(?<![\w-])(?:left|right)\s*:"
    r"|(?:text-align|float|clear)\s*:\s*(?:left|right)"
    r"|(?<![\w-])border-(?:top|bottom)-(?:left|right)-radius"
)


def test_stylesheet_uses_logical_properties_only():
    css = STYLESHEET.read_text(encoding="utf-8")

    assert PHYSICAL_DIRECTION.findall(css) == []


def test_stylesheet_offers_arabic_fonts_and_a_visible_focus():
    css = STYLESHEET.read_text(encoding="utf-8")

    assert '"Noto Sans Arabic", "Segoe UI"' in css
    assert ":focus-visible {\n  outline: 3px solid var(--colour-focus);" in css


def test_every_arabic_portal_message_is_translated_and_final():
    catalogue = polib.pofile(str(ARABIC_CATALOGUE))

    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []
    assert catalogue.metadata["Language"] == "ar"
