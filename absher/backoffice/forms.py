"""Back-office forms: they read and tidy what staff typed; the services decide whether it is
allowed. A refusal from a service comes back as an `ApplicationError` and is shown on the form
(`add_refusal`), next to the field it is about when there is one."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, QueryDict
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from absher.accounts.constants import PartnerKind, StaffRole
from absher.accounts.models import Authority, Office
from absher.accounts.selectors import authorities_all, offices_all
from absher.accounts.services.activation import OFFICE_DOCUMENTS
from absher.core.errors import ApplicationError
from absher.core.money import HALALAS_PER_RIYAL
from absher.identity.constants import Calendar
from absher.identity.rules import normalize_digits
from absher.suspensions.constants import SuspensionStatus
from absher.transfers.constants import DocumentKind

# The largest fee the catalogue can store (a positive 32-bit integer of halalas).
MAX_FEE_HALALAS = 2_147_483_647
_FEE = re.compile(r"^(?P<whole>\d+)(?:\.(?P<fraction>\d+))?$")
# Arabic decimal separator (٫) typed on an Arabic keyboard.
_ARABIC_DECIMAL_SEPARATOR = "\u066b"

DOCUMENT_LABELS: dict[str, Any] = {
    "national_id_card": _("National ID card"),
    "iqama": _("Resident identity (iqama)"),
    "passport": _("Passport"),
    "family_card": _("Family card"),
    "birth_certificate": _("Birth certificate"),
}


class BackofficeForm(forms.Form):
    template_name = "backoffice/forms/form.html"


def posted(request: HttpRequest) -> QueryDict | None:
    """The submitted data of a POST, even when empty (an empty form is still a submitted one)."""
    return request.POST if request.method == "POST" else None


def add_refusal(
    form: forms.Form, error: ApplicationError, fields_by_code: Mapping[str, str] | None = None
) -> None:
    """Shows a service's refusal on the form: on the field its code is about, else on the form.
    Password-policy refusals carry each broken rule in `extra["problems"]`."""
    field = (fields_by_code or {}).get(error.code)
    messages = [error.message, *error.extra.get("problems", [])]
    form.add_error(field, ValidationError(messages))


# Sign-in


class LoginForm(BackofficeForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(BackofficeForm):
    code = forms.CharField(
        label=_("Verification code"),
        help_text=_("The 6 digits in the text message."),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "dir": "ltr"}
        ),
    )


# Officer: activation in person (S2d)


class FindPersonForm(BackofficeForm):
    id_number = forms.CharField(
        label=_("ID number"),
        help_text=_("National ID (starts with 1) or iqama number (starts with 2): 10 digits."),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "dir": "ltr"}),
    )


class OfficeActivationForm(BackofficeForm):
    id_number = forms.CharField(widget=forms.HiddenInput, max_length=20)
    documents_checked = forms.MultipleChoiceField(
        label=_("Original documents you checked"),
        help_text=_("Tick every original document you saw and checked in person."),
        choices=[(key, DOCUMENT_LABELS[key]) for key in OFFICE_DOCUMENTS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


# Administrator: staff, offices, authorities, partners


class StaffCreateForm(BackofficeForm):
    username = forms.CharField(
        label=_("Username"),
        help_text=_("4 to 40 Latin letters, digits, dots, dashes or underscores."),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "ltr"}),
    )
    password = forms.CharField(
        label=_("First password"),
        help_text=_(
            "At least 8 characters with upper-case and lower-case letters and digits. Give it to "
            "the staff member in person."
        ),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    mobile = forms.CharField(
        label=_("Mobile number"),
        help_text=_("Sign-in codes are sent to this number, for example 05XXXXXXXX."),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off", "dir": "ltr"}),
    )
    email = forms.EmailField(label=_("Email (optional)"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=StaffRole.choices)
    office = forms.ModelChoiceField(
        label=_("Office"),
        help_text=_("Required for an officer."),
        queryset=Office.objects.none(),
        required=False,
    )
    authority = forms.ModelChoiceField(
        label=_("Authority"),
        help_text=_("Required for an authority clerk."),
        queryset=Authority.objects.none(),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        office_field: Any = self.fields["office"]
        authority_field: Any = self.fields["authority"]
        office_field.queryset = offices_all()
        authority_field.queryset = authorities_all()
        office_field.label_from_instance = _bilingual
        authority_field.label_from_instance = _bilingual


def _bilingual(item: Office | Authority) -> str:
    """The name in the page's language (option labels cannot mark a part as another language)."""
    return item.name_en if translation.get_language() == "en" else item.name_ar


