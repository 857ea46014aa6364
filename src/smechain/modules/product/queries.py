"""Reads over products, and the one rule of whether an SME fits a product.

Pure: functions take a state reader (``StateReader``) or records already read, and
plain values.

``match(profile, products)`` is the rule: one SME's attributes (``SmeProfile``) against
each product's eligibility, every reason a product does not fit given, in Chinese and
English. The nightly batch (``batch``, off the ledger) evaluates the same rules
column-wise over every SME at once; a property test holds the two equal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
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


class Catalogue:
    """Products prepared for ``match``: for each rule and each value an SME may have, the
    products that rule refuses with the reason, found on the first SME with that value and
    kept (at most ``MEMO`` values per rule), so matching one SME is a lookup per rule and
    one pass over the refusals. Deterministic: what is kept depends only on the products
    and the values seen, never on the clock."""

    MEMO = 4_096
    __slots__ = ("_memo", "compiled")

    def __init__(self, compiled: tuple[CompiledProduct, ...]) -> None:
        self.compiled = compiled
        self._memo: dict[str, dict[Any, tuple[tuple[int, Reason], ...]]] = {
            rule: {} for rule in RULES}

    def __len__(self) -> int:
        return len(self.compiled)

    def refusals(self, rule: str, value: Any) -> tuple[tuple[int, Reason], ...]:
        """``(index, reason)`` of each product ``rule`` refuses for an SME's ``value``."""
        memo = self._memo[rule]
        found = memo.get(value)
        if found is None:
            if len(memo) >= self.MEMO:
                memo.clear()
            found = memo[value] = tuple(
                (i, reason) for i, c in enumerate(self.compiled)
                if (reason := _REFUSE[rule](c, value)) is not None)
        return found


def _band(c: CompiledProduct, band: str) -> Reason | None:
    rank = _BAND_RANK.get(band)
    if rank is None:
        return Reason("no_band", "", c.min_band) if c.band_rank < len(BANDS) - 1 else None
    return Reason("band", band, c.min_band) if rank > c.band_rank else None


def _headcount(c: CompiledProduct, headcount: int) -> Reason | None:
    if c.min_headcount <= headcount <= c.max_headcount:
        return None
    return Reason("headcount", str(headcount), c.headcount_text)


_REFUSE: dict[str, Callable[[CompiledProduct, Any], Reason | None]] = {
    "band": _band,
    "region": lambda c, v: Reason("region", v, c.regions_text)
    if c.regions and v not in c.regions else None,
    "industry": lambda c, v: Reason("industry", v, c.industries_text)
    if c.industries and v not in c.industries else None,
    "years": lambda c, v: Reason("years", str(v), str(c.min_years)) if v < c.min_years else None,
    "revenue": lambda c, v: Reason("revenue", v, c.revenue_text)
    if c.revenue and v not in c.revenue else None,
    "headcount": _headcount,
    "tax_grade": lambda c, v: Reason("tax_grade", v, c.grades_text)
    if c.grades and v not in c.grades else None,
    "collateral": lambda c, v: Reason("collateral", "", c.collateral_text)
    if c.collateral and c.collateral.isdisjoint(v) else None,
}
"""Each rule of ``RULES``: the reason it refuses a product for an SME's value, or ``None``."""


def compile_products(products: Iterable[Product]) -> Catalogue:
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
    return Catalogue(tuple(found))


def match(profile: SmeProfile, catalogue: Catalogue) -> list[Fit]:
    """Each product of ``catalogue`` (``compile_products``, once for many SMEs) against
    ``profile``: whether it fits and, when not, every rule that refuses, in ``RULES``
    order. An SME without a band fits only products whose ``min_band`` is ``E``."""
    values = (profile.band, profile.region, profile.industry, profile.years,
              profile.revenue_band, profile.headcount, profile.tax_grade,
              profile.collateral)
    reasons: list[list[Reason] | None] = [None] * len(catalogue)
    for rule, value in zip(RULES, values, strict=True):
        for i, reason in catalogue.refusals(rule, value):
            found = reasons[i]
            if found is None:
                reasons[i] = [reason]
            else:
                found.append(reason)
    return [Fit(c.product, tuple(r) if r else ())
            for c, r in zip(catalogue.compiled, reasons, strict=True)]


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
