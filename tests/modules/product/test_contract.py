"""Products through the executor: publish, revise into versions (the old one stays
readable), withdraw; every refusal of bad terms names its field."""

from __future__ import annotations

from typing import Any

import pytest

from smechain.core.encoding import plain
from smechain.modules.product import queries as q
from smechain.modules.product.catalogue import product_terms
from smechain.modules.product.contract import Status

from ..conftest import Chain


def terms(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = plain(product_terms(1, seed=3)[0])
    rules = {**doc["eligibility"], **changes.pop("eligibility", {})}
    return {**doc, **changes, "eligibility": rules}


def publish(chain: Chain, product_id: str = "wc-1", bank: str = "bank-a", **changes: Any
            ) -> None:
    chain.ok(chain.tx("product", "publish", {"id": product_id, "terms": terms(**changes)},
                      chain.key(bank)))


def test_a_revised_product_keeps_its_old_version_readable(chain: Chain) -> None:
    publish(chain)
    first = q.read_product(chain.store, "wc-1")
    assert first is not None and first.version == 1 and first.status == Status.LIVE
    chain.ok(chain.tx("product", "revise", {"id": "wc-1", "terms": terms(max_rate_bp=900)},
                      chain.key("bank-a")))
    head = q.read_product(chain.store, "wc-1")
    assert head is not None and head.version == 2 and head.terms.max_rate_bp == 900
    assert q.read_product(chain.store, "wc-1", 1) == first
    assert q.read_product(chain.store, "wc-1", 2) == head
    assert q.read_product(chain.store, "wc-1", 3) is None


def test_withdraw_leaves_the_versions_and_ends_matching(chain: Chain) -> None:
    publish(chain)
    chain.ok(chain.tx("product", "withdraw", {"id": "wc-1"}, chain.key("bank-a")))
    head = q.read_product(chain.store, "wc-1")
    assert head is not None and head.status == Status.WITHDRAWN and head.withdrawn_at_ms
    assert q.live([head]) == []
    chain.expect_failed(chain.tx("product", "revise", {"id": "wc-1", "terms": terms()},
                                 chain.key("bank-a")), "conflict")


def test_only_its_bank_revises_and_only_banks_publish(chain: Chain) -> None:
    publish(chain)
    chain.expect_failed(chain.tx("product", "revise", {"id": "wc-1", "terms": terms()},
                                 chain.key("bank-c")), "unauthorised")
    chain.expect_failed(chain.tx("product", "publish", {"id": "x", "terms": terms()},
                                 chain.key("sme-1")), "unauthorised")
    chain.expect_failed(chain.tx("product", "publish", {"id": "wc-1", "terms": terms()},
                                 chain.key("bank-c")), "conflict")


@pytest.mark.parametrize(("changes", "field"), [
    ({"min_amount": 10, "max_amount": 5}, "terms.min_amount"),
    ({"max_amount": 0}, "terms.max_amount"),
    ({"min_term_months": 0}, "terms.min_term_months"),
    ({"min_term_months": 40, "max_term_months": 12}, "terms.min_term_months"),
    ({"min_rate_bp": 700, "max_rate_bp": 600}, "terms.min_rate_bp"),
    ({"max_rate_bp": 10_001}, "terms.max_rate_bp"),
    ({"kind": "payday"}, "terms.kind"),
    ({"repayment": "whenever"}, "terms.repayment"),
    ({"currency": "yuan"}, "terms.currency"),
    ({"name": " "}, "terms.name"),
    ({"eligibility": {"min_band": "F"}}, "terms.eligibility.min_band"),
    ({"eligibility": {"regions": ["31", "99"]}}, "terms.eligibility.regions[1]"),
    ({"eligibility": {"regions": ["31", "31"]}}, "terms.eligibility.regions[1]"),
    ({"eligibility": {"industries": ["Z"]}}, "terms.eligibility.industries[0]"),
    ({"eligibility": {"revenue_bands": ["huge"]}}, "terms.eligibility.revenue_bands[0]"),
    ({"eligibility": {"tax_grades": ["AAA"]}}, "terms.eligibility.tax_grades[0]"),
    ({"eligibility": {"collateral": ["gold"]}}, "terms.eligibility.collateral[0]"),
    ({"eligibility": {"min_years": -1}}, "terms.eligibility.min_years"),
    ({"eligibility": {"min_headcount": 50, "max_headcount": 10}},
     "terms.eligibility.min_headcount"),
])
def test_bad_terms_are_refused_naming_the_field(chain: Chain, changes: dict[str, Any],
                                                field: str) -> None:
    receipt = chain.expect_failed(chain.tx("product", "publish", {
        "id": "bad", "terms": terms(**changes)}, chain.key("bank-a")), "bad_args")
    assert receipt.field == field
    assert q.read_product(chain.store, "bad") is None


def test_a_bad_id_is_refused_naming_id(chain: Chain) -> None:
    receipt = chain.expect_failed(chain.tx("product", "publish", {
        "id": "Bad Id", "terms": terms()}, chain.key("bank-a")), "bad_args")
    assert receipt.field == "id"
