"""Faults a hostile tester found in the financing limit, each a kind: arithmetic past 64
bits, amounts due above the total, voided documents, mixed currencies, look-alike numbers."""

from __future__ import annotations

from typing import Any

import pytest

from shared_data import DATA
from smechain.documents import DocumentError, import_invoice
from smechain.modules.cash.contract import MAX_AMOUNT
from smechain.modules.invoice.contract import (
    canonical_number,
    financing_of,
    invoice_id,
    read_invoice,
)

from ..conftest import SUITE, Chain
from .test_contract import anchor_args, register_tx

SELLER, ALIAS, BUYER = "VAT:DE300000001", "TAX:201/113/40209", "VAT:DE300000002"
CASE = (DATA / "cases" / "einvoice"
        / "15a_same_invoice_vat.cii.xml")
needs_case = pytest.mark.skipif(not CASE.exists(), reason="shared/data is not beside the repo")


def setup(chain: Chain) -> None:
    chain.ok(register_tx(chain, SELLER, "sme-1"), register_tx(chain, ALIAS, "sme-1"),
             register_tx(chain, BUYER, "core-a"))


def anchor(chain: Chain, **over: Any) -> Any:
    args = anchor_args(code="", seller=SELLER, buyer=BUYER, currency="EUR",
                       digest=SUITE.hash(repr(sorted(over.items())).encode()))
    args.update(over)
    (receipt,) = chain.run(chain.tx("invoice", "anchor", args, chain.key("tax")))
    return receipt


def issue(chain: Chain, backings: list[tuple[str, int]], currency: str = "EUR") -> Any:
    (receipt,) = chain.run(chain.tx("receivable", "issue", {
        "invoices": [list(b) for b in backings], "debtor": "core-a", "currency": currency,
        "maturity": "2023-12-14"}, chain.key("sme-1")))
    return receipt


def test_a_face_value_past_64_bits_is_refused_and_the_ledger_goes_on(chain: Chain) -> None:
    setup(chain)
    ids = []
    for n in ("M-1", "M-2", "M-3"):
        assert anchor(chain, number=n, net_amount=MAX_AMOUNT, tax_amount=0,
                      total_amount=MAX_AMOUNT).ok
        ids.append(invoice_id(SELLER, "", n))
    receipt = issue(chain, [(i, MAX_AMOUNT) for i in ids])
    assert receipt.code == "bad_args" and "face value" in receipt.message
    assert issue(chain, [(ids[0], MAX_AMOUNT)]).ok


def test_no_amount_due_above_the_total_backs_financing(chain: Chain) -> None:
    """A rounding amount of 5,000.00 on a 119.00 invoice does not make 5,119.00 financeable."""
    setup(chain)
    assert anchor(chain, number="R-2", net_amount=100_00, tax_amount=19_00, total_amount=119_00,
                  rounding_amount=5000_00).ok
    inv = invoice_id(SELLER, "", "R-2")
    assert issue(chain, [(inv, 119_01)]).code == "conflict"
    assert issue(chain, [(inv, 119_00)]).ok


@pytest.mark.parametrize("prepaid", [-1000_00, 119_01])
def test_prepaid_is_between_zero_and_the_total(chain: Chain, prepaid: int) -> None:
    receipt = anchor(chain, number="P-1", net_amount=100_00, tax_amount=19_00,
                     total_amount=119_00, prepaid_amount=prepaid)
    assert receipt.code == "bad_args" and receipt.message.startswith("prepaid_amount")


def test_voiding_a_document_never_raises_what_can_be_financed(chain: Chain) -> None:
    setup(chain)
    assert anchor(chain, number="QB-1", net_amount=100_00, tax_amount=19_00,
                  total_amount=119_00).ok
    first = invoice_id(SELLER, "", "QB-1")
    assert issue(chain, [(first, 119_00)]).ok
    assert anchor(chain, number="QB-1", seller=ALIAS, net_amount=500_00, tax_amount=0,
                  total_amount=500_00).ok
    chain.ok(chain.tx("invoice", "void", {"invoice": first}, chain.key("tax")))
    receipt = issue(chain, [(invoice_id(ALIAS, "", "QB-1"), 381_00)])
    assert receipt.code == "conflict" and "amount due 11900" in receipt.message


