"""The production profile's shape: psycopg's pool (or pgbouncer settings), sessions and the
signed-in account in Redis only when Redis is there, and a gunicorn configuration that loads the
application."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PG_URL = "postgres://postgres@127.0.0.1:5432/absher"
SHAPE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "d = s.DATABASES['default']; "
    "print(json.dumps({'pool': d.get('OPTIONS', {}).get('pool'), 'age': d['CONN_MAX_AGE'], "
    "'cursors': d.get('DISABLE_SERVER_SIDE_CURSORS'), 'sessions': s.SESSION_ENGINE, "
    "'user_cache': s.AUTH_USER_CACHE_SECONDS}))"
)


def _production(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    dropped = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "DB_POOL")
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    clean.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="k" * 50,
        ALLOWED_HOSTS="absher.example.sa",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _shape(**env: str) -> dict:
    result = _production(SHAPE, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_on_postgresql_production_uses_the_psycopg_pool_without_persistent_connections():
    shape = _shape(DATABASE_URL=PG_URL, REDIS_URL="redis://127.0.0.1:6379/0")

    # A short wait for a connection: with the server down a request answers 503 within 2 s.
    assert shape["pool"] == {"min_size": 2, "max_size": 8, "timeout": 1.5, "max_idle": 300.0}
    assert shape["age"] == 0
    assert shape["cursors"] is False


def test_behind_pgbouncer_the_pool_and_server_side_cursors_are_off():
    shape = _shape(DATABASE_URL=PG_URL, DB_POOL="false", DB_DISABLE_SERVER_SIDE_CURSORS="true")

    assert shape["pool"] is None
    assert shape["age"] == 60
    assert shape["cursors"] is True


def test_with_redis_sessions_and_the_signed_in_account_live_in_the_cache():
    shape = _shape(REDIS_URL="redis://127.0.0.1:6379/0")

    assert shape["sessions"] == "django.contrib.sessions.backends.cache"
    assert shape["user_cache"] == 300


def test_without_a_shared_cache_nothing_is_cached_per_process():
    shape = _shape()

    assert shape["sessions"] == "django.contrib.sessions.backends.db"
    assert shape["user_cache"] == 0


@pytest.mark.postgres
def test_the_pool_serves_queries_on_postgresql():
    # The server under test, its maintenance database (always there; nothing is written).
    url = os.environ.get("DATABASE_URL", PG_URL).rsplit("/", 1)[0] + "/postgres"
    result = _production(
        "import django; django.setup(); from django.db import connection\n"
        "for _ in range(3):\n"
        "    with connection.cursor() as cursor:\n"
        "        cursor.execute('SELECT 1'); assert cursor.fetchone() == (1,)\n"
        "    connection.close()\n"
        "print(type(connection.pool).__name__, connection.pool.get_stats()['requests_num'])",
        DATABASE_URL=url,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ConnectionPool", "3"]


def test_the_gunicorn_configuration_loads_the_application():
    gunicorn = Path(sys.executable).parent / "gunicorn"
    result = subprocess.run(
        [
            str(gunicorn),
            "--config",
            str(ROOT / "config" / "gunicorn.conf.py"),
            "--check-config",
            "config.wsgi:application",
        ],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": "k" * 50,
            "ALLOWED_HOSTS": "absher.example.sa",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
