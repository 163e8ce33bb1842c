"""Portal forms: they read and tidy what a person typed; the services decide whether it is allowed.
A refusal from a service comes back as an `ApplicationError` and is shown on the form
(`add_refusal`), next to the field it is about when there is one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from absher.core.errors import ApplicationError
from absher.identity.constants import Calendar

# Where a refusal of a service belongs on a form, by its code. Codes not listed (identity_mismatch,
# account_exists, account_locked, …) are about the whole form.
IDENTITY_FIELDS = {
    "invalid_id_number": "id_number",
    "invalid_date": "date_of_birth",
    "invalid_calendar": "calendar",
}
REGISTRATION_FIELDS = {
    **IDENTITY_FIELDS,
    "invalid_username": "username",
    "username_taken": "username",
    "weak_password": "password",
    "invalid_mobile": "mobile",
    "invalid_email": "email",
}
CODE_FIELDS = {
    "otp_invalid": "code",
    "otp_expired": "code",
    "otp_used": "code",
    "otp_burned": "code",
    "otp_superseded": "code",
}
PASSWORD_RESET_FIELDS = {**CODE_FIELDS, "weak_password": "new_password"}
ACTIVATION_CODE_FIELDS = {"activation_code_invalid": "code"}

ATTEMPTS_LEFT = ngettext_lazy(
    "You can try %(count)s more time.", "You can try %(count)s more times.", "count"
)
PASSWORDS_DIFFER = _("The two passwords are not the same. Type the same password twice.")


class PortalForm(forms.Form):
    template_name = "portal/forms/form.html"


def posted(request: HttpRequest) -> QueryDict | None:
    """The submitted data of a POST, even when empty (an empty form is still a submitted one)."""
    return request.POST if request.method == "POST" else None


def add_refusal(
    form: forms.Form, error: ApplicationError, fields_by_code: Mapping[str, str] | None = None
) -> None:
    """Shows a service's refusal on the form: on the field its code is about, else on the form.
    Password-policy refusals carry each broken rule in `extra["problems"]`; a wrong code, the
    number of tries left."""
    field = (fields_by_code or {}).get(error.code)
    messages: list[Any] = [error.message, *error.extra.get("problems", [])]
    if "attempts_left" in error.extra:
        count = error.extra["attempts_left"]
        messages.append(ATTEMPTS_LEFT % {"count": count})
    form.add_error(field, ValidationError(messages))


def _digits_input(**attrs: str) -> forms.TextInput:
    """Digits typed in any script; `dir="ltr"` keeps numbers and signs in reading order."""
    return forms.TextInput(
        attrs={"inputmode": "numeric", "dir": "ltr", "spellcheck": "false", **attrs}
    )


def _latin_input(**attrs: str) -> forms.TextInput:
    return forms.TextInput(
        attrs={"dir": "ltr", "autocapitalize": "none", "spellcheck": "false", **attrs}
    )


class CalendarField(forms.ChoiceField):
    """Which calendar the date of birth is written in: Hijri (Umm al-Qura) or Gregorian."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            label=_("Calendar of the date of birth"),
            choices=[(Calendar.HIJRI, _("Hijri")), (Calendar.GREGORIAN, _("Gregorian"))],
            initial=Calendar.HIJRI,
            widget=forms.RadioSelect,
            **kwargs,
        )


def _id_number_field() -> forms.CharField:
    return forms.CharField(
        label=_("ID number"),
        help_text=_("National ID (starts with 1) or iqama number (starts with 2): 10 digits."),
        max_length=20,
        widget=_digits_input(autocomplete="off"),
    )


def _date_of_birth_field() -> forms.CharField:
    # No inputmode="numeric": phone keypads for numbers have no "/" or "-" to separate the parts.
    return forms.CharField(
        label=_("Date of birth"),
        help_text=_(
            "Year/month/day, for example 1410/03/15 (Hijri) or 1990/05/31 (Gregorian). "
            "Arabic or Western digits."
        ),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "bday", "dir": "ltr"}),
    )


def _password_field(label: Any, *, autocomplete: str, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete, "dir": "ltr"}),
    )


PASSWORD_POLICY = _(
    "At least 8 characters, with upper-case and lower-case Latin letters and digits. It must not "
    "contain your ID number or username, and must not be a common password."
)


class IdentityForm(PortalForm):
    """ID number and date of birth in either calendar, as the registry knows them."""

    id_number = _id_number_field()
    date_of_birth = _date_of_birth_field()
    calendar = CalendarField()


class RegisterForm(IdentityForm):
    username = forms.CharField(
        label=_("Username"),
        help_text=_(
            "4 to 40 Latin letters, digits, dots, dashes or underscores, starting with a letter."
        ),
        max_length=40,
        widget=_latin_input(autocomplete="username"),
    )
    password = _password_field(
        _("Password"), autocomplete="new-password", help_text=PASSWORD_POLICY
    )
    password_again = _password_field(_("Password again"), autocomplete="new-password")
    mobile = forms.CharField(
        label=_("Mobile number"),
        help_text=_("A Saudi mobile number, for example 05XXXXXXXX. The code is sent to it."),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel", "dir": "ltr", "spellcheck": "false"}
        ),
    )
    email = forms.CharField(
        label=_("Email (optional)"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "dir": "ltr"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password_again") not in (None, data["password"]):
            self.add_error("password_again", PASSWORDS_DIFFER)
        return data


class LoginForm(PortalForm):
    identifier = forms.CharField(
        label=_("Username or ID number"),
        max_length=40,
        widget=_latin_input(autocomplete="username"),
    )
    password = _password_field(_("Password"), autocomplete="current-password")


class CodeForm(PortalForm):
    code = forms.CharField(
        label=_("Verification code"),
        help_text=_("The 6 digits in the text message."),
        max_length=12,
        widget=_digits_input(autocomplete="one-time-code"),
    )


class PasswordResetStartForm(IdentityForm):
    pass


class PasswordResetCompleteForm(CodeForm):
    new_password = _password_field(
        _("New password"), autocomplete="new-password", help_text=PASSWORD_POLICY
    )
    new_password_again = _password_field(_("New password again"), autocomplete="new-password")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        typed = data.get("new_password")
        if typed and data.get("new_password_again") not in (None, typed):
            self.add_error("new_password_again", PASSWORDS_DIFFER)
        return data


class NationalIdActivationForm(IdentityForm):
    pass


class ActivationCodeForm(PortalForm):
    code = forms.CharField(
        label=_("Activation code"),
        help_text=_(
            "The 8-digit code you received by SMS, for example after visiting an Absher office "
            "or asking your bank."
        ),
        max_length=16,
        widget=_digits_input(autocomplete="one-time-code"),
    )
