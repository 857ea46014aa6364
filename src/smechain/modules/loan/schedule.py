"""Repayment schedules in minor units, exact, without floats (pure).

A schedule runs in monthly periods from a start date (the disbursement day): due
date *k* is the start date moved *k* calendar months, its day of the month kept and
clipped to the month's last day (a loan started on 31 January is due on 28 or 29
February, then 31 March). Period *k* runs from due date *k − 1* (the start for the
first) to due date *k*.

**Interest** of a period is simple interest on the principal outstanding during it::

    interest_k = round_half_even(outstanding_k × rate_bp / 10,000 × yf(start_k, end_k))

where ``yf`` is the year fraction of the loan's day-count convention
(:func:`smechain.core.daycount.year_fraction`; ``accrued`` does this product and rounding).

**Principal** of a period by repayment style:

- ``equal_instalments`` (等额本息): the level payment of the textbook annuity at
  the nominal monthly rate ``r = rate_bp / 120,000``::

      A = round_half_even(P × r × (1 + r)^n / ((1 + r)^n − 1))     (A = P / n when r = 0)

  computed in integers (``(1 + r)^n = (120,000 + rate_bp)^n / 120,000^n``); the
  principal part of each period is ``A − interest_k`` (never below 0: when a long period
  under ACT/360 costs more interest than ``A`` the payment is the interest alone). Under
  30/360 every period is exactly 1/12 year and the instalments are the textbook's; under
  an actual-day count ``A`` is the least payment whose last instalment is not above it
  (``level_payment``), so the payments stay level there too.
- ``equal_principal`` (等额本金): ``P // n`` each period.
- ``interest_only_balloon`` (先息后本): no principal until the last period, which repays it all
  (the balloon).

In every style the **last instalment absorbs the remainder**: its principal is whatever
is still outstanding, so the principal parts sum to ``P`` exactly.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec

from smechain.core.daycount import DayCount, accrued, civil, date_of, day_number, div_half_even
from smechain.modules.product.contract import REPAYMENTS

MAX_TERM_MONTHS = 360
"""Thirty years: the longest schedule."""
MAX_RATE_BP = 10_000
"""An annual rate of at most 100%."""
_MONTH_RATE_DENOMINATOR = 120_000
"""10,000 bp × 12 months: ``rate_bp / 120,000`` is the nominal monthly rate."""


class Style(StrEnum):
    """How principal is repaid (see the module's formulas): the product module's
    ``REPAYMENTS``, so a loan's style is spelled as its product's ``repayment``."""

    EQUAL_INSTALMENTS = REPAYMENTS[0]
    EQUAL_PRINCIPAL = REPAYMENTS[1]
    INTEREST_ONLY_BALLOON = REPAYMENTS[2]


if tuple(Style) != REPAYMENTS:  # a style added to products must be scheduled here too
    raise ImportError(f"loan styles {tuple(Style)} differ from product repayments {REPAYMENTS}")


class Instalment(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """One period of a schedule and what has been paid of it."""

    number: int
    """1 for the first period."""
    start: str
    """The day interest starts (the previous due date, or the loan's start)."""
    due: str
    """The due date (``YYYY-MM-DD``)."""
    opening: int
    """Principal outstanding during the period (minor units)."""
    principal: int
    interest: int
    principal_paid: int = 0
    interest_paid: int = 0

    @property
    def payment(self) -> int:
        """Principal plus interest due on ``due``."""
        return self.principal + self.interest

    @property
    def unpaid(self) -> int:
        """What is still owed of this instalment."""
        return self.principal - self.principal_paid + self.interest - self.interest_paid


def add_months(day: int, months: int) -> int:
    """The day number ``months`` calendar months after ``day``, its day of the month
    clipped to the target month's last day."""
    y, m, d = civil(day)
    index = y * 12 + (m - 1) + months
    y2, m2 = index // 12, index % 12 + 1
    last = civil(day_number(f"{y2 + (m2 == 12):04d}-{m2 % 12 + 1:02d}-01") - 1)[2]
    return day_number(f"{y2:04d}-{m2:02d}-{min(d, last):02d}")


def due_days(start: int, months: int) -> list[int]:
    """The ``months`` due dates (day numbers) of a monthly schedule from ``start``."""
    return [add_months(start, k) for k in range(1, months + 1)]


def annuity_payment(principal: int, rate_bp: int, months: int) -> int:
    """The level monthly payment that repays ``principal`` over ``months`` at the nominal
    annual ``rate_bp`` compounded monthly, rounded half-even to the minor unit."""
    if months <= 0:
        raise ValueError("months must be positive")
    if rate_bp == 0:
        return div_half_even(principal, months)
    base = _MONTH_RATE_DENOMINATOR
    grown = (base + rate_bp) ** months
    return div_half_even(principal * rate_bp * grown, base * (grown - base ** months))


def build(principal: int, rate_bp: int, start: int, dues: list[int], style: Style,
          day_count: DayCount, first_number: int = 1) -> list[Instalment]:
    """The instalments repaying ``principal`` over periods ending on ``dues`` (ascending day
    numbers after ``start``), interest under ``day_count``; numbered from
    ``first_number``. See the module's formulas."""
    level = (level_payment(principal, rate_bp, start, dues, day_count)
             if style is Style.EQUAL_INSTALMENTS else 0)
    return _rows(principal, rate_bp, start, dues, style, day_count, first_number, level)


def last_payment(principal: int, rate_bp: int, start: int, dues: list[int],
                  day_count: DayCount, level: int) -> int:
    """The last instalment's payment when every earlier one pays ``level`` (``build``'s
    arithmetic for ``equal_instalments``, without building the rows)."""
    outstanding, begin = principal, start
    for due in dues[:-1]:
        interest = accrued(outstanding, rate_bp, begin, due, day_count)
        outstanding -= min(outstanding, max(0, level - interest))
        begin = due
    return outstanding + accrued(outstanding, rate_bp, begin, dues[-1], day_count)


def level_payment(principal: int, rate_bp: int, start: int, dues: list[int],
                  day_count: DayCount) -> int:
    """The level payment of an ``equal_instalments`` schedule: under 30/360 the textbook
    annuity (``annuity_payment``); under an actual-day count, whose months cost more or
    less interest than 1/12 of a year, the least payment whose last instalment is not
    above it, so the instalments stay level to within a few minor units (the last a little
    lower) instead of the last one taking what the textbook payment left."""
    level = annuity_payment(principal, rate_bp, len(dues))
    if day_count is DayCount.THIRTY_360 or rate_bp == 0:
        return level

    def last(a: int) -> int:
        return last_payment(principal, rate_bp, start, dues, day_count, a)

    # A unit more in each of the n - 1 earlier payments lowers the last by about n - 1
    # units: guess from the textbook payment's overshoot, then gallop and bisect to the
    # least payment that fits (a larger payment leaves a smaller last one: monotone).
    final = last(level)
    guess = max(1, level + -(-(final - level) // len(dues)))
    if last(guess) <= guess:
        high, step = guess, 1
        low = max(0, high - step)
        while low > 0 and last(low) <= low:
            high, step = low, step * 2
            low = max(0, high - step)
    else:
        low, step = guess, 1
        high = low + step
        while last(high) > high:
            low, step = high, step * 2
            high = low + step
    while high - low > 1:
        middle = (low + high) // 2
        if last(middle) <= middle:
            high = middle
        else:
            low = middle
    return high


def _rows(principal: int, rate_bp: int, start: int, dues: list[int], style: Style,
          day_count: DayCount, first_number: int, level: int) -> list[Instalment]:
    n = len(dues)
    outstanding, begin, out = principal, start, []
    for k, due in enumerate(dues):
        interest = accrued(outstanding, rate_bp, begin, due, day_count)
        if k == n - 1:
            part = outstanding
        elif style is Style.EQUAL_INSTALMENTS:
            part = min(outstanding, max(0, level - interest))
        elif style is Style.EQUAL_PRINCIPAL:
            part = min(outstanding, principal // n)
        else:
            part = 0
        out.append(Instalment(first_number + k, date_of(begin), date_of(due), outstanding,
                              part, interest))
        outstanding -= part
        begin = due
    return out


def schedule(principal: int, rate_bp: int, months: int, start: str, style: Style,
             day_count: DayCount) -> list[Instalment]:
    """The schedule of a loan of ``principal`` minor units at ``rate_bp`` a year over
    ``months`` monthly periods from ``start`` (``YYYY-MM-DD``)."""
    first = day_number(start, "start")
    return build(principal, rate_bp, first, due_days(first, months), style, day_count)


def totals(instalments: list[Instalment]) -> tuple[int, int]:
    """``(principal, interest)`` summed over a schedule."""
    return (sum(i.principal for i in instalments), sum(i.interest for i in instalments))
