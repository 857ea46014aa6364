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
from smechain.core.daycount import block_day, day_number
from smechain.core.encoding import shown
from smechain.core.errors import BadArguments
from smechain.modules.cash import queries as q
from smechain.modules.cash.contract import BALANCE_PREFIX, INTEREST_PREFIX, WALLET_PREFIX
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
    revoked: list[str]
    """Orgs whose appointment as operator was revoked: plain holders of the currency now."""
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
                 on: str | None = Query(None, max_length=10, description=(
                     "YYYY-MM-DD; default today. From the wallet's accrual day (its "
                     "``since``: last change of balance or class, or last settlement "
                     "posted) to 3,653 days ahead."))) -> dict[str, Any]:
        """A wallet's interest earned (credited) and accrued but unpaid as of a day.

        ``on`` before the wallet's accrual day is refused (422): those days are already
        in its accumulator, and what they earned is in ``history``; so is a day more
        than 3,653 days (ten years, the ledger's horizon) ahead."""
        org = org or caller.org_id
        if not caller.may_see({org}):
            raise forbidden("org", f"the interest of {shown(org)!r} is its own business")
        if platform.org(org) is None:
            raise not_found("org", f"no organisation {shown(org)!r}")
        terms = q.read_terms(node, currency)
        wallet, balance = q.read_wallet(node, currency, org)
        now = today()
        try:
            as_of = day_number(on, "on") if on else now
            q.check_as_of(terms, wallet, as_of, now, "on")
        except BadArguments as exc:
            raise ApiError(422, "bad_args", "on", str(exc)) from None
        records = ((k, v) for k, v, _ in node.store.iter_state(f"{INTEREST_PREFIX}{currency}/"))
        paid = q.interest_history(records, currency, org)
        return q.interest_report(org, currency, terms, wallet, balance, paid, as_of)

    @r.get("/v1/cash/terms/{currency}", response_model=CashTerms, tags=["ledger"])
    def terms(caller: Auth, currency: str = Path(pattern="^[A-Z]{3}$")) -> dict[str, Any]:
        """A currency's operating institutions (and revoked ones), rates and settlement
        dates."""
        found = q.read_terms(node, currency)
        day = today()
        last = q.last_settlement_date(found, day)
        pending: list[str] = []
        if last is not None and "cash_issuer" in caller.org.roles:
            wallets = ((k, v) for k, v, _ in node.store.iter_state(f"{WALLET_PREFIX}{currency}/"))
            orgs = (k.removeprefix(ORG_PREFIX) for k, _, _ in node.store.iter_state(ORG_PREFIX))
            pending = q.unsettled_orgs(found, last, wallets, orgs)
        return q.terms_report(currency, found, q.read_operators(node, currency), day, pending,
                              q.read_revoked(node, currency))

    return r