class OfficeCreateForm(BackofficeForm):
    code = forms.SlugField(
        label=_("Code"),
        help_text=_("Latin letters, digits and dashes, for example riyadh-olaya."),
        max_length=40,
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )
    name_ar = forms.CharField(
        label=_("Name in Arabic"),
        max_length=160,
        widget=forms.TextInput(attrs={"lang": "ar", "dir": "rtl"}),
    )
    name_en = forms.CharField(
        label=_("Name in English"),
        max_length=160,
        widget=forms.TextInput(attrs={"lang": "en", "dir": "ltr"}),
    )
    city_ar = forms.CharField(
        label=_("City in Arabic"),
        max_length=80,
        required=False,
        widget=forms.TextInput(attrs={"lang": "ar", "dir": "rtl"}),
    )
    city_en = forms.CharField(
        label=_("City in English"),
        max_length=80,
        required=False,
        widget=forms.TextInput(attrs={"lang": "en", "dir": "ltr"}),
    )


class AuthorityCreateForm(BackofficeForm):
    code = forms.SlugField(
        label=_("Code"),
        help_text=_("Latin letters, digits and dashes, for example riyadh-court."),
        max_length=40,
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )
    name_ar = forms.CharField(
        label=_("Name in Arabic"),
        max_length=160,
        widget=forms.TextInput(attrs={"lang": "ar", "dir": "rtl"}),
    )
    name_en = forms.CharField(
        label=_("Name in English"),
        max_length=160,
        widget=forms.TextInput(attrs={"lang": "en", "dir": "ltr"}),
    )


class PartnerCreateForm(BackofficeForm):
    code = forms.SlugField(
        label=_("Code"),
        help_text=_("Sent by the partner in the X-Partner header, for example alrajhi-bank."),
        max_length=40,
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=PartnerKind.choices)
    name = forms.CharField(label=_("Name"), max_length=160)
    authority = forms.ModelChoiceField(
        label=_("Authority"),
        help_text=_("For an authority's system: the authority it acts for."),
        queryset=Authority.objects.none(),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        authority_field: Any = self.fields["authority"]
        authority_field.queryset = authorities_all()
        authority_field.label_from_instance = _bilingual


# Administrator: the catalogue


def fee_halalas_parse(text: str) -> int:
    """Riyals as typed ("150", "150.5", "١٥٠٫٥٠") to halalas: at most two decimals, not negative."""
    value = normalize_digits(text or "").replace(_ARABIC_DECIMAL_SEPARATOR, ".")
    if value.startswith("-"):
        raise ValidationError(_("The fee cannot be negative."), code="fee_negative")
    match = _FEE.match(value)
    if match is None:
        raise ValidationError(
            _("Enter the fee in riyals as a number, for example 150 or 150.50."),
            code="fee_not_a_number",
        )
    if len(match["fraction"] or "") > 2:
        raise ValidationError(
            _("Enter the fee with at most two decimal places (halalas)."),
            code="fee_too_precise",
        )
    halalas = int(Decimal(value) * HALALAS_PER_RIYAL)
    if halalas > MAX_FEE_HALALAS:
        raise ValidationError(_("The fee is too large."), code="fee_too_large")
    return halalas


class ServiceEditForm(BackofficeForm):
    name_ar = forms.CharField(
        label=_("Name in Arabic"),
        max_length=160,
        widget=forms.TextInput(attrs={"lang": "ar", "dir": "rtl"}),
    )
    name_en = forms.CharField(
        label=_("Name in English"),
        max_length=160,
        widget=forms.TextInput(attrs={"lang": "en", "dir": "ltr"}),
    )
    description_ar = forms.CharField(
        label=_("Description in Arabic"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "lang": "ar", "dir": "rtl"}),
    )
    description_en = forms.CharField(
        label=_("Description in English"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "lang": "en", "dir": "ltr"}),
    )
    fee_sar = forms.CharField(
        label=_("Fee in riyals"),
        help_text=_("Up to two decimal places, for example 300 or 300.50. 0 means free."),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "dir": "ltr"}),
    )
    fee_depends_on_case = forms.BooleanField(
        label=_("The fee is worked out per request"), required=False
    )
    requires_activation = forms.BooleanField(
        label=_("People must activate this service before using it"), required=False
    )
    is_active = forms.BooleanField(label=_("Offered in the catalogue"), required=False)

    def clean_fee_sar(self) -> int:
        return fee_halalas_parse(self.cleaned_data["fee_sar"])

    def changes_from(self, current: Mapping[str, Any]) -> dict[str, Any]:
        """What the administrator changed, as the catalogue service's field names."""
        wanted = dict(self.cleaned_data)
        wanted["fee_halalas"] = wanted.pop("fee_sar")
        return {field: value for field, value in wanted.items() if current[field] != value}


