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


def publish(chain: Chain, product_id: str = "bank-a.wc-1", bank: str = "bank-a", **changes: Any
            ) -> None:
    chain.ok(chain.tx("product", "publish", {"id": product_id, "terms": terms(**changes)},
                      chain.key(bank)))


def test_a_revised_product_keeps_its_old_version_readable(chain: Chain) -> None:
    publish(chain)
    first = q.read_product(chain.store, "bank-a.wc-1")
    assert first is not None and first.version == 1 and first.status == Status.LIVE
    chain.ok(chain.tx("product", "revise", {"id": "bank-a.wc-1", "terms": terms(max_rate_bp=900)},
                      chain.key("bank-a")))
    head = q.read_product(chain.store, "bank-a.wc-1")
    assert head is not None and head.version == 2 and head.terms.max_rate_bp == 900
    assert q.read_product(chain.store, "bank-a.wc-1", 1) == first
    assert q.read_product(chain.store, "bank-a.wc-1", 2) == head
    assert q.read_product(chain.store, "bank-a.wc-1", 3) is None


def test_withdraw_leaves_the_versions_and_ends_matching(chain: Chain) -> None:
    publish(chain)
    chain.ok(chain.tx("product", "withdraw", {"id": "bank-a.wc-1"}, chain.key("bank-a")))
    head = q.read_product(chain.store, "bank-a.wc-1")
    assert head is not None and head.status == Status.WITHDRAWN and head.withdrawn_at_ms
    assert q.live([head]) == []
    chain.expect_failed(chain.tx("product", "revise", {"id": "bank-a.wc-1", "terms": terms()},
                                 chain.key("bank-a")), "conflict")


def test_only_its_bank_revises_and_only_banks_publish(chain: Chain) -> None:
    publish(chain)
    chain.expect_failed(chain.tx("product", "revise", {"id": "bank-a.wc-1", "terms": terms()},
                                 chain.key("bank-c")), "unauthorised")
    chain.expect_failed(chain.tx("product", "publish", {"id": "x", "terms": terms()},
                                 chain.key("sme-1")), "unauthorised")
    chain.expect_failed(chain.tx("product", "publish", {"id": "bank-c.x", "terms": terms()},
                                 chain.key("sme-1")), "unauthorised")
    chain.ok(chain.tx("product", "publish", {"id": "bank-c.wc-1", "terms": terms()},
                      chain.key("bank-c")))
    chain.expect_failed(chain.tx("product", "publish", {"id": "bank-a.wc-1", "terms": terms()},
                                 chain.key("bank-a")), "conflict")


@pytest.mark.parametrize(("product_id", "code"), [
    ("bank-b.new1", "unauthorised"),  # another bank's prefix
    ("bank-ab.new1", "unauthorised"),  # a prefix that merely starts like its own
    ("new1", "bad_args"),  # no prefix
    ("bank-a.", "bad_args"),  # no name
    ("bank-a", "bad_args"),
])
def test_a_bank_publishes_only_under_its_own_prefix(chain: Chain, product_id: str,
                                                    code: str) -> None:
    receipt = chain.expect_failed(chain.tx("product", "publish", {
        "id": product_id, "terms": terms()}, chain.key("bank-a")), code)
    assert receipt.field == "id", receipt.message
    assert q.read_product(chain.store, product_id) is None
    publish(chain, "bank-a.new1")  # its own prefix, as the demo's bank-a.p001


@pytest.mark.parametrize(("change", "value"), [("kind", "working_capital"), ("currency", "USD")])
def test_a_revision_keeps_the_kind_and_currency(chain: Chain, change: str, value: str) -> None:
    publish(chain)  # guarantee_backed, CNY
    receipt = chain.expect_failed(chain.tx("product", "revise", {
        "id": "bank-a.wc-1", "terms": terms(**{change: value})}, chain.key("bank-a")),
        "bad_args")
    assert receipt.field == f"terms.{change}", receipt.message
    head = q.read_product(chain.store, "bank-a.wc-1")
    assert head is not None and head.version == 1


@pytest.mark.parametrize(("changes", "field"), [
    ({"min_amount": 10, "max_amount": 5}, "terms.min_amount"),
    ({"max_amount": 0}, "args.terms.max_amount"),  # out of its type's bounds, as decoded
    ({"min_term_months": 0}, "args.terms.min_term_months"),
    ({"min_term_months": 40, "max_term_months": 12}, "terms.min_term_months"),
    ({"min_rate_bp": 700, "max_rate_bp": 600}, "terms.min_rate_bp"),
    ({"max_rate_bp": 10_001}, "args.terms.max_rate_bp"),
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
    ({"eligibility": {"min_years": -1}}, "args.terms.eligibility.min_years"),
    ({"eligibility": {"min_headcount": 50, "max_headcount": 10}},
     "terms.eligibility.min_headcount"),
])
def test_bad_terms_are_refused_naming_the_field(chain: Chain, changes: dict[str, Any],
                                                field: str) -> None:
    receipt = chain.expect_failed(chain.tx("product", "publish", {
        "id": "bank-a.bad", "terms": terms(**changes)}, chain.key("bank-a")), "bad_args")
    assert receipt.field == field
    assert q.read_product(chain.store, "bank-a.bad") is None


def test_a_bad_id_is_refused_naming_id(chain: Chain) -> None:
    receipt = chain.expect_failed(chain.tx("product", "publish", {
        "id": "Bad Id", "terms": terms()}, chain.key("bank-a")), "bad_args")
    assert receipt.field == "id"
