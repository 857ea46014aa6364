"""Importing the real EN 16931 and China OFD e-invoice samples, and refusing bad input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from shared_data import DATA
from smechain.core.crypto import get_suite
from smechain.documents import DocumentError, InvoiceRecord, import_invoice, verify_file
from smechain.documents.record import CAC, CBC, parse_amount
from smechain.modules.invoice.identifiers import check_identifier

DATA = DATA / "einvoice"
FOLDERS = ("en16931/ubl", "en16931/cii", "en16931/testfiles", "china-ofd")
HASH = get_suite("sm2").hash

# Files that must be refused, with a fragment of the reason.
EXPECTED_REFUSED = {
    "invoice-sample-3.ofd": "no invoice data",  # invoice supervision-seal page only
    "invoice-sample-4.ofd": "no invoice data",  # blank fapiao template
    # The seller's unified social credit code fails its GB 32100-2015 check character.
    "invoice-sample-1.ofd": "not a valid unified social credit code",
    "invoice-sample-11.ofd": "not a valid unified social credit code",
    "invoice-sample-6.ofd": "not a valid unified social credit code",
    # The seller is named, and given only an identifier without a scheme (BT-29): no identity.
    "ubl-tc434-example7.xml": "a name is not an identifier",
    "CII_example7.xml": "a name is not an identifier",
}
# Imported files whose totals do not satisfy total == net + tax (none so far).
TOTAL_MISMATCH_ALLOWED: set[str] = set()
EXPECTED_SYNTAX = {"en16931/ubl": "ubl", "en16931/cii": "cii", "china-ofd": "ofd"}


def _samples() -> list[Path]:
    if not DATA.is_dir():
        return []
    files: list[Path] = []
    for folder in FOLDERS:
        files += sorted(
            p for p in (DATA / folder).iterdir() if p.suffix.lower() in (".xml", ".ofd")
        )
    return files


SAMPLES = _samples()


@pytest.fixture(autouse=True)
def _need_data() -> None:
    if not DATA.is_dir():
        pytest.skip(f"sample data missing: {DATA}")


def _folder(path: Path) -> str:
    return path.parent.relative_to(DATA).as_posix()


def test_sample_corpus_is_present() -> None:
    assert len(SAMPLES) == 74
    names = {p.name for p in SAMPLES}
    assert set(EXPECTED_REFUSED) <= names


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{_folder(p)}/{p.name}")
def test_sample_imports_or_is_refused(path: Path) -> None:
    if path.name in EXPECTED_REFUSED:
        with pytest.raises(DocumentError) as info:
            import_invoice(path, HASH)
        assert EXPECTED_REFUSED[path.name] in str(info.value)
        assert path.name in str(info.value)
        return
    rec = import_invoice(path, HASH)
    assert isinstance(rec, InvoiceRecord)
    folder = _folder(path)
    if folder in EXPECTED_SYNTAX:
        assert rec.syntax == EXPECTED_SYNTAX[folder]
    else:
        assert rec.syntax in ("ubl", "cii")
    assert rec.number.strip()
    assert check_identifier(rec.seller_id, "seller")
    if rec.buyer_id:
        assert check_identifier(rec.buyer_id, "buyer")
    else:
        assert any("no identifier" in n for n in rec.notes)
    assert re.fullmatch(r"[A-Z]{3}", rec.currency)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", rec.issue_date)
    assert rec.kind in ("invoice", "credit_note")
    assert rec.amount_due == rec.total_amount - rec.prepaid_amount + rec.rounding_amount
    for amount in (rec.net_amount, rec.tax_amount, rec.total_amount):
        assert type(amount) is int
    if path.name not in TOTAL_MISMATCH_ALLOWED:
        assert rec.total_amount == rec.net_amount + rec.tax_amount
    data = path.read_bytes()
    assert rec.digest == HASH(data)
    assert verify_file(data, rec.digest, HASH)
    if rec.syntax == "ofd":
        assert rec.currency == "CNY"
    else:
        assert rec.code == ""


@pytest.mark.parametrize(
    "path", [p for p in SAMPLES if p.name not in EXPECTED_REFUSED],
    ids=lambda p: f"{_folder(p)}/{p.name}",
)
def test_one_byte_edit_breaks_verify_file(path: Path) -> None:
    data = path.read_bytes()
    digest = import_invoice(data, HASH).digest
    for pos in (0, len(data) // 2, len(data) - 1):
        edited = bytearray(data)
        edited[pos] ^= 0x01
        assert not verify_file(bytes(edited), digest, HASH)
    assert not verify_file(data + b" ", digest, HASH)


def test_known_values() -> None:
    ubl = import_invoice(DATA / "en16931/ubl/ubl-tc434-example1.xml", HASH)
    assert (ubl.number, ubl.currency, ubl.issue_date) == ("12115118", "EUR", "2015-01-09")
    assert (ubl.net_amount, ubl.tax_amount, ubl.total_amount) == (22960, 2073, 25033)
    assert ubl.seller_id == "VAT:NL820098395B01"
    credit = import_invoice(DATA / "en16931/testfiles/CreditNote-Max_content.xml", HASH)
    assert credit.kind == "credit_note"
    neg = import_invoice(DATA / "en16931/ubl/BIS3_Invoice_negativ.XML", HASH)
    assert neg.total_amount < 0
    # A Swedish "Godkänd för F-skatt" non-VAT tax scheme is not taken as the seller id.
    se = import_invoice(DATA / "en16931/testfiles/BIS_Billing_30-Elhandel.xml", HASH)
    assert se.seller_id == "VAT:SE556677889901"
    # Its buyer has only an electronic address (BT-49): it anchors, identified by it.
    assert se.buyer_id == "0007:9876543210"
    sk = import_invoice(DATA / "en16931/testfiles/BIS_Billing_30-Inkopskort.xml", HASH)
    assert "skatt" not in sk.seller_id and any("skipped" in n for n in sk.notes)
    cii = import_invoice(DATA / "en16931/cii/huf_example_cii.xml", HASH)
    assert (cii.syntax, cii.currency, cii.seller_id) == ("cii", "HUF", "VAT:HU30048650")
    assert cii.number == "21/001003559/996"
    fp = import_invoice(DATA / "china-ofd/invoice-sample-5.ofd", HASH)
    assert (fp.number, fp.issue_date) == ("83089647", "2020-07-23")
    assert (fp.seller_id, fp.buyer_id) == ("USCC:92330781MA2EDMFU50", "USCC:91320115MA202UKD7X")
    assert fp.total_amount == fp.amount_due == 52600
    # A 17-character taxpayer id from before the USCC, and a 20-character individual's.
    assert import_invoice(DATA / "china-ofd/invoice-sample-8.ofd", HASH).seller_id == \
        "CN-TIN:91110101202001201"
    assert import_invoice(DATA / "china-ofd/invoice-sample-10.ofd", HASH).seller_id == \
        "CN-TIN:32040419760706081301"
    # Prepaid amounts (BT-113) and rounding (BT-114) make the amount due (BT-115).
    pre = import_invoice(DATA / "en16931/testfiles/BIS_Billing_30-Forskott_slutreglering.xml",
                         HASH)
    assert (pre.total_amount, pre.prepaid_amount, pre.amount_due) == (47500000, 40000000,
                                                                     7500000)
    rnd = import_invoice(DATA / "en16931/testfiles/BIS_Billing_30-Elnat.xml", HASH)
    assert (rnd.total_amount, rnd.rounding_amount, rnd.amount_due) == (195299, 1, 195300)
    # A credit note and a negative invoice referring to the invoice they credit (BT-25).
    cn = import_invoice(DATA / "en16931/testfiles/BIS_Billing_30-Kreditering_med_kreditnota.xml",
                        HASH)
    assert (cn.kind, cn.type_code, cn.preceding) == ("credit_note", "381", "2018133")
    # 全电发票 with data only in custom tags pointing at page text objects.
    qd = import_invoice(DATA / "china-ofd/invoice-sample-2.ofd", HASH)
    assert (qd.code, qd.number) == ("", "24112000000048542163")
    assert qd.total_amount == 444900
    # MOF XBRL attachment.
    xb = import_invoice(DATA / "china-ofd/invoice-sample-7.ofd", HASH)
    assert (xb.number, xb.total_amount, xb.seller_id) == ("99934328", 1120,
                                                          "USCC:91330106MA7GAL1299")
    # Tax-exempt fapiao: TaxTotalAmount "***".
    ex = import_invoice(DATA / "china-ofd/invoice-sample-9.ofd", HASH)
    assert ex.tax_amount == 0 and any("***" in n for n in ex.notes)
    # A buyer named only (个人, an individual; "Buyercompany ltd"): no identifier, and it
    # says so; a name is never taken as one.
    named = import_invoice(DATA / "en16931/ubl/ubl-tc434-example6.xml", HASH)
    assert named.buyer_id == "" and any("no identifier" in n for n in named.notes)


# --------------------------------------------------------------------------- bad input


def _ubl_tree() -> etree._ElementTree:
    return etree.parse(str(DATA / "en16931/ubl/ubl-tc434-example1.xml"))


def test_not_xml() -> None:
    with pytest.raises(DocumentError, match=r"bad\.xml: not XML"):
        import_invoice(b"this is not xml <<", HASH, name="bad.xml")


def test_empty_file() -> None:
    with pytest.raises(DocumentError, match="empty file"):
        import_invoice(b"", HASH, name="empty.xml")
    with pytest.raises(DocumentError, match="empty file"):
        import_invoice(b"  \n", HASH)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="cannot read file"):
        import_invoice(tmp_path / "nope.xml", HASH)


def test_other_root() -> None:
    with pytest.raises(DocumentError, match="not an invoice: root element html"):
        import_invoice(b"<html><body/></html>", HASH)
    with pytest.raises(DocumentError, match=r"root element .*Order"):
        import_invoice(
            b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>', HASH
        )


def test_not_an_ofd_zip() -> None:
    with pytest.raises(DocumentError, match="not a valid OFD/ZIP"):
        import_invoice(b"PK\x03\x04garbage", HASH)


def test_ubl_missing_legal_monetary_total() -> None:
    tree = _ubl_tree()
    root = tree.getroot()
    for el in root.findall(f"{{{CAC}}}LegalMonetaryTotal"):
        root.remove(el)
    with pytest.raises(DocumentError, match="missing field LegalMonetaryTotal"):
        import_invoice(etree.tostring(tree), HASH, name="nototal.xml")


def test_ubl_missing_tax_inclusive_amount() -> None:
    tree = _ubl_tree()
    el = tree.find(f"{{{CAC}}}LegalMonetaryTotal/{{{CBC}}}TaxInclusiveAmount")
    el.getparent().remove(el)
    with pytest.raises(DocumentError, match="LegalMonetaryTotal/TaxInclusiveAmount"):
        import_invoice(etree.tostring(tree), HASH)


@pytest.mark.parametrize("bad", ["12,5", "1e3", "", "NaN", "12.5.0", "--1", "inf"])
def test_ubl_bad_amount(bad: str) -> None:
    tree = _ubl_tree()
    el = tree.find(f"{{{CAC}}}LegalMonetaryTotal/{{{CBC}}}TaxInclusiveAmount")
    el.text = bad
    with pytest.raises(DocumentError, match="TaxInclusiveAmount") as info:
        import_invoice(etree.tostring(tree), HASH, name="bad-amount.xml")
    assert "bad-amount.xml" in str(info.value)


def test_cii_missing_summation() -> None:
    tree = etree.parse(str(DATA / "en16931/cii/CII_example1.xml"))
    for el in tree.iter("{*}SpecifiedTradeSettlementHeaderMonetarySummation"):
        el.getparent().remove(el)
        break
    with pytest.raises(DocumentError, match="SpecifiedTradeSettlementHeaderMonetarySummation"):
        import_invoice(etree.tostring(tree), HASH)


def test_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = (DATA / "en16931/ubl/ubl-tc434-example1.xml").read_bytes()
    data = data.replace(b"<cbc:ID>12115118</cbc:ID>", b"<cbc:ID>&xxe;X</cbc:ID>", 1)
    doctype = f'<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file://{secret}">]>'.encode()
    data = re.sub(rb"(<\?xml[^>]*\?>)", lambda m: m.group(1) + doctype, data, count=1)
    try:
        rec = import_invoice(data, HASH)
    except DocumentError:
        return
    assert "TOP-SECRET" not in rec.number


def test_parse_amount_exact_half_even() -> None:
    assert parse_amount("1.005", "EUR", "t", "f") == 100
    assert parse_amount("1.015", "EUR", "t", "f") == 102
    assert parse_amount("0.125", "EUR", "t", "f") == 12
    assert parse_amount("-2.5", "EUR", "t", "f") == -250
    assert parse_amount("12345678901234567.89", "EUR", "t", "f") == 1234567890123456789
    with pytest.raises(DocumentError, match="beyond the ledger's range"):  # past 64 bits
        parse_amount("1234567890123456789.99", "EUR", "t", "f")
    assert parse_amount("100", "JPY", "t", "f") == 100
    assert parse_amount("100.5", "JPY", "t", "f") == 100
    assert parse_amount("1.2345", "KWD", "t", "f") == 1234
    assert parse_amount(" 7.1 ", "CNY", "t", "f") == 710
