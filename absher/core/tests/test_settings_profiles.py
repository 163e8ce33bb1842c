import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class

ROOT = Path(__file__).resolve().parents[3]

PRINT_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
    "s.SECURE_SSL_REDIRECT, s.DEV_ENDPOINTS, s.CELERY_TASK_ALWAYS_EAGER)"
)


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    # Only what a deployment would set: none of the test run's own switches leak in.
    dropped = ("SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_profile_is_safe_by_default():
    result = _run(
        PRINT_SETTINGS,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="k" * 50,
        ALLOWED_HOSTS="absher.example.sa",
        DEBUG="true",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "31536000", "True", "False", "False"]


def test_production_profile_refuses_to_start_without_a_secret_key():
    result = _run(
        PRINT_SETTINGS,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        ALLOWED_HOSTS="absher.example.sa",
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_profile_passes_the_deployment_checklist():
    result = _run(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="a-long-random-production-secret-" + "x9Q2" * 10,
        ALLOWED_HOSTS="absher.example.sa",
        SMS_HTTP_URL="https://sms.example.sa/send",
    )

    assert result.returncode == 0, result.stderr + result.stdout


def test_production_urls_have_no_development_endpoints():
    result = _run(
        "import django; django.setup(); from django.urls import resolve, Resolver404\n"
        "try:\n    resolve('/dev/sms-outbox.json')\n    print('present')\n"
        "except Resolver404:\n    print('absent')",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="k" * 50,
        ALLOWED_HOSTS="absher.example.sa",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "absent"


@pytest.mark.parametrize("profile", ["config.settings.local", "config.settings.test"])
def test_development_profiles_run_jobs_in_process_and_send_sms_to_the_outbox(profile):
    result = _run(
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CELERY_TASK_ALWAYS_EAGER, s.SMS_GATEWAY, s.DEV_ENDPOINTS)",
        DJANGO_SETTINGS_MODULE=profile,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "outbox", "True"]


def test_runserver_listens_with_a_deep_backlog():
    command = load_command_class(get_commands()["runserver"], "runserver")

    assert get_commands()["runserver"] == "absher.core"
    assert command.server_cls.request_queue_size >= 32
