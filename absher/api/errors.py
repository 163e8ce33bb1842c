"""Every API error has one shape: `{"code", "message", "details"}` with the message in the language
the client asked for (Accept-Language). Unknown URLs and server errors under /api/ answer in it too."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def error_body(code: str, message: Any, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": str(message), "details": details or {}}


def error_response(
    code: str, message: Any, status: int, details: dict[str, Any] | None = None
) -> JsonResponse:
    return JsonResponse(
        error_body(code, message, details), status=status, json_dumps_params={"ensure_ascii": False}
    )


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return error_response("not_found", _("The requested address does not exist."), 404)
    return render(request, "portal/errors/404.html", status=404)


def handler500(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return error_response(
            "internal_error", _("An unexpected error occurred. Please try again later."), 500
        )
    return render(request, "portal/errors/500.html", status=500)
