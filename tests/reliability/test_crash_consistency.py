"""`scripts/crash_consistency.py` with one run per job: a real Celery worker killed with SIGKILL
in the middle of each job, restarted, and nothing lost or done twice. It needs PostgreSQL, Redis
and about a minute, so it runs only when REQUIRE_PRODLIKE=1 (CI's production-like stage)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _required() -> bool:
    return os.environ.get("REQUIRE_PRODLIKE", "").lower() not in ("", "0", "false", "no")


@pytest.mark.skipif(
    not _required(),
    reason="starts and kills a real Celery worker on PostgreSQL and Redis: set REQUIRE_PRODLIKE=1",
)
def test_a_worker_killed_mid_job_loses_nothing_and_repeats_nothing() -> None:
    finished = subprocess.run(
        [sys.executable, "scripts/crash_consistency.py", "--runs", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    print(finished.stdout)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    table = finished.stdout.split("job ")[-1]
    for job in ("otp", "fulfilment", "expiry", "suspension"):
        assert job in table
