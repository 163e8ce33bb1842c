"""The JSON API, version 1: the contract mobile apps, banks and authorities build against."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.errors import ValidationError as NinjaValidationError

from absher.api.errors import error_response
from absher.core.errors import ApplicationError

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="Absher e-services API",
    version="1",
    description=(
        "Citizen and resident e-services, and the integration endpoints used by banks, SADAD, "
        "authorities and payment gateways. Errors are `{code, message, details}` with the message "
        "in the language of `Accept-Language` (ar or en)."
    ),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
)


def _activate_language(request: HttpRequest) -> None:
    # LocaleMiddleware already picked a language from Accept-Language; keep it explicit for the API
    # so a cookie from the portal never overrides what the client asked for.
    header = request.headers.get("Accept-Language", "")
    preferred = header.split(",")[0].split(";")[0].strip().lower()[:2]
    translation.activate(preferred if preferred in ("ar", "en") else "ar")


@api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    _activate_language(request)
    return error_response(exc.code, exc.message, exc.http_status, exc.extra)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    _activate_language(request)
    fields = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload")]
        fields.append({"field": ".".join(location), "problem": error.get("msg", "")})
    return error_response(
        "validation_error", _("Some fields are missing or malformed."), 422, {"fields": fields}
    )


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    _activate_language(request)
    return error_response("not_authenticated", _("Sign in to use this service."), 401)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    _activate_language(request)
    codes = {
        400: ("bad_request", _("The request could not be read.")),
        404: ("not_found", _("The requested address does not exist.")),
        405: ("method_not_allowed", _("This method is not allowed here.")),
    }
    code, message = codes.get(exc.status_code, ("request_refused", _("The request was refused.")))
    return error_response(code, message, exc.status_code)


@api.exception_handler(Exception)
def _unexpected_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled API error", extra={"path": request.path})
    _activate_language(request)
    return error_response(
        "internal_error", _("An unexpected error occurred. Please try again later."), 500
    )


from absher.api.v1.catalog import router as _catalog_router  # noqa: E402

api.add_router("/departments", _catalog_router)
