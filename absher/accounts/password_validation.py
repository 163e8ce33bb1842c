"""Password rules as Absher publishes them, as Django password validators so that every place that
sets a password (registration, reset, admin) applies them. Length and common passwords use Django's
own validators (see AUTH_PASSWORD_VALIDATORS)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from absher.identity.rules import normalize_digits


class CharacterClassesValidator:
    """Upper-case and lower-case Latin letters and digits, all three."""

    def validate(self, password: str, user: Any = None) -> None:
        if not (
            any(c.isupper() for c in password)
            and any(c.islower() for c in password)
            and any(c.isdigit() for c in password)
        ):
            raise ValidationError(
                _("The password must contain upper-case letters, lower-case letters and digits."),
                code="password_character_classes",
            )

    def get_help_text(self) -> str:
        return str(_("Use upper-case letters, lower-case letters and digits."))


class NotContainingIdentityValidator:
    """Not the ID number, not the username, in any case or digit script."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None:
            return
        folded = normalize_digits(password).casefold()
        id_number = getattr(user, "id_number", "") or ""
        username = getattr(user, "username", "") or ""
        if id_number and id_number in folded:
            raise ValidationError(
                _("The password must not contain your ID number."), code="password_contains_id"
            )
        if username and username.casefold() in folded:
            raise ValidationError(
                _("The password must not contain your username."),
                code="password_contains_username",
            )

    def get_help_text(self) -> str:
        return str(_("Do not use your ID number or username in the password."))
