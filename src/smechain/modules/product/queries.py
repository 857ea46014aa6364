"""Reads over products, and the one rule of whether an SME fits a product.

Pure: functions take a state reader (``StateReader``) or records already read, and
plain values.

``match(profile, products)`` is the rule: one SME's attributes (``SmeProfile``) against
each product's eligibility, every reason a product does not fit given, in Chinese and
English. The nightly batch (``batch``, off the ledger) evaluates the same rules
column-wise over every SME at once; a property test holds the two equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from smechain.core.encoding import decode
from smechain.core.state import StateReader
from smechain.modules.product.contract import (
    BANDS,
    REVENUE_BAND_FLOORS,
    REVENUE_BANDS,
    Eligibility,
    Product,
    Status,
    product_key,
    version_key,
)

NAMES = frozenset({"id"})
"""Argument and event fields ``tx_orgs`` reads (product ids)."""

RULES = ("band", "region", "industry", "years", "revenue", "headcount", "tax_grade",
         "collateral")
"""The kinds of eligibility rule, in the order reasons are given."""


@dataclass(frozen=True, slots=True)
class SmeProfile:
    """What the rules read of one SME."""

    band: str
    """Its score band (``A``–``E``), or ``""`` when it has none."""
    region: str
    """Province code of its registration (``31``)."""
    industry: str
    """GB/T 4754 section letter."""
    years: int
    """Whole years in business."""
    revenue_band: str
    """One of ``REVENUE_BANDS``."""
    headcount: int
    tax_grade: str
    collateral: frozenset[str]
    """Kinds of collateral it holds."""


@dataclass(frozen=True, slots=True)
class Reason:
    """Why one rule refuses: the rule's kind, the SME's value and what the rule wants."""

    rule: str
    """One of ``RULES``."""
    actual: str
    wanted: str

    @property
    def en(self) -> str:
        """The reason in English (``score band C below B``)."""
        return _EN[self.rule].format(actual=self.actual, wanted=self.wanted)

    @property
    def zh(self) -> str:
        """The reason in Chinese (``评分等级 C 低于 B``)."""
        return _ZH[self.rule].format(actual=self.actual, wanted=self.wanted)


_EN = {
    "band": "score band {actual} below {wanted}",
    "no_band": "no score band; needs {wanted} or better",
    "region": "region {actual} not in {wanted}",
    "industry": "industry {actual} not in {wanted}",
    "years": "{actual} years in business, fewer than {wanted}",
    "revenue": "revenue band {actual} not in {wanted}",
    "headcount": "headcount {actual} outside {wanted}",
    "tax_grade": "tax grade {actual} not in {wanted}",
    "collateral": "holds none of the collateral {wanted}",
}
_ZH = {
    "band": "评分等级 {actual} 低于 {wanted}",
    "no_band": "无评分等级；需 {wanted} 或以上",
    "region": "地区 {actual} 不在 {wanted} 之内",
    "industry": "行业 {actual} 不在 {wanted} 之内",
    "years": "经营年限 {actual} 年，少于 {wanted} 年",
    "revenue": "营收档次 {actual} 不在 {wanted} 之内",
    "headcount": "员工人数 {actual} 不在 {wanted} 之内",
    "tax_grade": "纳税信用等级 {actual} 不在 {wanted} 之内",
    "collateral": "未持有任一押品 {wanted}",
}


@dataclass(frozen=True, slots=True)
class Fit:
    """One product against one SME: whether it fits and, when not, every reason."""

    product: Product
    reasons: tuple[Reason, ...]

    @property
    def fits(self) -> bool:
        return not self.reasons


_BAND_RANK = {b: i for i, b in enumerate(BANDS)}


@dataclass(frozen=True, slots=True)
class CompiledProduct:
    """A product's rules prepared for fast checks (sets, ranks, the reason's text)."""

    product: Product
    band_rank: int
    min_band: str
    regions: frozenset[str]
    regions_text: str
    industries: frozenset[str]
    industries_text: str
    min_years: int
    revenue: frozenset[str]
    revenue_text: str
    min_headcount: int
    max_headcount: int
    headcount_text: str
    grades: frozenset[str]
    grades_text: str
    collateral: frozenset[str]
    collateral_text: str


def headcount_range(rules: Eligibility) -> str:
    """``10–500`` or ``10+``: a product's headcount bounds as text."""
    if rules.max_headcount:
        return f"{rules.min_headcount}–{rules.max_headcount}"
    return f"{rules.min_headcount}+"


