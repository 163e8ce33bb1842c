"""Cases as a hypothesis state machine: a new sponsor files cases for two workers; officers take
them for review, approve, reject, ask for more documents; the filer answers; all in any order. A
small model says what each step must do; after every step the database must agree with it, every
history must follow the transition table, no worker may hold two open cases of one filer or two
open transfers, and the files on disk must be exactly those of the document rows."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from absher.accounts.tests.support import T0
from absher.core import clock
from absher.core.errors import ApplicationError
from absher.transfers import services
from absher.transfers.constants import CASE_OPEN_STATUSES, CASE_TRANSITIONS, CaseStatus
from absher.transfers.models import CaseDocument, CaseEvent, TransferCase, TransferRequest
from absher.transfers.tests.case_support import (
    PDF,
    file_case,
    filer_user,
    make_officer,
    stored_files,
    upload,
)
from absher.transfers.tests.helpers import citizen, worker_of

pytestmark = pytest.mark.django_db

S = CaseStatus


@dataclass
class Expected:
    pk: int
    worker: int
    status: str = S.SUBMITTED


def attempt(call: Callable[..., Any], **kwargs: Any) -> str:
    try:
        call(**kwargs)
    except ApplicationError as refusal:
        return refusal.code
    return ""


class CaseLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        cache.clear()
        self.savepoint = transaction.savepoint()
        clock.set_override(T0)
        self.directory = Path(tempfile.mkdtemp(prefix="absher-cases-"))
        self.override = override_settings(CASE_DOCUMENTS_DIR=self.directory)
        self.override.enable()
        self.filer = filer_user(citizen())
        self.officer = make_officer()
        self.workers = [worker_of(citizen()) for _ in range(2)]
        self.has_transfer = [False, False]
        self.expected: list[Expected] = []

    def teardown(self) -> None:
        transaction.savepoint_rollback(self.savepoint)
        self.override.disable()
        shutil.rmtree(self.directory, ignore_errors=True)
        clock.set_override(None)

    def _pick(self, index: int) -> Expected:
        return self.expected[index % len(self.expected)]

    def _refusal(self, item: Expected, to: str) -> str:
        return "" if to in CASE_TRANSITIONS[item.status] else "case_transition_refused"

    @rule(worker=st.integers(0, 1))
    def file(self, worker: int) -> None:
        is_open = any(
            item.worker == worker and item.status in CASE_OPEN_STATUSES for item in self.expected
        )
        before = set(TransferCase.objects.values_list("pk", flat=True))
        code = attempt(file_case, user=self.filer, worker=self.workers[worker])
        assert code == ("case_open" if is_open else ""), code
        if not code:
            (made,) = set(TransferCase.objects.values_list("pk", flat=True)) - before
            self.expected.append(Expected(made, worker))

    @precondition(lambda self: self.expected)
    @rule(index=st.integers(0, 20))
    def review(self, index: int) -> None:
        item = self._pick(index)
        expected = self._refusal(item, S.UNDER_REVIEW)
        code = attempt(services.case_review_start, officer=self.officer, case_id=item.pk)
        assert code == expected, (code, expected)
        if not code:
            item.status = S.UNDER_REVIEW

    @precondition(lambda self: self.expected)
    @rule(index=st.integers(0, 20))
    def approve(self, index: int) -> None:
        item = self._pick(index)
        expected = self._refusal(item, S.APPROVED)
        if not expected and self.has_transfer[item.worker]:
            expected = "transfer_open"
        code = attempt(services.case_approve, officer=self.officer, case_id=item.pk)
        assert code == expected, (code, expected)
        if not code:
            item.status = S.APPROVED
            self.has_transfer[item.worker] = True

    @precondition(lambda self: self.expected)
    @rule(index=st.integers(0, 20))
    def reject(self, index: int) -> None:
        item = self._pick(index)
        expected = self._refusal(item, S.REJECTED)
        code = attempt(services.case_reject, officer=self.officer, case_id=item.pk, reason="مرفوض")
        assert code == expected, (code, expected)
        if not code:
            item.status = S.REJECTED

    @precondition(lambda self: self.expected)
    @rule(index=st.integers(0, 20))
    def ask_for_documents(self, index: int) -> None:
        item = self._pick(index)
        expected = self._refusal(item, S.MORE_DOCUMENTS_REQUESTED)
        code = attempt(
            services.case_request_documents,
            officer=self.officer,
            case_id=item.pk,
            note="أرفق خطاب النقل مختومًا",
            documents=["transfer_letter"],
        )
        assert code == expected, (code, expected)
        if not code:
            item.status = S.MORE_DOCUMENTS_REQUESTED

    @precondition(lambda self: self.expected)
    @rule(index=st.integers(0, 20))
    def answer(self, index: int) -> None:
        item = self._pick(index)
        expected = (
            "" if item.status == S.MORE_DOCUMENTS_REQUESTED else "case_not_awaiting_documents"
        )
        code = attempt(
            services.case_documents_add,
            user=self.filer,
            case_id=item.pk,
            documents={"transfer_letter": upload(PDF)},
        )
        assert code == expected, (code, expected)
        if not code:
            item.status = S.SUBMITTED

    @invariant()
    def the_database_agrees_with_the_model(self) -> None:
        statuses = dict(TransferCase.objects.values_list("pk", "status"))
        assert statuses == {item.pk: item.status for item in self.expected}

    @invariant()
    def every_history_follows_the_table(self) -> None:
        for item in self.expected:
            events = CaseEvent.objects.filter(case_id=item.pk).order_by("created_at", "id")
            status = ""
            for event in events.values_list("step", "from_status", "to_status"):
                step, before, after = event
                assert before == status, event
                if step == "approval_refused":
                    assert before == after == S.UNDER_REVIEW
                elif status:
                    assert after in CASE_TRANSITIONS[before], event
                else:
                    assert (step, after) == ("filed", S.SUBMITTED)
                status = after
            assert status == item.status

    @invariant()
    def one_open_case_per_worker_and_one_transfer(self) -> None:
        for index, worker in enumerate(self.workers):
            open_cases = TransferCase.objects.filter(
                worker=worker, status__in=sorted(CASE_OPEN_STATUSES)
            )
            assert open_cases.count() <= 1
            transfers = TransferRequest.objects.filter(worker=worker).count()
            assert transfers == int(self.has_transfer[index])

    @invariant()
    def the_files_are_exactly_those_of_the_rows(self) -> None:
        names = set(CaseDocument.objects.values_list("storage_name", flat=True))
        on_disk = {str(path.relative_to(self.directory)) for path in stored_files(self.directory)}
        assert on_disk == names


def test_cases_never_reach_an_impossible_state():
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        CaseLifecycle,
        settings=settings(
            max_examples=30,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
