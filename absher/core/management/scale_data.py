"""Scale data: millions of valid registry people, suspensions and bills with their history and audit
entries, loaded into PostgreSQL with COPY (`manage.py generate_scale_data`).

Every row is a pure function of (seed, its index): a 64-bit mix of the two decides each attribute,
so any table can be generated in any order, again and again, without keeping anything in memory,
and the same seed gives the same data.

One timeline orders everything. Bills and suspensions are spread over "ticks" covering the three
years before `now`, one new bill or suspension per tick; a bill is paid, cancelled or expires, and a
suspension is lifted, a fixed number of ticks after it started (the same time span for every one of
its kind). The audit log is written in tick order, so its sequence follows time as the platform's
own chain-head lock makes it, and each entry carries the hash of the one before it, computed exactly
as `absher.audit.hashing` does (the verifier `verify_audit_chain` accepts the result).

What is generated, for P persons, S suspensions and B bills:
- persons: 70 % citizens, 30 % residents (in every block of ten, the last three), valid ID numbers
  (Luhn check digit, `id_number_with_check_digit`), names, dates, Saudi mobiles, iqama details;
- a current sponsorship by a citizen for 95 % of the residents;
- suspensions by the existing authorities (a standard set is created when there are none): scope
  all, a department or a suspendable service; 60 % lifted after 30 days unless that is still to
  come; a `suspension.placed` and, when lifted, a `suspension.lifted` audit entry;
- bills of fee-bearing e-services the payer is eligible for, each for a service request in the
  matching status (purpose `service_request`), with unique 13-digit SADAD numbers: 75 % paid
  after 2 days (a Payment with its receipt code; SADAD or card), 5 % cancelled after 1 day, 20 %
  expired after 29 days, or still unpaid when that is still to come; each with its history
  (BillEvent) and a `bill.issued` and a closing `bill.<status>` audit entry.
Not generated: accounts, messages and SMS, the service requests' own history and audit entries,
fulfilment rows of paid bills."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import json
import math
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, NamedTuple

from django.db import connection

from absher.accounts.models import Authority, Partner, User
from absher.audit.constants import CHAIN_HEAD_ID, GENESIS_HASH, HASH_VERSION
from absher.audit.models import AuditChainHead, AuditEvent
from absher.catalog.constants import Eligibility
from absher.catalog.models import Department, Service
from absher.core.progress import Progress
from absher.identity.models import Person, Sponsorship
from absher.identity.registry_csv import COLUMNS as REGISTRY_COLUMNS
from absher.identity.rules import id_number_with_check_digit
from absher.payments.constants import DEFAULT_BILL_LIFETIME
from absher.payments.models import Bill, BillEvent, Payment
from absher.requests.constants import BILL_PURPOSE, DEDICATED_SERVICES
from absher.requests.models import ServiceRequest
from absher.suspensions.models import Suspension

MASK = (1 << 64) - 1
SPAN = dt.timedelta(days=3 * 365)
# Rows sent to COPY at a time: what Python holds.
CHUNK_ROWS = 20_000

RESIDENTS_PER_TEN = 3
SPONSORED_PERCENT = 95
BILL_PAID_AFTER = dt.timedelta(days=2)
BILL_CANCELLED_AFTER = dt.timedelta(days=1)
BILL_EXPIRED_AFTER = DEFAULT_BILL_LIFETIME
SUSPENSION_LIFTED_AFTER = dt.timedelta(days=30)
MAX_TICK = dt.timedelta(hours=1)

STANDARD_AUTHORITIES = [
    ("riyadh-general-court", "المحكمة العامة بالرياض", "General Court, Riyadh"),
    ("general-traffic", "الإدارة العامة للمرور", "General Department of Traffic"),
    ("passports-directorate", "المديرية العامة للجوازات", "General Directorate of Passports"),
    ("enforcement-court", "محكمة التنفيذ", "Enforcement Court"),
]
REASONS = [
    (
        "صدور حكم قضائي واجب النفاذ لم يُنفذ",
        "An enforceable court judgment has not been carried out",
        "مراجعة دائرة التنفيذ في المحكمة وتنفيذ الحكم",
        "Visit the court's enforcement circuit and carry out the judgment",
    ),
    (
        "مخالفات مرورية متراكمة غير مسددة",
        "Accumulated traffic fines are unpaid",
        "سداد المخالفات المرورية عبر سداد ثم الانتظار حتى رفع الإيقاف آليًا",
        "Pay the traffic fines through SADAD; the suspension is lifted automatically",
    ),
    (
        "بلاغ تغيب عن العمل قيد الدراسة",
        "A report of absence from work is under review",
        "مراجعة مكتب العمل لإنهاء البلاغ",
        "Visit the labour office to settle the report",
    ),
    (
        "وثيقة سفر منتهية لم تُجدد",
        "An expired travel document was not renewed",
        "مراجعة الجوازات لتجديد الوثيقة",
        "Visit the passports office to renew the document",
    ),
]
MALE_NAMES = [
    ("محمد", "Mohammed"),
    ("عبدالله", "Abdullah"),
    ("فهد", "Fahad"),
    ("سعد", "Saad"),
    ("خالد", "Khalid"),
    ("ناصر", "Nasser"),
    ("تركي", "Turki"),
    ("سلطان", "Sultan"),
]
FEMALE_NAMES = [
    ("نورة", "Noura"),
    ("سارة", "Sarah"),
    ("هيفاء", "Haifa"),
    ("ريم", "Reem"),
    ("لطيفة", "Latifa"),
    ("منيرة", "Munira"),
    ("أمل", "Amal"),
    ("جواهر", "Jawaher"),
]
FAMILIES = [
    ("القحطاني", "Alqahtani"),
    ("العتيبي", "Alotaibi"),
    ("الشمري", "Alshammari"),
    ("الدوسري", "Aldosari"),
    ("الغامدي", "Alghamdi"),
    ("الزهراني", "Alzahrani"),
    ("الحربي", "Alharbi"),
    ("المطيري", "Almutairi"),
]
RESIDENT_NAMES = [  # name in Arabic and English, gender, nationality
    ("راجيش كومار", "Rajesh Kumar", "M", "IN"),
    ("محمد إقبال", "Muhammad Iqbal", "M", "PK"),
    ("رحيم الدين", "Rahim Uddin", "M", "BD"),
    ("ماريا سانتوس", "Maria Santos", "F", "PH"),
    ("أحمد حسن", "Ahmed Hassan", "M", "EG"),
    ("بيشال ثابا", "Bishal Thapa", "M", "NP"),
    ("ديلاني بيريرا", "Dilani Perera", "F", "LK"),
    ("سيتي رحمة", "Siti Rahmah", "F", "ID"),
]
BANKS = [("RJHI", "bank-alrajhi"), ("NCBK", "bank-snb"), ("RIBL", "bank-riyad")]
CARD_GATEWAY = "card-gateway"
# Saudi mobiles are 5 then one of these, then seven digits (the national numbering plan also
# gives some of 57x; these are enough).
MOBILE_SECOND_DIGITS = "01345689"
MOBILES = len(MOBILE_SECOND_DIGITS) * 10**7


def mix(value: int) -> int:
    """splitmix64's finaliser: 64 well-spread bits from any integer."""
    value = (value + 0x9E3779B97F4A7C15) & MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & MASK
    return value ^ (value >> 31)


