"""HTTP routes of the product module: the catalogue, one product at any version, an SME's
match with the reasons others do not fit, and the nightly batch's results.

Publishing, revising and withdrawing are the generated ``/v1/contracts/product/*``
routes.
"""

# No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations.

import re
from contextlib import closing
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from smechain.api import schemas as s
from smechain.api.caller import Caller
from smechain.api.deps import Auth, Limit, Offset, new_router, page, with_actions
from smechain.api.errors import forbidden, not_found
from smechain.api.platform import Platform
from smechain.core.encoding import decode, plain, shown
from smechain.modules.product import queries as q
from smechain.modules.product.contract import (
    COLLATERAL,
    CONTRACT,
    KINDS,
    PRODUCT_PREFIX,
    Product,
    Status,
)

ProductOut = s.record_model(
    Product, "ProductOut", "A product at one version (contract.Product) and the actions "
    "the caller's organisation may start on it.",
    actions=(list[str], ...))
ProductPage = s.page_model(ProductOut, "ProductPage")


class ReasonOut(BaseModel):
    rule: str
    en: str
    zh: str


class FitOut(BaseModel):
    """One live product against the SME: whether it fits and every reason it does not."""

    id: str
    version: int
    bank: str
    name: str
    institution: str
    kind: str
    fits: bool
    reasons: list[ReasonOut]


class ProfileOut(BaseModel):
    band: str
    region: str
    industry: str
    years: int
    revenue_band: str
    headcount: int
    tax_grade: str
    collateral: list[str]


class MatchOut(BaseModel):
    """An SME's attributes and every live product against them, fitting ones first."""

    sme: str
    profile: ProfileOut
    fits: int
    products: list[FitOut]


class BatchProduct(BaseModel):
    id: str
    version: int
    bank: str
    name: str
    institution: str
    kind: str
    matches: int


class BatchOut(BaseModel):
    """The last nightly batch: how many SMEs each product matched and, with ``sme``, that
    SME's matched products."""

    ran_at_ms: int
    smes: int
    products: list[BatchProduct]
    sme: str | None = None
    matched: list[BatchProduct] | None = None


def matches_folder(platform: Platform) -> Path:
    """Where the nightly batch writes and the routes read: ``<data>/product/matches``."""
    return platform.folder / "product" / "matches"


def sme_profile(platform: Platform, sme: str) -> tuple[str, q.SmeProfile]:
    """The SME's USCC and attributes from the data owners' stores at this peer, with the
    band of its newest credit report here (``""`` without one). ``ApiError`` 404 when
    the SME or its records are unknown, 503 without the stores."""
    from smechain.api.errors import ApiError
    from smechain.modules.credit import desk, govdata
    from smechain.modules.credit.routes import credit_folder
    from smechain.modules.product import batch

    try:
        uscc = desk.sme_uscc(platform.node.store, sme)
    except desk.DeskError as exc:
        raise ApiError(exc.status, exc.code, "sme", exc.reason) from None
    folder = credit_folder(platform)
    try:
        frame = batch.attributes(folder / "owners", usccs=[uscc])
    except govdata.GovDataError as exc:
        raise ApiError(503, "unavailable", "sme", f"no government data here: {exc}") from None
    if frame.height == 0:
        raise not_found("sme", f"the market regulator holds no record of {shown(sme)!r}")
    row = frame.row(0, named=True)
    band = ""
    with closing(desk.ReportBook(folder)) as book:
        reports, _ = book.of(sme, 0, 50)
    for report in reports:
        if report["sme"] == sme:
            band = report["band"]
            break
    held = frozenset(c for i, c in enumerate(COLLATERAL) if int(row["collateral"]) >> i & 1)
    return uscc, q.SmeProfile(band, row["region"], row["industry"], row["years"],
                              row["revenue_band"], row["headcount"], row["tax_grade"], held)


def _one_of(values: tuple[str, ...]) -> str:
    """A query pattern that takes exactly one of ``values``."""
    return "^(" + "|".join(re.escape(v) for v in values) + ")$"


