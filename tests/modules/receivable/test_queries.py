"""The receivable module's pure queries: parties, lineage, sale price, totals."""

from __future__ import annotations

import pytest

from smechain.core.daycount import discounted_price
from smechain.modules.receivable import queries as q
from smechain.modules.receivable.contract import Backing, Certificate, cert_key

from ..state_dict import DictState


def cert(cert_id: str, *, holder: str = "sme-1", status: str = "confirmed", face: int = 1000,
         maturity: str = "2026-06-30", currency: str = "CNY", recourse_to: str = "",
         guarantor: str = "") -> Certificate:
    root = cert_id.split(".")[0]
    parent = cert_id.rsplit(".", 1)[0] if "." in cert_id else ""
    return Certificate(cert_id, root, parent, "core-a", "sme-1", holder, face, currency,
                       maturity, status, [Backing("inv-1", face)] if not parent else [],
                       recourse_to, guarantor)


def test_parties_of_the_original_name_its_supplier_and_of_a_part_do_not() -> None:
    original = cert("c1", holder="bank-a", recourse_to="sme-1", guarantor="guar-1")
    assert q.parties(original) == {"core-a", "sme-1", "bank-a", "guar-1"}
    part = cert("c1.0", holder="sme-2")
    assert q.parties(part) == {"core-a", "sme-2"}  # the supplier has no say over a part


def test_unknown_to_lets_holder_and_debtor_act_and_refuses_others_as_unknown() -> None:
    state = DictState({cert_key("c1"): cert("c1", holder="sme-2")})
    assert q.unknown_to(state, "sme-2", {"id": "c1"}) is None
    assert q.unknown_to(state, "core-a", {"id": "c1"}) is None
    assert q.unknown_to(state, "bank-a", {"id": "c1"}) == ("id", "no certificate 'c1'")
    assert q.unknown_to(state, "bank-a", {"id": "nope"}) == ("id", "no certificate 'nope'")
    assert q.unknown_to(state, "bank-a", {"invoices": []}) is None  # names no certificate


def test_tx_orgs_adds_supplier_and_debtor_only_to_the_request_and_its_answer() -> None:
    state = DictState({cert_key("c1"): cert("c1", holder="bank-a")})
    named = {"id": {"c1", "gone"}}
    for action in ("issue", "confirm", "dispute"):
        assert q.tx_orgs(state, "receivable", action, named) == {"sme-1", "core-a"}
    assert q.tx_orgs(state, "receivable", "sell", named) == set()
    assert q.tx_orgs(state, "cash", "issue", named) == set()


def test_lineage_opens_ancestors_and_descendants_of_what_the_caller_may_open() -> None:
    family = [cert("c1", status="split"), cert("c1.0", status="split"),
              cert("c1.0.0", holder="sme-2"), cert("c1.0.1", holder="bank-a"),
              cert("c1.1", holder="sme-3"), cert("c10", holder="x")]
    tree, related = q.lineage(family, "c1", {"c1.0.1"})
    assert related == {"c1", "c1.0", "c1.0.1"}
    assert [p["id"] for p in tree["parts"]] == ["c1.0", "c1.1"]
    hidden = tree["parts"][1]
    assert hidden["holder"] == "" and hidden["face"] == 1000  # shape shown, holder not
    assert tree["parts"][0]["parts"][1]["holder"] == "bank-a"
    assert "c10" not in related  # another root, though its id starts with "c1"


def test_sale_price_is_what_the_contract_charges() -> None:
    quote = q.sale_price(cert("c1", face=1_000_000), 500, "2026-03-31", 360)
    assert quote.days == 91
    assert (quote.discount, quote.price) == discounted_price(1_000_000, 500, 91, 360)
    assert quote.price + quote.discount == quote.face


@pytest.mark.parametrize(("certificate", "rate_bp", "today", "basis", "field", "code"), [
    (cert("c1"), 500, "2026-03-31", 364, "basis", "bad_args"),
    (cert("c1", status="requested"), 500, "2026-03-31", 365, "cert_id", "conflict"),
    (cert("c1"), 500, "2026-02-30", 365, "on", "bad_args"),
    (cert("c1"), 500, "2026-06-30", 365, "cert_id", "conflict"),  # matures today
    (cert("c1"), 10_000, "2016-01-01", 365, "rate_bp", "bad_args"),  # no price left
])
def test_sale_price_refuses_naming_the_field(certificate: Certificate, rate_bp: int,
                                             today: str, basis: int, field: str,
                                             code: str) -> None:
    with pytest.raises(q.PriceRefused) as caught:
        q.sale_price(certificate, rate_bp, today, basis)
    assert (caught.value.field, caught.value.code) == (field, code)
    assert caught.value.message.startswith(f"{field}: ")


def test_maturities_count_outstanding_certificates_per_month_and_currency() -> None:
    certs = [cert("a", face=100), cert("b", face=50, status="overdue"),
             cert("c", face=7, maturity="2026-07-01"), cert("d", face=1, status="settled"),
             cert("e", face=9, holder="sme-2", currency="USD")]
    assert q.maturities(certs, "sme-1", "holder") == [
        {"month": "2026-06", "currency": "CNY", "count": 2, "amount": 150},
        {"month": "2026-07", "currency": "CNY", "count": 1, "amount": 7}]
    assert q.maturities(certs, None, "holder")[1] == {
        "month": "2026-06", "currency": "USD", "count": 1, "amount": 9}
    owed = q.maturities(certs, "core-a", "debtor")
    assert [(b["month"], b["currency"], b["count"]) for b in owed] == [
        ("2026-06", "CNY", 2), ("2026-06", "USD", 1), ("2026-07", "CNY", 1)]
    assert q.maturities(certs, "sme-2", "debtor") == []


def test_daily_sales_sum_prices_per_day_and_currency() -> None:
    state = DictState({cert_key("a"): cert("a"), cert_key("b"): cert("b", currency="USD")})
    sales = [("2026-01-02", "a", 90), ("2026-01-01", "b", 5), ("2026-01-02", "a", 10),
             ("2026-01-02", "gone", 1)]
    assert q.daily_sales(state, sales) == [
        {"day": "2026-01-01", "currency": "USD", "count": 1, "amount": 5},
        {"day": "2026-01-02", "currency": "", "count": 1, "amount": 1},
        {"day": "2026-01-02", "currency": "CNY", "count": 2, "amount": 100}]
