"""Who may open which portal page.

Every page of a signed-in person is wrapped in `person_required`. By default it also demands an
activated account (تفعيل الخدمات الإلكترونية), so a new e-service page is closed to registered-only
accounts unless it says otherwise; the few pages such an account may reach (profile, messages,
access log, activation) declare `person_required(activated=False)`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast, overload

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from absher.accounts.models import User
from absher.accounts.services.activation import account_not_activated
from absher.identity.models import Person

View = Callable[..., HttpResponse]


class PersonRequest(HttpRequest):
    """A request that passed `person_required`: the signed-in account and its registry person."""

    account: User
    person: Person


@overload
def person_required(view: View) -> View: ...


@overload
def person_required(*, activated: bool = True) -> Callable[[View], View]: ...


def person_required(
    view: View | None = None, *, activated: bool = True
) -> View | Callable[[View], View]:
    """Anonymous visitors go to the sign-in page and come back afterwards; a signed-in account
    without a registry person (staff) gets a 403 page; with `activated`, a registered-only
    account gets the 403 page that says to activate e-services first, with a link to activation."""

    def decorator(inner: View) -> View:
        @wraps(inner)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            account = cast(User, request.user)
            if account.person_id is None:
                return render(request, "portal/errors/not_a_person.html", status=403)
            if activated and not account.is_activated:
                return not_activated(request)
            request.account = account  # type: ignore[attr-defined]
            request.person = account.person  # type: ignore[attr-defined]
            return inner(request, *args, **kwargs)

        guarded.activation_required = activated  # type: ignore[attr-defined]
        return guarded

    if view is not None:
        return decorator(view)
    return decorator


def not_activated(request: HttpRequest) -> HttpResponse:
    """The 403 page of an e-service opened by a registered-only account."""
    refusal = account_not_activated()
    return render(
        request,
        "portal/errors/not_activated.html",
        {"refusal": refusal},
        status=refusal.http_status,
    )
