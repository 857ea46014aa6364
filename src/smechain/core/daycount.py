"""Dates, day-count conventions and discounting without floats or the clock.

Dates are ``YYYY-MM-DD`` strings; day numbers are days since 1970-01-01
(proleptic Gregorian, Howard Hinnant's ``days_from_civil`` and
``civil_from_days``). A block's day is its timestamp divided by 86,400,000 ms
(UTC). Year fractions are exact ``Fraction``s; amounts from them are rounded
half-even to the minor unit.

Day-count conventions (``DayCount``), as the 2006 ISDA Definitions §4.16 and
ICMA Rule 251 define them, checked against QuantLib in
``tests/core/test_daycount.py``:

- ``ACT/360``: actual days / 360 (money markets; QuantLib ``Actual360``).
- ``ACT/365F``: actual days / 365, in leap years too (CNY interbank;
  ``Actual365Fixed``).
- ``30/360``: bond basis, §4.16(f): a start on the 31st counts as the 30th, an
  end on the 31st as the 30th when the start is the 30th or 31st
  (``Thirty360(BondBasis)``).
- ``ACT/ACT``: ISDA, §4.16(b): days falling in a leap year / 366 plus the rest
  / 365 (``ActualActual(ISDA)``).
"""

from __future__ import annotations

import re
from enum import StrEnum
from fractions import Fraction

from smechain.core.encoding import shown
from smechain.core.errors import BadArguments

DATE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
MS_PER_DAY = 86_400_000
MAX_TENOR_DAYS = 3653
"""Ten years: the furthest maturity a receivable may have when it is issued (supply-chain
receivables and trade bills run for months; forfaited claims for a few years)."""
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def day_number(date: str, field: str = "date") -> int:
    """Days since 1970-01-01 of a ``YYYY-MM-DD`` date; ``BadArguments`` naming ``field``."""
    m = DATE.match(date)
    if m is None:
        raise BadArguments(field, f"{shown(date)!r} is not YYYY-MM-DD")
    y, mo, d = int(m[1]), int(m[2]), int(m[3])
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    if d > _MONTH_DAYS[mo - 1] + (1 if mo == 2 and leap else 0):
        raise BadArguments(field, f"{date!r} is not a calendar date")
    y -= mo <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (mo + (-3 if mo > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil(day: int) -> tuple[int, int, int]:
    """``(year, month, day)`` of a day number (the inverse of ``day_number``)."""
    z = day + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (m <= 2), m, d


def date_of(day: int) -> str:
    """The ``YYYY-MM-DD`` date of a day number."""
    y, m, d = civil(day)
    return f"{y:04d}-{m:02d}-{d:02d}"


class DayCount(StrEnum):
    """A day-count convention, by its market name (see the module's table)."""

    ACT_360 = "ACT/360"
    ACT_365F = "ACT/365F"
    THIRTY_360 = "30/360"
    ACT_ACT = "ACT/ACT"


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def year_fraction(convention: DayCount, start: int, end: int) -> Fraction:
    """The fraction of a year from day ``start`` to day ``end`` (day numbers, ``start <=
    end``) under ``convention``; exact."""
    if convention is DayCount.ACT_360:
        return Fraction(end - start, 360)
    if convention is DayCount.ACT_365F:
        return Fraction(end - start, 365)
    if convention is DayCount.THIRTY_360:
        (y1, m1, d1), (y2, m2, d2) = civil(start), civil(end)
        d1 = min(d1, 30)
        if d2 == 31 and d1 == 30:
            d2 = 30
        return Fraction(360 * (y2 - y1) + 30 * (m2 - m1) + d2 - d1, 360)
    y1, y2 = civil(start)[0], civil(end)[0]
    if y1 == y2:
        return Fraction(end - start, 366 if _leap(y1) else 365)
    first = day_number(f"{y1 + 1:04d}-01-01") - start
    last = end - day_number(f"{y2:04d}-01-01")
    return (Fraction(first, 366 if _leap(y1) else 365) + (y2 - y1 - 1)
            + Fraction(last, 366 if _leap(y2) else 365))


def accrued(face: int, annual_rate_bp: int, start: int, end: int, convention: DayCount) -> int:
    """Simple interest on ``face`` minor units at ``annual_rate_bp`` basis points a year from day
    ``start`` to day ``end``: face × rate × year fraction, rounded half-even to the minor
    unit. The discount of a bill bought ``start`` and paid ``end`` is the same amount."""
    fraction = year_fraction(convention, start, end) * face * annual_rate_bp
    return div_half_even(fraction.numerator, fraction.denominator * 10_000)


def block_day(timestamp_ms: int) -> int:
    """The UTC day number of a block timestamp."""
    return timestamp_ms // MS_PER_DAY


def div_half_even(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half to even (both non-negative)."""
    q, r = divmod(numerator, denominator)
    if 2 * r > denominator or (2 * r == denominator and q % 2 == 1):
        q += 1
    return q

