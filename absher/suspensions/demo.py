"""Demo suspensions, one of each scope, placed through the same service authorities use."""

from __future__ import annotations

from absher.accounts.models import Authority
from absher.suspensions.services import suspension_place

# (registry demo role, authority code, reference, scope, reason ar/en, how to lift ar/en)
DEMO_SUSPENSIONS = [
    (
        "citizen_suspended",
        "general-court",
        "CRT-1447-000381",
        "all",
        "صدور حكم قضائي واجب النفاذ لم يُنفذ",
        "An enforceable court judgment has not been carried out",
        "مراجعة دائرة التنفيذ في المحكمة العامة بالرياض وتنفيذ الحكم أو تقديم ضمان",
        "Visit the enforcement circuit of the General Court in Riyadh and carry out the judgment "
        "or provide a guarantee",
    ),
    (
        "new_sponsor_traffic_fines",
        "traffic",
        "TRF-1447-102233",
        "department:traffic",
        "مخالفات مرورية متراكمة غير مسددة",
        "Accumulated unpaid traffic violations",
        "سداد المخالفات المرورية عبر سداد ثم الانتظار حتى تحديث النظام",
        "Pay the traffic violations through SADAD, then wait for the system to update",
    ),
    (
        "worker_suspended",
        "passports",
        "JWZ-1447-004512",
        "service:worker_services_transfer",
        "بلاغ قيد الدراسة لدى الجوازات",
        "A report under review at the Passports directorate",
        "مراجعة إدارة الوافدين في المديرية العامة للجوازات",
        "Visit the expatriates department of the General Directorate of Passports",
    ),
]


def demo_suspensions_load(*, people_by_role: dict[str, str]) -> int:
    placed = 0
    for role, authority_code, reference, scope, r_ar, r_en, l_ar, l_en in DEMO_SUSPENSIONS:
        authority = Authority.objects.filter(code=authority_code).first()
        if authority is None or role not in people_by_role:
            continue
        placement = suspension_place(
            authority=authority,
            id_number=people_by_role[role],
            reference=reference,
            reason_ar=r_ar,
            reason_en=r_en,
            lift_procedure_ar=l_ar,
            lift_procedure_en=l_en,
            scope=scope,
            actor_type="system",
            actor_id="load_demo",
        )
        placed += int(placement.created)
    return placed
