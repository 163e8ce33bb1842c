"""Races on cases with real threads and separate PostgreSQL connections: one filing sent five times
at once, three officers deciding one case at once, and two cases for one worker approved at once.
Exactly one of each wins; the losers are refused, leave no row and no file behind."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from absher.audit.selectors import audit_chain_verify
from absher.core.errors import ApplicationError
from absher.transfers import services
from absher.transfers.models import CaseDocument, CaseEvent, TransferCase, TransferRequest
from absher.transfers.tests.case_support import (
    file_case,
    filer_user,
    make_officer,
    private_documents,
    seven_uploads,
    stored_files,
)
from absher.transfers.tests.helpers import citizen, worker_of

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_truncate_allowed", "standard_catalogue", "documents_dir"),
]


@pytest.fixture
def documents_dir(settings, tmp_path):
    return private_documents(settings, tmp_path)


def _race(work: Callable[[int], Any], threads: int) -> list[Any]:
    barrier = threading.Barrier(threads)
    outcomes: list[Any] = [None] * threads

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[n] = work(n)
        except Exception as error:  # reported in the assertions on the outcomes
            outcomes[n] = error
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return outcomes


def _code(outcome: Any) -> str:
    if isinstance(outcome, ApplicationError):
        return outcome.code
    if isinstance(outcome, Exception):
        raise outcome
    return "ok"


def test_one_filing_sent_five_times_at_once_opens_one_case_and_keeps_its_files_only(
    documents_dir,
):
    sponsor = citizen()
    worker = worker_of(sponsor)
    filer = filer_user(citizen())
    uploads = [seven_uploads() for _ in range(5)]

    outcomes = _race(
        lambda n: services.case_file(
            user=filer, worker_id_number=worker.id_number, documents=uploads[n]
        ),
        5,
    )

    assert Counter(_code(outcome) for outcome in outcomes) == {"ok": 1, "case_open": 4}
    case = TransferCase.objects.get()
    assert CaseDocument.objects.filter(case=case).count() == 7
    assert len(stored_files(documents_dir)) == 7
    assert CaseEvent.objects.count() == 1
    assert audit_chain_verify().ok


def test_three_officers_deciding_one_case_at_once_decide_it_once():
    sponsor = citizen()
    case = file_case(filer_user(citizen()), worker_of(sponsor))
    officers = [make_officer() for _ in range(3)]
    services.case_review_start(officer=officers[0], case_id=case.pk)
    decisions = [
        lambda: services.case_approve(officer=officers[0], case_id=case.pk),
        lambda: services.case_reject(officer=officers[1], case_id=case.pk, reason="مرفوض"),
        lambda: services.case_request_documents(
            officer=officers[2], case_id=case.pk, note="أرفق خطابًا آخر"
        ),
    ]

    outcomes = [_code(outcome) for outcome in _race(lambda n: decisions[n](), 3)]

    assert sorted(outcomes) == ["case_transition_refused", "case_transition_refused", "ok"]
    case.refresh_from_db()
    decided = CaseEvent.objects.filter(case=case).exclude(step__in=["filed", "review_started"])
    assert decided.count() == 1
    assert TransferRequest.objects.count() == (1 if case.status == "approved" else 0)
    assert audit_chain_verify().ok


def test_two_cases_for_one_worker_approved_at_once_start_one_transfer():
    sponsor = citizen()
    worker = worker_of(sponsor)
    cases = [file_case(filer_user(citizen()), worker) for _ in range(2)]
    officers = [make_officer() for _ in range(2)]
    for case, officer in zip(cases, officers, strict=True):
        services.case_review_start(officer=officer, case_id=case.pk)

    outcomes = [
        _code(outcome)
        for outcome in _race(
            lambda n: services.case_approve(officer=officers[n], case_id=cases[n].pk), 2
        )
    ]

    assert sorted(outcomes) == ["ok", "transfer_open"], outcomes
    assert TransferRequest.objects.filter(worker=worker).count() == 1
    statuses = sorted(TransferCase.objects.values_list("status", flat=True))
    assert statuses == ["approved", "under_review"]
    assert CaseEvent.objects.filter(step="approval_refused").count() == 1
