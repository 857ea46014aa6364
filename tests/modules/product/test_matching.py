"""The matching rule: each kind of rule's reason in zh and en, and the nightly batch
(polars, column-wise) equal to the one-SME matcher on thousands of random SMEs."""

from __future__ import annotations

import msgspec
import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smechain.modules.product import batch, catalogue
from smechain.modules.product import queries as q
from smechain.modules.product.contract import COLLATERAL, Eligibility, Product, Status, Terms

BASE = catalogue.product_terms(1, seed=5)[0]
SME = q.SmeProfile("C", "44", "C", 3, "1m_10m", 40, "B", frozenset({"receivables"}))


def product(**rules: object) -> Product:
    terms = msgspec.structs.replace(BASE, eligibility=Eligibility(**rules))  # type: ignore[arg-type]
    return Product("p", 1, "bank-a", terms, 0, 0, Status.LIVE)


def reasons(profile: q.SmeProfile, **rules: object) -> list[tuple[str, str, str]]:
    (fit,) = q.match(profile, q.compile_products([product(**rules)]))
    return [(r.rule, r.en, r.zh) for r in fit.reasons]


@pytest.mark.parametrize(("rules", "expected"), [
    ({"min_band": "B"}, ("band", "score band C below B", "评分等级 C 低于 B")),
    ({"regions": ["31", "32"]}, ("region", "region 44 not in 31, 32", "地区 44 不在 31, 32 之内")),
    ({"industries": ["F", "G"]}, ("industry", "industry C not in F, G", "行业 C 不在 F, G 之内")),
    ({"min_years": 5}, ("years", "3 years in business, fewer than 5",
                        "经营年限 3 年，少于 5 年")),
    ({"revenue_bands": ["10m_50m"]}, ("revenue", "revenue band 1m_10m not in 10m_50m",
                                      "营收档次 1m_10m 不在 10m_50m 之内")),
    ({"min_headcount": 50, "max_headcount": 300},
     ("headcount", "headcount 40 outside 50–300", "员工人数 40 不在 50–300 之内")),
    ({"max_headcount": 20}, ("headcount", "headcount 40 outside 0–20",
                             "员工人数 40 不在 0–20 之内")),
    ({"tax_grades": ["A"]}, ("tax_grade", "tax grade B not in A", "纳税信用等级 B 不在 A 之内")),
    ({"collateral": ["ip", "real_estate"]},
     ("collateral", "holds none of the collateral ip, real_estate",
      "未持有任一押品 ip, real_estate")),
])
def test_each_rule_kind_gives_its_reason_in_zh_and_en(rules: dict[str, object],
                                                       expected: tuple[str, str, str]) -> None:
    assert reasons(SME, **rules) == [expected]


def test_every_reason_is_given_in_rule_order_and_a_fit_has_none() -> None:
    found = reasons(SME, min_band="A", regions=["31"], tax_grades=["A"], min_years=10)
    assert [r[0] for r in found] == ["band", "region", "years", "tax_grade"]
    assert reasons(SME, min_band="C", regions=["44"], collateral=["receivables"]) == []


def test_an_sme_without_a_band_fits_only_products_open_to_every_band() -> None:
    unscored = q.SmeProfile("", "44", "C", 3, "1m_10m", 40, "B", frozenset())
    assert reasons(unscored, min_band="E") == []
    assert reasons(unscored, min_band="D") == [
        ("no_band", "no score band; needs D or better", "无评分等级；需 D 或以上")]


def test_revenue_bands_follow_their_floors() -> None:
    assert [q.revenue_band(f) for f in (0, 99_999_999, 100_000_000, 20_000_000_000)] == [
        "lt1m", "lt1m", "1m_10m", "ge200m"]


def _profile(cols: dict[str, np.ndarray], i: int) -> q.SmeProfile:
    mask = int(cols["collateral"][i])
    return q.SmeProfile(str(cols["band"][i]), str(cols["region"][i]),
                        str(cols["industry"][i]), int(cols["years"][i]),
                        str(cols["revenue_band"][i]), int(cols["headcount"][i]),
                        str(cols["tax_grade"][i]),
                        frozenset(c for j, c in enumerate(COLLATERAL) if mask >> j & 1))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(products=st.integers(1, 140), smes=st.integers(200, 600),
       seed=st.integers(0, 2**32 - 1))
def test_the_batch_equals_the_one_sme_matcher(products: int, smes: int, seed: int) -> None:
    terms: list[Terms] = catalogue.product_terms(products, seed)
    catalog = [Product(f"p{i}", 1, "bank-a", t, 0, 0, Status.LIVE)
               for i, t in enumerate(terms)]
    cols = catalogue.smes(smes, seed)
    fits, counts = batch.match_all(pl.DataFrame(cols), catalog)
    compiled = q.compile_products(catalog)
    expected = [0] * products
    for i in range(smes):
        want = [j for j, f in enumerate(q.match(_profile(cols, i), compiled)) if f.fits]
        for j in want:
            expected[j] += 1
        row = fits.row(i, named=True)
        assert batch.bits_of(row, products) == want
        assert row["matches"] == len(want)
    assert counts == expected


def test_a_catalogue_that_forgets_answers_as_a_fresh_one(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """The refusals a catalogue keeps per rule and value are a cache: with room for two
    values per rule (evicting all the time), every SME's fits and reasons equal those of a
    catalogue built for that SME alone."""
    terms = catalogue.product_terms(60, 7)
    catalog = [Product(f"p{i}", 1, "bank-a", t, 0, 0, Status.LIVE)
               for i, t in enumerate(terms)]
    cols = catalogue.smes(300, 7)
    monkeypatch.setattr(q.Catalogue, "MEMO", 2)
    kept = q.compile_products(catalog)
    for i in range(300):
        profile = _profile(cols, i)
        got = [(f.product.id, [(r.rule, r.en) for r in f.reasons])
               for f in q.match(profile, kept)]
        fresh = [(f.product.id, [(r.rule, r.en) for r in f.reasons])
                 for f in q.match(profile, q.compile_products(catalog))]
        assert got == fresh
