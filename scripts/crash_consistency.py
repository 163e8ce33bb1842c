#!/usr/bin/env python
"""Crash consistency of the background jobs: `kill -9` a real Celery worker in the middle of a job,
restart it, and count what happened.

For each job (an OTP SMS delivery, a payment's fulfilment, the transfer expiry sweep, a suspension's
SMS notification) and each run: the job's pause point is armed (`absher.core.faults`), the work is
queued as the platform queues it, and once the worker reports that it stands at the point (the
gateway has accepted the SMS but the row is not yet marked sent; the fulfilment handler has moved
the worker but nothing is committed; the sweep has expired a request but not committed), the whole
worker (main process and pool child) gets SIGKILL. A new worker is started; the unacknowledged
message comes back after the broker's visibility timeout (acks_late), and the run waits until the
work settles. Then it counts, per job: expected, done exactly once, lost, duplicated.

The worker runs the project's `config` Celery app with the production settings on PostgreSQL
(database absher_rel_crash, created and migrated here) and Redis database 12 as broker and cache.
SMS go to a fake HTTP SMS provider in this process that records every POST and, like providers
that support it, delivers a repeated Idempotency-Key once. Exit status 1 on any loss or duplicate.

    .venv/bin/python scripts/crash_consistency.py [--runs 10] [--jobs otp,expiry] [--no-sweeps]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
PG = os.environ.get("CRASH_PG_URL", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("CRASH_DATABASE", "absher_rel_crash")
REDIS_DB = int(os.environ.get("CRASH_REDIS_DB", "12"))
REDIS = f"redis://127.0.0.1:6379/{REDIS_DB}"
VISIBILITY_TIMEOUT_SECONDS = 3
REACH_TIMEOUT_SECONDS = 60
SETTLE_TIMEOUT_SECONDS = 90
# The sweep that re-queues SMS whose hand-off was lost runs every 120 s under beat; here every few
# seconds, with its age threshold cut to match.
SWEEP_EVERY_SECONDS = 4
JOBS = ("otp", "fulfilment", "expiry", "suspension")

sys.path.insert(0, str(ROOT))


def say(text: str) -> None:
    print(f"crash: {text}", flush=True)


# --- the fake SMS provider ------------------------------------------------------------------------


class SmsProvider:
    """Accepts every POST; a repeated Idempotency-Key is acknowledged but not delivered again."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.posts: list[dict[str, str]] = []
        self.delivered: dict[str, dict[str, str]] = {}
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                document = json.loads(self.rfile.read(length) or b"{}")
                key = self.headers.get("Idempotency-Key", "") or f"nokey-{time.monotonic_ns()}"
                entry = {"key": key, "to": document.get("to", ""), "text": document.get("text", "")}
                with provider.lock:
                    provider.posts.append(entry)
                    provider.delivered.setdefault(key, entry)
                answer = json.dumps({"message_id": key}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/sms"

    def posts_for(self, key: str) -> int:
        with self.lock:
            return sum(1 for post in self.posts if post["key"] == key)

    def mark(self) -> set[str]:
        with self.lock:
            return set(self.delivered)

    def delivered_since(self, mark: set[str], mobiles: list[str]) -> int:
        with self.lock:
            return sum(
                1
                for key, entry in self.delivered.items()
                if key not in mark and entry["to"] in mobiles
            )

    def last_text_to(self, mobile: str) -> str:
        with self.lock:
            for post in reversed(self.posts):
                if post["to"] == mobile:
                    return post["text"]
        return ""


# --- environment, database, worker ---------------------------------------------------------------


def environment(sms_url: str, fault_dir: str) -> dict[str, str]:
    kept = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER")
    found = {name: os.environ[name] for name in kept if name in os.environ}
    found.update(
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="crash-consistency-secret-key-not-for-production-0123456789",  # noqa: S106
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=f"{PG}/{DATABASE}",
        REDIS_URL=REDIS,
        CELERY_BROKER_URL=REDIS,
        CACHE_KEY_PREFIX="absher-rel-crash",
        CELERY_VISIBILITY_TIMEOUT_SECONDS=str(VISIBILITY_TIMEOUT_SECONDS),
        SMS_GATEWAY="http",
        SMS_HTTP_URL=sms_url,
        SMS_HTTP_TOKEN="crash-test-token",  # noqa: S106
        SMS_RETRY_BACKOFF_SECONDS="1",
        SMS_REDISPATCH_AFTER_SECONDS="3",
        ABSHER_VAR_DIR=str(Path(fault_dir) / "var"),
        LOG_FORMAT="plain",
        LOG_LEVEL="ERROR",
        DB_POOL="false",
    )
    return found


def database_prepare(env: dict[str, str]) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    say(f"migrating {DATABASE}")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


class Worker:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603
                [
                    str(VENV_BIN / "celery"),
                    "--app",
                    "config",
                    "worker",
                    "--concurrency",
                    "1",
                    "--loglevel",
                    "WARNING",
                    "--without-gossip",
                    "--without-mingle",
                    "--hostname",
                    f"crash-{os.getpid()}@%h",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill -9 reaches the pool child
            )

    def kill9(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


# --- the jobs -------------------------------------------------------------------------------------


@dataclass
class Tally:
    expected: int = 0
    exactly_once: int = 0
    lost: int = 0
    duplicated: int = 0
    repeats_absorbed: int = 0  # SMS attempts repeated at the gateway under the same key
    killed_mid_job: int = 0
    notes: list[str] = field(default_factory=list)


class Runner:
    def __init__(
        self, provider: SmsProvider, worker: Worker, fault_dir: Path, *, sweeps: bool
    ) -> None:
        self.sweeps = sweeps
        self.provider = provider
        self.worker = worker
        self.fault_dir = fault_dir
        self._mobiles = itertools.count(random.randint(10_000_000, 89_999_999))  # noqa: S311
        self._references = itertools.count(1)
        self.provider_mark: set[str] = set()

    # helpers

    def mobile(self) -> str:
        return f"+9665{next(self._mobiles):08d}"

    def code_sent_to(self, mobile: str) -> str:
        """The newest code sent to `mobile`: from the queued row, or from what the gateway got."""
        from absher.notifications.constants import REDACTED_BODY
        from absher.notifications.models import SmsMessage

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            sms = SmsMessage.objects.filter(to=mobile, is_sensitive=True).order_by("-id").first()
            if sms is not None:
                body = sms.body if sms.body != REDACTED_BODY else self.provider.last_text_to(mobile)
                found = re.search(r"\b(\d{6})\b", body)
                if found:
                    return found.group(1)
            time.sleep(0.2)
        raise RuntimeError(f"no code reached {mobile}")

    def arm(self, point: str) -> None:
        for stale in self.fault_dir.glob(f"{point}.*"):
            stale.unlink()
        (self.fault_dir / f"{point}.arm").write_text("")

    def kill_when_reached(self, point: str) -> bool:
        reached = self.fault_dir / f"{point}.reached"
        deadline = time.monotonic() + REACH_TIMEOUT_SECONDS
        while not reached.exists():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        self.worker.kill9()
        reached.unlink()
        # Restarted once the unacknowledged message is older than the visibility timeout: the new
        # worker's first look at the unacked set (at start-up) hands it out again. Later looks
        # come only every unacked_restore_interval x unacked_restore_throttle (about 100 s).
        time.sleep(VISIBILITY_TIMEOUT_SECONDS + 1)
        self.worker.start()
        return True

    def settle(self, done: Any) -> bool:
        from config.celery import app

        deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
        next_sweep = time.monotonic() + SWEEP_EVERY_SECONDS
        while time.monotonic() < deadline:
            if done():
                return True
            if self.sweeps and time.monotonic() >= next_sweep:
                app.send_task("notifications.redispatch_sms")
                next_sweep = time.monotonic() + SWEEP_EVERY_SECONDS
            time.sleep(0.25)
        return False

    def sms_all_sent(self, since_id: int, mobiles: list[str]) -> bool:
        from absher.notifications.models import SmsMessage

        rows = SmsMessage.objects.filter(pk__gt=since_id, to__in=mobiles)
        return rows.exists() and not rows.exclude(status="sent").exists()

    def sms_counts(self, tally: Tally, since_id: int, mobiles: list[str]) -> tuple[bool, bool]:
        """(lost, duplicated) among the SMS to `mobiles` queued since `since_id`."""
        from absher.notifications.models import SmsMessage
        from absher.notifications.services import sms_idempotency_key

        rows = list(SmsMessage.objects.filter(pk__gt=since_id, to__in=mobiles))
        lost = any(row.status != "sent" for row in rows)
        # What the handsets got: every message the provider delivered to these numbers since.
        handset = self.provider.delivered_since(self.provider_mark, mobiles)
        if handset > len(rows):
            return lost, True
        if handset < sum(1 for row in rows if row.status == "sent"):
            lost = True
        texts = Counter((row.to, row.body if not row.is_sensitive else row.pk) for row in rows)
        duplicated = any(count > 1 for count in texts.values())
        for row in rows:
            key = sms_idempotency_key(row.pk)
            posts = self.provider.posts_for(key)
            tally.repeats_absorbed += max(0, posts - 1)
            if row.status == "sent" and key not in self.provider.delivered:
                lost = True
        return lost, duplicated

    def last_sms_id(self) -> int:
        """The newest SMS row now; also marks where the provider's log stands."""
        from absher.notifications.models import SmsMessage

        self.provider_mark = self.provider.mark()
        return SmsMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0

    # OTP: the delivery of a one-time code

    def run_otp(self, tally: Tally) -> None:
        from absher.accounts.services.otp import otp_issue
        from absher.notifications.models import SmsMessage

        mobile = self.mobile()
        since = self.last_sms_id()
        self.arm("sms.accepted_by_gateway")
        otp_issue(purpose="login", subject=f"crash-{mobile}", mobile=mobile)
        tally.killed_mid_job += self.kill_when_reached("sms.accepted_by_gateway")
        self.settle(lambda: self.sms_all_sent(since, [mobile]))
        lost, duplicated = self.sms_counts(tally, since, [mobile])
        rows = SmsMessage.objects.filter(pk__gt=since, to=mobile).count()
        duplicated = duplicated or rows > 1
        lost = lost or rows == 0
        self._count(tally, lost=lost, duplicated=duplicated)

    # A suspension's SMS notification

    def run_suspension(self, tally: Tally) -> None:
        from absher.accounts.models import Authority
        from absher.accounts.tests.support import make_person
        from absher.notifications.models import Message
        from absher.suspensions.services import suspension_place

        authority, _ = Authority.objects.get_or_create(
            code="crash-court", defaults={"name_ar": "محكمة الاختبار", "name_en": "Test court"}
        )
        mobile = self.mobile()
        person = make_person(mobile=mobile)
        since = self.last_sms_id()
        self.arm("sms.accepted_by_gateway")
        suspension_place(
            authority=authority,
            id_number=person.id_number,
            reference=f"CRASH-{mobile[-8:]}",
            reason_ar="سبب الإيقاف",
            reason_en="Reason",
            lift_procedure_ar="مراجعة المحكمة",
            lift_procedure_en="Visit the court",
            scope="all",
            actor_type="system",
            actor_id="crash",
        )
        tally.killed_mid_job += self.kill_when_reached("sms.accepted_by_gateway")
        self.settle(lambda: self.sms_all_sent(since, [mobile]))
        lost, duplicated = self.sms_counts(tally, since, [mobile])
        messages = Message.objects.filter(person=person, kind="suspension_placed").count()
        self._count(tally, lost=lost or messages == 0, duplicated=duplicated or messages > 1)

    # Transfers: parties and a request, through the services

    def _transfer_parties(self) -> tuple[Any, Any, Any, Any, Any]:
        from absher.transfers.tests import helpers

        sponsor = helpers.citizen(mobile=self.mobile())
        sponsor_user = helpers.user_of(sponsor)
        worker = helpers.worker_of(sponsor, mobile=self.mobile())
        new_sponsor = helpers.citizen(mobile=self.mobile())
        new_sponsor_user = helpers.user_of(new_sponsor)
        return sponsor, sponsor_user, worker, new_sponsor, new_sponsor_user

    def _wait_quiet(self, mobiles: list[str]) -> None:
        from absher.notifications.models import SmsMessage

        self.settle(lambda: not SmsMessage.objects.filter(to__in=mobiles, status="queued").exists())

    def run_fulfilment(self, tally: Tally) -> None:
        from absher.core import clock
        from absher.notifications.models import Message
        from absher.payments.models import Fulfilment
        from absher.payments.services import BankPayment, bill_pay_from_bank
        from absher.transfers.constants import TransferStatus, TransferStep
        from absher.transfers.models import TransferEvent
        from absher.transfers.tests import helpers

        sponsor, sponsor_user, worker, new_sponsor, new_sponsor_user = self._transfer_parties()
        transfer = helpers.create(sponsor_user, worker, new_sponsor)
        transfer = helpers.accept(new_sponsor_user, transfer)
        mobiles = [sponsor.mobile, worker.mobile, new_sponsor.mobile]
        self._wait_quiet(mobiles)
        transfer.refresh_from_db()
        bill = transfer.bill
        assert bill is not None, "the accepted request has no fee bill"
        since = self.last_sms_id()
        point = "fulfilment.applied" if tally.expected % 2 == 0 else "fulfilment.committed"
        self.arm(point)
        bill_pay_from_bank(
            partner_code=helpers.bank().code,
            payment=BankPayment(
                sadad_number=bill.sadad_number,
                amount_halalas=bill.amount_halalas,
                bank_code="RJHI",
                bank_reference=f"CRASH-{os.getpid()}-{next(self._references)}",
                paid_at=clock.now(),
            ),
        )
        tally.killed_mid_job += self.kill_when_reached(point)
        fulfilment = Fulfilment.objects.get(bill=bill)

        def done() -> bool:
            fulfilment.refresh_from_db()
            return fulfilment.status == "done" and self.sms_all_sent(since, mobiles)

        self.settle(done)
        transfer.refresh_from_db()
        completions = TransferEvent.objects.filter(
            transfer=transfer, step=TransferStep.COMPLETED
        ).count()
        kinds = Counter(
            Message.objects.filter(person__in=[sponsor, worker, new_sponsor]).values_list(
                "person_id", "kind"
            )
        )
        sms_lost, sms_duplicated = self.sms_counts(tally, since, mobiles)
        lost = (
            fulfilment.status != "done"
            or transfer.status != TransferStatus.COMPLETED
            or completions == 0
            or sms_lost
        )
        duplicated = completions > 1 or any(n > 1 for n in kinds.values()) or sms_duplicated
        self._count(tally, lost=lost, duplicated=duplicated)

    def run_expiry(self, tally: Tally) -> None:
        from absher.core import clock
        from absher.notifications.models import Message
        from absher.transfers.constants import TransferStatus, TransferStep
        from absher.transfers.models import TransferEvent, TransferRequest
        from absher.transfers.tests import helpers
        from config.celery import app

        transfers = []
        mobiles: list[str] = []
        people = []
        for _ in range(2):
            sponsor, sponsor_user, worker, new_sponsor, _user = self._transfer_parties()
            transfers.append(helpers.create(sponsor_user, worker, new_sponsor))
            mobiles += [sponsor.mobile, worker.mobile, new_sponsor.mobile]
            people += [sponsor, worker, new_sponsor]
        self._wait_quiet(mobiles)
        TransferRequest.objects.filter(pk__in=[t.pk for t in transfers]).update(
            expires_at=clock.now() - _minute()
        )
        since = self.last_sms_id()
        point = "transfer.expired" if tally.expected % 2 == 0 else "transfer.expiry_committed"
        self.arm(point)
        app.send_task("transfers.expire_due")
        tally.killed_mid_job += self.kill_when_reached(point)
        ids = [t.pk for t in transfers]

        def done() -> bool:
            expired = TransferRequest.objects.filter(pk__in=ids, status=TransferStatus.EXPIRED)
            return expired.count() == len(ids) and self.sms_all_sent(since, mobiles)

        self.settle(done)
        lost = duplicated = False
        for transfer_id in ids:
            status = TransferRequest.objects.get(pk=transfer_id).status
            events = TransferEvent.objects.filter(
                transfer_id=transfer_id, step=TransferStep.EXPIRED
            ).count()
            lost = lost or status != TransferStatus.EXPIRED or events == 0
            duplicated = duplicated or events > 1
        kinds = Counter(
            Message.objects.filter(person__in=people, kind__contains="expired").values_list(
                "person_id", "kind"
            )
        )
        duplicated = duplicated or any(n > 1 for n in kinds.values())
        sms_lost, sms_duplicated = self.sms_counts(tally, since, mobiles)
        self._count(tally, lost=lost or sms_lost, duplicated=duplicated or sms_duplicated)
        # Sweeps of later runs must find nothing of this one left to do.

    @staticmethod
    def _count(tally: Tally, *, lost: bool, duplicated: bool) -> None:
        tally.expected += 1
        tally.lost += int(lost)
        tally.duplicated += int(duplicated)
        tally.exactly_once += int(not lost and not duplicated)


def _minute() -> Any:
    import datetime as dt

    return dt.timedelta(minutes=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--jobs", default=",".join(JOBS))
    parser.add_argument(
        "--no-sweeps",
        action="store_true",
        help="do not run the periodic SMS re-dispatch sweep (shows what it recovers)",
    )
    args = parser.parse_args()
    jobs = [job for job in args.jobs.split(",") if job]
    unknown = set(jobs) - set(JOBS)
    if unknown:
        parser.error(f"unknown jobs: {sorted(unknown)}")

    provider = SmsProvider()
    fault_dir = Path(tempfile.mkdtemp(prefix="absher-crash-"))
    env = environment(provider.url, str(fault_dir))
    database_prepare(env)
    os.environ.update({k: v for k, v in env.items() if k not in ("PATH", "HOME")})

    import django

    django.setup()
    import redis

    redis.Redis.from_url(REDIS).flushdb()

    worker_env = {**env, "ABSHER_FAULT_DIR": str(fault_dir)}
    log = fault_dir / "worker.log"
    worker = Worker(worker_env, log)
    worker.start()
    runner = Runner(provider, worker, fault_dir, sweeps=not args.no_sweeps)
    _randomise_helpers(runner)
    tallies: dict[str, Tally] = {}
    started = time.monotonic()
    try:
        for job in jobs:
            tally = tallies.setdefault(job, Tally())
            for run in range(1, args.runs + 1):
                begun = time.monotonic()
                getattr(runner, f"run_{job}")(tally)
                say(
                    f"{job} run {run}: expected {tally.expected}, once {tally.exactly_once}, "
                    f"lost {tally.lost}, duplicated {tally.duplicated} "
                    f"({time.monotonic() - begun:.1f} s)"
                )
    finally:
        worker.stop()
    print()
    header = (
        f"{'job':<12}{'expected':>9}{'killed':>8}{'once':>6}{'lost':>6}{'duplicated':>11}"
        f"{'repeats absorbed':>18}"
    )
    print(header)
    print("-" * len(header))
    for job, tally in tallies.items():
        print(
            f"{job:<12}{tally.expected:>9}{tally.killed_mid_job:>8}{tally.exactly_once:>6}"
            f"{tally.lost:>6}{tally.duplicated:>11}{tally.repeats_absorbed:>18}"
        )
    print(f"\n{time.monotonic() - started:.0f} s; worker log: {log}")
    failed = any(t.lost or t.duplicated or t.killed_mid_job < t.expected for t in tallies.values())
    return 1 if failed else 0


def _randomise_helpers(runner: Runner) -> None:
    """Distinct ID numbers, mobiles and usernames on every invocation against the same database;
    codes read from the queued row or from what the gateway received."""
    from absher.accounts.tests import support
    from absher.transfers.tests import helpers

    base = random.randint(10_000_000, 80_000_000)  # noqa: S311
    support._serial = iter(range(base, 99_999_999))
    helpers._mobiles = itertools.count(random.randint(500_100_001, 589_000_000))  # noqa: S311
    helpers._usernames = itertools.count(random.randint(1, 10**9))  # noqa: S311
    helpers.code_sent_to = runner.code_sent_to


if __name__ == "__main__":
    raise SystemExit(main())
