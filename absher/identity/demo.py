"""Demo registry (السجل الوطني التجريبي): the people `make run` loads, one for every case the
platform's journeys need. Later features pick them by `role`; the banner prints them.

`registry.csv` next to this module is imported through the same service as any registry export.
One value is relative to the day the demo runs: the iqama of `worker_iqama_expiring_soon` is set to
expire 10 days after the load date (fewer than the 15 days a transfer needs). Importing the CSV file
directly with `import_registry` keeps the date written in the file instead."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from absher.core import clock
from absher.identity.constants import Calendar
from absher.identity.registry_csv import COLUMNS, ImportReport
from absher.identity.services import registry_import_csv

REGISTRY_CSV = Path(__file__).resolve().parent / "demo" / "registry.csv"
EXPIRING_SOON_DAYS = 10


@dataclass(frozen=True)
class DemoPerson:
    role: str
    id_number: str
    name_en: str
    name_ar: str
    description: str
    date_of_birth: dt.date
    hijri: str
    """The date of birth in the Umm al-Qura calendar, as "1410-11-06"."""
    natural_calendar: Calendar
    """The calendar the person knows their date of birth in (citizens mostly Hijri)."""
    mobile: str


DEMO_PEOPLE: list[DemoPerson] = [
    DemoPerson(
        role="sponsor_many_workers",
        id_number="1770914537",
        name_en="Abdullah Mohammed Al-Qahtani",
        name_ar="عبدالله محمد القحطاني",
        description="Citizen sponsor of 14 workers: the current sponsor in transfer demos",
        date_of_birth=dt.date(1978, 6, 19),
        hijri="1398-07-14",
        natural_calendar=Calendar.HIJRI,
        mobile="+966509120407",
    ),
    DemoPerson(
        role="sponsor_domestic_workers",
        id_number="1416538286",
        name_en="Noura Saad Al-Otaibi",
        name_ar="نورة سعد العتيبي",
        description="Citizen sponsor of 6 domestic workers, most failing a transfer condition",
        date_of_birth=dt.date(1984, 11, 2),
        hijri="1405-02-09",
        natural_calendar=Calendar.HIJRI,
        mobile="+966585238464",
    ),
    DemoPerson(
        role="new_sponsor_citizen",
        id_number="1665537195",
        name_en="Faisal Abdulaziz Al-Dossary",
        name_ar="فيصل عبدالعزيز الدوسري",
        description="Eligible citizen new sponsor: receives and accepts transfers",
        date_of_birth=dt.date(1990, 5, 30),
        hijri="1410-11-06",
        natural_calendar=Calendar.HIJRI,
        mobile="+966553405691",
    ),
    DemoPerson(
        role="new_sponsor_citizen_second",
        id_number="1315964856",
        name_en="Sarah Khalid Al-Shehri",
        name_ar="سارة خالد الشهري",
        description="Second eligible citizen new sponsor: files the transfer-without-consent case",
        date_of_birth=dt.date(1992, 4, 18),
        hijri="1412-10-15",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966540148877",
    ),
    DemoPerson(
        role="new_sponsor_traffic_fines",
        id_number="1406402758",
        name_en="Turki Nasser Al-Harbi",
        name_ar="تركي ناصر الحربي",
        description="Citizen new sponsor with 2,500.00 SAR unpaid traffic fines: refused",
        date_of_birth=dt.date(1982, 7, 12),
        hijri="1402-09-21",
        natural_calendar=Calendar.HIJRI,
        mobile="+966595916020",
    ),
    DemoPerson(
        role="new_sponsor_not_activated",
        id_number="1222395798",
        name_en="Khalid Sulaiman Al-Anazi",
        name_ar="خالد سليمان العنزي",
        description="Citizen with a registered, not activated account: refused as new sponsor",
        date_of_birth=dt.date(1987, 11, 3),
        hijri="1408-03-12",
        natural_calendar=Calendar.HIJRI,
        mobile="+966563347219",
    ),
    DemoPerson(
        role="citizen_no_account",
        id_number="1569976168",
        name_en="Haya Ibrahim Al-Mutairi",
        name_ar="هيا إبراهيم المطيري",
        description="Citizen who has no account: registers during the demo",
        date_of_birth=dt.date(1994, 9, 8),
        hijri="1415-04-03",
        natural_calendar=Calendar.HIJRI,
        mobile="+966501178880",
    ),
    DemoPerson(
        role="citizen_suspended",
        id_number="1807299084",
        name_en="Majed Fahad Al-Ghamdi",
        name_ar="ماجد فهد الغامدي",
        description="Citizen carrying the demo service suspensions (court and traffic)",
        date_of_birth=dt.date(1988, 12, 2),
        hijri="1409-04-23",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966569548557",
    ),
    DemoPerson(
        role="citizen_activation_bank",
        id_number="1388164970",
        name_en="Reem Abdulrahman Al-Zahrani",
        name_ar="ريم عبدالرحمن الزهراني",
        description="Citizen who activates e-services through her bank",
        date_of_birth=dt.date(1991, 8, 5),
        hijri="1412-01-25",
        natural_calendar=Calendar.HIJRI,
        mobile="+966537895627",
    ),
    DemoPerson(
        role="citizen_activation_office",
        id_number="1176956918",
        name_en="Saleh Ali Al-Shammari",
        name_ar="صالح علي الشمري",
        description="Elderly citizen who activates e-services in person at an Absher office",
        date_of_birth=dt.date(1956, 1, 24),
        hijri="1375-06-10",
        natural_calendar=Calendar.HIJRI,
        mobile="+966560261800",
    ),
    DemoPerson(
        role="citizen_activation_sms",
        id_number="1444254898",
        name_en="Lama Turki Al-Subaie",
        name_ar="لمى تركي السبيعي",
        description="Citizen who activates e-services with ID, date of birth and an SMS code",
        date_of_birth=dt.date(1999, 8, 30),
        hijri="1420-05-19",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966568987025",
    ),
    DemoPerson(
        role="child_of_saudi_mother",
        id_number="2235389836",
        name_en="Omar Yousef Haddad",
        name_ar="عمر يوسف حداد",
        description="Resident son of a Saudi mother: sponsors one worker, may receive transfers",
        date_of_birth=dt.date(1990, 3, 22),
        hijri="1410-08-25",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966565657547",
    ),
    DemoPerson(
        role="resident_no_sponsor",
        id_number="2640727562",
        name_en="Ahmed Mahmoud Farouk",
        name_ar="أحمد محمود فاروق",
        description="Resident without sponsor (premium residency), not Saudi-mother child: refused",
        date_of_birth=dt.date(1985, 7, 9),
        hijri="1405-10-21",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966541181878",
    ),
    DemoPerson(
        role="worker_clean_first_transfer",
        id_number="2864106998",
        name_en="Rajesh Kumar",
        name_ar="راجيش كومار",
        description="Clean worker, never transferred: first transfer, fee 2,000 SAR",
        date_of_birth=dt.date(1991, 2, 14),
        hijri="1411-07-30",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966565533047",
    ),
    DemoPerson(
        role="worker_clean_second_transfer",
        id_number="2085262737",
        name_en="Mohammad Rafiq",
        name_ar="محمد رفيق",
        description="Clean worker transferred once: second transfer, fee 4,000 SAR",
        date_of_birth=dt.date(1987, 10, 5),
        hijri="1408-02-12",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966537761730",
    ),
    DemoPerson(
        role="worker_clean_third_transfer",
        id_number="2112490004",
        name_en="Joseph Santos",
        name_ar="جوزيف سانتوس",
        description="Clean worker transferred twice: third transfer, fee 6,000 SAR",
        date_of_birth=dt.date(1983, 6, 27),
        hijri="1403-09-16",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966504714589",
    ),
    DemoPerson(
        role="worker_expired_iqama",
        id_number="2708024282",
        name_en="Abdul Karim Khan",
        name_ar="عبدالكريم خان",
        description="Worker whose iqama expired (2025-03-31): not legally resident",
        date_of_birth=dt.date(1980, 1, 19),
        hijri="1400-03-01",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966507324378",
    ),
    DemoPerson(
        role="worker_absent",
        id_number="2382177455",
        name_en="Suresh Babu",
        name_ar="سوريش بابو",
        description="Worker reported absent from work (تغيب عن العمل)",
        date_of_birth=dt.date(1989, 11, 11),
        hijri="1410-04-13",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966588695075",
    ),
    DemoPerson(
        role="worker_criminal_case",
        id_number="2400588402",
        name_en="Hassan Ali Saeed",
        name_ar="حسن علي سعيد",
        description="Worker with a criminal or security case",
        date_of_birth=dt.date(1986, 4, 2),
        hijri="1406-07-23",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966547912642",
    ),
    DemoPerson(
        role="worker_owes_sponsor",
        id_number="2875414159",
        name_en="Ramesh Thapa",
        name_ar="راميش ثابا",
        description="Worker with unsettled financial obligations towards his sponsor",
        date_of_birth=dt.date(1993, 9, 15),
        hijri="1414-03-29",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966507229704",
    ),
    DemoPerson(
        role="worker_several_failures",
        id_number="2672151798",
        name_en="John Mathew",
        name_ar="جون ماثيو",
        description="Worker failing several conditions: expired iqama, case, debt, fines",
        date_of_birth=dt.date(1982, 9, 9),
        hijri="1402-11-21",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966598326581",
    ),
    DemoPerson(
        role="worker_transfer_without_consent",
        id_number="2839004807",
        name_en="Eko Prasetyo",
        name_ar="إيكو براسيتيو",
        description="Clean worker named in the transfer-without-consent case",
        date_of_birth=dt.date(1990, 12, 8),
        hijri="1411-05-21",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966551898988",
    ),
    DemoPerson(
        role="worker_suspended",
        id_number="2728861374",
        name_en="Bilal Ahmed",
        name_ar="بلال أحمد",
        description="Otherwise clean worker carrying a demo suspension that blocks his transfer",
        date_of_birth=dt.date(1992, 5, 23),
        hijri="1412-11-21",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966541089669",
    ),
    DemoPerson(
        role="worker_with_account",
        id_number="2274838248",
        name_en="Najibullah Rahimi",
        name_ar="نجيب الله رحيمي",
        description="Clean worker with his own account (worker-consent policy)",
        date_of_birth=dt.date(1990, 10, 10),
        hijri="1411-03-21",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966568003344",
    ),
    DemoPerson(
        role="worker_spare_1",
        id_number="2674385923",
        name_en="Anwar Hossain",
        name_ar="أنور حسين",
        description="Spare clean worker, never transferred",
        date_of_birth=dt.date(1994, 3, 3),
        hijri="1414-09-21",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966504757348",
    ),
    DemoPerson(
        role="worker_spare_2",
        id_number="2344238478",
        name_en="Mark Reyes",
        name_ar="مارك رييس",
        description="Spare clean worker, never transferred",
        date_of_birth=dt.date(1988, 8, 8),
        hijri="1408-12-26",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966503964193",
    ),
    DemoPerson(
        role="worker_spare_3",
        id_number="2625936337",
        name_en="Arjun Singh",
        name_ar="أرجون سينغ",
        description="Spare clean worker transferred once",
        date_of_birth=dt.date(1996, 2, 1),
        hijri="1416-09-12",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966562634074",
    ),
    DemoPerson(
        role="worker_traffic_fines",
        id_number="2055752626",
        name_en="Mustafa Osman",
        name_ar="مصطفى عثمان",
        description="Worker (driver) with 800.00 SAR of unpaid traffic fines",
        date_of_birth=dt.date(1984, 2, 28),
        hijri="1404-05-27",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966551294548",
    ),
    DemoPerson(
        role="worker_exit_visa",
        id_number="2016007292",
        name_en="Maria Cruz",
        name_ar="ماريا كروز",
        description="Domestic worker who has been issued an exit visa",
        date_of_birth=dt.date(1990, 7, 17),
        hijri="1410-12-25",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966598510239",
    ),
    DemoPerson(
        role="worker_max_transfers",
        id_number="2171476621",
        name_en="Samuel Tesfaye",
        name_ar="صامويل تسفاي",
        description="Worker already transferred four times: no further transfer",
        date_of_birth=dt.date(1985, 10, 30),
        hijri="1406-02-16",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966560023070",
    ),
    DemoPerson(
        role="worker_iqama_expiring_soon",
        id_number="2211287301",
        name_en="Siti Aminah",
        name_ar="سيتي أمينة",
        description="Domestic worker whose iqama expires 10 days after the demo loads (< 15 days)",
        date_of_birth=dt.date(1995, 1, 12),
        hijri="1415-08-11",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966589498043",
    ),
    DemoPerson(
        role="worker_domestic_clean",
        id_number="2715987992",
        name_en="Fatima Begum",
        name_ar="فاطمة بيغوم",
        description="Clean domestic worker, never transferred",
        date_of_birth=dt.date(1991, 6, 6),
        hijri="1411-11-23",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966588284544",
    ),
    DemoPerson(
        role="worker_domestic_spare",
        id_number="2267986798",
        name_en="Lakshmi Devi",
        name_ar="لاكشمي ديفي",
        description="Clean domestic worker transferred once",
        date_of_birth=dt.date(1993, 12, 20),
        hijri="1414-07-07",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966538217584",
    ),
    DemoPerson(
        role="worker_of_resident_sponsor",
        id_number="2570133476",
        name_en="Anil Sharma",
        name_ar="أنيل شارما",
        description="Clean worker whose sponsor is the resident son of a Saudi mother",
        date_of_birth=dt.date(1987, 3, 15),
        hijri="1407-07-15",
        natural_calendar=Calendar.GREGORIAN,
        mobile="+966553757393",
    ),
]

_BY_ROLE = {person.role: person for person in DEMO_PEOPLE}


def demo_person(role: str) -> DemoPerson:
    """The demo person playing `role` (KeyError for an unknown role)."""
    return _BY_ROLE[role]


def demo_registry_csv() -> bytes:
    """The demo registry as imported today: the file, with the dates relative to today filled in."""
    expiring = demo_person("worker_iqama_expiring_soon").id_number
    expiry = (clock.today_local() + dt.timedelta(days=EXPIRING_SOON_DAYS)).isoformat()
    with REGISTRY_CSV.open(encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source))
    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        if row["id_number"] == expiring:
            row["iqama_expiry"] = expiry
        writer.writerow(row)
    return output.getvalue().encode("utf-8")


def demo_registry_load() -> ImportReport:
    """Loads (or refreshes) the demo people; loading twice on the same day changes nothing."""
    return registry_import_csv(stream=io.BytesIO(demo_registry_csv()))
