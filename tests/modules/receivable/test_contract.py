"""Debt certificates: issue, confirm, split, pass down, sell at a discount, settle."""

from __future__ import annotations

import pytest

from smechain.core.daycount import DayCount, day_number, div_half_even
from smechain.core.encoding import decode
from smechain.core.errors import BadArguments
from smechain.modules.invoice.contract import invoice_id, read_invoice
from smechain.modules.receivable.contract import Certificate, cert_key
from smechain.node.keys import KeyPair

from ..conftest import SUITE, Chain

SELLER_TAX, BUYER_TAX = "USCC:91440300MA5F000108", "USCC:91110000MA0CX00102"
INV1, INV2, INV9 = (invoice_id(SELLER_TAX, "044031900111", f"0000000{n}") for n in "129")
FACE = 100_000_00
MATURITY = "2023-12-14"  # 30 days after the test chain's genesis day


def setup(chain: Chain) -> str:
    """Anchor an invoice from sme-1 to core-a, fund core-a and bank-a, issue and confirm."""
    tax = chain.key("tax")
    chain.ok(
        chain.tx("invoice", "register_party", {"identifier": SELLER_TAX, "org": "sme-1"}, tax),
        chain.tx("invoice", "register_party", {"identifier": BUYER_TAX, "org": "core-a"}, tax),
        chain.tx("invoice", "anchor", {
            "code": "044031900111", "number": "00000001", "seller": SELLER_TAX,
            "buyer": BUYER_TAX, "currency": "CNY", "net_amount": 88_495_58,
            "tax_amount": 11_504_42, "total_amount": FACE, "issue_date": "2023-11-01",
            "digest": SUITE.hash(b"invoice file")}, tax),
        chain.issue("core-a", 1_000_000_00),
        chain.issue("bank-a", 1_000_000_00),
    )
    (req,) = chain.ok(chain.tx("receivable", "issue", {
        "invoices": [[INV1, FACE]], "debtor": "core-a", "currency": "CNY",
        "maturity": MATURITY}, chain.key("sme-1")))
    cert_id = req.events[-1].attrs["id"]
    chain.ok(chain.tx("receivable", "confirm", {"id": cert_id}, chain.key("core-a")))
    return str(cert_id)


def cert(chain: Chain, cert_id: str) -> Certificate:
    raw = chain.store.get(cert_key(cert_id))
    assert raw is not None
    return decode(raw, Certificate)


def test_supply_chain_finance_end_to_end(chain: Chain) -> None:
    root = setup(chain)
    assert read_invoice(chain.store, INV1).financed == FACE  # type: ignore[union-attr]
    chain.ok(chain.tx("receivable", "split", {"id": root, "amounts": [50_000_00, 30_000_00,
                                                                     20_000_00]},
                      chain.key("sme-1")))
    p1, p2, p3 = (f"{root}.{i}" for i in (1, 2, 3))
    assert cert(chain, root).status == "split"
    assert sum(cert(chain, p).face for p in (p1, p2, p3)) == FACE
    chain.ok(chain.tx("receivable", "transfer", {"id": p2, "to": "sme-2"}, chain.key("sme-1")))
    # tier 2 sells its part to the bank: 30,000.00 at 5% for 30 days ACT/360.
    sme2_before = chain.balance("CNY", "sme-2")
    (sale,) = chain.ok(chain.tx(
        "receivable", "sell", {"id": p2, "buyer": "bank-a", "discount_rate_bp": 500,
                               "day_count": "ACT/360", "recourse": True},
        [chain.key("sme-2"), chain.key("bank-a")]))
    price = 30_000_00 - 125_00
    assert sale.events[-1].attrs["price"] == price
    assert chain.balance("CNY", "sme-2") - sme2_before == price
    assert cert(chain, p2).holder == "bank-a" and cert(chain, p2).recourse_to == "sme-2"
    assert cert(chain, p2).root == root and cert(chain, p2).parent == root

    # not before maturity
    chain.expect_failed(chain.tx("receivable", "settle", {"id": p1}, chain.key("core-a")),
                        "conflict")
    chain.days_later = 30
    before = {o: chain.balance("CNY", o) for o in ("core-a", "sme-1", "bank-a")}
    for part in (p1, p2, p3):
        chain.ok(chain.tx("receivable", "settle", {"id": part}, chain.key("core-a")))
    assert chain.balance("CNY", "core-a") == before["core-a"] - FACE
    assert chain.balance("CNY", "sme-1") == before["sme-1"] + 70_000_00
    assert chain.balance("CNY", "bank-a") == before["bank-a"] + 30_000_00
    assert all(cert(chain, p).status == "settled" for p in (p1, p2, p3))
    chain.expect_failed(chain.tx("receivable", "settle", {"id": p1}, chain.key("core-a")),
                        "conflict")
    assert chain.supply("CNY") == 2_000_000_00


