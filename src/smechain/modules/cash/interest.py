"""Interest on digital cash wallets, by the accumulated-balance method (积数计息).

Pure arithmetic over records; ``contract.py`` reads and writes them, ``queries.py`` answers
from them. Integers only.

**Day.** Day ``d`` is the UTC day number ``timestamp_ms // 86,400,000`` of a block's
timestamp (``core.daycount.block_day``); every transaction of a block happens on its
block's day. A settlement date ``YYYY-MM-DD`` names the UTC day of that date.

**End-of-day balance.** The balance that counts for day ``d`` is the wallet's balance after
the last transaction of the last block of day ``d`` (the balance it carried in when nothing
moved that day): money paid in and out again on the same day earns nothing for that day.

**Accumulator.** A wallet that has been touched since interest terms exist for its currency
keeps ``Wallet(since, product, anonymous)``: ``product`` is the sum, over the days from the
last settlement up to (not including) day ``since``, of end-of-day balance × the annual rate
in basis points in force that day for the wallet's class: the 积数 (balance × days) of each
rate segment multiplied by that segment's rate, so a rate change needs no pass over the
wallets and is never retroactive. Whenever the balance changes on day ``D > since`` the
days ``since .. D-1`` are added first, each at the balance the wallet held through them
(``catch_up``); a second change on the same day adds nothing, so only the end-of-day
figure of a day ever counts.

**Interest** for a settlement period = product / (365 × 10,000) minor units, rounded half
to even to the minor unit once per wallet per settlement (``interest_of``): ACT/365F, the
day count of Chinese demand deposits. Nothing is rounded before.

**Settlement.** A currency's settlement dates are those its schedule names (a day of
given months, e.g. the 20th of March, June, September and December); the period a
settlement date ``S`` closes ends with day ``S``'s end-of-day balance, and its interest
is credited with value day ``S + 1``: it earns from ``S + 1`` on whenever it is actually
posted. A wallet is settled for ``S`` by the first of: the next change of its balance or
class on a day after ``S``, or ``cash.settle_interest`` naming it. Both run ``catch_up``,
so the amounts are identical.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from smechain.core.daycount import civil, day_number, div_half_even

DAYS_PER_YEAR = 365
BP = 10_000
INTEREST_DIVISOR = DAYS_PER_YEAR * BP
"""Interest = product (balance × bp × days) / this, half-even, in minor units."""

REAL_NAME = "real_name"
ANONYMOUS = "anonymous"
WALLET_CLASSES = (REAL_NAME, ANONYMOUS)


class RateEntry(msgspec.Struct, frozen=True):
    """An annual rate for one wallet class, in force from ``effective_day`` until the
    class's next entry."""

    wallet_class: str
    effective_day: int
    rate_bp: int


class ScheduleEntry(msgspec.Struct, frozen=True):
    """Settlement dates from ``effective_day`` on: day ``day`` of each of ``months``."""

    effective_day: int
    months: list[int]
    day: int


class Terms(msgspec.Struct, frozen=True):
    """A currency's interest terms: rate and schedule histories, each sorted by day."""

    start_day: int
    """The day the first terms were set: no day before it earns, no date before it settles."""
    rates: list[RateEntry] = []
    schedules: list[ScheduleEntry] = []


class Wallet(msgspec.Struct, frozen=True):
    """A wallet's accumulator (see the module docstring)."""

    since: int
    """The first day not yet in ``product``; the balance is constant since then."""
    product: str = "0"
    """Σ end-of-day balance × rate (bp) over the days accrued and unsettled; a decimal
    string, as it may pass 64 bits."""
    anonymous: bool = False

    @property
    def product_int(self) -> int:
        """``product`` as an integer."""
        return int(self.product)


@dataclass(frozen=True, slots=True)
class Credit:
    """Interest a settlement credits to a wallet."""

    date_day: int
    """The settlement date (day number)."""
    product: int
    interest: int


def interest_of(product: int) -> int:
    """Minor units of interest for an accumulated product: the one rounding, half-even."""
    return div_half_even(product, INTEREST_DIVISOR)


def rate_on(terms: Terms, wallet_class: str, day: int) -> int:
    """The annual rate (bp) in force for ``wallet_class`` on ``day`` (0 before any)."""
    rate = 0
    for entry in terms.rates:
        if entry.effective_day > day:
            break
        if entry.wallet_class == wallet_class:
            rate = entry.rate_bp
    return rate


def rate_days(terms: Terms, wallet_class: str, start: int, end: int) -> int:
    """Σ over days ``start .. end-1`` of the rate (bp) in force for ``wallet_class``."""
    if end <= start:
        return 0
    total, rate, day = 0, 0, start
    for entry in terms.rates:
        if entry.wallet_class != wallet_class:
            continue
        if entry.effective_day <= day:
            rate = entry.rate_bp
            continue
        if entry.effective_day >= end:
            break
        total += rate * (entry.effective_day - day)
        day, rate = entry.effective_day, entry.rate_bp
    return total + rate * (end - day)


def schedule_on(terms: Terms, day: int) -> ScheduleEntry | None:
    """The settlement schedule in force on ``day``."""
    found = None
    for entry in terms.schedules:
        if entry.effective_day > day:
            break
        found = entry
    return found


def is_settlement_date(terms: Terms, day: int) -> bool:
    """Whether ``day`` is a settlement date of the schedule in force that day."""
    if day < terms.start_day:
        return False
    schedule = schedule_on(terms, day)
    if schedule is None:
        return False
    _, month, dom = civil(day)
    return month in schedule.months and dom == schedule.day


def settlement_dates(terms: Terms, first: int, last: int) -> list[int]:
    """Settlement dates (day numbers) from day ``first`` to day ``last``, both included."""
    if last < first or not terms.schedules:
        return []
    days = sorted({s.day for s in terms.schedules})
    found = []
    year, month, _ = civil(first)
    end_year, end_month, _ = civil(last)
    while (year, month) <= (end_year, end_month):
        for dom in days:
            day = day_number(f"{year:04d}-{month:02d}-{dom:02d}")
            if first <= day <= last and is_settlement_date(terms, day):
                found.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def wallet_or_new(terms: Terms, wallet: Wallet | None) -> Wallet:
    """The wallet's accumulator, or a real-name one that starts when the terms do (a wallet
    untouched since before the terms held its balance through every day they cover)."""
    if wallet is None:
        return Wallet(terms.start_day)
    if wallet.since < terms.start_day:
        return msgspec.structs.replace(wallet, since=terms.start_day, product="0")
    return wallet


def catch_up(terms: Terms, wallet: Wallet, balance: int, until: int
             ) -> tuple[Wallet, int, list[Credit]]:
    """Bring a wallet to day ``until`` (its days before ``until`` accrued), settling every
    settlement date ``S`` with ``since <= S < until`` on the way (credited on ``S + 1``).

    ``balance`` is the balance the wallet held since ``wallet.since``; returns the wallet
    (``since == until`` unless ``until`` is earlier), the balance with the interest
    credited, and the credits."""
    if until <= wallet.since:
        return wallet, balance, []
    cls = ANONYMOUS if wallet.anonymous else REAL_NAME
    since, product, credits = wallet.since, wallet.product_int, []
    for date_day in settlement_dates(terms, since, until - 1):
        product += balance * rate_days(terms, cls, since, date_day + 1)
        interest = interest_of(product)
        credits.append(Credit(date_day, product, interest))
        balance += interest
        since, product = date_day + 1, 0
    product += balance * rate_days(terms, cls, since, until)
    return Wallet(until, str(product), wallet.anonymous), balance, credits
