"""The sandbox gateway's pages and its refund API. Views parse input, call one service and render
the result; the rules live in services.py and cards.py."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from sandbox_gateway import clock, services
from sandbox_gateway.cards import card_read, one_time_code_read
from sandbox_gateway.constants import (
    CHECKOUT_FINAL,
    RECENT_ROWS,
    TEST_CARDS,
    WEBHOOK_PATH,
    AttemptStatus,
)
from sandbox_gateway.models import SandboxAttempt, SandboxCheckout, WebhookDelivery
from sandbox_gateway.signing import RequestRefused, request_verify
from sandbox_gateway.text import amount_display, language_choose, text_for

RIYADH = ZoneInfo("Asia/Riyadh")
# The fields of the card form a person may see again after a mistake; never the number or CVV.
_FIELDS_KEPT = ("cardholder", "expiry")
_CARD_FIELDS = ("cardholder", "card_number", "expiry", "cvv")


def _page(
    request: HttpRequest,
    template: str,
    *,
    lang: str,
    status: int = 200,
    checkout: SandboxCheckout | None = None,
    switch_path: str = "",
    **context: Any,
) -> HttpResponse:
    """A page in `lang`. Its language switch leads to the checkout's own page (the signed entry
    URL cannot change its `lang`). A page with a form whose answer redirects to the platform
    allows that redirect in the Content-Security-Policy's form-action."""
    lang = language_choose(lang)
    other = "en" if lang == "ar" else "ar"
    if not switch_path:
        switch_path = (
            reverse("sandbox_gateway:checkout", kwargs={"token": checkout.token})
            if checkout is not None
            else request.path
        )
    response = render(
        request,
        f"sandbox_gateway/{template}",
        {
            "lang": lang,
            "dir": "rtl" if lang == "ar" else "ltr",
            "other_lang": other,
            "other_dir": "rtl" if other == "ar" else "ltr",
            "language_switch_url": f"{switch_path}?{urlencode({'lang': other})}",
            "t": text_for(lang),
            "checkout": checkout,
            **context,
        },
        status=status,
    )
    if checkout is not None:
        parts = urlsplit(checkout.return_url)
        response._csp_update = {"form-action": [f"{parts.scheme}://{parts.netloc}"]}  # type: ignore[attr-defined]
    return response


def _summary(checkout: SandboxCheckout, lang: str) -> dict[str, str]:
    expires = checkout.expires_at.astimezone(RIYADH)
    return {
        "amount": amount_display(checkout.amount, lang),
        "expires": expires.strftime("%Y-%m-%d %H:%M"),
    }


def _test_cards(lang: str) -> list[dict[str, str]]:
    t = text_for(lang)
    return [
        {
            "number": " ".join(number[i : i + 4] for i in range(0, len(number), 4)),
            "result": t[f"test_card_{behaviour}"],
        }
        for number, behaviour in TEST_CARDS.items()
    ]


