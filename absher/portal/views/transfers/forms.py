"""The forms of the transfer pages: they read what the person chose or typed; the transfer services
decide whether it is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from absher.identity.models import Person
from absher.portal.forms import IdentityForm, PortalForm
from absher.transfers.constants import NOTE_MAX_LENGTH


class WorkerChoiceForm(PortalForm):
    """One of the sponsor's own workers, as listed by the registry."""

    worker = forms.TypedChoiceField(
        label=_("The worker whose services you want to transfer"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the worker whose services you want to transfer.")},
    )

    def __init__(self, *args: Any, workers: list[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["worker"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(worker.pk, worker.name) for worker in workers]


class NewSponsorForm(IdentityForm):
    """The new sponsor's ID number and date of birth, as the registry has them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["id_number"].label = _("The new sponsor's ID number")
        self.fields["date_of_birth"].label = _("The new sponsor's date of birth")
        self.fields["calendar"].label = _("Calendar of the new sponsor's date of birth")


class RejectForm(PortalForm):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        help_text=_("The current sponsor and the worker will see it in the request's timeline."),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
