"""Every API error has one shape: `{"code", "message", "details"}` with the message in the language
the client asked for (Accept-Language). Unknown URLs, refused methods and server errors under /api/
answer in it too."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from absher.core.errors import ApplicationError
from absher.core.unavailable import (
    RETRY_AFTER_SECONDS,
    dependency_failure,
    dependency_unavailable,
    log_dependency_failure,
)

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


def error_body(code: str, message: Any, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": str(message), "details": details or {}}


def error_response(
    code: str, message: Any, status: int, details: dict[str, Any] | None = None
) -> JsonResponse:
    return JsonResponse(
        error_body(code, message, details), status=status, json_dumps_params={"ensure_ascii": False}
    )


def api_language(request: HttpRequest) -> str:
    """The API speaks the language of Accept-Language (ar or en, Arabic when neither is asked for);
    a portal language cookie never overrides what a client asked for."""
    header = request.headers.get("Accept-Language", "")
    for part in header.split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in ("ar", "en"):
            return tag
    return "ar"


def _status_error(status: int) -> tuple[str, Any]:
    known = {
        400: ("bad_request", _("The request could not be read. Send valid JSON.")),
        401: ("not_authenticated", _("Sign in to use this service.")),
        403: ("forbidden", _("You are not allowed to do this.")),
        404: ("not_found", _("The requested address does not exist.")),
        405: ("method_not_allowed", _("This method is not allowed on this address.")),
        413: ("request_too_large", _("The request is too large.")),
        429: ("too_many_requests", _("Too many requests. Please wait and try again.")),
    }
    if status in known:
        return known[status]
    if status >= 500:
        return ("internal_error", _("An unexpected error occurred. Please try again later."))
    return ("request_refused", _("The request was refused."))


def install_error_handlers(api: NinjaAPI) -> None:
    """Maps every error an API operation can raise to the SPEC error body."""

    def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        with translation.override(api_language(request)):
            return error_response(exc.code, exc.message, exc.http_status, exc.extra)

    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields = []
        for error in exc.errors:
            location = [str(p) for p in error.get("loc", ()) if p not in ("body", "payload")]
            fields.append({"field": ".".join(location), "problem": error.get("msg", "")})
        with translation.override(api_language(request)):
            return error_response(
                "validation_error",
                _("Some fields are missing or malformed."),
                422,
                {"fields": fields},
            )

    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        with translation.override(api_language(request)):
            return error_response(*_status_error(401), 401)

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        with translation.override(api_language(request)):
            code, message = _status_error(exc.status_code)
            return error_response(code, message, exc.status_code)

    def unexpected_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        if dependency_failure(exc):
            log_dependency_failure(exc, path=request.path)
            return _unavailable_response(request)
        logger.exception("unhandled API error", extra={"path": request.path})
        with translation.override(api_language(request)):
            return error_response(*_status_error(500), 500)

    handlers: list[tuple[type[Exception], Callable[..., HttpResponse]]] = [
        (ApplicationError, application_error),
        (ValidationError, validation_error),
        (AuthenticationError, authentication_error),
        (HttpError, http_error),
        (Exception, unexpected_error),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)


class ApiErrorShapeMiddleware:
    """Responses under /api/ that Django or the router produced without going through the handlers
    above (a refused method, a CSRF or size refusal) get the same error body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            with translation.override(api_language(request)):
                shaped = error_response(*_status_error(response.status_code), response.status_code)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    shaped[header] = response[header]
            return shaped
        return response


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        with translation.override(api_language(request)):
            return error_response(*_status_error(404), 404)
    return render(request, "portal/errors/404.html", status=404)


def _unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 while a backing service is down: the SPEC error body under /api/, else a standalone page
    rendered without the request (no session, account or database is touched)."""
    response: HttpResponse
    if request.path.startswith(API_PREFIX):
        with translation.override(api_language(request)):
            error = dependency_unavailable()
            response = error_response(error.code, error.message, 503)
    else:
        response = HttpResponse(render_to_string("portal/errors/503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def handler500(request: HttpRequest) -> HttpResponse:
    failure = sys.exc_info()[1]
    if failure is not None and dependency_failure(failure):
        log_dependency_failure(failure, path=request.path)
        return _unavailable_response(request)
    if request.path.startswith(API_PREFIX):
        with translation.override(api_language(request)):
            return error_response(*_status_error(500), 500)
    return render(request, "portal/errors/500.html", status=500)
