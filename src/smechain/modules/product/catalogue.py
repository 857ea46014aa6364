"""A deterministic catalogue of loan products and of SME attributes, for the demo, the
benchmark and the tests (off the ledger: it draws from a seeded random generator).

``INSTITUTIONS`` are 129 lending institutions by kind (the scale DESIGN §1 plans for);
``products(n, seed)`` gives ``n`` products' ``Terms`` spread over them, with rules of
every kind; ``smes(n, seed)`` gives ``n`` SMEs' attribute columns as ``batch`` takes
them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from smechain.modules.product.contract import (
    BANDS,
    COLLATERAL,
    INDUSTRIES,
    KINDS,
    REGIONS,
    REPAYMENTS,
    REVENUE_BANDS,
    TAX_GRADES,
    Eligibility,
    Terms,
)

_GROUPS = (("国有大行", "State bank", 6), ("股份制银行", "Joint-stock bank", 12),
           ("城商行", "City commercial bank", 55), ("农商行", "Rural commercial bank", 40),
           ("民营银行", "Private bank", 10), ("外资银行", "Foreign bank", 6))
INSTITUTIONS = tuple(f"{en} {i + 1:02d} {zh}{i + 1:02d}"
                     for zh, en, n in _GROUPS for i in range(n))
"""129 named lending institutions."""
assert len(INSTITUTIONS) == 129

_NAMES = {"working_capital": ("Working capital loan", "流动资金贷"),
          "receivable_financing": ("Receivable financing", "应收账款融资"),
          "ip_pledge": ("IP pledge loan", "知识产权质押贷"),
          "export_record": ("Export record loan", "出口信保贷"),
          "guarantee_backed": ("Guaranteed loan", "担保贷")}
_COLLATERAL_OF = {"receivable_financing": ["receivables"], "ip_pledge": ["ip"],
                  "export_record": ["export_orders"]}


def _some(rng: np.random.Generator, codes: tuple[str, ...], p: float, most: int
          ) -> list[str]:
    """With probability ``p`` a few of ``codes`` (in code order), else none (any)."""
    if rng.random() >= p:
        return []
    k = int(rng.integers(1, most + 1))
    return sorted({str(c) for c in rng.choice(codes, k, replace=False)}, key=codes.index)


def product_terms(n: int, seed: int = 0) -> list[Terms]:
    """``n`` products' terms, the same for the same seed, over ``INSTITUTIONS``."""
    rng = np.random.default_rng(seed)
    found = []
    for i in range(n):
        kind = KINDS[int(rng.integers(len(KINDS)))]
        institution = INSTITUTIONS[i % len(INSTITUTIONS)]
        low = int(rng.choice([10, 50, 100, 500])) * 1_000_000  # fen: 100k CNY...
        high = low * int(rng.choice([10, 20, 50]))
        term = int(rng.choice([3, 6, 12]))
        rate = int(rng.integers(300, 600))
        max_head = int(rng.choice([0, 100, 300, 1000]))
        min_head = int(rng.choice([0, 0, 3, 10]))
        eligibility = Eligibility(
            min_band=BANDS[int(rng.integers(0, 5))],
            regions=_some(rng, REGIONS[:31], 0.5, 4),
            industries=_some(rng, INDUSTRIES[:18], 0.4, 6),
            min_years=int(rng.choice([0, 1, 2, 3, 5])),
            revenue_bands=_some(rng, REVENUE_BANDS, 0.4, 3),
            min_headcount=min_head if not max_head or min_head <= max_head else 0,
            max_headcount=max_head,
            tax_grades=_some(rng, TAX_GRADES[:3], 0.6, 3),
            collateral=_COLLATERAL_OF.get(kind, []))
        en, zh = _NAMES[kind]
        found.append(Terms(
            f"{en} {zh} {i + 1:03d}", institution, kind, "CNY", low, high, term,
            term * int(rng.choice([2, 3, 4])), rate, rate + int(rng.integers(50, 400)),
            REPAYMENTS[int(rng.integers(len(REPAYMENTS)))], eligibility))
    return found


def smes(n: int, seed: int = 0) -> dict[str, Any]:
    """``n`` SMEs' attribute columns (numpy), as ``batch.match_all`` takes them, with a
    band each (a tenth unscored: ``""``) and a few values outside the known codes."""
    rng = np.random.default_rng(seed)
    bands = np.array([*BANDS, ""])
    regions = np.array([*REGIONS, "99"])
    industries = np.array([*INDUSTRIES, "Z"])
    return {
        "uscc": np.char.add("SME", np.arange(n).astype("U9")),
        "band": bands[rng.choice(6, n, p=[0.1, 0.2, 0.3, 0.2, 0.1, 0.1])],
        "region": regions[rng.integers(0, len(regions), n)],
        "industry": industries[rng.integers(0, len(industries), n)],
        "years": rng.integers(0, 30, n),
        "revenue_band": np.array(REVENUE_BANDS)[rng.integers(0, len(REVENUE_BANDS), n)],
        "headcount": np.minimum(rng.geometric(0.02, n), 3000),
        "tax_grade": np.array([*TAX_GRADES, "?"])[rng.integers(0, len(TAX_GRADES) + 1, n)],
        "collateral": rng.integers(0, 1 << len(COLLATERAL), n).astype(np.uint16),
    }
