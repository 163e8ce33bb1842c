import pytest
from django.utils import translation

from absher.catalog.models import Service
from absher.portal.templatetags.portal_tags import sar, service_fee


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ar", "300.00 ريال"), ("en", "SAR 300.00")],
)
def test_sar_shows_two_decimals_and_the_currency_in_the_page_language(language, expected):
    with translation.override(language):
        assert sar(30000) == expected


def test_sar_groups_thousands_and_keeps_halalas():
    with translation.override("en"):
        assert sar(200050) == "SAR 2,000.50"


@pytest.mark.parametrize(
    ("fee_halalas", "depends_on_case", "language", "expected"),
    [
        (0, False, "ar", "مجاناً"),
        (0, False, "en", "Free"),
        (30000, False, "ar", "300.00 ريال"),
        (30000, False, "en", "SAR 300.00"),
        (0, True, "ar", "حسب الحالة"),
        (0, True, "en", "Depends on the case"),
        (200000, True, "en", "Depends on the case"),
    ],
)
def test_service_fee(fee_halalas, depends_on_case, language, expected):
    service = Service(fee_halalas=fee_halalas, fee_depends_on_case=depends_on_case)

    with translation.override(language):
        assert service_fee(service) == expected
