"""Reliability under faults: the platform served for real (gunicorn, production settings) while
its dependencies go down and come back."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from absher.backoffice.tests.conftest import (  # noqa: F401 (the back-office staff fixtures)
    _fresh_cache,
    agent,
    agent_client,
    authority,
    make_staff,
    office,
)
from tests.reliability.tcp_proxy import TcpProxy

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
STATIC_ROOT = Path(os.environ.get("RELIABILITY_STATIC_ROOT", "/tmp/absher_rel_static"))  # noqa: S108
# Redis databases of these tests (cache, sessions and broker of the app under test).
REDIS_DB = 13
PG_UPSTREAM = ("127.0.0.1", 5432)
START_TIMEOUT_SECONDS = 60


@dataclass
class Served:
    base_url: str
    proxy: TcpProxy
    process: subprocess.Popen[bytes]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(database_url: str) -> dict[str, str]:
    kept = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER")
    environment = {name: os.environ[name] for name in kept if name in os.environ}
    environment.update(
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="reliability-tests-secret-key-not-for-production-0123456789",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        DATABASE_URL=database_url,
        REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        CELERY_BROKER_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        CACHE_KEY_PREFIX="absher-rel",
        SMS_GATEWAY="outbox",
        STATIC_ROOT=str(STATIC_ROOT),
        ABSHER_VAR_DIR="/tmp/absher_rel_var",  # noqa: S108
        LOG_FORMAT="json",
        LOG_LEVEL="WARNING",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="4",
    )
    return environment


@pytest.fixture(scope="session")
def collected_static() -> Path:
    """The production storage serves hashed names from a manifest: collected once per run."""
    if not (STATIC_ROOT / "staticfiles.json").exists():
        environment = _environment("postgres://postgres@127.0.0.1:5432/postgres")
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=environment,
            check=True,
        )
    return STATIC_ROOT


def get(
    url: str,
    *,
    headers: dict[str, str] | None = None,
    data: bytes | None = None,
    timeout: float = 10.0,
) -> tuple[int, dict[str, str], bytes, float]:
    """(status, headers, body, seconds) of one request, errors included."""
    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read()
            return response.status, dict(response.headers), body, time.monotonic() - started
    except urllib.error.HTTPError as error:
        body = error.read()
        return error.code, dict(error.headers), body, time.monotonic() - started


@pytest.fixture
def served(transactional_db, collected_static: Path) -> Iterator[Served]:
    """gunicorn with the production settings, talking to the test database through a proxy."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    gunicorn = VENV_BIN / "gunicorn"
    if not gunicorn.exists() or not _redis_up():
        pytest.skip("needs gunicorn and Redis")
    proxy = TcpProxy(upstream=PG_UPSTREAM)
    proxy.start()
    name = connection.settings_dict["NAME"]
    port = _free_port()
    environment = _environment(f"postgres://postgres@127.0.0.1:{proxy.port}/{name}")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "--config",
            str(ROOT / "config" / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "config.wsgi:application",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        try:
            if get(f"{base_url}/healthz", timeout=2)[0] == 200:
                break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            stderr = process.stderr.read().decode() if process.stderr else ""
            proxy.stop()
            pytest.fail(f"gunicorn did not start:\n{stderr[-3000:]}")
        time.sleep(0.3)
    try:
        yield Served(base_url=base_url, proxy=proxy, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        proxy.stop()
        # The app's pooled connections are gone with it; the test database can be flushed.


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False