def coprime_multiplier(seed_bits: int, modulus: int) -> int:
    """A multiplier that makes `i -> (i * m + c) % modulus` a permutation (gcd(m, modulus) = 1)."""
    candidate = seed_bits % modulus or 1
    while math.gcd(candidate, modulus) != 1:
        candidate += 1
    return candidate


# --- time as whole microseconds since 1970 (UTC), written without datetime objects ---------------

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_DAYS: dict[int, str] = {}


def micros(moment: dt.datetime) -> int:
    return (moment - _EPOCH) // dt.timedelta(microseconds=1)


def moment_of(us: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=us)


def _day(days: int) -> str:
    text = _DAYS.get(days)
    if text is None:
        text = _DAYS[days] = (dt.date(1970, 1, 1) + dt.timedelta(days=days)).isoformat()
    return text


def stamp(us: int) -> str:
    """As COPY reads a timestamptz: `2026-03-01 10:00:00.000000+00`."""
    seconds, fraction = divmod(us, 1_000_000)
    days, second = divmod(seconds, 86_400)
    hour, second = divmod(second, 3600)
    minute, second = divmod(second, 60)
    return f"{_day(days)} {hour:02d}:{minute:02d}:{second:02d}.{fraction:06d}+00"


def stamp_z(us: int) -> str:
    """As `absher.audit.hashing` writes a time: `2026-03-01T10:00:00.000000Z`."""
    text = stamp(us)
    return f"{text[:10]}T{text[11:26]}Z"


# --- the audit log's canonical form --------------------------------------------------------------

# Codes written into audit entries without JSON escaping: the hot loop writes tens of millions.
_PLAIN = re.compile(r"[A-Za-z0-9_.:-]*")


def plain(text: str) -> str:
    """`text`, after checking it needs no escaping in JSON or in COPY's text format."""
    if not _PLAIN.fullmatch(text):
        raise ValueError(f"{text!r} is not a plain code (letters, digits, _ . : -)")
    return text


