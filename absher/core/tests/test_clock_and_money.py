import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from absher.core import clock
from absher.core.money import format_sar, sar


def test_clock_override_moves_now_and_today():
    moment = dt.datetime(2026, 3, 1, 22, 30, tzinfo=dt.UTC)

    with clock.clock_override(moment):
        assert clock.now() == moment
        # 22:30 UTC is 01:30 the next day in Riyadh.
        assert clock.today_local() == dt.date(2026, 3, 2)

    assert clock.now() != moment


def test_clock_override_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="aware"), clock.clock_override(dt.datetime(2026, 1, 1)):
        pass


@pytest.mark.parametrize(
    ("halalas", "shown"),
    [(0, "0.00"), (5, "0.05"), (200000, "2,000.00"), (123456789, "1,234,567.89"), (-150, "-1.50")],
)
def test_format_sar(halalas, shown):
    assert format_sar(halalas) == shown


@given(st.integers(min_value=0, max_value=10**12))
def test_format_sar_round_trips(halalas):
    assert round(float(format_sar(halalas).replace(",", "")) * 100) == halalas


def test_sar_counts_halalas():
    assert sar(2000) == 200000