def router(platform: Platform) -> APIRouter:
    """``/v1/products[/{product_id}]``, ``/v1/products/match`` and
    ``/v1/products/matches``."""
    node = platform.node
    r = new_router()

    def products() -> list[Product]:
        return [decode(raw, Product) for _, raw, _ in node.store.iter_state(PRODUCT_PREFIX)]

    kept: dict[int, q.Catalogue] = {}

    def live_catalogue() -> q.Catalogue:
        """The live products compiled once per committed height (state moves only then)."""
        height = node.store.height()
        if height not in kept:
            kept.clear()
            kept[height] = q.compile_products(q.live(products()))
        return kept[height]

    def out(caller: Caller, product: Product) -> dict[str, Any]:
        return with_actions(caller, CONTRACT, product, plain(product))

    def sme_of(caller: Caller, sme: str | None) -> str:
        sme = sme or caller.org_id
        if sme != caller.org_id and not caller.reads_all:
            raise forbidden("sme", f"the match of {shown(sme)!r} is its own business")
        return sme

    @r.get("/v1/products", response_model=ProductPage, tags=["products"])
    def list_products(caller: Auth, bank: str | None = Query(None, max_length=64),
                      kind: str | None = Query(None, pattern=_one_of(KINDS)),
                      status: str | None = Query(None, pattern=_one_of(tuple(Status))),
                      offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
        """The products at their newest version, by id; ``bank``, ``kind``, ``status``
        filter (an unknown kind or status is refused, 422)."""
        found = q.listing(products(), bank, kind, status)
        return page([out(caller, p) for p in found], offset, limit)

    @r.get("/v1/products/match", response_model=MatchOut, tags=["products"])
    def match(caller: Auth, sme: str | None = Query(None, max_length=64),
              band: str | None = Query(None, pattern="^[A-E]$")) -> dict[str, Any]:
        """Every live product against the SME's own attributes (the owners' records at
        this peer; the band of its newest credit report, or ``band`` given), fitting
        ones first, each refusal with every reason in zh and en. The SME's own
        (regulators: any ``sme``)."""
        sme = sme_of(caller, sme)
        _, profile = sme_profile(platform, sme)
        if band is not None:
            profile = q.SmeProfile(band, profile.region, profile.industry, profile.years,
                                   profile.revenue_band, profile.headcount,
                                   profile.tax_grade, profile.collateral)
        fits = q.match(profile, live_catalogue())
        fits.sort(key=lambda f: (not f.fits, len(f.reasons), f.product.id))
        return {"sme": sme, "profile": {**asdict(profile),
                                        "collateral": sorted(profile.collateral)},
                "fits": sum(f.fits for f in fits),
                "products": [q.fit_doc(f) for f in fits]}

    @r.get("/v1/products/matches", response_model=BatchOut, tags=["products"])
    def matches(caller: Auth, sme: str | None = Query(None, max_length=64)
                ) -> dict[str, Any]:
        """The last nightly batch (``smechain product match-all``): SMEs matched per
        product; with ``sme`` (the caller's own, or any for regulators), its matched
        products. 404 before any run."""
        from smechain.modules.credit import desk
        from smechain.modules.product import batch

        folder = matches_folder(platform)
        summary = batch.read_summary(folder)
        if summary is None:
            raise not_found("matches", "no nightly match has run here yet")
        doc: dict[str, Any] = {k: summary[k] for k in ("ran_at_ms", "smes", "products")}
        if sme is not None:
            sme = sme_of(caller, sme)
            try:
                uscc = desk.sme_uscc(node.store, sme)
            except desk.DeskError:
                raise not_found("sme", f"no SME {shown(sme)!r}") from None
            row = batch.read_sme(folder, uscc)
            found = batch.bits_of(row, len(summary["products"])) if row else []
            doc.update(sme=sme, matched=[summary["products"][j] for j in found])
        return doc

    @r.get("/v1/products/{product_id}", response_model=ProductOut, tags=["products"])
    def get_product(product_id: str, caller: Auth,
                    version: int | None = Query(None, ge=1, le=10**8)) -> dict[str, Any]:
        """A product at its newest version, or at ``version`` (every version stays
        readable: a loan cites id and version)."""
        product = q.read_product(node, product_id, version)
        if product is None and version is not None:
            head = q.read_product(node, product_id)
            if head is not None:
                raise not_found("version", f"product {shown(product_id)!r} has versions 1 "
                                f"to {head.version}, not {version}")
        if product is None:
            raise not_found("product_id", f"no product {shown(product_id)!r}")
        return out(caller, product)

    return r
