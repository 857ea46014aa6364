"""HTTP routes of the cash module: balances, a wallet's interest, a currency's terms, and
a committed transfer as ISO 20022 ``pacs.008`` and ``pain.001`` XML.

Issuing, transferring, redeeming and the interest actions are the generated
``/v1/contracts/cash/*`` routes.
"""

# No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations.

from typing import Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel

from smechain.api.deps import Auth, new_router, parse_hex
from smechain.api.errors import ApiError, forbidden, not_found
from smechain.api.platform import Platform
from smechain.core.daycount import block_day, day_number
from smechain.core.encoding import shown
from smechain.core.errors import BadArguments, NotFound
from smechain.modules.cash import queries as q
from smechain.modules.cash.contract import BALANCE_PREFIX, INTEREST_PREFIX, WALLET_PREFIX
from smechain.modules.cash.iso20022 import committed_transfer
from smechain.modules.membership.contract import ORG_PREFIX
from smechain.payments import iso20022


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


class XmlResponse(Response):
    media_type = "application/xml"


def _xml_doc(message: str) -> dict[int | str, dict[str, Any]]:
    """The 200 answer is XML; refusals stay the JSON ``ErrorBody`` of every route (the
    route's XML response class would otherwise document them as XML)."""
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    errors: dict[int | str, dict[str, Any]] = {
        code: {"description": text, "content": body} for code, text in (
        (401, "no or bad credentials"), (403, "not allowed; the message says why"),
        (404, "no such transfer of the caller's"), (422, "a bad BIC or hash"))}
    return {200: {"description": f"the {message} document, validated against its ISO 20022 "
                                 "XSD",
                  "content": {"application/xml": {"schema": {"type": "string"}}}}, **errors}


BIC_HELP = ("BIC (ISO 9362, 8 or 11 characters) of the bank that services the {who}'s "
            "account: the ledger records wallets, not which bank keeps whose account")


def router(platform: Platform) -> APIRouter:
    """``GET /v1/balances``, ``/v1/cash/interest``, ``/v1/cash/terms/{currency}`` and
    ``/v1/cash/transfers/{tx_hash}/pacs008`` and ``/pain001``."""
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

    def transfer_of(caller: Auth, tx_hash: str) -> iso20022.LedgerTransfer:
        raw = parse_hex(tx_hash, "tx_hash")
        try:
            return committed_transfer(node, raw, caller.org_id)
        except NotFound as exc:
            raise not_found(exc.field, exc.reason) from None

    def xml(build: Any, *args: Any) -> XmlResponse:
        try:
            return XmlResponse(build(*args))
        except iso20022.MessageError as exc:
            # a BIC argument, or a ledger value the XSD refuses (e.g. an org id over 35
            # characters): the request cannot be answered as asked
            raise ApiError(422, "bad_args", exc.element, str(exc)) from None

    @r.get("/v1/cash/transfers/{tx_hash}/pacs008", response_class=XmlResponse,
           responses=_xml_doc("pacs.008.001.08"), tags=["ledger"])
    def pacs008(caller: Auth, tx_hash: str = Path(max_length=128),
                debtor_agent: str = Query(pattern=iso20022.BIC.pattern,
                                          description=BIC_HELP.format(who="payer")),
                creditor_agent: str = Query(pattern=iso20022.BIC.pattern,
                                            description=BIC_HELP.format(who="payee")),
                ) -> XmlResponse:
        """A committed cash transfer the caller paid or received, as the ISO 20022
        pacs.008.001.08 FI-to-FI customer credit transfer between the two banks (CBPR+).

        404 naming ``tx_hash`` when no such transfer of the caller's is committed."""
        return xml(iso20022.pacs008, transfer_of(caller, tx_hash), debtor_agent,
                   creditor_agent)

    @r.get("/v1/cash/transfers/{tx_hash}/pain001", response_class=XmlResponse,
           responses=_xml_doc("pain.001.001.09"), tags=["ledger"])
    def pain001(caller: Auth, tx_hash: str = Path(max_length=128),
                debtor_agent: str = Query(pattern=iso20022.BIC.pattern,
                                          description=BIC_HELP.format(who="payer")),
                creditor_agent: str | None = Query(None, pattern=iso20022.BIC.pattern,
                                                   description=BIC_HELP.format(who="payee")
                                                   + "; optional"),
                ) -> XmlResponse:
        """A committed cash transfer the caller paid or received, as the ISO 20022
        pain.001.001.09 customer credit transfer initiation the payer sends its bank.

        404 naming ``tx_hash`` when no such transfer of the caller's is committed."""
        return xml(iso20022.pain001, transfer_of(caller, tx_hash), debtor_agent,
                   creditor_agent or "")

    return r
