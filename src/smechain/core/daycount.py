"""Dates and discounting without floats or the clock.

Dates are ``YYYY-MM-DD`` strings; day numbers are days since 1970-01-01
(proleptic Gregorian, Howard Hinnant's ``days_from_civil``). A block's day is
its timestamp divided by 86,400,000 ms (UTC). Discounts are exact fractions
rounded half-even to the minor unit.
"""

from __future__ import annotations

import re

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
        raise BadArguments(field, f"{date!r} is not YYYY-MM-DD")
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


def block_day(timestamp_ms: int) -> int:
    """The UTC day number of a block timestamp."""
    return timestamp_ms // MS_PER_DAY


def div_half_even(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half to even (both non-negative)."""
    q, r = divmod(numerator, denominator)
    if 2 * r > denominator or (2 * r == denominator and q % 2 == 1):
        q += 1
    return q


def discount(face: int, rate_bp: int, days: int, basis: int) -> int:
    """Simple discount: face × rate × days / basis, rate in basis points, half-even."""
    return div_half_even(face * rate_bp * days, 10_000 * basis)


def discounted_price(face: int, rate_bp: int, days: int, basis: int) -> tuple[int, int]:
    """``(discount, price)`` of ``face`` minor units ``days`` before maturity at ``rate_bp``
    a year on an ACT/``basis`` day count; ``BadArguments`` naming ``rate_bp`` when the
    discount would take the whole face (a price is never zero or negative)."""
    cut = discount(face, rate_bp, days, basis)
    if cut >= face:
        raise BadArguments("rate_bp", f"{rate_bp} bp a year over {days} days discounts the "
                           f"whole face value {face}; no price is left")
    return cut, face - cut