def test_documents_or_credits_in_another_currency_leave_no_amount_due(chain: Chain) -> None:
    setup(chain)
    assert anchor(chain, number="QM-1", net_amount=100_00, tax_amount=19_00,
                  total_amount=119_00).ok
    assert anchor(chain, number="CN-9", type_code="381", preceding="QM-1", currency="USD",
                  net_amount=119_00, tax_amount=0, total_amount=119_00).ok
    inv = invoice_id(SELLER, "", "QM-1")
    doc = read_invoice(chain.store, inv)
    assert doc is not None and financing_of(chain.store, doc).amount_due == 0
    assert issue(chain, [(inv, 1)]).code == "conflict"


@needs_case
def test_look_alike_numbers_are_one_number(chain: Chain) -> None:
    """No-break spaces, zero-width characters and full-width forms fold to one number: the
    importer writes the canonical form and the ledger accepts nothing else."""
    assert canonical_number("A\u00a0B") == canonical_number("A\u200b B") == "A B"
    assert canonical_number("ＩＮＶ－１") == "INV-1"
    receipt = anchor(chain, number="A\u00a0B")
    assert receipt.code == "bad_args" and receipt.message.startswith("number")
    xml = CASE.read_bytes()
    setup(chain)
    first = import_invoice(xml.replace(b"<ram:ID>QA-DUP1<", "<ram:ID>QA\u00a0DUP1<".encode()),
                           SUITE.hash, "nbsp")
    second = import_invoice(xml.replace(b"<ram:ID>QA-DUP1<", "<ram:ID>QA \u200bDUP1<".encode()),
                            SUITE.hash, "zwsp")
    assert first.number == second.number == "QA DUP1"
    for rec, ok in ((first, True), (second, False)):
        (receipt,) = chain.run(chain.tx("invoice", "anchor", rec.anchor_args(), chain.key("tax")))
        assert receipt.ok is ok


@needs_case
def test_amounts_in_other_scripts_digits_are_refused() -> None:
    xml = CASE.read_bytes()
    for digits in ("１１９.00", "١١٩.00"):
        bad = xml.replace(b">119.00</ram:GrandTotalAmount>",
                          f">{digits}</ram:GrandTotalAmount>".encode())
        with pytest.raises(DocumentError, match="bad amount"):
            import_invoice(bad, SUITE.hash, "digits")



def _overflow(state: Any, ctx: Any, args: Any) -> None:
    state.put("probe/x", args.amount * args.amount)


def test_a_value_past_64_bits_is_a_failed_receipt_not_a_stopped_ledger(
        chain: Chain, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever a contract computes, a value that cannot be encoded fails its transaction."""
    import msgspec

    from smechain.core.contract import Action, Contract
    from smechain.modules import CONTRACTS

    class Square(msgspec.Struct, frozen=True):
        amount: int

    monkeypatch.setitem(CONTRACTS, "probe", Contract("probe", {"square": Action(_overflow,
                                                                                 Square)}))
    (receipt,) = chain.run(chain.tx("probe", "square", {"amount": 2**40}, chain.key("bank-a")))
    assert receipt.code == "bad_args" and "probe/x" in receipt.message
    chain.ok(chain.tx("probe", "square", {"amount": 2**20}, chain.key("bank-a")))


def test_registration_ids_with_spaces_are_compacted() -> None:
    from smechain.modules.invoice.identifiers import normalise

    assert normalise("LEGAL", "HRB 12345") == "LEGAL:HRB12345"
    assert normalise("0088", " 4000001123452 ") == "0088:4000001123452"
    assert normalise("VA", "de 300.000.001") == "VAT:DE300000001"