def _pay_page(
    request: HttpRequest,
    checkout: SandboxCheckout,
    *,
    lang: str,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HttpResponse:
    t = text_for(lang)
    errors = errors or {}
    return _page(
        request,
        "pay.html",
        lang=lang,
        checkout=checkout,
        summary=_summary(checkout, lang),
        errors=[(field, t[key]) for field, key in errors.items()],
        error_for={field: t[key] for field, key in errors.items()},
        values=values or {},
        test_cards=_test_cards(lang),
    )


def _respond(request: HttpRequest, outcome: services.Outcome, *, lang: str) -> HttpResponse:
    checkout = outcome.checkout
    kind = outcome.kind
    if kind == services.OutcomeKind.RETURNED:
        return HttpResponseRedirect(
            services.return_url_build(
                checkout=checkout, status=outcome.status, charge_id=outcome.charge_id
            )
        )
    if kind == services.OutcomeKind.CHALLENGE:
        assert outcome.attempt is not None
        url = reverse(
            "sandbox_gateway:challenge",
            kwargs={"token": checkout.token, "attempt_id": outcome.attempt.attempt_id},
        )
        return HttpResponseRedirect(f"{url}?{urlencode({'lang': lang})}")
    if kind == services.OutcomeKind.ALREADY_PAID:
        return _already_paid_page(request, checkout, lang=lang)
    if kind == services.OutcomeKind.EXPIRED:
        return _expired_page(request, checkout, lang=lang)
    url = reverse("sandbox_gateway:checkout", kwargs={"token": checkout.token})
    return HttpResponseRedirect(f"{url}?{urlencode({'lang': lang})}")


def _already_paid_page(
    request: HttpRequest, checkout: SandboxCheckout, *, lang: str
) -> HttpResponse:
    return _page(
        request,
        "already_paid.html",
        lang=lang,
        checkout=checkout,
        summary=_summary(checkout, lang),
        return_url=services.return_url_build(
            checkout=checkout, status="paid", charge_id=checkout.charge_id
        ),
    )


def _expired_page(request: HttpRequest, checkout: SandboxCheckout, *, lang: str) -> HttpResponse:
    return _page(
        request,
        "expired.html",
        lang=lang,
        status=410,
        checkout=checkout,
        summary=_summary(checkout, lang),
        return_url=services.return_url_build(checkout=checkout, status="cancelled", charge_id=""),
    )


def _refused_page(
    request: HttpRequest, code: str, *, lang: str, merchant_home: str = "", status: int = 400
) -> HttpResponse:
    """Bilingual: the requested language first, the other one below it (the request that
    chose the language may be the one at fault)."""
    lang = language_choose(lang)
    other = "en" if lang == "ar" else "ar"
    explanations = [
        {
            "lang": language,
            "dir": "rtl" if language == "ar" else "ltr",
            "title": text_for(language)[
                "not_found_title" if code == "not_found" else "refused_title"
            ],
            "reason": text_for(language)[
                "not_found_text" if code == "not_found" else f"refused_{code}"
            ],
            "advice": "" if code == "not_found" else text_for(language)["refused_advice"],
            "return_label": text_for(language)["return_to_merchant"],
        }
        for language in (lang, other)
    ]
    return _page(
        request,
        "refused.html",
        lang=lang,
        status=status,
        language_switch_url="",  # the page is in both languages already
        code=code,
        explanations=explanations,
        merchant_home=merchant_home,
    )


def _webhook_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(WEBHOOK_PATH)


def _checkout_by_token(token: str) -> SandboxCheckout | None:
    return SandboxCheckout.objects.filter(token=token).first()


def _request_lang(request: HttpRequest, checkout: SandboxCheckout) -> str:
    chosen = request.POST.get("lang") or request.GET.get("lang")
    return language_choose(chosen) if chosen else language_choose(checkout.lang)


@never_cache
@require_GET
def checkout_entry(request: HttpRequest) -> HttpResponse:
    """The platform's signed redirect: opens (or reopens) the checkout and shows its page."""
    lang = language_choose(request.GET.get("lang"))
    try:
        params = services.checkout_params_read(dict(request.GET.lists()))
        checkout = services.checkout_open(params=params)
    except services.CheckoutRefused as refusal:
        return _refused_page(request, refusal.code, lang=lang, merchant_home=refusal.merchant_home)
    return _checkout_page(request, checkout, lang=params.lang)


def _checkout_page(request: HttpRequest, checkout: SandboxCheckout, *, lang: str) -> HttpResponse:
    if checkout.status in CHECKOUT_FINAL:
        return _already_paid_page(request, checkout, lang=lang)
    if services.checkout_is_expired(checkout):
        return _expired_page(request, checkout, lang=lang)
    return _pay_page(request, checkout, lang=lang)


@never_cache
@sensitive_post_parameters(*_CARD_FIELDS)
@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest, token: str) -> HttpResponse:
    """The hosted page's card form and what its Pay and Cancel buttons do."""
    found = _checkout_by_token(token)
    if found is None:
        lang = language_choose(request.POST.get("lang") or request.GET.get("lang"))
        return _refused_page(request, "not_found", lang=lang, status=404)
    lang = _request_lang(request, found)
    if request.method == "GET":
        return _checkout_page(request, found, lang=lang)
    if request.POST.get("action") == "cancel":
        return _respond(request, services.checkout_cancel(checkout_id=found.pk), lang=lang)
    card, errors = card_read(request.POST, today=clock.now().date())
    if card is None:
        if found.status in CHECKOUT_FINAL or services.checkout_is_expired(found):
            return _checkout_page(request, found, lang=lang)
        values = {field: request.POST.get(field, "") for field in _FIELDS_KEPT}
        return _pay_page(request, found, lang=lang, errors=errors, values=values)
    outcome = services.checkout_pay(
        checkout_id=found.pk, card=card, webhook_url=_webhook_url(request)
    )
    return _respond(request, outcome, lang=lang)


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def challenge(request: HttpRequest, token: str, attempt_id: str) -> HttpResponse:
    """The 3-D Secure page: the issuer asks for a one-time code."""
    found = _checkout_by_token(token)
    attempt: SandboxAttempt | None = (
        found.attempts.filter(attempt_id=attempt_id).first() if found else None
    )
    if found is None or attempt is None:
        lang = language_choose(request.POST.get("lang") or request.GET.get("lang"))
        return _refused_page(request, "not_found", lang=lang, status=404)
    lang = _request_lang(request, found)
    if request.method == "POST" and request.POST.get("action") == "cancel":
        return _respond(request, services.checkout_cancel(checkout_id=found.pk), lang=lang)
    code = one_time_code_read(request.POST) if request.method == "POST" else ""
    if code:
        outcome = services.attempt_challenge_answer(
            checkout_id=found.pk,
            attempt_id=attempt.attempt_id,
            code=code,
            webhook_url=_webhook_url(request),
        )
        return _respond(request, outcome, lang=lang)
    if attempt.status != AttemptStatus.AWAITING_3DS or found.status in CHECKOUT_FINAL:
        return _respond(
            request, services.Outcome(kind=services.OutcomeKind.STALE, checkout=found), lang=lang
        )
    if services.checkout_is_expired(found):
        return _expired_page(request, found, lang=lang)
    t = text_for(lang)
    return _page(
        request,
        "challenge.html",
        lang=lang,
        checkout=found,
        switch_path=request.path,
        attempt=attempt,
        summary=_summary(found, lang),
        challenge_text=t["challenge_text"].format(last4=attempt.card_last4),
        error=t["error_code_required"] if request.method == "POST" else "",
    )