def test_authorisation(chain: Chain) -> None:
    root = setup(chain)
    k = chain.key
    chain.expect_failed(chain.tx("receivable", "transfer", {"id": root, "to": "sme-2"},
                                 k("sme-2")), "unauthorised")
    chain.expect_failed(chain.tx("receivable", "split", {"id": root, "amounts": [1, FACE - 1]},
                                 k("core-a")), "unauthorised")
    chain.days_later = 30
    chain.expect_failed(chain.tx("receivable", "settle", {"id": root}, k("sme-1")),
                        "unauthorised")
    # a sale the buyer did not sign
    chain.days_later = 0
    chain.expect_failed(chain.tx("receivable", "sell", {"id": root, "buyer": "bank-a",
                                                        "discount_rate_bp": 100,
                                                        "day_count": "ACT/365F",
                                                        "recourse": False}, k("sme-1")),
                        "unauthorised")
    # an SME is not a factor or bank
    chain.expect_failed(chain.tx("receivable", "sell", {"id": root, "buyer": "sme-2",
                                                        "discount_rate_bp": 100,
                                                        "day_count": "ACT/365F",
                                                        "recourse": False},
                                 [k("sme-1"), k("sme-2")]), "unauthorised")


def test_only_the_seller_issues_and_only_the_debtor_confirms(chain: Chain) -> None:
    setup(chain)
    # the same invoice cannot back a second certificate
    receipt = chain.expect_failed(chain.tx("receivable", "issue", {
        "invoices": [[INV1, 1]], "debtor": "core-a", "currency": "CNY",
        "maturity": MATURITY}, chain.key("sme-1")), "conflict")
    assert "unfinanced" in receipt.message
    chain.expect_failed(chain.tx("receivable", "issue", {
        "invoices": [[INV1, 1]], "debtor": "core-a", "currency": "CNY",
        "maturity": MATURITY}, chain.key("sme-2")), "unauthorised")


def test_dispute_frees_the_invoice_but_not_after_confirmation(chain: Chain) -> None:
    root = setup(chain)
    chain.expect_failed(chain.tx("receivable", "dispute", {"id": root, "reason": "x"},
                                 chain.key("core-a")), "conflict")
    # a fresh request on a second invoice, disputed before confirmation
    tax = chain.key("tax")
    chain.ok(chain.tx("invoice", "anchor", {
        "code": "044031900111", "number": "00000002", "seller": SELLER_TAX,
        "buyer": BUYER_TAX, "currency": "CNY", "net_amount": 100, "tax_amount": 0,
        "total_amount": 100, "issue_date": "2023-11-02", "digest": SUITE.hash(b"2")}, tax))
    (req,) = chain.ok(chain.tx("receivable", "issue", {
        "invoices": [[INV2, 100]], "debtor": "core-a", "currency": "CNY",
        "maturity": MATURITY}, chain.key("sme-1")))
    cid = req.events[-1].attrs["id"]
    assert read_invoice(chain.store, INV2).financed == 100  # type: ignore[union-attr]
    chain.ok(chain.tx("receivable", "dispute", {"id": cid, "reason": "goods not received"},
                      chain.key("core-a")))
    assert read_invoice(chain.store, INV2).financed == 0  # type: ignore[union-attr]
    chain.expect_failed(chain.tx("receivable", "confirm", {"id": cid}, chain.key("core-a")),
                        "conflict")