# Authority clerk: suspensions of services (S4)

# Where a refusal of `suspension_place` belongs on the form, by its code. `invalid_text` names its
# field in `extra["field"]`.
SUSPENSION_FIELDS = {
    "invalid_id_number": "id_number",
    "person_not_found": "id_number",
    "invalid_reference": "reference",
    "suspension_conflict": "reference",
    "invalid_scope": "scope",
    "unknown_department": "scope",
    "unknown_service": "scope",
    "service_not_suspendable": "scope",
}


def suspension_fields_for(error: ApplicationError) -> dict[str, str]:
    if error.code in ("invalid_text", "text_too_long") and error.extra.get("field"):
        return {**SUSPENSION_FIELDS, error.code: str(error.extra["field"])}
    return SUSPENSION_FIELDS


def _text_in(language: str, label: Any, required_message: Any) -> forms.CharField:
    """A reason or lifting procedure in one language: `lang` and `dir` let screen readers and
    spell checkers read it in that language whatever the page's language is."""
    direction = "rtl" if language == "ar" else "ltr"
    return forms.CharField(
        label=label,
        error_messages={"required": required_message},
        widget=forms.Textarea(attrs={"rows": 3, "lang": language, "dir": direction}),
    )


def scope_choices(departments: Any) -> list[Any]:
    """The choices: all services, then per department (an option group) all of its services and
    each service a suspension can cover, as the catalogue lists them, in the page's language."""
    english = translation.get_language() == "en"
    choices: list[Any] = [("", _("Choose what the suspension covers")), ("all", _("All services"))]
    for department in departments:
        name = department.name_en if english else department.name_ar
        options = [
            (
                f"department:{department.code}",
                _("All services of %(department)s") % {"department": name},
            )
        ]
        options += [
            (f"service:{service.code}", service.name_en if english else service.name_ar)
            for service in department.services.all()
            if service.is_suspendable
        ]
        choices.append((name, options))
    return choices


