"""Reads over digital cash: an organisation's balances, its interest accrued and paid, a
currency's rates and settlement dates.

Pure: takes state records already read and plain values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from smechain.core.daycount import MAX_TENOR_DAYS, date_of, day_number
from smechain.core.encoding import decode
from smechain.core.errors import BadArguments
from smechain.core.state import StateReader
from smechain.modules.cash.contract import (
    BALANCE_PREFIX,
    INTEREST_PREFIX,
    WALLET_PREFIX,
    Paid,
    balance_key,
    operators_key,
    revoked_key,
    terms_key,
    wallet_key,
)
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


def read_terms(state: StateReader, currency: str) -> Terms | None:
    """A currency's interest terms, ``None`` while none were set."""
    raw = state.get(terms_key(currency))
    return None if raw is None else decode(raw, Terms)


def read_operators(state: StateReader, currency: str) -> list[str]:
    """A currency's operating institutions (sorted); none: one tier."""
    raw = state.get(operators_key(currency))
    return [] if raw is None else decode(raw, list[str])


def read_revoked(state: StateReader, currency: str) -> list[str]:
    """The orgs whose appointment as operator of a currency was revoked (sorted)."""
    raw = state.get(revoked_key(currency))
    return [] if raw is None else decode(raw, list[str])


def read_wallet(state: StateReader, currency: str, org: str) -> tuple[Wallet | None, int]:
    """``org``'s ``currency`` wallet: its accumulator (``None`` if none) and balance."""
    raw = state.get(wallet_key(currency, org))
    raw_balance = state.get(balance_key(currency, org))
    return (None if raw is None else decode(raw, Wallet),
            0 if raw_balance is None else decode(raw_balance, int))


def unsettled_orgs(terms: Terms | None, date: str, wallets: Iterable[tuple[str, bytes]],
                   orgs: Iterable[str]) -> list[str]:
    """Of the organisations ``orgs``, those whose ``currency`` wallet is not yet settled
    for ``date``, from the ``(key, value)`` records under ``WALLET_PREFIX<currency>/``."""
    found = {key[len(WALLET_PREFIX):].split("/", 1)[1]: decode(raw, Wallet)
             for key, raw in wallets}
    return unsettled(((o, found.get(o)) for o in sorted(orgs)), terms, date)


def as_of_window(terms: Terms | None, wallet: Wallet | None, today: int) -> tuple[int, int]:
    """The first and last day a wallet's interest can be told as of.

    From the wallet's accrual day on (``Wallet.since``: its last change of balance or
    class, or its last settlement posted; the terms' first day for a wallet untouched
    since; today without terms): its balance has not changed since, so the figures are
    exactly what the ledger would credit. Days before it are gone into the accumulator
    (the credited history answers for them). At most ``MAX_TENOR_DAYS`` (ten years, the
    ledger's horizon) after today."""
    first = today if terms is None else min(wallet_or_new(terms, wallet).since, today)
    return first, today + MAX_TENOR_DAYS


def check_as_of(terms: Terms | None, wallet: Wallet | None, as_of: int, today: int,
                field: str = "on") -> None:
    """``BadArguments`` naming ``field`` unless ``as_of`` is within ``as_of_window``."""
    first, last = as_of_window(terms, wallet, today)
    if as_of < first:
        raise BadArguments(field, f"{date_of(as_of)} is before {date_of(first)}, the first "
                           "day this wallet's interest is told for (earlier interest is in "
                           "its credited history)")
    if as_of > last:
        raise BadArguments(field, f"{date_of(as_of)} is more than {MAX_TENOR_DAYS} days "
                           f"ahead (at most {date_of(last)})")


def interest_report(org: str, currency: str, terms: Terms | None, wallet: Wallet | None,
                    balance: int, paid: list[Paid], as_of: int) -> dict[str, Any]:
    """A wallet's interest as of day ``as_of`` (within ``as_of_window``) as the API and the
    command line answer it: what it earned (``paid``, credited) and accrued since."""
    acc = accrued_interest(terms, wallet, balance, as_of)
    return {"org": org, "currency": currency, "as_of": date_of(as_of), "balance": balance,
            "wallet_class": acc.wallet_class,
            "rate_bp": current_rates(terms, as_of)[acc.wallet_class],
            "since": acc.since, "product": acc.product, "accrued": acc.accrued,
            "due": [{"date": d, "interest": i} for d, i in acc.due],
            "earned": sum(p.interest for p in paid),
            "history": [{"date": p.date, "interest": p.interest} for p in paid]}


def terms_report(currency: str, terms: Terms | None, operators: list[str], day: int,
                 pending: list[str], revoked: list[str]) -> dict[str, Any]:
    """A currency's operating institutions (and those ``revoked``), rates and settlement
    dates on ``day``, with ``pending`` the wallets not yet settled for the last date, as
    the API and the command line answer them."""
    return {"currency": currency, "operators": operators, "revoked": revoked,
            "rates": [{"wallet_class": x.wallet_class, "effective": date_of(x.effective_day),
                       "rate_bp": x.rate_bp} for x in (terms.rates if terms else [])],
            "current": current_rates(terms, day),
            "schedules": [{"effective": date_of(s.effective_day), "months": s.months,
                           "day": s.day} for s in (terms.schedules if terms else [])],
            "next_dates": next_settlement_dates(terms, day),
            "last_date": last_settlement_date(terms, day), "unsettled": pending}


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