def test_bad_split_amounts(chain: Chain) -> None:
    root = setup(chain)
    for amounts in ([FACE], [FACE, 0], [FACE - 1, 2], [-1, FACE + 1]):
        chain.expect_failed(chain.tx("receivable", "split", {"id": root, "amounts": amounts},
                                     chain.key("sme-1")), "bad_args")


def test_daycount() -> None:
    assert day_number("1970-01-01") == 0
    assert day_number("2000-03-01") - day_number("2000-02-28") == 2  # leap year
    assert day_number("1900-03-01") - day_number("1900-02-28") == 1
    with pytest.raises(BadArguments, match="maturity"):
        day_number("2023-02-29", "maturity")
    assert div_half_even(5, 2) == 2 and div_half_even(7, 2) == 4 and div_half_even(6, 4) == 2


# 100,000.00 sold 30 days (2023-11-14 to 2023-12-14) before maturity at 4.50% a year:
# 10,000,000 × 450 / 10,000 = 450,000 a year; × 30/360 = 375.00 (30/360 counts Nov 14 to
# Dec 14 as 30 days too); × 30/365 = 369.863… → 369.86 (ACT/ACT: all in 2023, / 365).
@pytest.mark.parametrize(("day_count", "discount"), [
    (DayCount.ACT_360, 375_00), (DayCount.ACT_365F, 369_86),
    (DayCount.THIRTY_360, 375_00), (DayCount.ACT_ACT, 369_86)])
def test_a_sale_is_discounted_on_its_day_count(chain: Chain, day_count: DayCount,
                                               discount: int) -> None:
    root = setup(chain)
    before = chain.balance("CNY", "sme-1")
    (sale,) = chain.ok(chain.tx("receivable", "sell", {
        "id": root, "buyer": "bank-a", "discount_rate_bp": 450, "day_count": day_count.value,
        "recourse": False}, [chain.key("sme-1"), chain.key("bank-a")]))
    sold = sale.events[-1]
    assert sold.name == "CertificateSold"
    assert sold.attrs == {"id": root, "seller": "sme-1", "buyer": "bank-a",
                          "price": FACE - discount, "days": 30, "discount_rate_bp": 450,
                          "day_count": day_count.value, "recourse": False}
    assert chain.balance("CNY", "sme-1") - before == FACE - discount


@pytest.mark.parametrize(("args", "field"), [
    ({"day_count": "ACT/364"}, "args.day_count"),
    ({"day_count": 360}, "args.day_count"),
    ({"discount_rate_bp": "4.5"}, "args.discount_rate_bp"),
    # Out of the bounds its type declares: refused as the arguments are read, like a
    # wrong type (the API states and checks the same bounds).
    ({"discount_rate_bp": 10_001}, "args.discount_rate_bp"),
    ({"discount_rate_bp": -1}, "args.discount_rate_bp"),
])
def test_bad_sale_terms_are_refused_naming_the_field(chain: Chain, args: dict[str, object],
                                                     field: str) -> None:
    root = setup(chain)
    receipt = chain.expect_failed(chain.tx("receivable", "sell", {
        "id": root, "buyer": "bank-a", "discount_rate_bp": 450, "day_count": "ACT/360",
        "recourse": False, **args}, [chain.key("sme-1"), chain.key("bank-a")]), "bad_args")
    assert receipt.field == field and receipt.message.startswith(f"{field}: ")
    assert cert(chain, root).holder == "sme-1"


def test_day_numbers_agree_with_the_calendar() -> None:
    import datetime

    epoch = datetime.date(1970, 1, 1)
    day = datetime.date(1600, 1, 1)
    while day.year < 2400:
        assert day_number(day.isoformat()) == (day - epoch).days, day
        day += datetime.timedelta(days=13)


