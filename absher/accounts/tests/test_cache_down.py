"""With Redis stopped, the limits that live in it cannot be kept, so what they guard stops: sending
a code, verifying one and taking a password answer 503 `service_unavailable` with a message in the
caller's language, and change nothing. Pages that need no limit still answer.

Redis "stops" by pointing the cache, built as the settings build it from REDIS_URL (django-redis),
at a port where nothing listens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client, override_settings

from absher.accounts.constants import OtpPurpose, OtpStatus
from absher.accounts.models import OtpChallenge, User
from absher.accounts.services.otp import ServiceUnavailable, otp_issue, otp_verify
from absher.accounts.tests.support import (
    PASSWORD,
    SIGNUP_E164,
    T0,
    last_code,
    login,
    make_partner,
    register,
    register_body,
    signed_post,
)
from absher.audit.models import AuditEvent
from absher.notifications.models import SmsMessage

pytestmark = pytest.mark.django_db

NOWHERE = "redis://127.0.0.1:1/0"
# As config.settings.base builds CACHES when REDIS_URL is set (the sessions' Redis defaults to it).
_OPTIONS = {
    "SOCKET_CONNECT_TIMEOUT": 2,
    "SOCKET_TIMEOUT": 2,
    "CONNECTION_POOL_KWARGS": {"health_check_interval": 30},
}
STOPPED_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": NOWHERE,
        "KEY_PREFIX": "absher",
        "OPTIONS": _OPTIONS,
    },
    "sessions": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": NOWHERE,
        "KEY_PREFIX": "absher-sessions",
        "OPTIONS": _OPTIONS,
    },
}
UNAVAILABLE_EN = "This service is temporarily unavailable. Please try again in a few minutes."
UNAVAILABLE_AR = "الخدمة غير متاحة مؤقتًا. يرجى المحاولة بعد بضع دقائق."


@pytest.fixture
def redis_stopped() -> Iterator[None]:
    with override_settings(CACHES=STOPPED_REDIS):
        yield


@pytest.fixture
def account(api, person, moved_clock) -> User:
    moved_clock(T0)
    register(api, person)
    return User.objects.get(username="saad.q")


def _assert_unavailable(response, language: str = "en") -> None:
    assert response.status_code == 503, response.content
    assert response.json() == {
        "code": "service_unavailable",
        "message": UNAVAILABLE_EN if language == "en" else UNAVAILABLE_AR,
        "details": {},
    }


def _state() -> tuple[list, int, int]:
    """What a refused request must leave as it was: challenges, texts and audit events."""
    challenges = list(
        OtpChallenge.objects.order_by("id").values_list("public_id", "status", "attempts", "sends")
    )
    return challenges, SmsMessage.objects.count(), AuditEvent.objects.count()


def test_the_stopped_cache_really_refuses(redis_stopped):
    from django.core.cache import cache

    with pytest.raises(Exception, match=r"127\.0\.0\.1:1"):
        cache.get("anything")


# --- sign-in --------------------------------------------------------------------------------------


def test_the_password_step_fails_closed_for_a_known_and_an_unknown_username(account, api):
    before = _state()

    with override_settings(CACHES=STOPPED_REDIS):
        known = api.post("/api/v1/auth/login", {"username": "saad.q", "password": PASSWORD})
        wrong = api.post("/api/v1/auth/login", {"username": "saad.q", "password": "Wrong2030xx"})
        unknown = api.post("/api/v1/auth/login", {"username": "nobody.x", "password": PASSWORD})
        arabic = api.post(
            "/api/v1/auth/login",
            {"username": "saad.q", "password": PASSWORD},
            headers={"Accept-Language": "ar"},
        )

    for response in (known, wrong, unknown):
        _assert_unavailable(response)
    _assert_unavailable(arabic, "ar")
    assert _state() == before
    account.refresh_from_db()
    assert account.failed_login_count == 0
    assert account.locked_until is None


def test_a_sign_in_code_is_not_verified_while_the_cache_is_down_and_works_after(account, api):
    started = api.post("/api/v1/auth/login", {"username": "saad.q", "password": PASSWORD})
    challenge_id = started.json()["challenge_id"]
    code = last_code(SIGNUP_E164)
    before = _state()

    with override_settings(CACHES=STOPPED_REDIS):
        right = api.post("/api/v1/auth/login/verify", {"challenge_id": challenge_id, "code": code})
        wrong = api.post(
            "/api/v1/auth/login/verify", {"challenge_id": challenge_id, "code": "000000"}
        )

    _assert_unavailable(right)
    _assert_unavailable(wrong)
    assert _state() == before
    after = api.post("/api/v1/auth/login/verify", {"challenge_id": challenge_id, "code": code})
    assert after.status_code == 200
    assert "access_token" in after.json()


# --- codes ----------------------------------------------------------------------------------------


def test_registration_sends_no_code_while_the_cache_is_down(api, person):
    before = _state()

    with override_settings(CACHES=STOPPED_REDIS):
        response = api.post("/api/v1/auth/register", register_body(person))

    _assert_unavailable(response)
    assert _state() == before
    assert not User.objects.exists()


def test_registration_is_not_completed_while_the_cache_is_down(api, person, moved_clock):
    moved_clock(T0)
    started = api.post("/api/v1/auth/register", register_body(person))
    body = {"challenge_id": started.json()["challenge_id"], "code": last_code(SIGNUP_E164)}
    before = _state()

    with override_settings(CACHES=STOPPED_REDIS):
        response = api.post("/api/v1/auth/register/verify", body)

    _assert_unavailable(response)
    assert _state() == before
    assert not User.objects.exists()
    assert api.post("/api/v1/auth/register/verify", body).status_code == 201


def test_resending_and_password_reset_send_nothing_while_the_cache_is_down(
    account, api, person, moved_clock
):
    started = api.post("/api/v1/auth/login", {"username": "saad.q", "password": PASSWORD})
    moved_clock(T0.replace(minute=T0.minute + 2))
    before = _state()

    with override_settings(CACHES=STOPPED_REDIS):
        resent = api.post(
            "/api/v1/auth/otp/resend", {"challenge_id": started.json()["challenge_id"]}
        )
        reset = api.post(
            "/api/v1/auth/password-reset",
            {"id_number": person.id_number, "date_of_birth": person.date_of_birth.isoformat()},
        )
        reset_unknown = api.post(
            "/api/v1/auth/password-reset",
            {"id_number": person.id_number, "date_of_birth": "1970-01-01"},
        )

    for response in (resent, reset, reset_unknown):
        _assert_unavailable(response)
    assert _state() == before


def test_activation_sends_no_code_and_takes_no_activation_code_while_the_cache_is_down(
    account, api, person
):
    login(api)
    before = _state()

    with override_settings(CACHES=STOPPED_REDIS):
        by_national_id = api.post(
            "/api/v1/activation/national-id",
            {"id_number": person.id_number, "date_of_birth": person.date_of_birth.isoformat()},
        )
        by_code = api.post("/api/v1/activation/code", {"code": "12345678"})

    _assert_unavailable(by_national_id)
    _assert_unavailable(by_code)
    assert _state() == before
    account.refresh_from_db()
    assert account.status == "registered"


def test_the_services_refuse_before_changing_anything(redis_stopped):
    with pytest.raises(ServiceUnavailable) as refused:
        otp_issue(purpose=OtpPurpose.LOGIN, subject="user:1", mobile="+966500000001")

    assert refused.value.code == "service_unavailable"
    assert refused.value.http_status == 503
    assert not OtpChallenge.objects.exists()
    assert not SmsMessage.objects.exists()


def test_verifying_refuses_and_leaves_the_challenge_as_it_was(moved_clock):
    moved_clock(T0)
    challenge = otp_issue(purpose=OtpPurpose.LOGIN, subject="user:1", mobile="+966500000001")

    with override_settings(CACHES=STOPPED_REDIS), pytest.raises(ServiceUnavailable):
        otp_verify(challenge_id=str(challenge.public_id), code="000000", purpose=OtpPurpose.LOGIN)

    challenge.refresh_from_db()
    assert (challenge.status, challenge.attempts) == (OtpStatus.PENDING, 0)


def test_a_signed_integration_call_is_refused_when_its_nonce_cannot_be_remembered(api, person):
    """A nonce that cannot be stored could be replayed: the call is refused, not let through."""
    bank = make_partner()
    before = _state()

    with override_settings(CACHES=STOPPED_REDIS):
        response = signed_post(
            api, bank, "/api/v1/integrations/sadad/inquiry", {"id_number": person.id_number}
        )

    _assert_unavailable(response)
    assert _state() == before


# --- the portal -----------------------------------------------------------------------------------


def test_the_portal_sign_in_and_registration_pages_say_so_in_arabic(account, person):
    browser = Client()
    other = {**register_body(person), "username": "other.one", "password_again": PASSWORD}

    with override_settings(CACHES=STOPPED_REDIS):
        signed_in = browser.post("/login/", {"identifier": "saad.q", "password": PASSWORD})
        registered = browser.post("/register/", {**other, "calendar": "gregorian"})
        reset = browser.post(
            "/password-reset/",
            {
                "id_number": person.id_number,
                "date_of_birth": person.date_of_birth.isoformat(),
                "calendar": "gregorian",
            },
        )

    for page in (signed_in, registered, reset):
        assert page.status_code == 503
        assert UNAVAILABLE_AR in page.content.decode()
    assert "_auth_user_id" not in browser.session


def test_the_portal_code_page_says_so_and_signs_nobody_in(
    account, django_capture_on_commit_callbacks
):
    browser = Client()
    with django_capture_on_commit_callbacks(execute=True):
        started = browser.post("/login/", {"identifier": "saad.q", "password": PASSWORD})
    assert started.status_code == 302
    code = last_code(SIGNUP_E164)

    with override_settings(CACHES=STOPPED_REDIS):
        refused = browser.post("/login/verify/", {"code": code})

    assert refused.status_code == 503
    assert UNAVAILABLE_AR in refused.content.decode()
    assert "_auth_user_id" not in browser.session
    signed_in = browser.post("/login/verify/", {"code": code})
    assert signed_in.status_code == 302
    assert "_auth_user_id" in browser.session


# --- what still answers ---------------------------------------------------------------------------


def test_public_pages_still_answer(redis_stopped, standard_catalogue_rows):
    browser = Client()

    home = browser.get("/")
    health = browser.get("/healthz")
    catalogue = browser.get("/api/v1/departments")
    login_page = browser.get("/login/")
    ready = browser.get("/readyz")

    assert home.status_code == 200
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    assert catalogue.status_code == 200
    assert catalogue.json()["items"]
    assert login_page.status_code == 200
    # The readiness probe tells the load balancer what is wrong.
    assert ready.status_code == 503
    assert ready.json()["checks"]["cache"] == "unavailable"


@override_settings(
    CACHES=STOPPED_REDIS,
    # As production runs with Redis: web sessions in it too, and the signed-in account cached.
    SESSION_ENGINE="django.contrib.sessions.backends.cache",
    SESSION_CACHE_ALIAS="sessions",
    AUTH_USER_CACHE_SECONDS=300,
)
def test_public_pages_still_answer_with_the_sessions_in_the_stopped_redis(
    standard_catalogue_rows,
):
    browser = Client()

    assert browser.get("/").status_code == 200
    assert browser.get("/healthz").status_code == 200
    assert browser.get("/api/v1/departments").status_code == 200
    assert browser.get("/login/").status_code == 200
    refused = browser.post("/login/", {"identifier": "saad.q", "password": PASSWORD})
    assert refused.status_code == 503
    assert UNAVAILABLE_AR in refused.content.decode()


@pytest.fixture
def standard_catalogue_rows(db) -> None:
    """The catalogue of the data migration is there in a non-transactional test already."""
    from absher.catalog.models import Department

    assert Department.objects.exists()
