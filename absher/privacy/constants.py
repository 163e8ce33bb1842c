"""Vocabulary of the personal-data export (حق الوصول إلى البيانات الشخصية)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# Bumped when the shape of the export changes, so that a reader can tell the versions apart.
EXPORT_FORMAT = "absher.personal-data/1"
EXPORTED_ACTION = "personal_data.exported"
EXPORT_FILE_PREFIX = "absher-personal-data"

EXPORT_NOTICE = _(
    "This file holds the personal data that the Absher platform keeps about you, as it stood "
    "when the file was made. Keep it safe: it contains your ID number and your registry record. "
    "To correct registry data, visit a Civil Affairs or Passports office."
)