def test_overdue_parts_are_claimed_with_recourse_and_from_the_guarantor(chain: Chain) -> None:
    root = setup(chain)
    k = chain.key
    chain.ok(chain.tx("receivable", "split", {"id": root, "amounts": [50_000_00, 30_000_00,
                                                                     20_000_00]}, k("sme-1")))
    p1, p2, p3 = (f"{root}.{i}" for i in (1, 2, 3))
    chain.ok(chain.tx("receivable", "transfer", {"id": p2, "to": "sme-2"}, k("sme-1")))
    chain.ok(chain.tx("receivable", "sell", {"id": p2, "buyer": "bank-a", "discount_rate_bp": 500,
                                             "day_count": "ACT/360", "recourse": True},
                      [k("sme-2"), k("bank-a")]))
    chain.ok(chain.issue("guar", 50_000_00), chain.issue("sme-2", 1_000_00),
             chain.issue("sme-1", 1_000_00))
    # a guarantee needs the guarantor's signature and role, and costs the holder its fee
    chain.expect_failed(chain.tx("receivable", "guarantee", {"id": p3, "guarantor": "guar",
                                                             "fee": 100_00}, k("sme-1")),
                        "unauthorised")
    chain.expect_failed(chain.tx("receivable", "guarantee", {"id": p3, "guarantor": "sme-2",
                                                             "fee": 100_00},
                                 [k("sme-1"), k("sme-2")]), "unauthorised")
    chain.ok(chain.tx("receivable", "guarantee", {"id": p3, "guarantor": "guar", "fee": 100_00},
                      [k("sme-1"), k("guar")]))
    assert chain.balance("CNY", "guar") == 50_100_00
    assert cert(chain, p3).guarantor == "guar"

    chain.days_later = 31  # one day after maturity: still within the grace period
    receipt = chain.expect_failed(chain.tx("receivable", "mark_overdue", {"id": p2},
                                           k("bank-a")), "conflict")
    # the date from which it may be marked, not a day number: maturity + 3 days, then on
    assert "not overdue until 2023-12-18" in receipt.message, receipt.message
    chain.days_later = 34
    chain.ok(chain.tx("receivable", "settle", {"id": p1}, k("core-a")))
    chain.expect_failed(chain.tx("receivable", "mark_overdue", {"id": p2}, k("sme-2")),
                        "unauthorised")
    chain.ok(chain.tx("receivable", "mark_overdue", {"id": p2}, k("bank-a")),
             chain.tx("receivable", "mark_overdue", {"id": p3}, k("sme-1")))
    chain.expect_failed(chain.tx("receivable", "claim", {"id": p2, "source": "guarantor"},
                                 k("bank-a")), "conflict")
    bank, sme2, sme1, guar = (chain.balance("CNY", o) for o in ("bank-a", "sme-2", "sme-1",
                                                                  "guar"))
    chain.ok(chain.tx("receivable", "claim", {"id": p2, "source": "recourse"}, k("bank-a")),
             chain.tx("receivable", "claim", {"id": p3, "source": "guarantor"}, k("sme-1")))
    assert chain.balance("CNY", "bank-a") == bank + 30_000_00
    assert chain.balance("CNY", "sme-2") == sme2 - 30_000_00
    assert chain.balance("CNY", "sme-1") == sme1 + 20_000_00
    assert chain.balance("CNY", "guar") == guar - 20_000_00
    assert [cert(chain, p).status for p in (p1, p2, p3)] == ["settled", "claimed", "claimed"]
    chain.expect_failed(chain.tx("receivable", "claim", {"id": p2, "source": "recourse"},
                                 k("bank-a")), "conflict")


def _issue(chain: Chain, amount: int, invoice: str = INV9) -> bytes:
    return chain.tx("receivable", "issue", {"invoices": [[invoice, amount]], "debtor": "core-a",
                                            "currency": "CNY", "maturity": MATURITY},
                    chain.key("sme-1"))


