"""HTTP routes of the receivable module: debt certificates, their prices and totals.

Every action (issue, confirm, split, sell...) is a generated
``/v1/contracts/receivable/*`` route; these are the reads.
"""

# No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations.

import dataclasses
import time
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, create_model

from smechain.api import schemas as s
from smechain.api.caller import Caller
from smechain.api.deps import Auth, Limit, Offset, new_router, page, with_actions
from smechain.api.errors import ApiError, forbidden, not_found
from smechain.api.platform import Platform
from smechain.core.daycount import DayCount
from smechain.core.encoding import decode, plain, shown
from smechain.modules.receivable import queries as q
from smechain.modules.receivable.contract import (
    CERT_PREFIX,
    CONTRACT,
    Certificate,
    Status,
    cert_key,
)

ACTIONS_DOC = ("Names of the transitions the caller's organisation may start on it now, "
               "as the contract declares them (core.transitions.offered).")
CertificateOut = s.record_model(
    Certificate, "CertificateOut", "A certificate or part (contract.Certificate) with the "
    "actions the caller's organisation may start on it now.",
    actions=(list[str], Field(description=ACTIONS_DOC)))


CertificatePage = s.page_model(CertificateOut, "CertificatePage")
CertificateDetail = create_model("CertificateDetail", certificate=(CertificateOut, ...),
                                 lineage=(dict[str, Any], ...))


class Price(BaseModel):
    id: str
    face: int
    days: int
    discount_rate_bp: int
    day_count: DayCount
    discount: int
    price: int


class Bucket(BaseModel):
    month: str
    currency: str
    count: int
    amount: int


class DayVolume(BaseModel):
    day: str
    currency: str
    count: int
    amount: int


def router(platform: Platform) -> APIRouter:
    """``/v1/certificates[/{cert_id}[/price]]``, ``/v1/stats/maturities`` and
    ``/v1/stats/volumes``."""
    node = platform.node
    r = new_router()

    def all_certs() -> list[Certificate]:
        return [decode(raw, Certificate) for _, raw, _ in node.store.iter_state(CERT_PREFIX)]

    def visible_cert(caller: Caller, cert_id: str) -> tuple[Certificate, dict[str, Any]]:
        """The certificate with the lineage the caller may see; 404 when there is none,
        403 when the caller is party neither to it nor to a part it was split from or
        into, nor was offered it by an open proposal made on its present record."""
        raw = node.get(cert_key(cert_id))
        if raw is None:
            raise not_found("cert_id", f"no certificate {shown(cert_id)!r}")
        cert = decode(raw, Certificate)
        offered = platform.offered(caller, cert_key(cert_id), raw)
        records = [rec for _, rec, _ in node.store.iter_state(CERT_PREFIX + cert.root)]
        family = [decode(rec, Certificate) for rec in records]
        opened = {c.id for c in family if caller.may_see(q.parties(c))}
        if offered and raw in records:  # only while the certificate is still that record
            opened.add(cert_id)
        tree, related = q.lineage(family, cert.root, opened)
        if cert_id not in related:
            raise forbidden("cert_id", f"{caller.org_id!r} is not party to {cert_id!r} or "
                                       "to the parts it was split from or into")
        return cert, tree

    def out(caller: Caller, cert: Certificate) -> dict[str, Any]:
        return with_actions(caller, CONTRACT, cert, plain(cert))

    @r.get("/v1/certificates", response_model=CertificatePage, tags=["certificates"])
    def certificates(caller: Auth, role: str = Query("any",
                                                     pattern="^(holder|debtor|supplier|any)$"),
                     status: Status | None = Query(None),
                     offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
        me_ = caller.org_id
        found = []
        for cert in all_certs():
            if status is not None and cert.status != status:
                continue
            mine = {"holder": cert.holder == me_, "debtor": cert.debtor == me_,
                    "supplier": cert.supplier == me_}
            ok = caller.may_see(q.parties(cert)) if role == "any" else mine[role]
            if ok:
                found.append(out(caller, cert))
        found.sort(key=lambda c: (c["maturity"], c["id"]))
        return page(found, offset, limit)

    @r.get("/v1/certificates/{cert_id}", response_model=CertificateDetail,
           tags=["certificates"])
    def get_certificate(cert_id: str, caller: Auth) -> dict[str, Any]:
        cert, tree = visible_cert(caller, cert_id)
        return {"certificate": out(caller, cert), "lineage": tree}

    @r.get("/v1/certificates/{cert_id}/price", response_model=Price, tags=["certificates"])
    def price(cert_id: str, caller: Auth,
              discount_rate_bp: int = Query(ge=0, le=10_000),
              day_count: DayCount = Query(DayCount.ACT_365F),
              on: str | None = Query(None, max_length=10)) -> dict[str, Any]:
        """What a buyer pays now for the certificate at a discount rate and day count."""
        cert, _ = visible_cert(caller, cert_id)
        today = time.strftime("%Y-%m-%d", time.gmtime(platform.now_ms() / 1000))
        try:
            quote = q.sale_price(cert, discount_rate_bp, on or today, day_count,
                                 earliest=today)
        except q.PriceRefused as exc:
            status = 422 if exc.code == "bad_args" else 409
            raise ApiError(status, exc.code, exc.field, exc.message) from None
        return dataclasses.asdict(quote)

    @r.get("/v1/stats/maturities", response_model=list[Bucket], tags=["stats"])
    def maturities(caller: Auth, role: str = Query("holder", pattern="^(holder|debtor)$")
                   ) -> list[dict[str, Any]]:
        """Outstanding (confirmed or overdue) certificates by month of maturity."""
        return q.maturities(all_certs(), None if caller.reads_all else caller.org_id, role)

    @r.get("/v1/stats/volumes", response_model=list[DayVolume], tags=["stats"])
    def volumes(caller: Auth) -> list[dict[str, Any]]:
        """Certificates sold to factors and banks, per day (price paid)."""
        sales = platform.index.event_days("CertificateSold", ("id", "price"),
                                          None if caller.reads_all else caller.org_id)
        return q.daily_sales(node, sales)

    return r
