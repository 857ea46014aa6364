"""Import e-invoices into a normalised :class:`InvoiceRecord`.

Supported syntaxes:

* ``ubl``: OASIS UBL 2.1 Invoice / CreditNote as profiled by EN 16931.
* ``cii``: UN/CEFACT Cross Industry Invoice D16B as profiled by EN 16931.
* ``ofd``: a Chinese OFD (GB/T 33190) e-fapiao: a ZIP package that carries the
  invoice data as an XML attachment (``original_invoice.xml``, the MOF XBRL
  ``inv`` taxonomy) or as custom tags pointing at text objects on the page.

Amounts are parsed exactly with :class:`decimal.Decimal` and stored as integers
in minor units; floats are never used. The record keeps a digest of the
original file bytes, computed with a caller-supplied hash function.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import hmac
import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path
from typing import Literal

from lxml import etree

Hasher = Callable[[bytes], bytes]
Syntax = Literal["ubl", "cii", "ofd"]
Kind = Literal["invoice", "credit_note"]

UBL_INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CII_NS = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
OFD_NS = "http://www.ofdspec.org/2016"

# UNTDID 1001 document type codes that denote a credit note.
CREDIT_NOTE_TYPE_CODES = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420",
                                    "458", "532"})

# ISO 4217 currencies whose minor unit is not 2 digits.
_MINOR_DIGITS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3, "CLF": 4, "UYW": 4,
}

MAX_OFD_UNCOMPRESSED = 50 * 1024 * 1024
MAX_OFD_ENTRIES = 10_000
MAX_XML_BYTES = 50 * 1024 * 1024

_AMOUNT_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_CURRENCY_RE = re.compile(r"[A-Z]{3}")

# Hash algorithms an OFD signature may name in References/@CheckMethod.
_CHECK_METHODS = {
    "1.2.156.10197.1.401": "sm3",
    "sm3": "sm3",
    "1.3.14.3.2.26": "sha1",
    "sha1": "sha1",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "sha256": "sha256",
    "1.2.840.113549.2.5": "md5",
    "md5": "md5",
}


class DocumentError(ValueError):
    """A file is not an importable invoice; the message names the file and the reason."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


@dataclass(frozen=True)
class InvoiceRecord:
    syntax: Syntax
    code: str
    number: str
    seller_id: str
    buyer_id: str
    currency: str
    net_amount: int
    tax_amount: int
    total_amount: int
    issue_date: str
    digest: bytes
    kind: Kind
    notes: tuple[str, ...] = ()


# --------------------------------------------------------------------------- helpers


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def _parse_xml(data: bytes, source: str) -> etree._Element:
    if len(data) > MAX_XML_BYTES:
        raise DocumentError(source, f"XML larger than {MAX_XML_BYTES} bytes")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise DocumentError(source, f"not XML ({exc})") from None
    if root is None:
        raise DocumentError(source, "not XML (no root element)")
    return root


