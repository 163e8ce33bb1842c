"""The person's own pages, open to registered accounts too: the profile (حسابي), sign out of every
device, the inbox (الرسائل) and who looked at their data (من اطلع على بياناتي)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from absher.accounts.services.login import logout_everywhere
from absher.audit.selectors import access_log_for
from absher.core.errors import NotFound
from absher.notifications.selectors import messages_for
from absher.notifications.services import message_mark_read
from absher.portal.access import PersonRequest, person_required
from absher.portal.access_log import access_lines

PAGE_SIZE = 20


@person_required(activated=False)
@require_GET
def dashboard(request: PersonRequest) -> HttpResponse:
    return render(
        request, "portal/me/dashboard.html", {"account": request.account, "person": request.person}
    )


@person_required(activated=False)
@require_POST
def sign_out_everywhere(request: PersonRequest) -> HttpResponse:
    logout_everywhere(user=request.account)
    logout(request)
    messages.success(
        request,
        _("You were signed out of Absher on every device, this one included. Sign in again."),
    )
    return redirect("portal:login")


@person_required(activated=False)
@require_GET
def inbox(request: PersonRequest) -> HttpResponse:
    page = Paginator(messages_for(person=request.person), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "portal/me/messages.html", {"page": page})


@person_required(activated=False)
@require_GET
def message_detail(request: PersonRequest, message_id: int) -> HttpResponse:
    """Opening a message marks it read."""
    try:
        message = message_mark_read(person=request.person, message_id=message_id)
    except NotFound as error:
        raise Http404(str(error.message)) from None
    return render(request, "portal/me/message.html", {"message": message})


@person_required(activated=False)
@require_GET
def access_log(request: PersonRequest) -> HttpResponse:
    page = Paginator(access_log_for(person=request.person), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "portal/me/access_log.html",
        {"page": page, "lines": access_lines(page.object_list)},
    )