def setup_second_invoice(chain: Chain) -> KeyPair:
    """``setup``, plus a 10.00 CNY invoice 00000009 anchored; returns the tax authority's key."""
    setup(chain)
    tax = chain.key("tax")
    chain.ok(chain.tx("invoice", "anchor", {
        "code": "044031900111", "number": "00000009", "seller": SELLER_TAX, "buyer": BUYER_TAX,
        "currency": "CNY", "net_amount": 1000, "tax_amount": 0, "total_amount": 1000,
        "issue_date": "2023-11-03", "digest": SUITE.hash(b"9")}, tax))
    return tax


def test_no_invoice_backs_two_certificates_beyond_its_total(chain: Chain) -> None:
    setup_second_invoice(chain)
    # the same invoice offered twice in one block: the second gets a conflict naming it
    first, second = chain.run(_issue(chain, 1000), _issue(chain, 1000))
    assert first.ok and second.code == "conflict" and "00000009" in second.message
    # in pieces across blocks: nothing left
    chain.expect_failed(_issue(chain, 1), "conflict")
    inv = read_invoice(chain.store, INV9)
    assert inv is not None and inv.financed == 1000


def test_pieces_then_void(chain: Chain) -> None:
    tax = setup_second_invoice(chain)
    chain.ok(_issue(chain, 400))
    chain.ok(_issue(chain, 500))
    chain.expect_failed(_issue(chain, 101), "conflict")
    chain.ok(chain.tx("invoice", "void", {"invoice": INV9}, tax))
    receipt = chain.expect_failed(_issue(chain, 100), "conflict")
    assert "voided" in receipt.message
    assert read_invoice(chain.store, INV9).financed == 900  # type: ignore[union-attr]


@pytest.mark.parametrize(("debtor", "currency", "field"), [
    ("bank-a", "CNY", "debtor"),   # not the invoice's buyer
    ("sme-1", "CNY", "debtor"),    # the seller itself
    ("core-a", "USD", "currency"),  # not the invoice's currency
])
def test_issue_names_the_argument_the_seller_chose(chain: Chain, debtor: str, currency: str,
                                                   field: str) -> None:
    setup(chain)
    chain.ok(chain.tx("invoice", "anchor", {
        "code": "044031900111", "number": "00000002", "seller": SELLER_TAX,
        "buyer": BUYER_TAX, "currency": "CNY", "net_amount": 100, "tax_amount": 0,
        "total_amount": 100, "issue_date": "2023-11-01",
        "digest": SUITE.hash(b"second invoice")}, chain.key("tax")))
    second = invoice_id(SELLER_TAX, "044031900111", "00000002")
    receipt = chain.expect_failed(chain.tx("receivable", "issue", {
        "invoices": [[second, 100]], "debtor": debtor, "currency": currency,
        "maturity": MATURITY}, chain.key("sme-1")), "bad_args")
    assert receipt.field == field and "invoices[0]" in receipt.message


@pytest.mark.parametrize("amount", [0, -1])
def test_backing_and_split_amounts_are_positive_as_decoded(chain: Chain, amount: int) -> None:
    root = setup(chain)
    receipt = chain.expect_failed(chain.tx("receivable", "split", {
        "id": root, "amounts": [FACE - amount, amount]}, chain.key("sme-1")), "bad_args")
    assert receipt.field == "args.amounts[1]"
    # a certificate's invoices: in the ledger's form, each a row; an object is told so
    inv = [[INV1, FACE]]
    for rows, field in (([[INV1, amount]], "args.invoices[0].amount"),
                        ([{"invoice": INV1, "amount": FACE}], "args.invoices[0]"),
                        ([*inv, [INV1]], "args.invoices[1]")):
        receipt = chain.expect_failed(chain.tx("receivable", "issue", {
            "invoices": rows, "debtor": "core-a", "currency": "CNY", "maturity": MATURITY},
            chain.key("sme-1")), "bad_args")
        assert receipt.field == field, receipt.message
    assert "give [invoice, amount]" in chain.expect_failed(chain.tx("receivable", "issue", {
        "invoices": [{"invoice": INV1, "amount": FACE}], "debtor": "core-a",
        "currency": "CNY", "maturity": MATURITY}, chain.key("sme-1")), "bad_args").message
