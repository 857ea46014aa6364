"""Reads over digital cash: an organisation's balances, its interest accrued and paid, a
currency's rates and settlement dates.

Pure: takes state records already read and plain values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from smechain.core.daycount import date_of, day_number
from smechain.core.encoding import decode
from smechain.modules.cash.contract import BALANCE_PREFIX, INTEREST_PREFIX, Paid
from smechain.modules.cash.interest import (
    ANONYMOUS,
    REAL_NAME,
    WALLET_CLASSES,
    Terms,
    Wallet,
    catch_up,
    interest_of,
    rate_on,
    settlement_dates,
    wallet_or_new,
)


def balances_of(records: Iterable[tuple[str, bytes]], org: str) -> dict[str, int]:
    """``{currency: balance}`` (minor units) of ``org`` from ``(key, value)`` records
    under ``BALANCE_PREFIX``; currencies it never held are absent."""
    found = {}
    for key, raw in records:
        currency, holder = key[len(BALANCE_PREFIX):].split("/", 1)
        if holder == org:
            found[currency] = decode(raw, int)
    return found


@dataclass(frozen=True, slots=True)
class Accrued:
    """A wallet's interest as of a day: settlements due but not yet posted, and what the
    days since the last settlement have accrued."""

    wallet_class: str
    since: str
    """The first day of the accrual still open (after the last settlement)."""
    product: int
    """Σ end-of-day balance × rate (bp) over the open days before ``as_of``."""
    accrued: int
    """``product`` as minor units, rounded half-even as a settlement would round it."""
    due: list[tuple[str, int]]
    """(settlement date, interest) of dates passed and not yet credited on the ledger."""


def accrued_interest(terms: Terms | None, wallet: Wallet | None, balance: int, as_of: int
                     ) -> Accrued:
    """Interest of a wallet holding ``balance`` as of day ``as_of`` (days before it counted):
    exactly what the ledger would credit if the wallet were touched on ``as_of``."""
    if terms is None:
        cls = ANONYMOUS if wallet is not None and wallet.anonymous else REAL_NAME
        return Accrued(cls, date_of(as_of), 0, 0, [])
    start = wallet_or_new(terms, wallet)
    moved, _, credits = catch_up(terms, start, balance, max(as_of, start.since))
    product = moved.product_int
    return Accrued(ANONYMOUS if start.anonymous else REAL_NAME,
                   date_of(credits[-1].date_day + 1 if credits else start.since), product,
                   interest_of(product), [(date_of(c.date_day), c.interest) for c in credits])


def interest_history(records: Iterable[tuple[str, bytes]], currency: str, org: str
                     ) -> list[Paid]:
    """Interest credited to ``org``'s ``currency`` wallet, oldest first, from records under
    ``INTEREST_PREFIX``."""
    prefix = f"{INTEREST_PREFIX}{currency}/{org}/"
    return sorted((decode(raw, Paid) for key, raw in records if key.startswith(prefix)),
                  key=lambda p: p.date)


def current_rates(terms: Terms | None, day: int) -> dict[str, int]:
    """``{wallet class: rate (bp)}`` in force on ``day``."""
    if terms is None:
        return dict.fromkeys(WALLET_CLASSES, 0)
    return {cls: rate_on(terms, cls, day) for cls in WALLET_CLASSES}


def next_settlement_dates(terms: Terms | None, day: int, count: int = 4) -> list[str]:
    """The next ``count`` settlement dates from ``day`` on (within two years)."""
    if terms is None:
        return []
    return [date_of(d) for d in settlement_dates(terms, day, day + 731)[:count]]


def last_settlement_date(terms: Terms | None, day: int) -> str | None:
    """The latest settlement date before ``day`` (the one ``settle_interest`` may name)."""
    if terms is None:
        return None
    found = settlement_dates(terms, max(terms.start_day, day - 400), day - 1)
    return date_of(found[-1]) if found else None


def unsettled(wallets: Iterable[tuple[str, Wallet | None]], terms: Terms | None, date: str
              ) -> list[str]:
    """Of ``(org, its accumulator)``, the orgs not yet settled for ``date``."""
    if terms is None:
        return []
    day = day_number(date)
    return [org for org, w in wallets if wallet_or_new(terms, w).since <= day]