def canonical_json(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class AuditLine(NamedTuple):
    """One audit entry to write; every text in it is `plain`, `data` is canonical JSON."""

    occurred_at: int
    actor_type: str
    actor_id: str
    action: str
    subject_type: str
    subject_id: str
    person_id: int
    data: str


def audit_payload(line: AuditLine, *, moment: str, sequence: int, prev_hash: str) -> bytes:
    """`absher.audit.hashing.canonical_bytes` of the entry, built directly (sorted keys, no
    whitespace, no IP address or request id, not an access). `moment` is `stamp(occurred_at)`."""
    return (
        f'{{"action":"{line.action}","actor_id":"{line.actor_id}",'
        f'"actor_type":"{line.actor_type}","data":{line.data},"ip":"",'
        f'"is_access":false,"occurred_at":"{moment[:10]}T{moment[11:26]}Z",'
        f'"person_id":{line.person_id},"prev_hash":"{prev_hash}","request_id":"",'
        f'"sequence":{sequence},"subject_id":"{line.subject_id}",'
        f'"subject_type":"{line.subject_type}","v":{HASH_VERSION}}}'
    ).encode()


# --- the plan -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    """What the generated rows refer to, read from the database once. Codes are `plain`."""

    authorities: list[tuple[int, str, str]]  # pk, code, who acts for it (partner or authority code)
    departments: list[tuple[int, str]]
    suspendable_services: list[tuple[int, str]]
    citizen_services: list[tuple[int, str, int]]  # pk, code, fee
    resident_services: list[tuple[int, str, int]]
    biller_code: str

    def __post_init__(self) -> None:
        for _pk, code, actor in self.authorities:
            plain(code)
            plain(actor)
        for group in (self.departments, self.suspendable_services):
            for _pk, code in group:
                plain(code)
        for services in (self.citizen_services, self.resident_services):
            for _pk, code, _fee in services:
                plain(code)


@dataclass(frozen=True)
class FirstIds:
    """The primary key each table's generated rows start from."""

    person: int = 1
    sponsorship: int = 1
    suspension: int = 1
    request: int = 1
    bill: int = 1
    audit: int = 1


class SuspensionFacts(NamedTuple):
    pk: int
    person_pk: int
    authority_pk: int
    authority_code: str
    actor_id: str
    reference: str
    scope_kind: str
    scope_department: int | None
    scope_service: int | None
    scope: str
    reasons: tuple[str, str, str, str]
    placed_at: int
    lifted_at: int | None


class BillFacts(NamedTuple):
    pk: int
    request_pk: int
    payer_pk: int
    service_pk: int
    service_code: str
    amount: int
    sadad_number: str
    issued_at: int
    expires_at: int
    status: str  # unpaid, paid, cancelled, expired
    closed_at: int | None
    channel: str  # sadad or card, when paid
    partner_code: str  # the bank or gateway that was paid, when paid
    external_reference: str


_KEY_NAMES = ("ids", "mobiles", "sadad", "persons", "sponsors", "suspensions", "bills", "receipts")
# A bill's fate by (hash >> 8) % 100: paid below 75, cancelled below 80, expired otherwise; each
# closes a fixed time after the issue, the microsecond within the tick keeping them in order.
PAID, CANCELLED, EXPIRED = 75, 80, 100
LIFTED_PERCENT = 60


@dataclass
class Plan:
    """Sizes, seed and time frame; every row is computed from these and its index."""

    persons: int
    suspensions: int
    bills: int
    seed: int
    now: dt.datetime
    catalogue: Catalogue | None = None
    first: FirstIds = field(default_factory=FirstIds)

    def __post_init__(self) -> None:
        if self.persons < 1 and (self.suspensions or self.bills):
            raise ValueError("suspensions and bills need persons")
        if self.now.utcoffset() != dt.timedelta(0):
            raise ValueError("now must be in UTC")
        key = mix(self.seed)
        self.keys = {name: mix(key ^ mix(tag)) for tag, name in enumerate(_KEY_NAMES)}
        self.id_multiplier = coprime_multiplier(self.keys["ids"], 10**8)
        self.id_offset = self.keys["ids"] >> 32
        self.mobile_multiplier = coprime_multiplier(self.keys["mobiles"], MOBILES)
        self.mobile_offset = self.keys["mobiles"] >> 32
        self.sadad_multiplier = coprime_multiplier(self.keys["sadad"], 9 * 10**12)
        self.sadad_offset = self.keys["sadad"] >> 16
        self.receipt_key = self.keys["receipts"].to_bytes(8, "big")
        self.ticks = self.suspensions + self.bills
        # At most an hour apart, so that every lag below is many ticks long.
        tick = min(SPAN / max(self.ticks, 1), MAX_TICK)
        self.tick_us = tick // dt.timedelta(microseconds=1)
        self.now_us = micros(self.now)
        self.start_us = self.now_us - self.tick_us * self.ticks
        self.start = moment_of(self.start_us)
        self.citizens = (self.persons // 10) * (10 - RESIDENTS_PER_TEN) + min(
            self.persons % 10, 10 - RESIDENTS_PER_TEN
        )
        self.lag_paid = self._lag(BILL_PAID_AFTER)
        self.lag_cancelled = self._lag(BILL_CANCELLED_AFTER)
        # Whole ticks within the bill's lifetime: an unpaid bill's expiry (issue + this many
        # ticks) is never before `now`, and an expired one expired when its tick came.
        self.lag_expired = max(1, BILL_EXPIRED_AFTER // tick)
        self.lag_lifted = self._lag(SUSPENSION_LIFTED_AFTER)

    def _lag(self, span: dt.timedelta) -> int:
        return max(1, -(-span // dt.timedelta(microseconds=self.tick_us)))

    # --- the timeline: tick e is a bill or a suspension, spread evenly ---

    def is_bill_tick(self, e: int) -> bool:
        return (e + 1) * self.bills // self.ticks > e * self.bills // self.ticks

    def bill_at_tick(self, e: int) -> int:
        return e * self.bills // self.ticks

    def suspension_at_tick(self, e: int) -> int:
        return e - e * self.bills // self.ticks

    def bill_tick(self, b: int) -> int:
        return -(-(b + 1) * self.ticks // self.bills) - 1

    def suspension_tick(self, s: int) -> int:
        return s * self.ticks // self.suspensions

    def moment(self, e: int, step: int = 0) -> int:
        """When tick `e` happens (µs); `step` µs later for the closings written in that tick."""
        return self.start_us + e * self.tick_us + step

    # --- persons ---

    def is_resident(self, i: int) -> bool:
        return i % 10 >= 10 - RESIDENTS_PER_TEN

    def citizen_index(self, c: int) -> int:
        per = 10 - RESIDENTS_PER_TEN
        return (c // per) * 10 + c % per

    def id_number(self, i: int) -> str:
        per = 10 - RESIDENTS_PER_TEN
        if self.is_resident(i):
            prefix, counter = "2", (i // 10) * RESIDENTS_PER_TEN + i % 10 - per
        else:
            prefix, counter = "1", (i // 10) * per + i % 10
        body = (counter * self.id_multiplier + self.id_offset) % 10**8
        return id_number_with_check_digit(f"{prefix}{body:08d}")

    def sponsor_of(self, i: int) -> int | None:
        """The person index of resident `i`'s sponsor (a citizen), or None."""
        if not self.is_resident(i) or self.citizens == 0:
            return None
        h = mix(self.keys["sponsors"] ^ i)
        if h % 100 >= SPONSORED_PERCENT:
            return None
        return self.citizen_index((h >> 8) % self.citizens)

    def person(self, i: int) -> tuple[Any, ...]:
        """The person's registry values, in the order of PERSON_COLUMNS after the timestamps."""
        h = mix(self.keys["persons"] ^ i)
        resident = self.is_resident(i)
        female = h & 1 == 1
        if resident:
            name_ar, name_en, gender, nationality = RESIDENT_NAMES[(h >> 1) % len(RESIDENT_NAMES)]
            female = gender == "F"
            mother = nationality
            iqama_expiry: dt.date | None = self.now.date() + dt.timedelta(
                days=(h >> 8) % 1400 - 200
            )
            assert iqama_expiry is not None
            status = "valid" if iqama_expiry > self.now.date() else "expired"
            if (h >> 20) % 50 == 0:
                status = "absent"
        else:
            given_ar, given_en = (FEMALE_NAMES if female else MALE_NAMES)[(h >> 1) % 8]
            father_ar, father_en = MALE_NAMES[(h >> 4) % 8]
            family_ar, family_en = FAMILIES[(h >> 7) % 8]
            name_ar = f"{given_ar} {father_ar} {family_ar}"
            name_en = f"{given_en} {father_en} {family_en}"
            nationality, mother, iqama_expiry, status = "SA", "SA", None, "valid"
        born = dt.date(1950, 1, 1) + dt.timedelta(days=(h >> 24) % 20_500)
        number = (i * self.mobile_multiplier + self.mobile_offset) % MOBILES
        mobile = f"+9665{MOBILE_SECOND_DIGITS[number // 10**7]}{number % 10**7:07d}"
        fines = ((h >> 40) % 40) * 5000 if (h >> 46) % 5 == 0 else 0
        return (
            self.id_number(i),
            "resident" if resident else "citizen",
            name_ar,
            name_en,
            "F" if female else "M",
            nationality,
            mother,
            born,
            mobile,
            iqama_expiry,
            status,
            (h >> 50) % 100 == 0,
            resident and (h >> 52) % 30 == 0,
            fines,
            resident and (h >> 56) % 50 == 0,
            (h >> 60) % 3 if resident else 0,
        )

    # --- suspensions ---

    def suspension_is_lifted(self, s: int) -> bool:
        h = mix(self.keys["suspensions"] ^ s)
        return (h >> 24) % 100 < LIFTED_PERCENT and (
            self.suspension_tick(s) + self.lag_lifted < self.ticks
        )

    def suspension(self, s: int) -> SuspensionFacts:
        assert self.catalogue is not None
        h = mix(self.keys["suspensions"] ^ s)
        e = self.suspension_tick(s)
        authorities = self.catalogue.authorities
        authority_pk, authority_code, actor_id = authorities[h % len(authorities)]
        draw = (h >> 8) % 100
        departments = self.catalogue.departments
        services = self.catalogue.suspendable_services
        department: int | None = None
        service: int | None = None
        if draw < 60 or not (departments and services):
            kind, scope = "all", "all"
        elif draw < 85:
            department, code = departments[(h >> 16) % len(departments)]
            kind, scope = "department", f"department:{code}"
        else:
            service, code = services[(h >> 16) % len(services)]
            kind, scope = "service", f"service:{code}"
        lifted = (h >> 24) % 100 < LIFTED_PERCENT and e + self.lag_lifted < self.ticks
        return SuspensionFacts(
            pk=self.first.suspension + s,
            person_pk=self.first.person + (h >> 32) % self.persons,
            authority_pk=authority_pk,
            authority_code=authority_code,
            actor_id=actor_id,
            reference=f"SD{self.seed}-{s:010d}",
            scope_kind=kind,
            scope_department=department,
            scope_service=service,
            scope=scope,
            reasons=REASONS[(h >> 28) % len(REASONS)],
            placed_at=self.moment(e),
            lifted_at=self.moment(e + self.lag_lifted, 4) if lifted else None,
        )

    # --- bills ---

    def payer_of(self, b: int) -> int:
        # A permutation of the persons for every P consecutive bills: a person has at most one
        # bill among the most recent P, so never two open requests for one service.
        return (b * self.id_multiplier + self.id_offset) % self.persons

    def bill_status(self, b: int) -> str:
        """unpaid, paid, cancelled or expired: what became of bill `b` by `now`."""
        fate = (mix(self.keys["bills"] ^ b) >> 8) % 100
        if fate < PAID:
            status, lag = "paid", self.lag_paid
        elif fate < CANCELLED:
            status, lag = "cancelled", self.lag_cancelled
        else:
            status, lag = "expired", self.lag_expired
        return status if self.bill_tick(b) + lag < self.ticks else "unpaid"

    def bill(self, b: int) -> BillFacts:
        assert self.catalogue is not None
        h = mix(self.keys["bills"] ^ b)
        e = self.bill_tick(b)
        payer = self.payer_of(b)
        services = (
            self.catalogue.resident_services
            if self.is_resident(payer)
            else self.catalogue.citizen_services
        )
        service_pk, service_code, fee = services[h % len(services)]
        status = self.bill_status(b)
        closed_at = None
        if status == "paid":
            closed_at = self.moment(e + self.lag_paid, 1)
        elif status == "cancelled":
            closed_at = self.moment(e + self.lag_cancelled, 2)
        elif status == "expired":
            closed_at = self.moment(e + self.lag_expired, 3)
        channel = partner = reference = ""
        if status == "paid":
            if (h >> 16) % 100 < 80:
                bank_code, partner = BANKS[(h >> 24) % len(BANKS)]
                channel, reference = "sadad", f"{bank_code}:SD{self.seed}B{b:011d}"
            else:
                channel, partner, reference = "card", CARD_GATEWAY, f"ch_sd{self.seed}_{b:011d}"
        sadad = 10**12 + (b * self.sadad_multiplier + self.sadad_offset) % (9 * 10**12)
        return BillFacts(
            pk=self.first.bill + b,
            request_pk=self.first.request + b,
            payer_pk=self.first.person + payer,
            service_pk=service_pk,
            service_code=service_code,
            amount=fee,
            sadad_number=str(sadad),
            issued_at=self.moment(e),
            expires_at=self.moment(e + self.lag_expired),
            status=status,
            closed_at=closed_at,
            channel=channel,
            partner_code=partner,
            external_reference=reference,
        )

    def receipt_code(self, b: int) -> str:
        """The public code of bill `b`'s receipt: unique, and not guessable without the seed."""
        digest = hashlib.blake2b(b.to_bytes(8, "big"), key=self.receipt_key, digest_size=15)
        return base64.urlsafe_b64encode(digest.digest()).decode()

    # --- the audit log, in tick order ---

    def audit_lines(self) -> Iterator[AuditLine]:
        """Every tick opens a bill or a suspension, then closes what closes then, in the order of
        their microsecond within the tick."""
        bill_closings = (
            (self.lag_paid, "paid"),
            (self.lag_cancelled, "cancelled"),
            (self.lag_expired, "expired"),
        )
        for e in range(self.ticks):
            yield self._opening_line(e)
            for lag, status in bill_closings:
                j = e - lag
                if j >= 0 and self.is_bill_tick(j):
                    b = self.bill_at_tick(j)
                    if self.bill_status(b) == status:
                        yield self._bill_closing_line(self.bill(b))
            j = e - self.lag_lifted
            if j >= 0 and not self.is_bill_tick(j):
                s = self.suspension_at_tick(j)
                if self.suspension_is_lifted(s):
                    yield self._lifting_line(self.suspension(s))

    def _opening_line(self, e: int) -> AuditLine:
        if self.is_bill_tick(e):
            bill = self.bill(self.bill_at_tick(e))
            return AuditLine(
                bill.issued_at,
                "system",
                "",
                "bill.issued",
                "bill",
                bill.sadad_number,
                bill.payer_pk,
                f'{{"amount":{bill.amount},"purpose":"{BILL_PURPOSE}",'
                f'"service":"{bill.service_code}"}}',
            )
        suspension = self.suspension(self.suspension_at_tick(e))
        return AuditLine(
            suspension.placed_at,
            "partner",
            suspension.actor_id,
            "suspension.placed",
            "suspension",
            str(suspension.pk),
            suspension.person_pk,
            f'{{"authority":"{suspension.authority_code}",'
            f'"reference":"{suspension.reference}","scope":"{suspension.scope}"}}',
        )

    def _lifting_line(self, suspension: SuspensionFacts) -> AuditLine:
        assert suspension.lifted_at is not None
        return AuditLine(
            suspension.lifted_at,
            "partner",
            suspension.actor_id,
            "suspension.lifted",
            "suspension",
            str(suspension.pk),
            suspension.person_pk,
            f'{{"authority":"{suspension.authority_code}","reference":"{suspension.reference}"}}',
        )

    def _bill_closing_line(self, bill: BillFacts) -> AuditLine:
        assert bill.closed_at is not None
        actor_type, actor_id, note = bill_closing_actor(bill)
        return AuditLine(
            bill.closed_at,
            actor_type,
            actor_id,
            f"bill.{bill.status}",
            "bill",
            bill.sadad_number,
            bill.payer_pk,
            f'{{"from":"unpaid","note":"{note}"}}',
        )


def bill_closing_actor(bill: BillFacts) -> tuple[str, str, str]:
    """(actor type, actor id, note) of the change that closed the bill, as the services write
    them: the bank or gateway that was paid, the withdrawn request, the expiry sweep."""
    if bill.status == "paid":
        return "partner", bill.partner_code, ""
    if bill.status == "cancelled":
        return "system", "requests", "request withdrawn"
    return "system", "sweep", ""


# --- rows as COPY reads them (text format; generated values hold no tab, newline or backslash) ----

N = "\\N"


def _flag(value: bool) -> str:
    return "t" if value else "f"


def _or_null(value: object) -> str:
    return N if value is None else str(value)


PERSON_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "id_number",
    "id_type",
    "name_ar",
    "name_en",
    "gender",
    "nationality",
    "mother_nationality",
    "date_of_birth",
    "mobile",
    "iqama_expiry",
    "residency_status",
    "has_criminal_case",
    "owes_sponsor",
    "traffic_fines_due_halalas",
    "has_exit_visa",
    "transfer_count",
)
SPONSORSHIP_COLUMNS = ("id", "created_at", "updated_at", "worker_id", "sponsor_id", "started_at")
SUSPENSION_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "person_id",
    "authority_id",
    "reference",
    "reason_ar",
    "reason_en",
    "lift_procedure_ar",
    "lift_procedure_en",
    "scope_kind",
    "scope_department_id",
    "scope_service_id",
    "status",
    "placed_at",
    "placed_by_type",
    "placed_by_id",
    "lifted_at",
    "lifted_by_type",
    "lifted_by_id",
)
REQUEST_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "person_id",
    "service_id",
    "status",
    "fee_halalas",
    "sadad_number",
    "decided_at",
    "decided_by",
    "decision_note",
)
BILL_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "sadad_number",
    "biller_code",
    "amount_halalas",
    "payer_id",
    "service_id",
    "purpose",
    "purpose_id",
    "status",
    "issued_at",
    "expires_at",
    "paid_at",
    "paid_channel",
    "closed_at",
    "close_reason",
)
BILL_EVENT_COLUMNS = (
    "created_at",
    "updated_at",
    "bill_id",
    "from_status",
    "to_status",
    "actor_type",
    "actor_id",
    "note",
)
PAYMENT_COLUMNS = (
    "created_at",
    "updated_at",
    "bill_id",
    "channel",
    "amount_halalas",
    "partner_code",
    "external_reference",
    "paid_at",
    "receipt_code",
)
AUDIT_COLUMNS = (
    "id",
    "sequence",
    "occurred_at",
    "actor_type",
    "actor_id",
    "action",
    "subject_type",
    "subject_id",
    "person_id",
    "ip",
    "request_id",
    "is_access",
    "data",
    "prev_hash",
    "hash",
)
REQUEST_STATUS = {
    "unpaid": "awaiting_payment",
    "paid": "fulfilled",
    "cancelled": "cancelled",
    "expired": "cancelled",
}
DECISION_NOTES = {
    "unpaid": "",
    "paid": "",
    "cancelled": "request withdrawn",
    "expired": "bill expired unpaid",
}


def person_lines(plan: Plan) -> Iterator[str]:
    created = stamp(plan.start_us)
    for i in range(plan.persons):
        (
            id_number,
            id_type,
            name_ar,
            name_en,
            gender,
            nationality,
            mother,
            born,
            mobile,
            iqama,
            status,
            criminal,
            owes,
            fines,
            exit_visa,
            transfers,
        ) = plan.person(i)
        yield (
            f"{plan.first.person + i}\t{created}\t{created}\t{id_number}\t{id_type}\t{name_ar}\t"
            f"{name_en}\t{gender}\t{nationality}\t{mother}\t{born}\t{mobile}\t{_or_null(iqama)}\t"
            f"{status}\t{_flag(criminal)}\t{_flag(owes)}\t{fines}\t{_flag(exit_visa)}\t"
            f"{transfers}\n"
        )


def sponsorship_lines(plan: Plan) -> Iterator[str]:
    started = stamp(plan.start_us - 400 * 86_400_000_000)
    pk = plan.first.sponsorship
    for i in range(plan.persons):
        sponsor = plan.sponsor_of(i)
        if sponsor is None:
            continue
        worker, sponsor = plan.first.person + i, plan.first.person + sponsor
        yield f"{pk}\t{started}\t{started}\t{worker}\t{sponsor}\t{started}\n"
        pk += 1


def sponsorship_count(plan: Plan) -> int:
    return sum(1 for i in range(plan.persons) if plan.sponsor_of(i) is not None)


def suspension_lines(plan: Plan) -> Iterator[str]:
    for s in range(plan.suspensions):
        f = plan.suspension(s)
        placed = stamp(f.placed_at)
        if f.lifted_at is None:
            lifted, status, updated, lifted_by = N, "active", placed, "\t"
        else:
            lifted = updated = stamp(f.lifted_at)
            status, lifted_by = "lifted", f"partner\t{f.actor_id}"
        reason_ar, reason_en, lift_ar, lift_en = f.reasons
        yield (
            f"{f.pk}\t{placed}\t{updated}\t{f.person_pk}\t{f.authority_pk}\t{f.reference}\t"
            f"{reason_ar}\t{reason_en}\t{lift_ar}\t{lift_en}\t{f.scope_kind}\t"
            f"{_or_null(f.scope_department)}\t{_or_null(f.scope_service)}\t{status}\t{placed}\t"
            f"partner\t{f.actor_id}\t{lifted}\t{lifted_by}\n"
        )


def request_lines(plan: Plan) -> Iterator[str]:
    for b in range(plan.bills):
        f = plan.bill(b)
        issued = stamp(f.issued_at)
        decided = stamp(f.closed_at) if f.closed_at is not None else N
        updated = issued if f.closed_at is None else decided
        yield (
            f"{f.request_pk}\t{issued}\t{updated}\t{f.payer_pk}\t{f.service_pk}\t"
            f"{REQUEST_STATUS[f.status]}\t{f.amount}\t{f.sadad_number}\t{decided}\t\t"
            f"{DECISION_NOTES[f.status]}\n"
        )


def bill_lines(plan: Plan) -> Iterator[str]:
    assert plan.catalogue is not None
    biller = plan.catalogue.biller_code
    for b in range(plan.bills):
        f = plan.bill(b)
        issued = stamp(f.issued_at)
        closing = stamp(f.closed_at) if f.closed_at is not None else N
        paid = closing if f.status == "paid" else N
        closed = closing if f.status in ("cancelled", "expired") else N
        updated = issued if f.closed_at is None else closing
        reason = "request withdrawn" if f.status == "cancelled" else ""
        yield (
            f"{f.pk}\t{issued}\t{updated}\t{f.sadad_number}\t{biller}\t{f.amount}\t"
            f"{f.payer_pk}\t{f.service_pk}\t{BILL_PURPOSE}\t{f.request_pk}\t{f.status}\t"
            f"{issued}\t{stamp(f.expires_at)}\t{paid}\t{f.channel}\t{closed}\t{reason}\n"
        )


def bill_event_lines(plan: Plan) -> Iterator[str]:
    for b in range(plan.bills):
        f = plan.bill(b)
        issued = stamp(f.issued_at)
        yield f"{issued}\t{issued}\t{f.pk}\t\tunpaid\tsystem\t\t\n"
        if f.closed_at is not None:
            closing = stamp(f.closed_at)
            actor_type, actor_id, note = bill_closing_actor(f)
            yield (
                f"{closing}\t{closing}\t{f.pk}\tunpaid\t{f.status}\t{actor_type}\t{actor_id}\t"
                f"{note}\n"
            )


def payment_lines(plan: Plan) -> Iterator[str]:
    for b in range(plan.bills):
        if plan.bill_status(b) != "paid":
            continue
        f = plan.bill(b)
        assert f.closed_at is not None
        paid = stamp(f.closed_at)
        yield (
            f"{paid}\t{paid}\t{f.pk}\t{f.channel}\t{f.amount}\t{f.partner_code}\t"
            f"{f.external_reference}\t{paid}\t{plan.receipt_code(b)}\n"
        )


@dataclass
class ChainHead:
    sequence: int
    hash: str


def audit_copy_lines(plan: Plan, head: ChainHead) -> Iterator[str]:
    """The audit entries in tick order, each linked to the one before; moves `head` along."""
    pk = plan.first.audit
    sequence, previous = head.sequence, head.hash
    sha256 = hashlib.sha256
    for line in plan.audit_lines():
        sequence += 1
        moment = stamp(line.occurred_at)
        digest = sha256(
            audit_payload(line, moment=moment, sequence=sequence, prev_hash=previous)
        ).hexdigest()
        yield (
            f"{pk}\t{sequence}\t{moment}\t{line.actor_type}\t{line.actor_id}\t"
            f"{line.action}\t{line.subject_type}\t{line.subject_id}\t{line.person_id}\t\t\tf\t"
            f"{line.data}\t{previous}\t{digest}\n"
        )
        previous = digest
        pk += 1
        head.sequence, head.hash = sequence, previous


# --- the registry as a CSV file ------------------------------------------------------------------


def registry_csv_write(plan: Plan, stream: IO[str], progress: Progress) -> int:
    """The plan's persons as a registry CSV export (SPEC 13), for the import's benchmarks."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(REGISTRY_COLUMNS)
    progress.stage("registry.csv", total=plan.persons)
    for i in range(plan.persons):
        (
            id_number,
            _id_type,
            name_ar,
            name_en,
            gender,
            nationality,
            mother,
            born,
            mobile,
            iqama,
            status,
            criminal,
            owes,
            fines,
            exit_visa,
            transfers,
        ) = plan.person(i)
        sponsor = plan.sponsor_of(i)
        resident = plan.is_resident(i)
        writer.writerow(
            (
                id_number,
                name_ar,
                name_en,
                gender,
                nationality,
                mother,
                born.isoformat(),
                mobile,
                iqama.isoformat() if iqama else "",
                status if resident else "",
                int(criminal),
                int(owes),
                plan.id_number(sponsor) if sponsor is not None else "",
                fines,
                int(exit_visa),
                transfers,
            )
        )
        if i % 10_000 == 0:
            progress.advance(i)
    progress.advance(plan.persons)
    progress.finish()
    return plan.persons


# --- loading into PostgreSQL ---------------------------------------------------------------------

TABLES = [
    Person,
    Sponsorship,
    Suspension,
    ServiceRequest,
    Bill,
    BillEvent,
    Payment,
    AuditEvent,
]


def data_present() -> dict[str, int]:
    """Tables a load would mix generated rows into, with their row counts (only the non-empty)."""
    counts = {
        model._meta.label: model.objects.count()
        for model in (Person, Suspension, Bill, ServiceRequest, AuditEvent, User)
    }
    return {label: count for label, count in counts.items() if count}


def catalogue_read(*, biller_code: str) -> Catalogue:
    """The authorities (a standard set is created when there are none), departments and
    e-services the generated rows refer to."""
    if not Authority.objects.exists():
        Authority.objects.bulk_create(
            Authority(code=code, name_ar=name_ar, name_en=name_en)
            for code, name_ar, name_en in STANDARD_AUTHORITIES
        )
    acting = dict(
        Partner.objects.filter(authority__isnull=False)
        .order_by("-pk")
        .values_list("authority_id", "code")
    )
    authorities = [
        (pk, code, acting.get(pk, code))
        for pk, code in Authority.objects.order_by("pk").values_list("pk", "code")
    ]
    services = list(Service.objects.order_by("pk"))
    requestable = [
        service
        for service in services
        if service.is_active
        and service.fee_halalas > 0
        and not service.fee_depends_on_case
        and service.code not in DEDICATED_SERVICES
    ]

    def offered(kind: str) -> list[tuple[int, str, int]]:
        return [
            (service.pk, service.code, service.fee_halalas)
            for service in requestable
            if service.eligibility in (Eligibility.EVERYONE, kind)
        ]

    return Catalogue(
        authorities=authorities,
        departments=list(Department.objects.order_by("pk").values_list("pk", "code")),
        suspendable_services=[
            (service.pk, service.code) for service in services if service.is_suspendable
        ],
        citizen_services=offered(Eligibility.CITIZENS),
        resident_services=offered(Eligibility.RESIDENTS),
        biller_code=biller_code,
    )


def _next_id(model: type[Any]) -> int:
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(model._meta.db_table)
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608  # nosec B608  # a model's own table name
        value: int = cursor.fetchone()[0]
    return value


def first_ids() -> FirstIds:
    return FirstIds(
        person=_next_id(Person),
        sponsorship=_next_id(Sponsorship),
        suspension=_next_id(Suspension),
        request=_next_id(ServiceRequest),
        bill=_next_id(Bill),
        audit=_next_id(AuditEvent),
    )


def chain_head_lock() -> ChainHead:
    """The audit chain's head, locked until the load commits (every other writer of the audit
    log waits). Created as the audit service would on an empty log."""
    head = AuditChainHead.objects.select_for_update().filter(pk=CHAIN_HEAD_ID).first()
    if head is None:
        newest = AuditEvent.objects.order_by("-sequence").only("sequence", "hash").first()
        AuditChainHead.objects.get_or_create(
            pk=CHAIN_HEAD_ID,
            defaults={
                "last_sequence": newest.sequence if newest else 0,
                "last_hash": newest.hash if newest else GENESIS_HASH,
            },
        )
        head = AuditChainHead.objects.select_for_update().get(pk=CHAIN_HEAD_ID)
    return ChainHead(sequence=head.last_sequence, hash=head.last_hash)


@dataclass(frozen=True)
class SecondaryIndex:
    table: str
    name: str
    kind: str  # "constraint" or "index"
    definition: str
    is_foreign_key: bool


def secondary_indexes(tables: list[str]) -> list[SecondaryIndex]:
    """Every index, unique constraint and foreign key of `tables` except the primary keys: what
    a bulk load is faster without (built once at the end instead of row by row)."""
    found: list[SecondaryIndex] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT cl.relname, co.conname, pg_get_constraintdef(co.oid), co.contype "
            "FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid "
            "WHERE cl.relname = ANY(%s) AND co.contype IN ('u', 'f') ORDER BY 1, 2",
            [tables],
        )
        for table, name, definition, kind in cursor.fetchall():
            found.append(SecondaryIndex(table, name, "constraint", definition, kind == "f"))
        cursor.execute(
            "SELECT t.relname, i.relname, pg_get_indexdef(i.oid) "
            "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.relname = ANY(%s) AND NOT x.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid "
            "AND c.contype IN ('u', 'p', 'x')) ORDER BY 1, 2",
            [tables],
        )
        for table, name, definition in cursor.fetchall():
            found.append(SecondaryIndex(table, name, "index", definition, False))
    return found


def indexes_drop(indexes: list[SecondaryIndex]) -> None:
    with connection.cursor() as cursor:
        # Foreign keys first: a unique constraint may not go while one relies on it.
        for index in sorted(indexes, key=lambda i: not i.is_foreign_key):
            if index.kind == "constraint":
                cursor.execute(f'ALTER TABLE "{index.table}" DROP CONSTRAINT "{index.name}"')
            else:
                cursor.execute(f'DROP INDEX "{index.name}"')


def indexes_create(indexes: list[SecondaryIndex], progress: Progress) -> list[tuple[str, float]]:
    """Builds them again (indexes and unique constraints, then foreign keys, which check every
    row); returns how long each took."""
    timings: list[tuple[str, float]] = []
    progress.stage("building", total=len(indexes), unit="indexes and keys")
    with connection.cursor() as cursor:
        for done, index in enumerate(sorted(indexes, key=lambda i: i.is_foreign_key), start=1):
            started = time.perf_counter()
            if index.kind == "constraint":
                cursor.execute(
                    f'ALTER TABLE "{index.table}" ADD CONSTRAINT "{index.name}" {index.definition}'
                )
            else:
                cursor.execute(index.definition)
            timings.append((f"{index.table}.{index.name}", time.perf_counter() - started))
            progress.advance(done)
    progress.finish()
    return timings


def sequences_reset(tables: list[str]) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            quoted = connection.ops.quote_name(table)
            statement = f"SELECT COALESCE(MAX(id), 1) FROM {quoted}"  # noqa: S608  # nosec B608  # a model's own table name
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), ({statement}))", [table]
            )


def copy_into(
    table: str,
    columns: tuple[str, ...],
    lines: Iterator[str],
    *,
    total: int,
    progress: Progress,
    label: str,
) -> int:
    """COPY `lines` into `table`, CHUNK_ROWS at a time; returns how many."""
    progress.stage(label, total=total)
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        chunk: list[str] = []
        for line in lines:
            chunk.append(line)
            if len(chunk) == CHUNK_ROWS:
                copy.write("".join(chunk))
                count += len(chunk)
                chunk = []
                progress.advance(count)
        if chunk:
            copy.write("".join(chunk))
            count += len(chunk)
    progress.advance(count)
    progress.finish()
    return count


@dataclass
class LoadReport:
    tables: list[tuple[str, int, float]] = field(default_factory=list)  # table, rows, seconds
    indexes_dropped: float = 0.0
    indexes: list[tuple[str, float]] = field(default_factory=list)
    commit: float = 0.0
    analyze: float = 0.0
    audit_head: ChainHead | None = None


def load(
    plan: Plan,
    *,
    rebuild_indexes: bool,
    progress: Progress,
    timed: Callable[[str, float], None] | None = None,
) -> LoadReport:
    """Writes the plan's rows into the database, in one transaction the caller opened (the audit
    chain head stays locked until it commits)."""
    assert plan.catalogue is not None
    report = LoadReport()
    tables = [model._meta.db_table for model in TABLES]
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {', '.join(tables)} IN EXCLUSIVE MODE")
        # Foreign keys kept during the load check each row at once rather than queueing
        # millions of deferred checks until the commit.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    head = chain_head_lock()
    indexes: list[SecondaryIndex] = []
    if rebuild_indexes:
        started = time.perf_counter()
        indexes = secondary_indexes(tables)
        indexes_drop(indexes)
        report.indexes_dropped = time.perf_counter() - started

    def step(model: type[Any], columns: tuple[str, ...], lines: Iterator[str], total: int) -> None:
        table = model._meta.db_table
        started = time.perf_counter()
        rows = copy_into(table, columns, lines, total=total, progress=progress, label=table)
        report.tables.append((table, rows, time.perf_counter() - started))

    step(Person, PERSON_COLUMNS, person_lines(plan), plan.persons)
    step(Sponsorship, SPONSORSHIP_COLUMNS, sponsorship_lines(plan), sponsorship_count(plan))
    step(Suspension, SUSPENSION_COLUMNS, suspension_lines(plan), plan.suspensions)
    step(ServiceRequest, REQUEST_COLUMNS, request_lines(plan), plan.bills)
    step(Bill, BILL_COLUMNS, bill_lines(plan), plan.bills)
    step(BillEvent, BILL_EVENT_COLUMNS, bill_event_lines(plan), _bill_event_estimate(plan))
    step(Payment, PAYMENT_COLUMNS, payment_lines(plan), _payment_estimate(plan))
    step(AuditEvent, AUDIT_COLUMNS, audit_copy_lines(plan, head), _audit_estimate(plan))
    report.audit_head = head
    AuditChainHead.objects.filter(pk=CHAIN_HEAD_ID).update(
        last_sequence=head.sequence, last_hash=head.hash
    )
    if rebuild_indexes:
        report.indexes = indexes_create(indexes, progress)
    sequences_reset(tables)
    return report


# Estimates for the progress's totals (exact counts would cost a pass over the bills).
def _bill_event_estimate(plan: Plan) -> int:
    return round(plan.bills * 1.95)


def _payment_estimate(plan: Plan) -> int:
    return round(plan.bills * 0.73)


def _audit_estimate(plan: Plan) -> int:
    return plan.ticks + round(plan.bills * 0.97) + round(plan.suspensions * 0.58)


def analyze() -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for model in TABLES:
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    return time.perf_counter() - started
