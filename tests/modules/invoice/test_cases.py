"""The e-invoice cases the product got wrong (shared/data/cases/einvoice), each a kind of
fault: imported with the real importer, anchored and financed on the ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from shared_data import DATA
from smechain.core.block import Receipt
from smechain.documents import DocumentError, InvoiceRecord, import_invoice
from smechain.modules.invoice.contract import financing_of, invoice_id, read_invoice

from ..conftest import SUITE, Chain

CASES = DATA / "cases" / "einvoice"
pytestmark = pytest.mark.skipif(not CASES.is_dir(), reason="shared/data is not beside the repo")

SELLER_VAT, BUYER_VAT = "VAT:DE300000001", "VAT:DE300000002"
MATURITY = "2023-12-14"


def record(name: str | bytes, source: str = "case") -> InvoiceRecord:
    if isinstance(name, bytes):
        return import_invoice(name, SUITE.hash, source)
    return import_invoice(CASES / name, SUITE.hash)


def register(chain: Chain, *pairs: tuple[str, str]) -> None:
    chain.ok(*(chain.tx("invoice", "register_party", {"identifier": ident, "org": org},
                        chain.key("tax")) for ident, org in pairs))


def anchor(chain: Chain, rec: InvoiceRecord) -> Receipt:
    (receipt,) = chain.run(chain.tx("invoice", "anchor", rec.anchor_args(), chain.key("tax")))
    return receipt


def issue(chain: Chain, inv_id: str, amount: int, seller: str = "sme-1",
          currency: str = "EUR") -> Receipt:
    (receipt,) = chain.run(chain.tx("receivable", "issue", {
        "invoices": [[inv_id, amount]], "debtor": "core-a", "currency": currency,
        "maturity": MATURITY}, chain.key(seller)))
    return receipt


def doc_id(rec: InvoiceRecord) -> str:
    return invoice_id(rec.seller_id, rec.code, rec.number)


def test_05_fully_prepaid_invoice_backs_nothing(chain: Chain) -> None:
    rec = record("05_fully_prepaid.cii.xml")
    assert (rec.total_amount, rec.prepaid_amount, rec.amount_due) == (119_00, 119_00, 0)
    register(chain, (SELLER_VAT, "sme-1"), (BUYER_VAT, "core-a"))
    assert anchor(chain, rec).ok
    assert read_invoice(chain.store, doc_id(rec)).amount_due == 0  # type: ignore[union-attr]
    for amount in (1, 119_00):
        receipt = issue(chain, doc_id(rec), amount)
        assert receipt.code == "conflict"
        assert doc_id(rec) in receipt.message and "amount due 0" in receipt.message


def test_06_credit_note_is_recorded_as_one_and_never_backs_financing(chain: Chain) -> None:
    rec = record("06_creditnote.ubl.xml")
    assert (rec.kind, rec.type_code, rec.amount_due) == ("credit_note", "381", 119_00)
    register(chain, (SELLER_VAT, "sme-1"), (BUYER_VAT, "core-a"))
    assert anchor(chain, rec).ok
    assert read_invoice(chain.store, doc_id(rec)).kind == "credit_note"  # type: ignore[union-attr]
    receipt = issue(chain, doc_id(rec), 119_00)
    assert receipt.code == "conflict" and "credit_note" in receipt.message


def test_06_credit_note_referencing_an_invoice_lowers_it(chain: Chain) -> None:
    """The same credit note with a BT-25 reference lowers the invoice, before or after
    it was financed (then as dilution the certificate's holders see)."""
    invoice = record(CASES.joinpath("15a_same_invoice_vat.cii.xml").read_bytes())
    credit = (CASES / "06_creditnote.ubl.xml").read_text().replace(
        "<cbc:DocumentCurrencyCode>", "<cac:BillingReference><cac:InvoiceDocumentReference>"
        "<cbc:ID>QA-DUP1</cbc:ID></cac:InvoiceDocumentReference></cac:BillingReference>"
        "<cbc:DocumentCurrencyCode>", 1)
    # UBL puts BillingReference after the currency codes; the importer reads it wherever.
    cn = record(credit.encode())
    assert cn.preceding == "QA-DUP1"
    register(chain, (SELLER_VAT, "sme-1"), (BUYER_VAT, "core-a"))
    assert anchor(chain, invoice).ok
    issued = issue(chain, doc_id(invoice), 100_00)
    assert issued.ok
    cert = issued.events[-1].attrs["id"]
    chain.ok(chain.tx("receivable", "confirm", {"id": cert}, chain.key("core-a")))
    chain.ok(chain.tx("receivable", "split", {"id": cert, "amounts": [60_00, 40_00]},
                      chain.key("sme-1")))
    chain.ok(chain.tx("receivable", "transfer", {"id": f"{cert}.2", "to": "sme-2"},
                      chain.key("sme-1")))
    receipt = anchor(chain, cn)
    assert receipt.ok
    (diluted,) = [e for e in receipt.events if e.name == "InvoiceDiluted"]
    assert (diluted.attrs["amount_due"], diluted.attrs["financed"], diluted.attrs["dilution"],
            diluted.attrs["holders"]) == (0, 100_00, 100_00, ["sme-1", "sme-2"])
    view = financing_of(chain.store, read_invoice(chain.store, doc_id(invoice)))  # type: ignore[arg-type]
    assert (view.amount_due, view.financed, view.dilution) == (0, 100_00, 100_00)
    assert issue(chain, doc_id(invoice), 1).code == "conflict"


def test_14a_ids_are_unambiguous_whatever_their_parts_hold(chain: Chain) -> None:
    slash = record("14a_collide_seller_slash.cii.xml")
    assert (slash.seller_id, slash.number) == ("TAX:201/113", "40209-1")
    assert anchor(chain, slash).ok
    other: dict[str, Any] = {**slash.anchor_args(), "seller": "TAX:201", "number": "113/40209-1",
                             "digest": SUITE.hash(b"another invoice")}
    (receipt,) = chain.run(chain.tx("invoice", "anchor", other, chain.key("tax")))
    assert receipt.ok, receipt.message
    first = read_invoice(chain.store, doc_id(slash))
    second = read_invoice(chain.store, invoice_id("TAX:201", "", "113/40209-1"))
    assert first is not None and second is not None and first.id != second.id


@pytest.mark.parametrize("order", ["register-between", "register-after", "register-before"])
def test_15a_same_invoice_under_two_identifiers_is_financed_once(chain: Chain,
                                                                 order: str) -> None:
    by_vat = record("15a_same_invoice_vat.cii.xml")
    by_tax_number = record(CASES.joinpath("15a_same_invoice_vat.cii.xml").read_bytes().replace(
        b'<ram:ID schemeID="VA">DE300000001</ram:ID>',
        b'<ram:ID schemeID="FC">201/113/40209</ram:ID>', 1))
    assert by_tax_number.seller_id == "TAX:201/113/40209"
    register(chain, (BUYER_VAT, "core-a"))
    if order == "register-before":
        register(chain, (SELLER_VAT, "sme-1"), (by_tax_number.seller_id, "sme-1"))
    assert anchor(chain, by_vat).ok
    if order == "register-between":
        register(chain, (SELLER_VAT, "sme-1"), (by_tax_number.seller_id, "sme-1"))
    assert anchor(chain, by_tax_number).ok
    if order == "register-after":
        register(chain, (SELLER_VAT, "sme-1"), (by_tax_number.seller_id, "sme-1"))
    assert issue(chain, doc_id(by_vat), 119_00).ok
    second = issue(chain, doc_id(by_tax_number), 119_00)
    assert second.code == "conflict" and "already financed: 11900" in second.message
    assert issue(chain, doc_id(by_tax_number), 1).code == "conflict"


def test_buyer_without_identifier_anchors_but_backs_no_certificate(chain: Chain) -> None:
    rec = record(CASES.joinpath("15a_same_invoice_vat.cii.xml").read_bytes().replace(
        b'<ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">DE300000002</ram:ID>'
        b'</ram:SpecifiedTaxRegistration>', b""))
    assert rec.buyer_id == "" and any("no identifier" in n for n in rec.notes)
    register(chain, (SELLER_VAT, "sme-1"))
    assert anchor(chain, rec).ok
    receipt = issue(chain, doc_id(rec), 1)
    assert receipt.code == "conflict" and "no buyer identifier" in receipt.message


def test_buyer_identified_by_an_e_mail_endpoint_anchors_and_backs_a_certificate(
        chain: Chain) -> None:
    rec = record(CASES.joinpath("15a_same_invoice_vat.cii.xml").read_bytes().replace(
        b'<ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">DE300000002</ram:ID>'
        b'</ram:SpecifiedTaxRegistration>',
        b'<ram:URIUniversalCommunication><ram:URIID schemeID="EM">Info@Buyer.example'
        b'</ram:URIID></ram:URIUniversalCommunication>'))
    assert rec.buyer_id == "EM:info@buyer.example"
    register(chain, (SELLER_VAT, "sme-1"), (rec.buyer_id, "core-a"))
    assert anchor(chain, rec).ok
    assert issue(chain, doc_id(rec), 119_00).ok


def _samples() -> list[Path]:
    root = DATA / "einvoice"
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in (".xml", ".ofd"))