class SuspensionPlaceForm(BackofficeForm):
    id_number = forms.CharField(
        label=_("ID number of the person"),
        help_text=_("National ID (starts with 1) or iqama number (starts with 2): 10 digits."),
        max_length=20,
        error_messages={"required": _("Enter the ID number of the person.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "dir": "ltr"}),
    )
    reference = forms.CharField(
        label=_("Reference"),
        help_text=_(
            "Your authority's reference for this suspension, for example the case number. "
            "Placing the same reference again with the same details changes nothing."
        ),
        error_messages={"required": _("Enter the reference.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "ltr"}),
    )
    scope = forms.CharField(
        label=_("What the suspension covers"),
        help_text=_("All services, all services of one department, or one e-service."),
        error_messages={"required": _("Choose what the suspension covers.")},
        widget=forms.Select,
    )
    reason_ar = _text_in("ar", _("Reason in Arabic"), _("Enter the reason in Arabic."))
    reason_en = _text_in("en", _("Reason in English"), _("Enter the reason in English."))
    lift_procedure_ar = _text_in(
        "ar",
        _("How to lift it, in Arabic"),
        _("Enter in Arabic what the person must do to have the suspension lifted."),
    )
    lift_procedure_en = _text_in(
        "en",
        _("How to lift it, in English"),
        _("Enter in English what the person must do to have the suspension lifted."),
    )

    def __init__(self, *args: Any, departments: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Free text on purpose: the service decides which scopes exist (a department or service
        # withdrawn since the page was shown is refused by it, with its reason).
        self.fields["scope"].widget.choices = scope_choices(departments)


class SuspensionSearchForm(forms.Form):
    """The list's filters, read from the query string: a filter that cannot be used (a status that
    does not exist) is ignored rather than shown as an error."""

    q = forms.CharField(
        label=_("Reference or ID number"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "dir": "ltr"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *SuspensionStatus.choices],
    )

    def filters(self) -> dict[str, str]:
        self.is_valid()
        return {
            "search": self.cleaned_data.get("q", ""),
            "status": self.cleaned_data.get("status", ""),
        }


# Call-centre agent (19999): verify the caller, then read their suspensions


class CallerVerifyForm(BackofficeForm):
    id_number = forms.CharField(
        label=_("Caller's ID number"),
        help_text=_("National ID (starts with 1) or iqama number (starts with 2): 10 digits."),
        max_length=20,
        error_messages={"required": _("Enter the caller's ID number.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "dir": "ltr"}),
    )
    date_of_birth = forms.CharField(
        label=_("Caller's date of birth"),
        help_text=_(
            "Year/month/day as the caller says it, for example 1410/03/15 (Hijri) or 1990/05/31 "
            "(Gregorian). Arabic or Western digits."
        ),
        max_length=20,
        error_messages={"required": _("Enter the caller's date of birth.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "ltr"}),
    )
    calendar = forms.ChoiceField(
        label=_("Calendar of the date of birth"),
        choices=[(Calendar.HIJRI, _("Hijri")), (Calendar.GREGORIAN, _("Gregorian"))],
        initial=Calendar.HIJRI,
        widget=forms.RadioSelect,
    )


CALLER_FIELDS = {
    "invalid_id_number": "id_number",
    "invalid_date": "date_of_birth",
    "invalid_calendar": "calendar",
}


# Officer: decisions on paid e-service requests


class RequestFulfilForm(BackofficeForm):
    """No fields: the button is the decision. A refusal of the service shows on this form."""


class RequestRejectForm(BackofficeForm):
    reason = forms.CharField(
        label=_("Reason for the rejection"),
        help_text=_(
            "The person reads this reason in their Absher messages and by SMS. At most 500 "
            "characters."
        ),
        max_length=500,
        error_messages={"required": _("Give the reason for the rejection.")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


REQUEST_REJECT_FIELDS = {"reason_required": "reason"}


# Officer: transfer-without-consent cases


class CaseDecisionForm(BackofficeForm):
    """No fields: the button is the decision (take for review, approve). A refusal of the
    service shows on this form."""


class CaseRejectForm(BackofficeForm):
    reason = forms.CharField(
        label=_("Reason for the rejection"),
        help_text=_(
            "The filer reads this reason in their Absher messages and by SMS. At most 1000 "
            "characters."
        ),
        max_length=1000,
        error_messages={"required": _("Give the reason for the rejection.")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CaseDocumentsRequestForm(BackofficeForm):
    note = forms.CharField(
        label=_("Which documents are needed, and why"),
        help_text=_(
            "The filer reads this note in their Absher messages and by SMS. At most 1000 "
            "characters."
        ),
        max_length=1000,
        error_messages={"required": _("Say which documents are needed and why.")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    documents = forms.MultipleChoiceField(
        label=_("Documents the filer must send again"),
        help_text=_(
            "Tick each document the answer must contain; tick the last one for a document "
            "beyond the checklist."
        ),
        choices=DocumentKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


CASE_REJECT_FIELDS = {"reason_required": "reason", "note_too_long": "reason"}
CASE_REQUEST_FIELDS = {
    "note_required": "note",
    "note_too_long": "note",
    "document_slot_unknown": "documents",
}


# Administrator: payment reconciliation

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ReconciliationDayForm(BackofficeForm):
    """The day to reconcile, from the query string. `latest` is the last day that can have
    figures (today, UTC); later days are refused rather than shown as empty."""

    date = forms.CharField(
        label=_("Day"),
        help_text=_(
            "Year-month-day, for example 2026-11-25. A day runs from midnight to midnight UTC."
        ),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "dir": "ltr"}),
    )

    def __init__(self, *args: Any, latest: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.latest = latest
        self.fields["date"].widget.attrs["max"] = latest.isoformat()

    def clean_date(self) -> dt.date | None:
        text = normalize_digits(self.cleaned_data["date"])
        if not text:
            return None
        invalid = ValidationError(
            _("Enter the day as year-month-day, for example 2026-11-25."), code="invalid_date"
        )
        if _ISO_DAY.match(text) is None:
            raise invalid
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise invalid from None
        if day > self.latest:
            raise ValidationError(
                _("The day cannot be in the future: choose today or an earlier day."),
                code="date_in_future",
            )
        return day
