"""The production shape, started for real: `scripts/prodlike` brings up nginx, two gunicorn app
servers, a Celery worker and beat on the local PostgreSQL and Redis, and these tests talk to it over
HTTP through nginx, as a client would.

The stack under test is an instance of its own (state in var/prodlike-test, port 8410, database
absher_prodlike_test, Redis databases 12 and 13), started fresh once per run and stopped at the end,
so a stack a developer keeps running on the default port is left alone. Without nginx, PostgreSQL or
Redis the tests skip and say why; with REQUIRE_PRODLIKE=1 (CI) that is a failure."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "prodlike"
PORT = int(os.environ.get("PRODLIKE_TEST_PORT", "8410"))
INSTANCE = {
    "PRODLIKE_HOME": str(ROOT / "var" / "prodlike-test"),
    "PRODLIKE_PORT": str(PORT),
    "PRODLIKE_DATABASE": "absher_prodlike_test",
    "PRODLIKE_REDIS_DB": "12",
}
PG_HOST, PG_PORT = "127.0.0.1", 5432
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
START_TIMEOUT_SECONDS = 150


def _required() -> bool:
    return os.environ.get("REQUIRE_PRODLIKE", "").lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> None:
    if _required():
        pytest.fail(f"REQUIRE_PRODLIKE=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _listening(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        return probe.connect_ex((host, port)) == 0


def missing_requirement() -> str | None:
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        return "nginx is not installed (apt-get install -y nginx)"
    if not _listening(PG_HOST, PG_PORT):
        return f"no PostgreSQL on {PG_HOST}:{PG_PORT}"
    if not _listening(REDIS_HOST, REDIS_PORT):
        return f"no Redis on {REDIS_HOST}:{REDIS_PORT}"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    if "prodlike" in item.keywords:
        reason = missing_requirement()
        if reason is not None:
            _unavailable(reason)


@dataclass(frozen=True)
class Stack:
    base_url: str
    home: Path
    database: str
    metrics_token: str


def run_script(*arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **INSTANCE}
    return subprocess.run(
        [str(SCRIPT), *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_SECONDS,
        check=False,
    )


@pytest.fixture(scope="session")
def prodlike_stack() -> Iterator[Stack]:
    """The stack, started fresh (its database dropped, migrated, demo data loaded) and stopped at
    the end of the run; the stop must leave no process behind."""
    started = run_script("start", "--fresh")
    if started.returncode != 0:
        run_script("stop")
        pytest.fail(f"scripts/prodlike start failed:\n{started.stdout}\n{started.stderr}")
    home = Path(INSTANCE["PRODLIKE_HOME"])
    try:
        yield Stack(
            base_url=f"http://127.0.0.1:{PORT}",
            home=home,
            database=INSTANCE["PRODLIKE_DATABASE"],
            metrics_token=(home / "metrics_token").read_text().strip(),
        )
    finally:
        stopped = run_script("stop")
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        left = subprocess.run(
            ["pgrep", "-a", "-f", f"{home}/"], capture_output=True, text=True, check=False
        ).stdout
        assert left == "", f"processes left after stop:\n{left}"


class ProdlikeDatabase:
    """Reads from the stack's own database through the ORM (an extra alias), each read allowed on
    its own: nothing else in the run gets database access from it, and nothing is wrapped in a
    test transaction or flushed afterwards."""

    def __init__(self, alias: str, blocker: Any) -> None:
        self.alias = alias
        self.blocker = blocker

    def read(self, query: Any) -> Any:
        """`query(alias)` with database access allowed; returns its result."""
        with self.blocker.unblock():
            return query(self.alias)


@pytest.fixture(scope="session")
def prodlike_db(prodlike_stack: Stack, django_db_blocker: Any) -> Iterator[ProdlikeDatabase]:
    import environ
    from django.db import connections

    alias = "prodlike"
    url = f"postgres://postgres@{PG_HOST}:{PG_PORT}/{prodlike_stack.database}"
    config = environ.Env.db_url_config(url)
    # configure_settings fills in the defaults of every key (it wants a default alias beside it).
    connections.settings[alias] = connections.configure_settings({"default": {}, alias: config})[
        alias
    ]
    try:
        yield ProdlikeDatabase(alias, django_db_blocker)
    finally:
        with django_db_blocker.unblock():
            connections[alias].close()
        del connections.settings[alias]
