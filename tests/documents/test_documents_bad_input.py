"""Bad input to the importers ends in a DocumentError that names the file, the field or
entry, and the reason; never in a traceback, and never with a wrong reason.

The kinds, from ``shared/data/cases/einvoice`` and beyond: amounts the ledger cannot hold
(past 64 bits, 28+ digits, exponents, derived sums), a DOCTYPE anywhere, encrypted OFD
entries, and OFD entries named with backslashes.
"""

from __future__ import annotations

import dataclasses
import io
import re
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from ofd_zip import entries, rezip, set_flags, set_method, set_sizes, with_backslashes

from shared_data import DATA
from smechain.core.crypto import get_suite
from smechain.documents import DocumentError, import_invoice, verify_ofd_integrity
from smechain.documents.ofd import ofd_signature_count
from smechain.documents.record import parse_amount
from smechain.modules.cash.contract import MAX_AMOUNT

SHARED = DATA
DATA = SHARED / "einvoice"
CASES = SHARED / "cases" / "einvoice"
HASH = get_suite("sm2").hash

UBL = DATA / "en16931/ubl/ubl-tc434-example1.xml"
CII = DATA / "en16931/cii/CII_example1.xml"
OFD = DATA / "china-ofd/invoice-sample-5.ofd"  # original_invoice.xml attachment, signed
OFD_TAGS = DATA / "china-ofd/invoice-sample-2.ofd"  # custom tags -> page text objects
OFD_XBRL = DATA / "china-ofd/invoice-sample-7.ofd"  # XBRL attachment, signed
ATTACHMENT = "Doc_0/Attachs/original_invoice.xml"

MAX_MAJOR = f"{MAX_AMOUNT // 100}.{MAX_AMOUNT % 100:02d}"  # the largest amount in EUR, CNY


def _need(*paths: Path) -> None:
    for p in paths:
        if not p.exists():
            pytest.skip(f"sample data missing: {p}")


def _refused(data: bytes | Path, *fragments: str, name: str = "doc") -> str:
    """The message of the DocumentError importing ``data`` raises; it holds each fragment."""
    with pytest.raises(DocumentError) as info:
        import_invoice(data, HASH, name=name) if isinstance(data, bytes) else import_invoice(
            data, HASH)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


def _set_text(data: bytes, local: str, value: str) -> bytes:
    """``data`` with the text of the first element named ``local`` (any prefix) replaced."""
    pattern = re.compile(rb"(<(?:\w+:)?%s(?:\s[^>]*)?>)[^<]*(</)" % local.encode())
    out, n = pattern.subn(lambda m: m.group(1) + value.encode() + m.group(2), data, count=1)
    assert n == 1, local
    return out


def _ofd_with(path: Path, entry: str, edit: bytes) -> bytes:
    return rezip(path.read_bytes(), {entry: edit})


