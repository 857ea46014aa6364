"""The normalised invoice record, its errors, and the parsing helpers every syntax shares."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
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
CHECK_METHODS = {
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


def parse_xml(data: bytes, source: str) -> etree._Element:
    if len(data) > MAX_XML_BYTES:
        raise DocumentError(source, f"XML larger than {MAX_XML_BYTES} bytes")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise DocumentError(source, f"not XML ({exc})") from None
    if root is None:
        raise DocumentError(source, "not XML (no root element)")
    return root


def local_name(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return etree.QName(tag).localname


def text_of(el: etree._Element | None) -> str:
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


def check_date(value: str, source: str, field: str) -> str:
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        raise DocumentError(source, f"bad date {value!r} in {field}") from None


def check_currency(value: str, source: str, field: str) -> str:
    value = value.strip()
    if not _CURRENCY_RE.fullmatch(value):
        raise DocumentError(source, f"bad currency code {value!r} in {field}")
    return value


def require(value: str, source: str, field: str) -> str:
    if not value:
        raise DocumentError(source, f"missing field {field}")
    return value


# --------------------------------------------------------------------------- UBL