@never_cache
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """What happened: the latest checkouts and webhook deliveries, for an integrator."""
    lang = language_choose(request.GET.get("lang"))
    t = text_for(lang)
    checkouts = [
        {
            "row": row,
            "amount": amount_display(row.amount, lang),
            "status": t[f"status_{row.status}"],
        }
        for row in SandboxCheckout.objects.all()[:RECENT_ROWS]
    ]
    deliveries = [
        {
            "row": row,
            "outcome": t[f"status_{row.outcome}"],
            "status": t[f"delivery_{row.status}"],
        }
        for row in WebhookDelivery.objects.select_related("checkout")[:RECENT_ROWS]
    ]
    return _page(request, "index.html", lang=lang, checkouts=checkouts, deliveries=deliveries)


_REFUSAL_MESSAGES = {
    "bad_signature": "The request signature is not valid.",
    "stale_timestamp": "The request timestamp is more than 5 minutes away from the gateway's time.",
    "replayed_request": "This request was already received (same nonce).",
    "charge_not_found": "No charge has this id.",
    "amount_mismatch": "The amount is not the amount charged.",
    "invalid_request": 'The body must be JSON {"charge_id": string, "amount": integer}.',
    "method_not_allowed": "Use POST.",
}


def _api_error(code: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "message": _REFUSAL_MESSAGES[code]}, status=status)


@csrf_exempt
def refunds(request: HttpRequest) -> JsonResponse:
    """POST /sandbox-gateway/api/refunds, signed by the platform: hands a charge back."""
    if request.method != "POST":
        response = _api_error("method_not_allowed", 405)
        response["Allow"] = "POST"
        return response
    try:
        request_verify(
            headers=request.headers,
            method=request.method,
            path=request.get_full_path(),
            body=request.body,
        )
    except RequestRefused as refusal:
        return _api_error(refusal.code, 401)
    try:
        data = json.loads(request.body)
        charge_id, amount = data["charge_id"], data["amount"]
    except (ValueError, TypeError, KeyError):
        return _api_error("invalid_request", 400)
    if not isinstance(charge_id, str) or not isinstance(amount, int) or isinstance(amount, bool):
        return _api_error("invalid_request", 400)
    try:
        result = services.charge_refund(charge_id=charge_id, amount=amount)
    except services.RefundRefused as refusal:
        return _api_error(refusal.code, refusal.http_status)
    return JsonResponse({"result": result, "charge_id": charge_id})