def compile_products(products: Iterable[Product]) -> tuple[CompiledProduct, ...]:
    """``products`` prepared for ``match`` (done once per set of products)."""
    found = []
    for p in products:
        e = p.terms.eligibility
        found.append(CompiledProduct(
            p, _BAND_RANK[e.min_band], e.min_band,
            frozenset(e.regions), ", ".join(e.regions),
            frozenset(e.industries), ", ".join(e.industries), e.min_years,
            frozenset(e.revenue_bands), ", ".join(e.revenue_bands),
            e.min_headcount, e.max_headcount or (1 << 62), headcount_range(e),
            frozenset(e.tax_grades), ", ".join(e.tax_grades),
            frozenset(e.collateral), ", ".join(e.collateral)))
    return tuple(found)


def match(profile: SmeProfile, compiled: Sequence[CompiledProduct]) -> list[Fit]:
    """Each product (as ``compile_products`` prepares them, once for many SMEs) against
    ``profile``: whether it fits and, when not, every rule that refuses, in ``RULES``
    order. An SME without a band fits only products whose ``min_band`` is ``E``."""
    rank = _BAND_RANK.get(profile.band)
    held = profile.collateral
    out = []
    for c in compiled:
        reasons: list[Reason] = []
        if rank is None:
            if c.band_rank < len(BANDS) - 1:
                reasons.append(Reason("no_band", "", c.min_band))
        elif rank > c.band_rank:
            reasons.append(Reason("band", profile.band, c.min_band))
        if c.regions and profile.region not in c.regions:
            reasons.append(Reason("region", profile.region, c.regions_text))
        if c.industries and profile.industry not in c.industries:
            reasons.append(Reason("industry", profile.industry, c.industries_text))
        if profile.years < c.min_years:
            reasons.append(Reason("years", str(profile.years), str(c.min_years)))
        if c.revenue and profile.revenue_band not in c.revenue:
            reasons.append(Reason("revenue", profile.revenue_band, c.revenue_text))
        if not c.min_headcount <= profile.headcount <= c.max_headcount:
            reasons.append(Reason("headcount", str(profile.headcount), c.headcount_text))
        if c.grades and profile.tax_grade not in c.grades:
            reasons.append(Reason("tax_grade", profile.tax_grade, c.grades_text))
        if c.collateral and c.collateral.isdisjoint(held):
            reasons.append(Reason("collateral", "", c.collateral_text))
        out.append(Fit(c.product, tuple(reasons)))
    return out


def revenue_band(revenue_fen: int) -> str:
    """The ``REVENUE_BANDS`` name of an annual revenue in fen."""
    found = REVENUE_BANDS[0]
    for name, floor in zip(REVENUE_BANDS, REVENUE_BAND_FLOORS, strict=True):
        if revenue_fen >= floor:
            found = name
    return found


def read_product(state: StateReader, product_id: str, version: int | None = None
                 ) -> Product | None:
    """Product ``product_id`` at its newest version, or at ``version``; ``None`` if none."""
    key = product_key(product_id) if version is None else version_key(product_id, version)
    raw = state.get(key)
    return None if raw is None else decode(raw, Product)


def live(products: Iterable[Product]) -> list[Product]:
    """The live products, by id."""
    return sorted((p for p in products if p.status == Status.LIVE), key=lambda p: p.id)


def listing(products: Iterable[Product], bank: str | None = None, kind: str | None = None,
            status: str | None = None) -> list[Product]:
    """Products by id, filtered by ``bank``, ``kind`` and ``status`` when given."""
    return sorted((p for p in products if (bank is None or p.bank == bank)
                   and (kind is None or p.terms.kind == kind)
                   and (status is None or p.status == status)), key=lambda p: p.id)


def fit_doc(fit: Fit) -> dict[str, Any]:
    """A ``Fit`` as the API answers it."""
    p = fit.product
    return {"id": p.id, "version": p.version, "bank": p.bank, "name": p.terms.name,
            "institution": p.terms.institution, "kind": p.terms.kind, "fits": fit.fits,
            "reasons": [{"rule": r.rule, "en": r.en, "zh": r.zh} for r in fit.reasons]}


def tx_orgs(state: StateReader, contract: str, action: str, named: Mapping[str, set[str]]
            ) -> set[str]:
    """The organisations a ``product`` transaction concerns: the bank of each product."""
    if contract != "product":
        return set()
    found: set[str] = set()
    for product_id in named.get("id", ()):
        product = read_product(state, product_id)
        if product is not None:
            found.add(product.bank)
    return found
