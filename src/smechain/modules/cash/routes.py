"""HTTP routes of the cash module: balances, a wallet's interest, a currency's terms.

Issuing, transferring, redeeming and the interest actions are the generated
``/v1/contracts/cash/*`` routes.
"""

# No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations.

from typing import Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from smechain.api.deps import Auth, new_router
from smechain.api.errors import ApiError, forbidden, not_found
from smechain.api.platform import Platform
from smechain.core.daycount import block_day, date_of, day_number
from smechain.core.encoding import decode, shown
from smechain.core.errors import BadArguments
from smechain.modules.cash import queries as q
from smechain.modules.cash.contract import (
    BALANCE_PREFIX,
    INTEREST_PREFIX,
    WALLET_PREFIX,
    balance_key,
    operators_key,
    terms_key,
    wallet_key,
)
from smechain.modules.cash.interest import Terms, Wallet
from smechain.modules.membership.contract import ORG_PREFIX


class Balances(BaseModel):
    org: str
    balances: dict[str, int]


class Payment(BaseModel):
    date: str
    interest: int


class Interest(BaseModel):
    """A wallet's interest: what it earned (credited) and what it has accrued since."""

    org: str
    currency: str
    as_of: str
    balance: int
    wallet_class: str
    rate_bp: int
    since: str
    product: int
    accrued: int
    due: list[Payment]
    earned: int
    history: list[Payment]


class Rate(BaseModel):
    wallet_class: str
    effective: str
    rate_bp: int


class Schedule(BaseModel):
    effective: str
    months: list[int]
    day: int


class CashTerms(BaseModel):
    """A currency's tiers, rates and settlement dates."""

    currency: str
    operators: list[str]
    rates: list[Rate]
    current: dict[str, int]
    schedules: list[Schedule]
    next_dates: list[str]
    last_date: str | None
    unsettled: list[str]
    """Wallets not yet settled for ``last_date`` (to cash issuers only)."""


def router(platform: Platform) -> APIRouter:
    """``GET /v1/balances``, ``/v1/cash/interest`` and ``/v1/cash/terms/{currency}``."""
    node = platform.node
    r = new_router()

    def today() -> int:
        return block_day(platform.now_ms())

    def terms_of(currency: str) -> Terms | None:
        raw = node.get(terms_key(currency))
        return None if raw is None else decode(raw, Terms)

    @r.get("/v1/balances", response_model=Balances, tags=["ledger"])
    def balances(caller: Auth, org: str | None = None) -> dict[str, Any]:
        org = org or caller.org_id
        if not caller.may_see({org}):
            raise forbidden("org", f"balances of {shown(org)!r} are its own business")
        if platform.org(org) is None:
            raise not_found("org", f"no organisation {shown(org)!r}")
        records = ((key, raw) for key, raw, _ in node.store.iter_state(BALANCE_PREFIX))
        return {"org": org, "balances": q.balances_of(records, org)}

    @r.get("/v1/cash/interest", response_model=Interest, tags=["ledger"])
    def interest(caller: Auth, org: str | None = None,
                 currency: str = Query("CNY", pattern="^[A-Z]{3}$"),
                 on: str | None = Query(None, max_length=10,
                                        description="YYYY-MM-DD; default today")) -> dict[str, Any]:
        """A wallet's interest earned (credited) and accrued but unpaid as of a day."""
        org = org or caller.org_id
        if not caller.may_see({org}):
            raise forbidden("org", f"the interest of {shown(org)!r} is its own business")
        if platform.org(org) is None:
            raise not_found("org", f"no organisation {shown(org)!r}")
        try:
            as_of = day_number(on, "on") if on else today()
        except BadArguments as exc:
            raise ApiError(422, "bad_args", "on", str(exc)) from None
        terms = terms_of(currency)
        raw = node.get(wallet_key(currency, org))
        wallet = None if raw is None else decode(raw, Wallet)
        raw_balance = node.get(balance_key(currency, org))
        balance = 0 if raw_balance is None else decode(raw_balance, int)
        acc = q.accrued_interest(terms, wallet, balance, as_of)
        records = ((k, v) for k, v, _ in node.store.iter_state(f"{INTEREST_PREFIX}{currency}/"))
        history = q.interest_history(records, currency, org)
        return {"org": org, "currency": currency, "as_of": date_of(as_of), "balance": balance,
                "wallet_class": acc.wallet_class,
                "rate_bp": q.current_rates(terms, as_of)[acc.wallet_class],
                "since": acc.since, "product": acc.product, "accrued": acc.accrued,
                "due": [{"date": d, "interest": i} for d, i in acc.due],
                "earned": sum(p.interest for p in history),
                "history": [{"date": p.date, "interest": p.interest} for p in history]}

    @r.get("/v1/cash/terms/{currency}", response_model=CashTerms, tags=["ledger"])
    def terms(caller: Auth, currency: str = Path(pattern="^[A-Z]{3}$")) -> dict[str, Any]:
        """A currency's operating institutions, rates and settlement dates."""
        found = terms_of(currency)
        day = today()
        raw_ops = node.get(operators_key(currency))
        last = q.last_settlement_date(found, day)
        pending: list[str] = []
        if last is not None and "cash_issuer" in caller.org.roles:
            wallets = {k.rsplit("/", 1)[1]: decode(v, Wallet) for k, v, _ in
                       node.store.iter_state(f"{WALLET_PREFIX}{currency}/")}
            orgs = sorted(k.removeprefix(ORG_PREFIX) for k, _, _ in
                          node.store.iter_state(ORG_PREFIX))
            pending = q.unsettled(((o, wallets.get(o)) for o in orgs), found, last)
        return {"currency": currency,
                "operators": [] if raw_ops is None else decode(raw_ops, list[str]),
                "rates": [{"wallet_class": x.wallet_class, "effective": date_of(x.effective_day),
                           "rate_bp": x.rate_bp} for x in (found.rates if found else [])],
                "current": q.current_rates(found, day),
                "schedules": [{"effective": date_of(s.effective_day), "months": s.months,
                               "day": s.day} for s in (found.schedules if found else [])],
                "next_dates": q.next_settlement_dates(found, day), "last_date": last,
                "unsettled": pending}

    return r
