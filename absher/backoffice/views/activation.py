"""Activation in person at an Absher office (S2d, أبشر أفراد): the officer finds the person by ID
number, checks the original documents, records which ones, and activates. Every look-up is written
to the person's access log ("who looked at my data")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from absher.accounts.constants import StaffRole
from absher.accounts.selectors import user_get_by_identifier
from absher.accounts.services.activation import activation_by_officer
from absher.audit.services import audit_record_access
from absher.backoffice.access import StaffRequest, officer_label, staff_required
from absher.backoffice.forms import FindPersonForm, OfficeActivationForm, add_refusal, posted
from absher.core.errors import ApplicationError
from absher.identity.rules import id_number_parse, mobile_masked
from absher.identity.selectors import person_get_by_id_number

if TYPE_CHECKING:
    from absher.accounts.models import StaffMember
    from absher.identity.models import Person

RESULT_KEY = "backoffice_activation_result"
LOOK_UP_ACTION = "office_activation.person_looked_up"
PERSON_NOT_FOUND = _("No person with this ID number is in the registry.")


def _record_look_up(member: StaffMember, person: Person) -> None:
    audit_record_access(
        action=LOOK_UP_ACTION,
        actor_type="staff",
        actor_id=str(member.user_id),
        person=person,
        subject_type="person",
        subject_id=str(person.pk),
        data={
            "actor_label": officer_label(member),
            "office": member.office.code if member.office else "",
            "purpose": "office_activation",
        },
    )


def _render_person(
    request: StaffRequest, person: Person, form: OfficeActivationForm
) -> HttpResponse:
    account = user_get_by_identifier(identifier=person.id_number)
    context: dict[str, Any] = {
        "person": person,
        "account": account,
        "masked_mobile": mobile_masked(person.mobile),
        "form": form,
    }
    return render(request, "backoffice/activation/person.html", context)


@staff_required(StaffRole.OFFICER)
@require_http_methods(["GET", "POST"])
def activation_find(request: StaffRequest) -> HttpResponse:
    form = FindPersonForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            parsed = id_number_parse(form.cleaned_data["id_number"])
        except ApplicationError as error:
            add_refusal(form, error, {error.code: "id_number"})
        else:
            person = person_get_by_id_number(id_number=parsed.value)
            if person is None:
                form.add_error("id_number", PERSON_NOT_FOUND)
            else:
                _record_look_up(request.staff_member, person)
                activation_form = OfficeActivationForm(initial={"id_number": person.id_number})
                return _render_person(request, person, activation_form)
    return render(request, "backoffice/activation/find.html", {"form": form})


@staff_required(StaffRole.OFFICER)
@require_POST
def activation_activate(request: StaffRequest) -> HttpResponse:
    form = OfficeActivationForm(request.POST)
    form.is_valid()
    id_number = form.cleaned_data.get("id_number", "")
    person = person_get_by_id_number(id_number=id_number) if id_number else None
    if person is None:
        find_form = FindPersonForm(data={"id_number": id_number})
        if find_form.is_valid():
            find_form.add_error("id_number", PERSON_NOT_FOUND)
        return render(request, "backoffice/activation/find.html", {"form": find_form})
    try:
        outcome = activation_by_officer(
            officer=request.staff_member,
            id_number=person.id_number,
            documents_checked=form.cleaned_data.get("documents_checked", []),
        )
    except ApplicationError as error:
        add_refusal(form, error, {"documents_required": "documents_checked"})
        return _render_person(request, person, form)
    request.session[RESULT_KEY] = {
        "result": outcome.result,
        "name_ar": person.name_ar,
        "name_en": person.name_en,
        "masked_mobile": mobile_masked(person.mobile),
    }
    return redirect("backoffice:activation_done")


@staff_required(StaffRole.OFFICER)
@require_GET
def activation_done(request: StaffRequest) -> HttpResponse:
    result = request.session.pop(RESULT_KEY, None)
    if result is None:
        return redirect("backoffice:activation")
    name = result["name_en"] if translation.get_language() == "en" else result["name_ar"]
    return render(request, "backoffice/activation/done.html", {"result": result, "name": name})