def _local(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return etree.QName(tag).localname


def _text(el: etree._Element | None) -> str:
    if el is None:
        return ""
    return "".join(el.itertext()).strip()


def minor_digits(currency: str) -> int:
    return _MINOR_DIGITS.get(currency, 2)


def parse_amount(text: str, currency: str, source: str, field: str) -> int:
    """Exact decimal string -> integer minor units (half-even rounding)."""
    raw = text.strip()
    if not _AMOUNT_RE.fullmatch(raw):
        raise DocumentError(source, f"bad amount {raw!r} in {field}")
    try:
        value = Decimal(raw)
    except InvalidOperation:  # pragma: no cover - regex already guards
        raise DocumentError(source, f"bad amount {raw!r} in {field}") from None
    digits = minor_digits(currency)
    quantum = Decimal(1).scaleb(-digits)
    scaled = value.quantize(quantum, rounding=ROUND_HALF_EVEN).scaleb(digits)
    return int(scaled)


def _check_date(value: str, source: str, field: str) -> str:
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        raise DocumentError(source, f"bad date {value!r} in {field}") from None


def _check_currency(value: str, source: str, field: str) -> str:
    value = value.strip()
    if not _CURRENCY_RE.fullmatch(value):
        raise DocumentError(source, f"bad currency code {value!r} in {field}")
    return value


def _require(value: str, source: str, field: str) -> str:
    if not value:
        raise DocumentError(source, f"missing field {field}")
    return value


# --------------------------------------------------------------------------- UBL

_UBL_NS = {"cbc": CBC, "cac": CAC}


def _x(el: etree._Element, path: str, ns: dict[str, str]) -> list[etree._Element]:
    return list(el.xpath(path, namespaces=ns))


def _first_text(el: etree._Element, path: str, ns: dict[str, str]) -> str:
    for found in _x(el, path, ns):
        text = _text(found)
        if text:
            return text
    return ""


def _ubl_party_id(
    root: etree._Element, party: str, source: str, notes: list[str]
) -> str:
    base = f"cac:{party}/cac:Party"
    # A VAT registration first; a PartyTaxScheme of another scheme may hold free text
    # (Swedish "Godkänd för F-skatt"), so it ranks below the registration ids.
    for path, label in (
        (f"{base}/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID", "tax id"),
        (f"{base}/cac:PartyTaxScheme[not(cac:TaxScheme/cbc:ID)]/cbc:CompanyID", "tax id"),
        (f"{base}/cac:PartyLegalEntity/cbc:CompanyID", "legal registration id"),
        (f"{base}/cbc:EndpointID", "endpoint id"),
        (f"{base}/cac:PartyTaxScheme/cbc:CompanyID", "non-VAT tax registration"),
        (f"{base}/cac:PartyIdentification/cbc:ID", "party identifier"),
        (f"{base}/cac:PartyLegalEntity/cbc:RegistrationName", "registration name"),
        (f"{base}/cac:PartyName/cbc:Name", "name"),
    ):
        value = _first_text(root, path, _UBL_NS)
        if value:
            if label != "tax id":
                notes.append(f"{party}: no tax id, used {label}")
            return value
    raise DocumentError(source, f"missing field {party}/Party/PartyTaxScheme/CompanyID")


def _parse_ubl(root: etree._Element, source: str, digest: bytes) -> InvoiceRecord:
    ns_uri = etree.QName(root).namespace
    is_credit = ns_uri == UBL_CREDIT_NOTE_NS
    notes: list[str] = []
    number = _require(_first_text(root, "cbc:ID", _UBL_NS), source, "ID")
    issue = _check_date(
        _require(_first_text(root, "cbc:IssueDate", _UBL_NS), source, "IssueDate"),
        source, "IssueDate",
    )
    currency = _check_currency(
        _require(
            _first_text(root, "cbc:DocumentCurrencyCode", _UBL_NS), source,
            "DocumentCurrencyCode",
        ),
        source, "DocumentCurrencyCode",
    )
    type_code = _first_text(root, "cbc:InvoiceTypeCode|cbc:CreditNoteTypeCode", _UBL_NS)
    if type_code in CREDIT_NOTE_TYPE_CODES:
        is_credit = True
    seller = _ubl_party_id(root, "AccountingSupplierParty", source, notes)
    buyer = _ubl_party_id(root, "AccountingCustomerParty", source, notes)

    totals = _x(root, "cac:LegalMonetaryTotal", _UBL_NS)
    if not totals:
        raise DocumentError(source, "missing field LegalMonetaryTotal")
    total_el = totals[0]

    def money(name: str) -> int:
        text = _first_text(total_el, f"cbc:{name}", _UBL_NS)
        field = f"LegalMonetaryTotal/{name}"
        return parse_amount(_require(text, source, field), currency, source, field)

    net = money("TaxExclusiveAmount")
    total = money("TaxInclusiveAmount")

    tax_amounts = _x(root, "cac:TaxTotal/cbc:TaxAmount", _UBL_NS)
    in_doc_currency = [t for t in tax_amounts if t.get("currencyID", currency) == currency]
    if in_doc_currency:
        tax = sum(
            parse_amount(_text(t), currency, source, "TaxTotal/TaxAmount")
            for t in in_doc_currency
        )
    elif tax_amounts:
        raise DocumentError(source, f"missing field TaxTotal/TaxAmount in {currency}")
    else:
        tax = 0
        notes.append("no TaxTotal: tax taken as 0")
    return InvoiceRecord(
        syntax="ubl", code="", number=number, seller_id=seller, buyer_id=buyer,
        currency=currency, net_amount=net, tax_amount=tax, total_amount=total,
        issue_date=issue, digest=digest, kind="credit_note" if is_credit else "invoice",
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------- CII

_CII_NS = {"rsm": CII_NS, "ram": RAM, "udt": UDT}


def _cii_party_id(
    trade: etree._Element, party: str, source: str, notes: list[str]
) -> str:
    regs = _x(trade, f"ram:ApplicableHeaderTradeAgreement/ram:{party}/"
                     "ram:SpecifiedTaxRegistration/ram:ID", _CII_NS)
    # Prefer the VAT id (schemeID VA) over a local tax number (FC).
    for reg in sorted(regs, key=lambda r: r.get("schemeID") != "VA"):
        if _text(reg):
            return _text(reg)
    base = f"ram:ApplicableHeaderTradeAgreement/ram:{party}"
    for path, label in (
        (f"{base}/ram:SpecifiedLegalOrganization/ram:ID", "legal registration id"),
        (f"{base}/ram:URIUniversalCommunication/ram:URIID", "endpoint id"),
        (f"{base}/ram:GlobalID", "global id"),
        (f"{base}/ram:ID", "party identifier"),
        (f"{base}/ram:Name", "name"),
    ):
        value = _first_text(trade, path, _CII_NS)
        if value:
            notes.append(f"{party}: no tax id, used {label}")
            return value
    raise DocumentError(source, f"missing field {party}/SpecifiedTaxRegistration/ID")


def _parse_cii(root: etree._Element, source: str, digest: bytes) -> InvoiceRecord:
    notes: list[str] = []
    number = _require(_first_text(root, "rsm:ExchangedDocument/ram:ID", _CII_NS), source,
                      "ExchangedDocument/ID")
    date_els = _x(root, "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString", _CII_NS)
    if not date_els or not _text(date_els[0]):
        raise DocumentError(source, "missing field ExchangedDocument/IssueDateTime/DateTimeString")
    raw_date = _text(date_els[0])
    fmt = date_els[0].get("format", "102")
    if fmt != "102" or not re.fullmatch(r"\d{8}", raw_date):
        raise DocumentError(source, f"bad date {raw_date!r} (format {fmt}) in IssueDateTime")
    issue = _check_date(f"{raw_date[:4]}-{raw_date[4:6]}-{raw_date[6:]}", source,
                        "IssueDateTime")
    type_code = _first_text(root, "rsm:ExchangedDocument/ram:TypeCode", _CII_NS)

    trades = _x(root, "rsm:SupplyChainTradeTransaction", _CII_NS)
    if not trades:
        raise DocumentError(source, "missing field SupplyChainTradeTransaction")
    trade = trades[0]
    settle = "ram:ApplicableHeaderTradeSettlement"
    currency = _check_currency(
        _require(_first_text(trade, f"{settle}/ram:InvoiceCurrencyCode", _CII_NS), source,
                 "ApplicableHeaderTradeSettlement/InvoiceCurrencyCode"),
        source, "InvoiceCurrencyCode",
    )
    seller = _cii_party_id(trade, "SellerTradeParty", source, notes)
    buyer = _cii_party_id(trade, "BuyerTradeParty", source, notes)

    sums = _x(trade, f"{settle}/ram:SpecifiedTradeSettlementHeaderMonetarySummation", _CII_NS)
    if not sums:
        raise DocumentError(source, "missing field SpecifiedTradeSettlementHeaderMonetarySummation")
    summ = sums[0]
    prefix = "SpecifiedTradeSettlementHeaderMonetarySummation"

    def money(name: str) -> int:
        field = f"{prefix}/{name}"
        text = _require(_first_text(summ, f"ram:{name}", _CII_NS), source, field)
        return parse_amount(text, currency, source, field)

    net = money("TaxBasisTotalAmount")
    total = money("GrandTotalAmount")
    tax_els = _x(summ, "ram:TaxTotalAmount", _CII_NS)
    in_cur = [t for t in tax_els if t.get("currencyID", currency) == currency]
    if in_cur:
        tax = parse_amount(_text(in_cur[0]), currency, source, f"{prefix}/TaxTotalAmount")
    elif tax_els:
        raise DocumentError(source, f"missing field {prefix}/TaxTotalAmount in {currency}")
    else:
        tax = 0
        notes.append("no TaxTotalAmount: tax taken as 0")
    return InvoiceRecord(
        syntax="cii", code="", number=number, seller_id=seller, buyer_id=buyer,
        currency=currency, net_amount=net, tax_amount=tax, total_amount=total,
        issue_date=issue, digest=digest,
        kind="credit_note" if type_code in CREDIT_NOTE_TYPE_CODES else "invoice",
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------- OFD


class _SafeZip:
    """A ZIP opened with limits on entry count and total uncompressed size."""

    def __init__(self, data: bytes, source: str) -> None:
        self.source = source
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError) as exc:
            raise DocumentError(source, f"not a valid OFD/ZIP package ({exc})") from None
        infos = self.zf.infolist()
        if len(infos) > MAX_OFD_ENTRIES:
            raise DocumentError(source, f"OFD has too many entries ({len(infos)})")
        declared = sum(i.file_size for i in infos)
        if declared > MAX_OFD_UNCOMPRESSED:
            raise DocumentError(
                source, f"OFD expands to {declared} bytes (limit {MAX_OFD_UNCOMPRESSED})"
            )
        self.names = {i.filename: i for i in infos if not i.is_dir()}
        self._lower = {n.lower(): n for n in self.names}
        self._budget = MAX_OFD_UNCOMPRESSED

    def find(self, path: str) -> str | None:
        path = posixpath.normpath(path.lstrip("/"))
        if path in self.names:
            return path
        return self._lower.get(path.lower())

    def read(self, name: str) -> bytes:
        info = self.names[name]
        out = bytearray()
        try:
            with self.zf.open(info) as fh:
                while True:
                    chunk = fh.read(65536)
                    if not chunk:
                        break
                    out += chunk
                    if len(out) > info.file_size or len(out) > self._budget:
                        raise DocumentError(
                            self.source, f"OFD entry {name} expands beyond its declared size"
                        )
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
            raise DocumentError(self.source, f"OFD entry {name} unreadable ({exc})") from None
        self._budget -= len(out)
        return bytes(out)

    def xml(self, name: str) -> etree._Element:
        return _parse_xml(self.read(name), f"{self.source}!{name}")


def _find_local(root: etree._Element, *names: str) -> etree._Element | None:
    wanted = set(names)
    for el in root.iter():
        if _local(el) in wanted:
            return el
    return None


def _fp_date(value: str, source: str, field: str) -> str:
    value = value.strip()
    m = re.fullmatch(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?", value)
    if m:
        y, mo, d = m.groups()
        return _check_date(f"{y}-{int(mo):02d}-{int(d):02d}", source, field)
    if re.fullmatch(r"\d{8}", value):
        return _check_date(f"{value[:4]}-{value[4:6]}-{value[6:]}", source, field)
    return _check_date(value[:10], source, field)


_FAPIAO_FIELDS = {
    # record field -> candidate element local names (original_invoice.xml, custom tags, XBRL)
    "code": ("InvoiceCode", "CodeOfInvoice"),
    "number": ("InvoiceNo", "NumberOfInvoice"),
    "date": ("IssueDate", "DateOfIssue"),
    "seller_id": ("SellerTaxID", "TaxpayerIdentificationNumberUnifiedSocialCreditCodeOfSeller"),
    "seller_name": ("SellerName", "NameOfSeller"),
    "buyer_id": ("BuyerTaxID", "TaxpayerIdentificationNumberUnifiedSocialCreditCodeOfPurchaser"),
    "buyer_name": ("BuyerName", "NameOfPurchaser"),
    "net": ("TaxExclusiveTotalAmount", "TotalAmountExcludingTax"),
    "tax": ("TaxTotalAmount", "TotalTaxAmount"),
    "total": ("TaxInclusiveTotalAmount", "TaxIncludedAmountInFigures"),
}


def _fapiao_amount(raw: str, source: str, field: str, notes: list[str]) -> int | None:
    value = raw.replace("¥", "").replace("￥", "").replace(" ", "").strip()
    if value in {"***", "*", "-", "—", "免税", "不征税"}:
        return None
    return parse_amount(value, "CNY", source, field)


def _record_from_fapiao(
    values: dict[str, str], source: str, digest: bytes, notes: list[str]
) -> InvoiceRecord:
    number = values.get("number", "")
    if not number:
        raise DocumentError(source, "missing field InvoiceNo in the fapiao data")
    issue = _fp_date(_require(values.get("date", ""), source, "IssueDate"), source, "IssueDate")

    def party(key: str, label: str) -> str:
        pid = values.get(f"{key}_id", "")
        if pid:
            return pid
        name = values.get(f"{key}_name", "")
        if name:
            notes.append(f"{label}: no tax id, used name")
            return name
        raise DocumentError(source, f"missing field {label}TaxID")

    seller = party("seller", "Seller")
    buyer = party("buyer", "Buyer")
    amounts: dict[str, int | None] = {}
    for key, field in (("net", "TaxExclusiveTotalAmount"), ("tax", "TaxTotalAmount"),
                       ("total", "TaxInclusiveTotalAmount")):
        raw = values.get(key, "")
        amounts[key] = _fapiao_amount(raw, source, field, notes) if raw else None
    net, tax, total = amounts["net"], amounts["tax"], amounts["total"]
    if tax is None and net is not None and total is not None:
        tax = total - net
        notes.append(f"TaxTotalAmount {values.get('tax', '')!r}: taken as total - net")
    elif net is None and tax is not None and total is not None:
        net = total - tax
        notes.append("TaxExclusiveTotalAmount absent: taken as total - tax")
    elif total is None and net is not None and tax is not None:
        total = net + tax
        notes.append("TaxInclusiveTotalAmount absent: taken as net + tax")
    for key, field in (("net", "TaxExclusiveTotalAmount"), ("tax", "TaxTotalAmount"),
                       ("total", "TaxInclusiveTotalAmount/价税合计")):
        if {"net": net, "tax": tax, "total": total}[key] is None:
            raise DocumentError(source, f"missing field {field}")
    assert net is not None and tax is not None and total is not None
    return InvoiceRecord(
        syntax="ofd", code=values.get("code", ""), number=number, seller_id=seller,
        buyer_id=buyer, currency="CNY", net_amount=net, tax_amount=tax, total_amount=total,
        issue_date=issue, digest=digest, kind="credit_note" if total < 0 else "invoice",
        notes=tuple(notes),
    )


def _values_from_tree(root: etree._Element, resolve: Callable[[etree._Element], str]
                      ) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, names in _FAPIAO_FIELDS.items():
        # Prefer the header-level fact over line-level ones: first in document order.
        el = _find_local(root, *names)
        if el is not None:
            text = resolve(el)
            if text:
                values[key] = text
    return values


def _text_objects(zf: _SafeZip, doc_dir: str) -> dict[str, str]:
    """ID -> text of every TextObject on the pages and templates of one OFD document."""
    found: dict[str, str] = {}
    for name in sorted(zf.names):
        if not name.startswith(doc_dir + "/") or not name.lower().endswith(".xml"):
            continue
        if "/Signs/" in name or "/Tags/" in name or "/Attachs/" in name:
            continue
        try:
            root = zf.xml(name)
        except DocumentError:
            continue
        for el in root.iter():
            if _local(el) == "TextObject" and el.get("ID"):
                codes = [_text(c) for c in el if _local(c) == "TextCode"]
                found.setdefault(el.get("ID", ""), "".join(codes))
    return found


def _parse_ofd(data: bytes, source: str, digest: bytes) -> InvoiceRecord:
    zf = _SafeZip(data, source)
    if zf.find("OFD.xml") is None:
        raise DocumentError(source, "ZIP package is not an OFD (no OFD.xml)")
    notes: list[str] = []

    # 1. An invoice XML attachment (original_invoice.xml, XBRL inv taxonomy, ...).
    attachments = [
        n for n in sorted(zf.names)
        if n.lower().endswith(".xml")
        and ("/attachs/" in n.lower() or posixpath.basename(n) == "original_invoice.xml")
        and posixpath.basename(n).lower() != "attachments.xml"
    ]
    for name in attachments:
        root = zf.xml(name)
        values = _values_from_tree(root, _text)
        if values.get("number"):
            notes.append(f"fapiao data from {name}")
            return _record_from_fapiao(values, source, digest, notes)

    # 2. Custom tags: inline values or ObjectRef pointers to page text objects.
    for tags_name in sorted(n for n in zf.names if n.lower().endswith("customtags.xml")):
        doc_dir = tags_name.split("/", 1)[0]
        tags_root = zf.xml(tags_name)
        for loc in tags_root.iter():
            if _local(loc) != "FileLoc":
                continue
            target = posixpath.join(posixpath.dirname(tags_name), _text(loc))
            if _text(loc).startswith("/"):
                target = _text(loc)
            name = zf.find(target)
            if name is None:
                continue
            tag_root = zf.xml(name)
            objects: dict[str, str] | None = None

            def resolve(el: etree._Element, _doc: str = doc_dir) -> str:
                nonlocal objects
                refs = [r for r in el.iter() if _local(r) == "ObjectRef"]
                if not refs:
                    return _text(el)
                if objects is None:
                    objects = _text_objects(zf, _doc)
                return "".join(objects.get(_text(r), "") for r in refs).strip()

            values = _values_from_tree(tag_root, resolve)
            if values.get("number"):
                notes.append(f"fapiao data from custom tags {name}")
                return _record_from_fapiao(values, source, digest, notes)

    raise DocumentError(
        source,
        "OFD carries no invoice data: no e-invoice XML attachment and no custom tags "
        "with an invoice number (e.g. a seal page or a blank template)",
    )


def verify_ofd_integrity(data: bytes, source: str = "<bytes>") -> list[str]:
    """Recompute the digests an OFD's signatures record; return the mismatching paths.

    Every ``ofd:Reference`` in every signature listed in a ``Signatures.xml`` is
    checked: its ``CheckValue`` (base64) must equal the hash (SM3 for OID
    1.2.156.10197.1.401) of the referenced file. A referenced file that is
    missing counts as a mismatch. An unsigned OFD yields an empty list; use
    :func:`ofd_signature_count` to tell the two apart.
    """
    zf = _SafeZip(data, source)
    bad: list[str] = []
    sig_names: list[str] = []
    for sigs_name in _signature_lists(zf):
        try:
            sig_names += _signature_files(zf, sigs_name)
        except DocumentError:
            # The signature list is itself a signed part: when it is damaged, report it
            # and still check the signature files that sit beside it.
            bad.append("/" + sigs_name)
            prefix = posixpath.dirname(sigs_name) + "/"
            sig_names += sorted(
                n for n in zf.names
                if n.startswith(prefix) and posixpath.basename(n).lower() == "signature.xml"
            )
    for sig_name in dict.fromkeys(sig_names):
        root = zf.xml(sig_name)
        for refs in root.iter():
            if _local(refs) != "References":
                continue
            method = refs.get("CheckMethod", "1.2.156.10197.1.401").strip().lower()
            algo = _CHECK_METHODS.get(method)
            if algo is None:
                raise DocumentError(source, f"{sig_name}: unsupported CheckMethod {method}")
            for ref in refs:
                if _local(ref) != "Reference":
                    continue
                path = ref.get("FileRef", "")
                check = _text(_find_local(ref, "CheckValue"))
                name = zf.find(path)
                try:
                    expected = base64.b64decode(check, validate=True)
                except (binascii.Error, ValueError):
                    expected = b""
                if name is None or not expected:
                    bad.append(path)
                    continue
                actual = hashlib.new(algo, zf.read(name)).digest()
                if not hmac.compare_digest(actual, expected):
                    bad.append(path)
    return list(dict.fromkeys(bad))


def ofd_signature_count(data: bytes, source: str = "<bytes>") -> int:
    """How many signature files an OFD's Signatures.xml lists (0 when unsigned)."""
    zf = _SafeZip(data, source)
    return sum(len(_signature_files(zf, s)) for s in _signature_lists(zf))


def _signature_lists(zf: _SafeZip) -> list[str]:
    return sorted(n for n in zf.names if posixpath.basename(n).lower() == "signatures.xml")


def _signature_files(zf: _SafeZip, sigs_name: str) -> list[str]:
    root = zf.xml(sigs_name)
    out: list[str] = []
    for el in root.iter():
        if _local(el) == "Signature" and el.get("BaseLoc"):
            loc = el.get("BaseLoc", "")
            target = loc if loc.startswith("/") else posixpath.join(
                posixpath.dirname(sigs_name), loc)
            name = zf.find(target)
            if name is None:
                raise DocumentError(zf.source, f"{sigs_name}: signature file {loc} missing")
            out.append(name)
    return out


# --------------------------------------------------------------------------- API


def _load(path_or_bytes: str | Path | bytes, name: str | None) -> tuple[bytes, str]:
    if isinstance(path_or_bytes, bytes | bytearray | memoryview):
        return bytes(path_or_bytes), name or "<bytes>"
    path = Path(path_or_bytes)
    source = name or str(path)
    try:
        return path.read_bytes(), source
    except OSError as exc:
        raise DocumentError(source, f"cannot read file ({exc.strerror})") from None


def import_invoice(
    path_or_bytes: str | Path | bytes, hasher: Hasher, name: str | None = None
) -> InvoiceRecord:
    """Detect the syntax of an e-invoice, parse it and return its record.

    Raises :class:`DocumentError` naming the file and what is wrong.
    """
    data, source = _load(path_or_bytes, name)
    if not data.strip():
        raise DocumentError(source, "empty file")
    digest = hasher(data)
    if data[:4] == b"PK\x03\x04":
        return _parse_ofd(data, source, digest)
    root = _parse_xml(data, source)
    ns = etree.QName(root).namespace
    local = _local(root)
    if ns in (UBL_INVOICE_NS, UBL_CREDIT_NOTE_NS) and local in ("Invoice", "CreditNote"):
        return _parse_ubl(root, source, digest)
    if ns == CII_NS and local == "CrossIndustryInvoice":
        return _parse_cii(root, source, digest)
    shown = f"{{{ns}}}{local}" if ns else local
    raise DocumentError(source, f"not an invoice: root element {shown}")


def verify_file(data: bytes, digest: bytes, hasher: Hasher) -> bool:
    """Whether ``data`` hashes to ``digest`` (constant-time comparison)."""
    return hmac.compare_digest(hasher(bytes(data)), digest)


def import_many(
    paths: Iterable[str | Path], hasher: Hasher
) -> list[InvoiceRecord | DocumentError]:
    """Import several files; failures are returned in place rather than raised."""
    out: list[InvoiceRecord | DocumentError] = []
    for p in paths:
        try:
            out.append(import_invoice(p, hasher))
        except DocumentError as exc:
            out.append(exc)
    return out