@pytest.mark.skipif(not (DATA / "einvoice").is_dir(), reason="no shared samples")
def test_what_the_importer_accepts_the_ledger_anchors(chain: Chain) -> None:
    """Every shared sample imports or is refused with a reason; every one that imports
    anchors (a second document with the same seller and number is the same document)."""
    samples = _samples()
    assert len(samples) == 74
    anchored = refused = 0
    for path in samples:
        try:
            rec = import_invoice(path, SUITE.hash)
        except DocumentError as exc:
            assert str(exc).strip(), path
            refused += 1
            continue
        receipt = anchor(chain, rec)
        assert receipt.ok or (receipt.code == "conflict" and "already anchored" in
                              receipt.message), f"{path.name}: {receipt.message}"
        anchored += receipt.ok
    assert (refused, anchored) == (7, 45)


def test_invoice_numbers_with_spaces_and_slashes_anchor(chain: Chain) -> None:
    rec = import_invoice(DATA / "einvoice/en16931/ubl/ubl-tc434-creditnote1.xml", SUITE.hash)
    assert rec.number == "018304 / 28865"
    assert anchor(chain, rec).ok
    assert doc_id(rec) == "VAT:BE0000000196/018304~20~2F~2028865"
    assert read_invoice(chain.store, doc_id(rec)) is not None


