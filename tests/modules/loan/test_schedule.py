"""Schedules: principal parts sum to the principal exactly, each period's interest is the
outstanding principal × rate × the day count's year fraction rounded half-even, and the
annuity payment agrees with QuantLib's sinking-fund notionals."""

from __future__ import annotations

from fractions import Fraction

import pytest
import QuantLib as ql
from hypothesis import given, settings
from hypothesis import strategies as st

from smechain.core.daycount import DayCount, date_of, day_number, div_half_even, year_fraction
from smechain.modules.loan.schedule import (
    Style,
    add_months,
    annuity_payment,
    last_payment,
    level_payment,
    schedule,
    totals,
)

START = day_number("1990-01-01")
END = day_number("2150-12-31")

loans = st.tuples(
    st.integers(1, 10**13),                       # principal
    st.integers(0, 10_000),                       # rate_bp
    st.integers(1, 360),                          # months
    st.integers(START, END).map(date_of),         # start
    st.sampled_from(list(Style)),
    st.sampled_from(list(DayCount)),
)


@settings(max_examples=150, deadline=None)
@given(loans)
def test_principal_parts_sum_to_the_principal(loan: tuple[int, int, int, str, Style, DayCount]
                                              ) -> None:
    principal, rate_bp, months, start, style, dc = loan
    rows = schedule(principal, rate_bp, months, start, style, dc)
    assert len(rows) == months
    assert totals(rows)[0] == principal
    assert all(r.principal >= 0 and r.interest >= 0 for r in rows)
    outstanding = principal
    for k, row in enumerate(rows):
        assert row.number == k + 1
        assert row.opening == outstanding
        outstanding -= row.principal
        # interest: outstanding x rate_bp / 10,000 x year fraction, rounded half-even
        exact = Fraction(row.opening * rate_bp, 10_000) * year_fraction(
            dc, day_number(row.start), day_number(row.due))
        assert row.interest == div_half_even(exact.numerator, exact.denominator)
        assert row.due == date_of(add_months(day_number(start), k + 1))
        if k:
            assert row.start == rows[k - 1].due
    assert outstanding == 0
    assert rows[0].start == start


@settings(max_examples=60, deadline=None)
@given(loans)
def test_each_style_shapes_principal(loan: tuple[int, int, int, str, Style, DayCount]) -> None:
    principal, rate_bp, months, start, style, dc = loan
    rows = schedule(principal, rate_bp, months, start, style, dc)
    if style is Style.INTEREST_ONLY_BALLOON:
        assert [r.principal for r in rows[:-1]] == [0] * (months - 1)
        assert rows[-1].principal == principal
    elif style is Style.EQUAL_PRINCIPAL:
        assert all(r.principal == principal // months for r in rows[:-1])


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 10**12), st.integers(0, 5_000), st.integers(1, 360),
       st.integers(START, END).map(date_of))
def test_annuity_under_30_360_is_level(principal: int, rate_bp: int, months: int,
                                       start: str) -> None:
    """With start days up to the 28th every 30/360 period is 1/12 year: all but the last
    payment equal the annuity payment (unless interest alone exceeds it)."""
    if int(start[8:]) > 28:
        start = start[:8] + "28"
    rows = schedule(principal, rate_bp, months, start, Style.EQUAL_INSTALMENTS, DayCount.THIRTY_360)
    level = annuity_payment(principal, rate_bp, months)
    for row in rows[:-1]:
        assert row.payment == level or row.principal in (0, row.opening)
    # the last payment differs from the level one by the rounding carried along: at most
    # half a minor unit a period, grown at the monthly rate
    growth = (120_000 + rate_bp) ** months // 120_000 ** months + 1
    assert abs(rows[-1].payment - level) <= months * growth


@settings(max_examples=60, deadline=None)
@given(st.integers(10_000, 10**12), st.integers(1, 5_000), st.integers(2, 360),
       st.integers(START, END).map(date_of),
       st.sampled_from([DayCount.ACT_360, DayCount.ACT_365F, DayCount.ACT_ACT]))
def test_equal_instalments_stay_level_under_actual_day_counts(
        principal: int, rate_bp: int, months: int, start: str, day_count: DayCount) -> None:
    """Under an actual-day count every payment but the last is the level one (unless
    interest alone exceeds it), and the last is not above it; one minor unit less a period
    and the last would be (the level payment is the least that keeps the schedule level)."""
    rows = schedule(principal, rate_bp, months, start, Style.EQUAL_INSTALMENTS, day_count)
    first = day_number(start)
    dues = [day_number(r.due) for r in rows]
    level = level_payment(principal, rate_bp, first, dues, day_count)
    for row in rows[:-1]:
        assert row.payment == level or row.principal in (0, row.opening)
    assert rows[-1].payment <= level
    assert last_payment(principal, rate_bp, first, dues, day_count, level - 1) > level - 1


def test_months_clip_to_month_end() -> None:
    jan31 = day_number("2024-01-31")
    assert [date_of(add_months(jan31, k)) for k in range(1, 4)] == [
        "2024-02-29", "2024-03-31", "2024-04-30"]
    assert date_of(add_months(day_number("2025-12-15"), 1)) == "2026-01-15"


@pytest.mark.parametrize(("principal", "rate_bp", "months"), [
    (100_000_000, 435, 12), (1_000_000_00, 600, 36), (50_000_000, 1_200, 60),
    (123_456_789, 385, 360), (99_999, 1, 24), (500_000_000, 2_400, 6),
])
def test_annuity_payment_matches_quantlib(principal: int, rate_bp: int, months: int) -> None:
    """QuantLib's sinking-fund notionals for a level-payment (mortgage-style) amortisation:
    the first payment is its first principal step plus one month's interest."""
    notionals = ql.sinkingNotionals(ql.Period(months, ql.Months), ql.Monthly,
                                    rate_bp / 10_000, principal / 100)
    first = (notionals[0] - notionals[1]) + notionals[0] * rate_bp / 10_000 / 12
    assert abs(annuity_payment(principal, rate_bp, months) - first * 100) <= 0.5 + 1e-6 * first


def test_annuity_against_quantlib_schedule_30_360() -> None:
    """Every instalment of a 30/360 annuity matches QuantLib's amortisation within a cent."""
    principal, rate_bp, months = 1_000_000_00, 600, 24
    notionals = list(ql.sinkingNotionals(ql.Period(months, ql.Months), ql.Monthly,
                                         rate_bp / 10_000, principal / 100))
    rows = schedule(principal, rate_bp, months, "2026-01-15", Style.EQUAL_INSTALMENTS,
                    DayCount.THIRTY_360)
    for row, before, after in zip(rows, notionals, notionals[1:], strict=False):
        assert abs(row.opening / 100 - before) <= 0.01 * row.number
        assert abs(row.principal / 100 - (before - after)) <= 0.01 * row.number