def _ofd_entry(path: Path, entry: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(entry)


# --------------------------------------------------------------------------- amounts


def test_case_10a_thirty_digit_amount_names_the_element_and_the_value() -> None:
    path = CASES / "10a_amount_30digits.ubl.xml"
    _need(path)
    _refused(path, path.name, "LegalMonetaryTotal/TaxExclusiveAmount",
             "'100000000000000000000000000000.00'", "beyond the ledger's range")


# Each syntax's total amount element, and a value of each kind the ledger cannot take.
TOTALS = [(UBL, "TaxInclusiveAmount"), (CII, "GrandTotalAmount")]
OUT_OF_RANGE = [
    "100000000000000000000000000000.00",  # 30 digits (past decimal's default 28)
    "1000000000000000000000000000",  # exactly 28 digits
    "-100000000000000000000000000000",  # huge negative
    "18446744073709551616",  # 2^64 (in major units)
    "92233720368547758.08",  # one minor unit past the ledger's 64-bit range
    "-92233720368547758.08",
    "9" * 5000,  # past Python's 4300-digit int conversion limit
]
MALFORMED = ["1E+30", "1e3", "-1.5e400", "NaN", "Infinity", "0x10", "1_000", "12,50", ""]


@pytest.mark.parametrize("value", OUT_OF_RANGE)
@pytest.mark.parametrize(("path", "element"), TOTALS, ids=["ubl", "cii"])
def test_xml_amount_beyond_the_ledger_names_the_element(path: Path, element: str,
                                                        value: str) -> None:
    _need(path)
    data = _set_text(path.read_bytes(), element, value)
    message = _refused(data, "bad.xml", element, "beyond the ledger's range", name="bad.xml")
    assert repr(value)[:30] in message
    assert len(message) < 400  # a 5000-digit value is quoted by its start


@pytest.mark.parametrize("value", MALFORMED)
@pytest.mark.parametrize(("path", "element"), TOTALS, ids=["ubl", "cii"])
def test_xml_malformed_amount_names_the_element(path: Path, element: str, value: str) -> None:
    _need(path)
    data = _set_text(path.read_bytes(), element, value)
    _refused(data, element, name="bad.xml")


@pytest.mark.parametrize("value", [*OUT_OF_RANGE, "1E+30", "-1e3"])
def test_ofd_amount_beyond_the_ledger_or_in_exponent_form_names_the_element(value: str) -> None:
    _need(OFD)
    xml = _set_text(_ofd_entry(OFD, ATTACHMENT), "TaxInclusiveTotalAmount", value)
    _refused(_ofd_with(OFD, ATTACHMENT, xml), "TaxInclusiveTotalAmount")


def test_ofd_xbrl_amount_beyond_the_ledger_names_the_element() -> None:
    _need(OFD_XBRL)
    with zipfile.ZipFile(OFD_XBRL) as zf:
        entry = next(n for n in zf.namelist() if "/Attachs/inv_" in n)
    xml = _set_text(_ofd_entry(OFD_XBRL, entry), "TotalTaxAmount", "1" + "0" * 29)
    _refused(_ofd_with(OFD_XBRL, entry, xml), "TaxTotalAmount", "beyond the ledger's range")


def _major(minor: int) -> str:
    return f"{'-' if minor < 0 else ''}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def test_amounts_at_the_ledger_limit_import() -> None:
    _need(UBL)
    data = UBL.read_bytes()  # net 229.60 + tax 20.73 = total 250.33 = payable
    for element in ("TaxInclusiveAmount", "PayableAmount"):
        data = _set_text(data, element, _major(MAX_AMOUNT))
    for element in ("TaxExclusiveAmount", "LineExtensionAmount"):
        data = _set_text(data, element, _major(MAX_AMOUNT - 2073))
    assert import_invoice(data, HASH).total_amount == MAX_AMOUNT
    # leading zeros and a long fraction are not digits of the amount
    data = UBL.read_bytes()
    for element in ("TaxInclusiveAmount", "PayableAmount"):
        data = _set_text(data, element, "0" * 40 + "250.33" + "0" * 40)
    assert import_invoice(data, HASH).total_amount == 25033


def test_derived_amounts_beyond_the_ledger_name_the_field() -> None:
    """Each amount is in range, but what the importer derives from them is not."""
    _need(OFD, UBL)
    xml = _ofd_entry(OFD, ATTACHMENT)
    xml = _set_text(xml, "TaxInclusiveTotalAmount", "-" + MAX_MAJOR)
    xml = _set_text(xml, "TaxExclusiveTotalAmount", MAX_MAJOR)
    xml = _set_text(xml, "TaxTotalAmount", "***")  # tax taken as total - net
    _refused(_ofd_with(OFD, ATTACHMENT, xml), "tax_amount", "beyond")
    # three tax subtotals of the maximum each
    data = UBL.read_bytes()
    total = re.search(rb"<cac:TaxTotal>.*?</cac:TaxTotal>", data, re.S)
    assert total is not None
    big = re.sub(rb"(<cbc:TaxAmount[^>]*>)[^<]*", rb"\g<1>" + MAX_MAJOR.encode(),
                 total.group(0), count=1)
    data = data.replace(total.group(0), big * 3, 1)
    _refused(data)  # beyond the range, or not net + tax: refused either way


def test_parse_amount_bounds_and_rounding() -> None:
    assert parse_amount(MAX_MAJOR, "EUR", "t", "f") == MAX_AMOUNT
    assert parse_amount("9223372036854775807", "JPY", "t", "f") == MAX_AMOUNT
    assert parse_amount("922337203685477.5807", "KWD", "t", "f") == MAX_AMOUNT // 10 + 1
    # half-even on the exact value, however many digits the fraction has
    assert parse_amount("0.005" + "0" * 60 + "1", "EUR", "t", "f") == 1
    assert parse_amount("0.005" + "0" * 60, "EUR", "t", "f") == 0
    for bad in ("92233720368547758.075", "9223372036854775808", "1" + "0" * 19):
        currency = "EUR" if "." in bad else "JPY"
        with pytest.raises(DocumentError, match=r"t: amount .* in f is beyond"):
            parse_amount(bad, currency, "t", "f")


# --------------------------------------------------------------------------- DOCTYPE


def test_case_01_doctype_entity_is_refused_with_the_reason() -> None:
    path = CASES / "01_doctype_entity.ubl.xml"
    _need(path)
    message = _refused(path, path.name, "DOCTYPE")
    assert "xxe" not in message


DOCTYPES = [
    b'<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>',
    b"<!DOCTYPE Invoice>",
    b'<!DOCTYPE Invoice SYSTEM "http://127.0.0.1:9/x.dtd">',
    b'<!DOCTYPE Invoice [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    b'<!DOCTYPE Invoice [<!ENTITY % p SYSTEM "file:///etc/hostname"> %p;]>',
]


def _with_doctype(data: bytes, doctype: bytes) -> bytes:
    if data.startswith(b"<?xml"):
        end = data.index(b"?>") + 2
        return data[:end] + doctype + data[end:]
    return doctype + data


@pytest.mark.parametrize("doctype", DOCTYPES, ids=range(len(DOCTYPES)))
@pytest.mark.parametrize("path", [UBL, CII], ids=["ubl", "cii"])
def test_xml_with_any_doctype_is_refused(path: Path, doctype: bytes) -> None:
    _need(path)
    _refused(_with_doctype(path.read_bytes(), doctype), "doc.xml: XML with a DOCTYPE is refused",
             name="doc.xml")


def test_doctype_is_the_reason_even_when_its_entity_breaks_the_parse() -> None:
    _need(UBL)
    data = _with_doctype(UBL.read_bytes(), b"<!DOCTYPE Invoice>")
    data = data.replace(b"<cbc:ID>12115118</cbc:ID>", b"<cbc:ID>&undeclared;</cbc:ID>", 1)
    _refused(data, "DOCTYPE")
    utf16 = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x><x>&y;</x>'.encode("utf-16")
    _refused(utf16, "DOCTYPE")


@pytest.mark.parametrize("entry", ["OFD.xml", "Doc_0/Document.xml", ATTACHMENT])
def test_doctype_in_an_ofd_entry_is_refused_naming_the_entry(entry: str) -> None:
    _need(OFD)
    xml = _with_doctype(_ofd_entry(OFD, entry), DOCTYPES[0])
    _refused(_ofd_with(OFD, entry, xml), f"!{entry}: XML with a DOCTYPE is refused")


@pytest.mark.parametrize("entry", ["Doc_0/Tags/CustomTags.xml", "Doc_0/Tags/CustomTag.xml"])
def test_doctype_in_ofd_custom_tags_is_refused(entry: str) -> None:
    _need(OFD_TAGS)
    xml = _with_doctype(_ofd_entry(OFD_TAGS, entry), DOCTYPES[0])
    _refused(_ofd_with(OFD_TAGS, entry, xml), entry, "DOCTYPE")


def test_doctype_in_an_ofd_page_is_refused() -> None:
    """The page scan skips pages it cannot parse; the package is refused before that."""
    _need(OFD_TAGS)
    entry = "Doc_0/Pages/Page_0/Content.xml"
    xml = _with_doctype(_ofd_entry(OFD_TAGS, entry), DOCTYPES[0])
    _refused(_ofd_with(OFD_TAGS, entry, xml), entry, "DOCTYPE")


@pytest.mark.parametrize("entry", ["Doc_0/Signs/Signatures.xml",
                                   "Doc_0/Signs/Sign_0/Signature.xml"])
def test_doctype_in_ofd_signatures_is_refused_by_the_integrity_check(entry: str) -> None:
    _need(OFD)
    data = _ofd_with(OFD, entry, _with_doctype(_ofd_entry(OFD, entry), DOCTYPES[0]))
    for check in (verify_ofd_integrity, ofd_signature_count):
        with pytest.raises(DocumentError, match=f"x.ofd!{entry}: XML with a DOCTYPE is refused"):
            check(data, "x.ofd")


# --------------------------------------------------------------------------- encrypted


def test_case_23_encrypted_entry_is_named() -> None:
    path = CASES / "23_ofd_encrypted_flag.ofd"
    _need(path)
    _refused(path, path.name, f"OFD entry {ATTACHMENT} is encrypted")
    with pytest.raises(DocumentError, match=f"OFD entry {ATTACHMENT} is encrypted"):
        verify_ofd_integrity(path.read_bytes(), path.name)


ENCRYPTED_ENTRIES = ["OFD.xml", ATTACHMENT, "Doc_0/Signs/Signatures.xml",
                     "Doc_0/Signs/Sign_0/Signature.xml", "Doc_0/Res/image_78.jb2"]


@pytest.mark.parametrize("where", ["both", "central"])
@pytest.mark.parametrize("bits", [0x01, 0x40, 0x41], ids=["traditional", "strong", "both"])
@pytest.mark.parametrize("entry", ENCRYPTED_ENTRIES)
def test_encrypted_flag_on_any_ofd_entry_is_named(entry: str, bits: int, where: str) -> None:
    _need(OFD)
    data = set_flags(OFD.read_bytes(), entry.encode(), bits, local=where == "both")
    expected = f"x.ofd: OFD entry {entry} is encrypted"
    _refused(data, expected, name="x.ofd")
    with pytest.raises(DocumentError, match=re.escape(expected)):
        verify_ofd_integrity(data, "x.ofd")
    with pytest.raises(DocumentError, match=re.escape(expected)):
        ofd_signature_count(data, "x.ofd")


def test_encrypted_flag_in_the_local_header_only_is_not_a_wrong_reason() -> None:
    """The central directory is what a reader trusts; the local copy alone changes nothing."""
    _need(OFD)
    data = set_flags(OFD.read_bytes(), ATTACHMENT.encode(), 0x01, central=False)
    assert import_invoice(data, HASH).number == import_invoice(OFD, HASH).number


def _needs_version(data: bytes, entry: bytes, version: int) -> bytes:
    buf = bytearray(data)
    for e in entries(data):
        if e.name == entry:
            struct.pack_into("<H", buf, e.central + 6, version)
    return bytes(buf)


@pytest.mark.parametrize(("damage", "reason"), [
    (lambda d, e: set_method(d, e, 99), "unreadable"),
    (lambda d, e: set_sizes(d, e, 1, "crc"), "unreadable"),
    (lambda d, e: set_sizes(d, e, -1, "file_size"), "unreadable (Bad CRC-32"),
], ids=["method", "crc", "file_size-1"])
def test_damaged_entry_headers_are_document_errors_naming_the_entry(
        damage: Callable[[bytes, bytes], bytes], reason: str) -> None:
    _need(OFD)
    data = damage(OFD.read_bytes(), ATTACHMENT.encode())
    message = _refused(data, name="x.ofd")
    assert ATTACHMENT in message and reason in message


def test_a_zip_version_zipfile_cannot_read_is_a_document_error() -> None:
    _need(OFD)
    _refused(_needs_version(OFD.read_bytes(), ATTACHMENT.encode(), 84), "x.ofd: not a valid "
             "OFD/ZIP package (zip file version 8.4)", name="x.ofd")


# --------------------------------------------------------------------------- backslashes


def _same_outcome(a: bytes, b: bytes) -> None:
    """Both import to the same record (bar the file digest), or both are refused alike."""
    outcomes: list[object] = []
    for data in (a, b):
        try:
            outcomes.append(dataclasses.replace(import_invoice(data, HASH, name="x"), digest=b""))
        except DocumentError as exc:
            outcomes.append(exc.reason)
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("name", ["invoice-sample-1.ofd", "invoice-sample-2.ofd",
                                  "invoice-sample-5.ofd", "invoice-sample-7.ofd",
                                  "invoice-sample-9.ofd"])
def test_backslash_named_entries_import_to_the_same_outcome(name: str) -> None:
    path = DATA / "china-ofd" / name
    _need(path)
    original = path.read_bytes()
    repacked = with_backslashes(original)
    assert any(b"\\" in e.name for e in entries(repacked))
    # zipfile keeps the backslashes on POSIX: the importer must normalise them itself
    assert any("\\" in n for n in zipfile.ZipFile(io.BytesIO(repacked)).namelist())
    _same_outcome(original, repacked)
    assert verify_ofd_integrity(repacked) == verify_ofd_integrity(original)
    assert ofd_signature_count(repacked) == ofd_signature_count(original)


def test_one_backslash_entry_among_slashes_is_found() -> None:
    _need(OFD)
    original = OFD.read_bytes()
    _same_outcome(original, with_backslashes(original, only=ATTACHMENT.encode()))


def test_two_entries_that_normalise_to_one_name_are_refused_with_that_reason() -> None:
    _need(OFD)
    # A second attachment, with another amount, whose name differs only in its slashes:
    # which one a reader takes must not be left to chance.
    stand_in = ATTACHMENT.replace("/", "_")
    other = _set_text(_ofd_entry(OFD, ATTACHMENT), "TaxInclusiveTotalAmount", "999999.00")
    buf = io.BytesIO(rezip(OFD.read_bytes(), {}))
    with zipfile.ZipFile(buf, "a") as zf:
        zf.writestr(stand_in, other)
    data = buf.getvalue().replace(stand_in.encode(), ATTACHMENT.replace("/", "\\").encode())
    _refused(data, f"OFD has two entries named {ATTACHMENT}")
    with pytest.raises(DocumentError, match="two entries named"):
        verify_ofd_integrity(data)


def test_samples_still_import_and_verify() -> None:
    """The refusals above take nothing from the real samples."""
    _need(OFD, OFD_TAGS, OFD_XBRL, UBL, CII)
    for path in (OFD, OFD_TAGS, OFD_XBRL, UBL, CII):
        assert import_invoice(path, HASH).number
    assert verify_ofd_integrity(OFD.read_bytes()) == []