def test_negative_corrective_invoice_is_a_corrective_and_lowers_what_it_corrects(
        chain: Chain) -> None:
    """A type 384 corrective invoice with negative amounts anchors as ``corrective`` and
    lowers the invoice it references (BT-25); it backs no financing itself."""
    original = CASES.joinpath("15a_same_invoice_vat.cii.xml").read_bytes()
    corrective = original.replace(b"<ram:ID>QA-DUP1</ram:ID><ram:TypeCode>380",
                                  b"<ram:ID>QA-COR1</ram:ID><ram:TypeCode>384")
    corrective = corrective.replace(b">100.00<", b">-10.00<").replace(b">19.00<", b">-1.90<")
    corrective = corrective.replace(b">119.00<", b">-11.90<").replace(
        b"<ram:InvoiceCurrencyCode>", b"<ram:InvoiceReferencedDocument><ram:IssuerAssignedID>"
        b"QA-DUP1</ram:IssuerAssignedID></ram:InvoiceReferencedDocument>"
        b"<ram:InvoiceCurrencyCode>", 1)
    rec = record(corrective)
    assert (rec.kind, rec.amount_due, rec.preceding) == ("corrective", -11_90, "QA-DUP1")
    register(chain, (SELLER_VAT, "sme-1"), (BUYER_VAT, "core-a"))
    assert anchor(chain, record("15a_same_invoice_vat.cii.xml")).ok
    assert anchor(chain, rec).ok
    assert issue(chain, doc_id(rec), 1).code == "conflict"
    inv = invoice_id(SELLER_VAT, "", "QA-DUP1")
    assert issue(chain, inv, 107_11).code == "conflict"
    assert issue(chain, inv, 107_10).ok
