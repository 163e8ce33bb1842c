"""The departments and e-services every deployment starts with. Administrators change fees and texts
afterwards; the codes are what the rest of the platform (and integrators) rely on."""

from django.db import migrations

DEPARTMENTS = [
    ("passports", "الجوازات", "Passports", 1),
    ("civil_affairs", "الأحوال المدنية", "Civil Affairs", 2),
    ("traffic", "المرور", "Traffic", 3),
    ("general_services", "الخدمات العامة", "General Services", 4),
]

# code, department, name_ar, name_en, description_ar, description_en, fee (halalas),
# fee depends on case, per-service activation, eligibility, suspendable, position
SERVICES = [
    (
        "worker_services_transfer", "passports", "نقل خدمات عامل", "Transfer of worker services",
        "نقل خدمات العامل المكفول إلى صاحب عمل جديد بعد موافقته خلال خمسة عشر يومًا وسداد المقابل المالي.",
        "Transfer a sponsored worker's services to a new sponsor, who accepts within 15 days and pays the fee.",
        0, True, True, "everyone", True, 1,
    ),
    (
        "transfer_without_consent", "passports", "نقل الكفالة بدون موافقة الكفيل",
        "Sponsorship transfer without the sponsor's consent",
        "طلب مدعوم بالمستندات يقدمه صاحب العمل الجديد ويراجعه موظف الجوازات.",
        "A document-backed request filed by the new sponsor and reviewed by a passports officer.",
        0, True, True, "everyone", True, 2,
    ),
    (
        "passport_renewal", "passports", "تجديد جواز السفر", "Passport renewal",
        "تجديد جواز السفر السعودي لمدة خمس سنوات.",
        "Renew a Saudi passport for five years.",
        30000, False, False, "citizens", True, 3,
    ),
    (
        "iqama_renewal", "passports", "تجديد الإقامة", "Iqama renewal",
        "تجديد هوية مقيم لعامل مكفول لمدة سنة.",
        "Renew a sponsored worker's residence permit (iqama) for one year.",
        65000, False, False, "everyone", True, 4,
    ),
    (
        "exit_reentry_visa", "passports", "إصدار تأشيرة خروج وعودة", "Exit and re-entry visa",
        "إصدار تأشيرة خروج وعودة مفردة لمدة شهرين.",
        "Issue a single exit and re-entry visa valid for two months.",
        20000, False, False, "everyone", True, 5,
    ),
    (
        "national_id_renewal", "civil_affairs", "تجديد الهوية الوطنية", "National ID card renewal",
        "تجديد بطاقة الهوية الوطنية قبل انتهائها أو بعده.",
        "Renew the national ID card before or after it expires.",
        0, False, False, "citizens", True, 1,
    ),
    (
        "national_address_update", "civil_affairs", "تحديث العنوان الوطني", "National address update",
        "تحديث العنوان الوطني المسجل في السجل المدني.",
        "Update the national address held in the civil registry.",
        0, False, False, "everyone", True, 2,
    ),
    (
        "driving_licence_renewal", "traffic", "تجديد رخصة القيادة", "Driving licence renewal",
        "تجديد رخصة القيادة الخاصة لمدة عشر سنوات.",
        "Renew a private driving licence for ten years.",
        40000, False, False, "everyone", True, 1,
    ),
    (
        "vehicle_registration_renewal", "traffic", "تجديد رخصة سير", "Vehicle registration renewal",
        "تجديد رخصة سير المركبة (الاستمارة) لمدة سنة.",
        "Renew a vehicle's registration for one year.",
        10000, False, False, "everyone", True, 2,
    ),
    (
        "traffic_violations_inquiry", "traffic", "الاستعلام عن المخالفات المرورية",
        "Traffic violations inquiry",
        "عرض المخالفات المرورية المسجلة على الهوية وغير المسددة.",
        "See the unpaid traffic violations recorded against an ID.",
        0, False, False, "everyone", False, 3,
    ),
    (
        "suspensions_inquiry", "general_services", "الإيقاف المؤقت للخدمات",
        "Temporary suspension of services",
        "عرض الخدمات الموقوفة مؤقتًا وأسباب الإيقاف وطريقة رفعه.",
        "See which services are temporarily suspended, why, and how to lift the suspension.",
        0, False, False, "everyone", False, 1,
    ),
    (
        "lost_document_report", "general_services", "الإبلاغ عن فقدان وثيقة", "Report a lost document",
        "الإبلاغ عن فقدان هوية أو جواز سفر أو رخصة.",
        "Report a lost ID card, passport or licence.",
        0, False, False, "everyone", True, 2,
    ),
]


def create_catalogue(apps, schema_editor):
    Department = apps.get_model("catalog", "Department")
    Service = apps.get_model("catalog", "Service")
    departments = {}
    for code, name_ar, name_en, position in DEPARTMENTS:
        departments[code], _ = Department.objects.update_or_create(
            code=code, defaults={"name_ar": name_ar, "name_en": name_en, "position": position}
        )
    for (
        code, department, name_ar, name_en, description_ar, description_en, fee,
        fee_depends_on_case, requires_activation, eligibility, is_suspendable, position,
    ) in SERVICES:
        Service.objects.update_or_create(
            code=code,
            defaults={
                "department": departments[department],
                "name_ar": name_ar,
                "name_en": name_en,
                "description_ar": description_ar,
                "description_en": description_en,
                "fee_halalas": fee,
                "fee_depends_on_case": fee_depends_on_case,
                "requires_activation": requires_activation,
                "eligibility": eligibility,
                "is_suspendable": is_suspendable,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(create_catalogue, migrations.RunPython.noop)]
