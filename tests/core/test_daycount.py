"""Day counts agree with QuantLib's, day for day, over random and awkward periods."""

from __future__ import annotations

from fractions import Fraction

import pytest
import QuantLib as ql
from hypothesis import given, settings
from hypothesis import strategies as st

from smechain.core.daycount import (
    DayCount,
    accrued,
    civil,
    date_of,
    day_number,
    div_half_even,
    year_fraction,
)

QUANTLIB = {
    DayCount.ACT_360: ql.Actual360(),
    DayCount.ACT_365F: ql.Actual365Fixed(),
    DayCount.THIRTY_360: ql.Thirty360(ql.Thirty360.BondBasis),
    DayCount.ACT_ACT: ql.ActualActual(ql.ActualActual.ISDA),
}
# QuantLib dates run 1901-2199, and ACT/ACT looks at the year after the end
FIRST, LAST = day_number("1901-01-01"), day_number("2198-12-31")
days = st.integers(FIRST, LAST)


def _ql(day: int) -> ql.Date:
    y, m, d = civil(day)
    return ql.Date(d, m, y)


@settings(max_examples=400, deadline=None)
@given(start=days, length=st.integers(0, 4000), convention=st.sampled_from(list(DayCount)))
def test_year_fractions_match_quantlib(start: int, length: int, convention: DayCount) -> None:
    end = min(start + length, LAST)
    ours = year_fraction(convention, start, end)
    theirs = QUANTLIB[convention].yearFraction(_ql(start), _ql(end))
    assert abs(ours - Fraction(theirs)) < Fraction(1, 10**12), (date_of(start), date_of(end))


@pytest.mark.parametrize(("start", "end", "convention", "fraction"), [
    # ends of months and leap days, where the conventions part ways
    ("2024-01-31", "2024-03-31", DayCount.THIRTY_360, Fraction(60, 360)),
    ("2024-01-30", "2024-03-31", DayCount.THIRTY_360, Fraction(60, 360)),
    ("2024-01-29", "2024-03-31", DayCount.THIRTY_360, Fraction(62, 360)),
    ("2024-02-29", "2024-03-31", DayCount.THIRTY_360, Fraction(32, 360)),
    ("2023-12-31", "2025-01-01", DayCount.ACT_ACT, Fraction(1, 365) + 1 + Fraction(0, 365)),
    ("2024-02-28", "2024-03-01", DayCount.ACT_365F, Fraction(2, 365)),
    ("2024-02-28", "2024-03-01", DayCount.ACT_360, Fraction(2, 360)),
])
def test_awkward_periods(start: str, end: str, convention: DayCount, fraction: Fraction) -> None:
    assert year_fraction(convention, day_number(start), day_number(end)) == fraction
    theirs = QUANTLIB[convention].yearFraction(_ql(day_number(start)), _ql(day_number(end)))
    assert abs(fraction - Fraction(theirs)) < Fraction(1, 10**12)


@settings(max_examples=200, deadline=None)
@given(day=days)
def test_civil_inverts_day_number(day: int) -> None:
    assert day_number(date_of(day)) == day


def test_accrued_is_rounded_half_even_to_the_minor_unit() -> None:
    # 1,000,000.00 at 3.65% for 1 day ACT/365F is exactly 100.00; ACT/360 101.388… → 101.39
    start = day_number("2026-01-01")
    assert accrued(100_000_000, 365, start, start + 1, DayCount.ACT_365F) == 10_000
    assert accrued(100_000_000, 365, start, start + 1, DayCount.ACT_360) == 10_139
    # half-even: 0.5 rounds to 0 and 1.5 to 2
    assert (div_half_even(1, 2), div_half_even(3, 2)) == (0, 2)
    assert accrued(1, 5_000, start, start + 365, DayCount.ACT_365F) == 0
    assert accrued(3, 5_000, start, start + 365, DayCount.ACT_365F) == 2
